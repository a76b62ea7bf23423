"""Build the outside short-spam eval set (measuring only; nothing is committed or trained on).

    python bench/make_short_spam_eval.py SPAM.txt OUT.tsv [--ham-vk RUSSIAN_DISTORTED_TOXICITY.tsv]

- spam: every message under 60 characters of a public Russian Telegram spam library the project
  never trained on (github.com/talyguryn/antispambot, antispam/data/spam.txt: messages reported
  as spam in real groups, one per paragraph), deduplicated, minus any line tg-spam's samples hold
  (those are measured by `make_tgspam_eval.py`).
- ordinary: tg-spam's ham under 60 characters (real group chat, ../shared/data/tg-spam) and, with
  `--ham-vk`, the non-toxic VK comments under 60 characters of "Russian Distorted Toxicity"
  (github.com/alla-g/toxicity-detection-thesis), so short ordinary Russian chat is not only one
  group's.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

TG_SPAM = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tg-spam"
SHORT = 60
_REPLY_PREFIX = re.compile(r"^\[id\d+\|[^\]]*\],?\s*")


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def spam_lines(library: Path, tg_spam: Path) -> list[str]:
    known = {_clean(line) for line in (tg_spam / "spam-samples.txt").read_text(encoding="utf-8").splitlines()}
    messages = {_clean(part) for part in library.read_text(encoding="utf-8").split("\n\n")}
    return sorted(m for m in messages if m and len(m) < SHORT and m not in known)


def ham_lines(tg_spam: Path, vk: Path | None) -> list[str]:
    ham = [_clean(line) for line in (tg_spam / "ham-samples.txt").read_text(encoding="utf-8").splitlines()]
    if vk is not None:
        for row in csv.DictReader(vk.open(encoding="utf-8"), delimiter="\t"):
            if row["toxicity"].strip() == "0":
                ham.append(_clean(_REPLY_PREFIX.sub("", row["comments"])))
    seen: set[str] = set()
    return [h for h in ham if h and len(h) < SHORT and not (h in seen or seen.add(h))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spam", type=Path, help="the spam library, one message per paragraph")
    parser.add_argument("out", type=Path)
    parser.add_argument("--tg-spam", type=Path, default=TG_SPAM)
    parser.add_argument("--ham-vk", type=Path, default=None)
    args = parser.parse_args()
    spam = spam_lines(args.spam, args.tg_spam)
    ham = ham_lines(args.tg_spam, args.ham_vk)
    lines = [f"spam\t{s}" for s in spam] + [f"ok\t{h}" for h in ham]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(spam)} spam + {len(ham)} ok = {len(lines)} lines -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
