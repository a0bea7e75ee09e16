"""What every `crm` command shares: the exit codes, the options several commands take (--root,
--color, --today, --lang, as parent parsers) and reading them (`_day`, `_project`, `_lang`)."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..problems import render

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
ROOT_HELP = "repository folder (default: the nearest one above the current folder)"
COLOR_CHOICES = ("auto", "always", "never")


@dataclass(frozen=True)
class Parents:
    """The parent parsers a command picks from: `root` (--root, so it works after the command too),
    `dated` (--today) and `labelled` (--lang)."""

    root: argparse.ArgumentParser
    dated: argparse.ArgumentParser
    labelled: argparse.ArgumentParser
    dry_run: argparse.ArgumentParser

    @property
    def writes(self) -> list[argparse.ArgumentParser]:
        """What every command that writes records takes: --root, --today, --lang, --dry-run."""
        return [self.root, self.dated, self.labelled, self.dry_run]


COLOR_HELP = (
    "colour in a terminal: auto (default; none when NO_COLOR is set or output is not a terminal, "
    "FORCE_COLOR forces it), always or never"
)


class _Version(argparse.Action):
    """`crm --version`: `crm (plaincrm) X.Y.Z`, the installed distribution's version, looked up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("plaincrm")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown"
        print(f"crm (plaincrm) {number}")
        parser.exit()


def add_globals(parser: argparse.ArgumentParser) -> None:
    """The options of `crm` itself: --version, and --color (also after a command, through `parents().root`)."""
    parser.add_argument("--version", action=_Version, help="print crm's version and exit")
    parser.add_argument("--color", choices=COLOR_CHOICES, default="auto", help=COLOR_HELP)


def parents() -> Parents:
    root = argparse.ArgumentParser(add_help=False)
    root.add_argument("--root", default=argparse.SUPPRESS, help=ROOT_HELP)
    root.add_argument("--color", choices=COLOR_CHOICES, default=argparse.SUPPRESS, help=COLOR_HELP)
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--today", type=_day, help="the date to use as today (YYYY-MM-DD)")
    labelled = argparse.ArgumentParser(add_help=False)
    labelled.add_argument("--lang", choices=("en", "zh"), help="label language (default: $PLAINCRM_LANG or en)")
    dry_run = argparse.ArgumentParser(add_help=False)
    dry_run.add_argument(
        "--dry-run", action="store_true", help="check the change and print it as a diff; write nothing"
    )
    return Parents(root, dated, labelled, dry_run)


def _day(text: str) -> date:
    from ..modelkit import ISO_DAY, YEARS

    try:
        if not ISO_DAY.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD, in the years {YEARS}): {text!r}") from None


def _project(args):
    from ..project import Project

    return Project.find(Path(args.root) if args.root else None)


def _lang(args) -> str:
    return args.lang or os.environ.get("PLAINCRM_LANG", "en")


def _views(project, today: date, *, masked: bool = True, lang: str | None = None):
    """The (masked) dataset's views for `today`; None (problems printed, in `lang` or $PLAINCRM_LANG) when the
    records are invalid."""
    from ..dataset import load_dataset
    from ..problems import ProblemError
    from ..views import derive

    try:
        return derive(load_dataset(project, masked=masked), today)
    except ProblemError as error:
        print(render(error.problems, lang=lang or os.environ.get("PLAINCRM_LANG", "en")), file=sys.stderr)
        return None
