"""What every `crm` command shares: the exit codes, the options several commands take (--root,
--today, --lang, as parent parsers) and reading them (`_day`, `_project`, `_lang`)."""

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


def parents() -> Parents:
    root = argparse.ArgumentParser(add_help=False)
    root.add_argument("--root", default=argparse.SUPPRESS, help=ROOT_HELP)
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
