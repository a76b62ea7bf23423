"""Convert the outside tg-spam samples into an eval file: `python bench/make_tgspam_eval.py OUT.tsv`.

The samples stay outside the project (../shared/data/tg-spam); the output goes wherever you say,
usually a temp path, and is not committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

DEFAULT_SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tg-spam"


def convert(source: Path, out: Path) -> int:
    lines = []
    for label, name in (("spam", "spam-samples.txt"), ("ok", "ham-samples.txt")):
        for text in (source / name).read_text(encoding="utf-8").splitlines():
            text = text.replace("\t", " ").strip()
            if text:
                lines.append(f"{label}\t{text}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: make_tgspam_eval.py OUT.tsv [SOURCE_DIR]", file=sys.stderr)
        return 2
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    count = convert(source, Path(argv[0]))
    print(f"{count} lines -> {argv[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
