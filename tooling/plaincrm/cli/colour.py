"""Colour in the terminal, and only there: the one helper every `crm` command paints with.

Whether to colour is decided once per stream (`painter`): `--color always|never` when given;
otherwise none when NO_COLOR is set to anything (https://no-color.org, it wins over FORCE_COLOR as in
CPython's own rule), colour when FORCE_COLOR is set, none for TERM=dumb, and else colour exactly when the
stream is a terminal. What is painted is text already made safe (`terminal_safe`): the codes are this
module's, never a record's, and a pipe, a file or `--format json` gets no code at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from ..escaping import terminal_safe
from ..show import Paint, plain

# SGR codes per style: few, and readable on a dark or a light background.
STYLES = {
    "heading": "1",  # bold: a report's title, an owner, a record's first line
    "location": "36",  # cyan: FILE:LINE:COL of a problem
    "field": "1",  # bold: the field a problem is about
    "overdue": "1;31",  # bold red: an overdue reminder
    "due": "33",  # yellow: the date of a reminder coming up
    "error": "1;31",  # bold red: an error line
    "added": "32",  # green
    "removed": "31",  # red
    "dim": "2",  # faint: a commit's short sha
}


def wanted(choice: str, stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Whether to colour what goes to `stream` (see the module's rule)."""
    env = os.environ if env is None else env
    if choice != "auto":
        return choice == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def colour(style: str, text: str) -> str:
    """`text` (already safe) in `style`'s colour, reset after it."""
    return f"\x1b[{STYLES[style]}m{text}\x1b[0m" if text else text


def painter(args, stream: TextIO) -> Paint:
    """The paint function for what a command writes to `stream`: `colour` or `plain`."""
    return colour if wanted(getattr(args, "color", "auto"), stream) else plain


def problem_lines(problems, lang: str, paint: Paint) -> str:
    """Problems for the terminal as `Problem.line_text` says them (FILE:LINE:COL: FIELD: MESSAGE), the
    location and the field painted; with `plain`, exactly what `problems.render` prints."""
    out = []
    for problem in problems:
        line = problem.line_text(lang)
        where = f"{terminal_safe(problem.file)}:{problem.line}:{problem.col}"
        field = f": {terminal_safe(problem.field)}" if problem.field else ""
        if paint is plain or not line.startswith(where + field):  # the rule is Problem's: paint only what it made
            out.append(line)
            continue
        rest = line[len(where) + len(field) :]
        out.append(paint("location", where) + (": " + paint("field", field[2:]) if field else "") + rest)
    return "\n".join(out)
