"""`crm`: the command line for a plaincrm repository.

A thin shell: each command sits with its arguments in the module of its kind (`checks`, `records`,
`reading`) and only parses, calls one function of the engine and prints what that returns. Here
the commands are put together, in the order `crm --help` lists them.
"""

from __future__ import annotations

import argparse
import sys

from . import checks, completion, customer, notify, reading, records, review_sample, serving
from .common import EXIT_OK, EXIT_USAGE, ROOT_HELP, add_globals, parents

COMMANDS = (
    checks.add_validate,
    checks.add_schema,
    records.add_new,
    reading.add_show,
    reading.add_report,
    reading.add_history,
    reading.add_diff,
    reading.add_remind,
    notify.add_remind_issues,
    review_sample.add_review,
    records.add_log,
    records.add_set,
    records.add_import,
    records.add_dupes,
    records.add_merge,
    checks.add_codeowners,
    checks.add_forms,
    records.add_from_issue,
    checks.add_fmt,
    reading.add_export,
    reading.add_pages,
    reading.add_sites,
    serving.add_serve_config,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm",
        description="plaincrm: customer records as YAML files in git, checked, browsable and reportable.",
        epilog="Run `crm COMMAND --help` for a command's options. Exit codes: 0 ok, 1 problems found, 2 usage error.",
    )
    parser.add_argument("--root", help=ROOT_HELP)
    add_globals(parser)  # --version, --color
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared = parents()
    for add in COMMANDS:
        add(sub, shared)
    customer.register(sub, shared.writes)  # order, case, date, contact, step: the rest of a customer's life
    completion.register(sub, shared, parser)  # walks the whole parser, so it comes last
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..layout import SchemaConfigError
    from ..project import ProjectNotFound

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ProjectNotFound, SchemaConfigError) as error:
        print(f"crm: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `crm … | head`
        return EXIT_OK
    finally:
        if argv is None:  # a real process, about to exit: skip the collector's last pass over the heap
            import gc

            gc.freeze()
