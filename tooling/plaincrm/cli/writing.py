"""What every write command shares: asking in a terminal for what was not given, and saying what
an action did (the files written, the diff of a dry run, or the problems and that nothing was
written), in the user's language."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from ..escaping import terminal_safe
from ..problems import render
from ..site.i18n import text
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE


class Asker:
    """Asks for the values a command lacks, labelled in the user's language, offering an option
    list's values (with their labels) and checking dates and numbers as the flags would."""

    def __init__(self, project, lang: str, command: str):
        self.project, self.lang, self.command = project, lang, command
        self.interactive = sys.stdin.isatty()

    def missing(self, flag: str) -> int:
        print(f"crm {self.command}: " + text("cli.needs", self.lang).format(what=flag), file=sys.stderr)
        return EXIT_USAGE

    def ask(
        self,
        label: tuple[str, str],
        *,
        options: str | None = None,
        choices: list[str] | None = None,
        default: Any = None,
        convert: Callable[[str], Any] | None = None,
        required: bool = True,
    ) -> Any:
        """One value: `options` names an option list (its values offered with their labels), `choices`
        lists the only answers (team members); Enter keeps `default`."""
        en, zh = label
        shown = zh if self.lang == "zh" else en
        if options in self.project.options:
            option_list = self.project.options[options]
            choices = list(option_list.values)
            print("  " + ", ".join(f"{v} {option_list.label(v, self.lang)}" for v in choices), file=sys.stderr)
        elif choices:
            print("  " + ", ".join(choices), file=sys.stderr)
        while True:
            answer = input(f"{shown}" + (f" [{default}]" if default not in (None, "") else "") + ": ").strip()
            if not answer:
                if default not in (None, "") or not required:
                    return default
                print("  " + text("cli.required", self.lang), file=sys.stderr)
                continue
            if choices and answer not in choices:
                print("  " + text("cli.choose", self.lang), file=sys.stderr)
                continue
            try:
                return convert(answer) if convert else answer
            except ValueError:
                print(
                    "  " + text("cli.not_date" if convert is date.fromisoformat else "cli.not_number", self.lang),
                    file=sys.stderr,
                )


def fill(args, asker: Asker, needed: list[tuple[str, tuple[str, str], dict]]) -> int | None:
    """Ask for each needed argument left empty (in a terminal), or say which is missing (exit 2). One
    with a default, or not required, is asked for only in a terminal; elsewhere it keeps its default."""
    for name, label, how in needed:
        if getattr(args, name, None) not in (None, ""):
            continue
        if not asker.interactive:
            if "default" in how or not how.get("required", True):
                setattr(args, name, how.get("default"))
                continue
            return asker.missing("--" + name.replace("_", "-"))
        setattr(args, name, asker.ask(label, **how))
    return None


def said(project, outcome, command: str, lang: str, *, dry_run: bool = False) -> int:
    """Print what the action did: the changed files (stdout, one a line, the record first), or the
    diff a dry run would write, or its problems and that nothing was written (stderr, exit 1).
    Nothing to change (the record says so already) is no problem: said on stderr, exit 0."""
    if not outcome.ok:
        print(render(outcome.problems, lang=lang), file=sys.stderr)
        print(f"crm {command}: {text('cli.nothing', lang)}", file=sys.stderr)
        return EXIT_PROBLEMS
    if dry_run:
        print("\n".join(terminal_safe(line) for line in outcome.diff(project).split("\n")), end="")
        print(f"crm {command}: {text('cli.dry', lang)}", file=sys.stderr)
    else:
        for change in outcome.changes:
            print(project.relative(change.path))
    for line in outcome.report:
        print(f"  {terminal_safe(line)}", file=sys.stderr)
    return EXIT_OK
