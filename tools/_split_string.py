#!/usr/bin/env python3
"""Keeps the flake8 errors an edit introduced.

Usage: _split_string NEW_LINT [OLD_LINT START END N_LINES]

NEW_LINT and OLD_LINT are flake8 outputs (``path:line[:col]: problem`` lines) of the file after and before an edit
that replaced lines START..END (1-based, inclusive; END = START - 1 for a pure insertion) with N_LINES lines.
Old errors above the edit keep their place, old errors inside it are forgotten, old errors below it move by the
change in length; a new error equal to a moved old one is not new. Prints ``- <problem>`` per new error.
"""

import re
import sys

LINT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?P<problem>.*)$")


def parse(text):
    errors = []
    for raw in text.splitlines():
        match = LINT_LINE.match(raw)
        if match:
            col = int(match["col"]) if match["col"] else 0
            errors.append((match["path"], int(match["line"]), col, match["problem"]))
    return errors


def moved_old_errors(old, start, end, n_lines):
    shift = n_lines - (end - start + 1)
    kept = set()
    for path, line, col, problem in old:
        if line < start:
            kept.add((path, line, col, problem))
        elif line > end:
            kept.add((path, line + shift, col, problem))
    return kept


def main(argv):
    if len(argv) not in (1, 5):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    new = parse(argv[0])
    if len(argv) == 5:
        start, end, n_lines = int(argv[2]), int(argv[3]), int(argv[4])
        old = moved_old_errors(parse(argv[1]), start, end, n_lines)
        new = [error for error in new if error not in old]
    for error in new:
        print(f"- {error[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
