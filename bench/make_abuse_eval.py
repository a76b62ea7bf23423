"""Turn public labelled corpora into eval files (measuring only; nothing is committed or trained on).

    python bench/make_abuse_eval.py davidson LABELED_DATA.csv OUT.tsv [--n 1500] [--seed 1]
    python bench/make_abuse_eval.py ru-distorted RUSSIAN_DISTORTED_TOXICITY.tsv OUT.tsv
    python bench/make_abuse_eval.py ru-detox RUSSE_DETOX_TRAIN.tsv OUT.tsv [--n 1500] [--seed 1]
    python bench/make_abuse_eval.py short-spam TG_SPAM_DIR OUT.tsv [EXTRA_SPAM.txt ...]

- `davidson`: the English tweets of Davidson et al. (github.com/t-davidson/hate-speech-and-
  offensive-language, data/labeled_data.csv): classes 0 (hate) and 1 (offensive) become `abuse`,
  class 2 (neither) `ok`; `--n` of each, sampled with `--seed`.
- `ru-distorted`: "Russian Distorted Toxicity", 3,000 VK comments labelled toxic or not
  (github.com/alla-g/toxicity-detection-thesis, toxicity_corpus/russian_distorted_toxicity.tsv);
  the "[id123|Name]," reply prefixes are dropped, as Telegram replies carry none in the text.
- `ru-detox`: the toxic comments of RUSSE-2022 Detox (github.com/s-nlp/russe_detox_2022,
  data/input/train.tsv), drawn from 2ch, pikabu and ok.ru, become `abuse`; the people-written
  neutral rewrites become `ok`. Rewrites come from other rows than the toxic lines taken, so no
  `ok` line is the polite twin of an `abuse` line; being on the same heated topics, the rewrites
  are a harder test of "ordinary" than everyday chat is. `--n` of each, sampled with `--seed`.
- `short-spam`: spam under 60 characters from tg-spam's samples (and any extra spam files, one
  message a line), plus the first sentence (20-59 characters) of each longer one, against tg-spam's
  ham under 60 characters. With `--offers`, only the spam lines that show an offer on their own
  (a number, an @, a link, a currency sign, "18+", "лс"/"личк"/"профил"/"bio"/"DM"): a bare
  first sentence such as "Attention all group members!" is no spam by itself.
"""

from __future__ import annotations

import argparse
import csv
import html
import random
import re
from pathlib import Path

_REPLY_PREFIX = re.compile(r"^\[id\d+\|[^\]]*\],?\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s|\\n|\n")


def _clean(text: str) -> str:
    return text.replace("\r", "").replace("\t", " ").strip().replace("\n", "\\n")


def davidson(source: Path, n: int, seed: int) -> list[str]:
    rows = list(csv.DictReader(source.open(encoding="utf-8")))
    rng = random.Random(seed)
    abuse = [r for r in rows if r["class"] in ("0", "1")]
    ok = [r for r in rows if r["class"] == "2"]
    rng.shuffle(abuse)
    rng.shuffle(ok)
    return [f"abuse\t{_clean(html.unescape(r['tweet']))}" for r in abuse[:n]] + [
        f"ok\t{_clean(html.unescape(r['tweet']))}" for r in ok[:n]
    ]


def ru_distorted(source: Path) -> list[str]:
    out = []
    for row in csv.DictReader(source.open(encoding="utf-8"), delimiter="\t"):
        text = _clean(_REPLY_PREFIX.sub("", row["comments"]))
        if text:
            out.append(("abuse" if row["toxicity"].strip() == "1" else "ok") + "\t" + text)
    return out


def ru_detox(source: Path, n: int, seed: int) -> list[str]:
    rows = [r for r in csv.DictReader(source.open(encoding="utf-8"), delimiter="\t") if r["toxic_comment"].strip()]
    rng = random.Random(seed)
    rng.shuffle(rows)
    toxic = [_clean(r["toxic_comment"]) for r in rows[:n]]
    neutral = [_clean(r["neutral_comment1"]) for r in rows[n:] if r["neutral_comment1"].strip()][:n]
    return [f"abuse\t{t}" for t in toxic if t] + [f"ok\t{t}" for t in neutral if t]


_OFFER = re.compile(r"\d|@|https?://|t\.me|[$€₽]|18\+|🔞|лс|личк|профил|bio|DM", re.IGNORECASE)


def short_spam(source: Path, extra: list[Path], offers: bool = False) -> list[str]:
    spam_lines = (source / "spam-samples.txt").read_text(encoding="utf-8").splitlines()
    for path in extra:
        spam_lines += path.read_text(encoding="utf-8").splitlines()
    spam: set[str] = set()
    for line in (raw.strip() for raw in spam_lines):
        if not line:
            continue
        if len(line) < 60:
            spam.add(line)
            continue
        first = _SENTENCE_END.split(line)[0].strip()
        if 20 <= len(first) < 60:
            spam.add(first)
    ham = [
        raw.strip()
        for raw in (source / "ham-samples.txt").read_text(encoding="utf-8").splitlines()
        if raw.strip() and len(raw.strip()) < 60
    ]
    if offers:
        spam = {s for s in spam if _OFFER.search(s)}
    return [f"spam\t{_clean(s)}" for s in sorted(spam)] + [f"ok\t{_clean(h)}" for h in ham]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["davidson", "ru-distorted", "ru-detox", "short-spam"])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("extra", type=Path, nargs="*")
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--offers", action="store_true", help="short-spam: only lines that show an offer")
    args = parser.parse_args()
    if args.kind == "davidson":
        lines = davidson(args.source, args.n, args.seed)
    elif args.kind == "ru-distorted":
        lines = ru_distorted(args.source)
    elif args.kind == "ru-detox":
        lines = ru_detox(args.source, args.n, args.seed)
    else:
        lines = short_spam(args.source, args.extra, args.offers)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} lines -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
