"""The commands that check a repository or bring its generated files up to date: `crm validate`,
`crm schema`, `crm fmt`, `crm codeowners`, `crm forms`; each command's arguments beside it."""

from __future__ import annotations

import sys
from pathlib import Path

from ..escaping import terminal_safe
from ..problems import render
from .colour import painter, problem_lines
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Parents, _lang, _project


def _sync(project, which: str, check: bool):
    """Check or write one kind of generated file through the one action that does (`sync_generated`):
    the outcome, and the exit code (problems when a file is stale under `check` or it cannot be made)."""
    from ..write import actions

    outcome = actions.sync_generated(project, which=(which,), check=check)
    if not outcome.ok:
        print(render(outcome.problems), file=sys.stderr)
    return outcome, EXIT_PROBLEMS if not outcome.ok or (check and outcome.changes) else EXIT_OK


def cmd_validate(args) -> int:
    from ..dataset import check_project

    project = _project(args)
    only = [Path(p).resolve() for p in args.paths] or None
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"crm validate: no such file or folder: {terminal_safe(', '.join(missing))}", file=sys.stderr)
        return EXIT_USAGE
    history = _history(project) if args.history else None
    report = check_project(
        project,
        only=only,
        jobs=args.jobs,
        use_cache=not args.no_cache,
        warnings=True,
        today=args.today,
        history=history,
    )
    hidden = "warning" if args.errors_only else "error" if args.warnings_only else None
    shown = [p for p in report.problems if p.severity != hidden]  # the exit code is the errors' all the same
    if shown and args.format == "text":
        print(problem_lines(shown, _lang(args), painter(args, sys.stdout)))
    elif shown or args.format == "markdown":
        print(render(shown, args.format, _lang(args)), end="" if args.format == "markdown" else "\n")
    elif args.format == "json":
        print("[]")
    print(_summary(report) + (f" ({report.cached} from cache)" if report.cached else ""), file=sys.stderr)
    if history is not None and history.message:
        print(f"crm validate: {terminal_safe(history.message)}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _summary(report) -> str:
    """The last line: errors and warnings counted apart (only errors make a record invalid)."""
    errors = [p for p in report.problems if p.severity == "error"]
    warned = [p for p in report.problems if p.severity != "error"]
    warnings = f"{len(warned)} warning(s) in {len({p.file for p in warned})} file(s)" if warned else ""
    if errors:
        counted = f"{len(errors)} problem(s) in {len({p.file for p in errors})} file(s)"
        return f"{counted}{', ' + warnings if warnings else ''}; {report.files} record(s) checked"
    return f"all {report.files} record(s) valid" + (f"; {warnings}" if warnings else "")


def _history(project):
    """The audit trail for the 24-hour rule (`consistency.late_interaction`): read only when the rule is on
    and the project is in a git repository (`read_history` says why there is none, and caches what it read)."""
    from ..consistency import levels
    from ..history.audit import read_history

    if levels(project.settings)["late_interaction"] == "off":
        return None
    return read_history(project)


def add_validate(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "validate",
        parents=[parents.root, parents.dated, parents.labelled],
        help="check records against the schema and each other",
        description="Check every record (and records/team.yaml): YAML strictness, the team's models, privacy "
        "rules, and rules across records (unique ids, known owners, existing referrals). Reports every problem "
        "as FILE:LINE:COL: FIELD: MESSAGE. Unchanged files are answered from a cache keyed by content. "
        "The field guides' consistency rules (placeholder names, potential customers idle for 90 days, "
        "category against cooperation, unreachable numbers not marked to check, and with --history "
        "interactions logged more than 24 hours late) are warnings: shown, exit 0, unless schema/settings.yaml "
        "`warnings: {RULE: error}` makes one an error (or `off`).",
    )
    p.add_argument(
        "paths", nargs="*", help="limit the report to these files or folders (all records are still cross-checked)"
    )
    p.add_argument(
        "--format",
        choices=("text", "github", "json", "markdown"),
        default="text",
        help="text for people, github for workflow annotations (::error, ::warning), json for tools, "
        "markdown for a job summary",
    )
    p.add_argument(
        "--history",
        action="store_true",
        help="also read git's history for the 24-hour rule (when each interaction was committed); "
        "cached in .cache/plaincrm, but the first read of a large repository takes seconds",
    )
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--errors-only", action="store_true", help="leave the warnings out")
    shown.add_argument(
        "--warnings-only",
        action="store_true",
        help="show only the warnings (the exit code still says whether there are errors)",
    )
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--no-cache", action="store_true", help="check every file again, ignoring the cache")
    p.set_defaults(func=cmd_validate)


def cmd_schema(args) -> int:
    project = _project(args)
    outcome, code = _sync(project, "schema", args.check)
    if args.check:
        for change in outcome.changes:
            print(f"{project.relative(change.path)}: out of date; run `crm schema`", file=sys.stderr)
    else:
        for change in outcome.changes:
            print(f"wrote {project.relative(change.path)}")
    return code


def add_schema(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "schema",
        parents=[parents.root],
        help="write the JSON Schema files editors use",
        description="Generate schema/customer.schema.json and schema/team.schema.json from the models in schema/. "
        "Records point at them with a `# yaml-language-server: $schema=…` first line.",
    )
    p.add_argument("--check", action="store_true", help="only report whether the files are out of date (exit 1)")
    p.set_defaults(func=cmd_schema)


def cmd_fmt(args) -> int:
    from ..loading import read_bounded
    from ..problems import ProblemError
    from ..write.atomic import FileChanged, write_atomically
    from ..write.editing import EditRefused, canonical_text

    project = _project(args)
    wanted = [Path(p).resolve() for p in args.paths]
    paths = [p for p in project.customer_files() if not wanted or any(p == w or w in p.parents for w in wanted)]
    untidy, unreadable = [], []
    for path in paths:
        try:
            before = read_bounded(path, project.relative(path), project.limits.max_file_bytes)
        except ProblemError as error:  # a link, a pipe, a file over the limit: validate says the same
            unreadable.append(f"{project.relative(path)}: {terminal_safe(error.problems[0].message)}")
            continue
        try:
            text = before.decode("utf-8")
            after = canonical_text(project, text)
        except Exception as error:
            unreadable.append(
                f"{project.relative(path)}: "
                + (
                    terminal_safe(str(error))
                    if isinstance(error, EditRefused)
                    else f"cannot be formatted ({type(error).__name__}); run crm validate"
                )
            )
            continue
        if after == text:
            continue
        untidy.append(project.relative(path))
        if not args.check:
            try:
                write_atomically(path, after.encode("utf-8"), expect=before)
            except FileChanged:
                unreadable.append(f"{project.relative(path)}: changed meanwhile; not formatted")
    for line in unreadable:
        print(f"crm fmt: {line}", file=sys.stderr)
    for file in untidy:
        print(f"{file}: not in canonical form" if args.check else f"formatted {file}")
    if args.check and untidy:
        print(f"crm fmt: {len(untidy)} file(s) not in canonical form; run crm fmt", file=sys.stderr)
    return EXIT_PROBLEMS if (args.check and untidy) or unreadable else EXIT_OK


def add_fmt(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "fmt",
        parents=[parents.root],
        help="put records in canonical key order and style (--check: only report)",
        description="Rewrite records with their keys in the order the schema declares them and in plaincrm's style "
        "(comments are kept; data never changes). --check writes nothing and exits 1 if a file would change.",
    )
    p.add_argument("paths", nargs="*", help="only these files or folders")
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_fmt)


def cmd_codeowners(args) -> int:
    from ..codeowners import PATH

    outcome, code = _sync(_project(args), "codeowners", args.check)
    if outcome.changes and args.check:
        print(f"crm codeowners: {PATH} is stale (owners changed); run crm codeowners and commit it", file=sys.stderr)
    elif outcome.changes:
        print(f"wrote {PATH}")
    return code


def add_codeowners(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "codeowners",
        parents=[parents.root],
        help="write .github/CODEOWNERS: each customer's owner reviews changes to it",
        description="Generate .github/CODEOWNERS from records/team.yaml (git host logins; admins and managers review "
        "everything else, admins the schema, engine and workflows) and each record's owner. --check exits 1 when "
        "the committed file is stale.",
    )
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_codeowners)


def cmd_forms(args) -> int:
    project = _project(args)
    outcome, code = _sync(project, "forms", args.check)
    stale = [project.relative(change.path) for change in outcome.changes]
    if args.check and stale:
        print(
            f"crm forms: {', '.join(stale)} stale (the option lists changed); run crm forms and commit", file=sys.stderr
        )
    elif stale:
        print("\n".join(f"wrote {file}" for file in stale))
    return code


def add_forms(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "forms",
        parents=[parents.root],
        help="write the issue forms (.github/ISSUE_TEMPLATE) from the option lists",
        description="Generate the 'New customer' and 'Log an interaction' issue forms, their dropdowns filled from "
        "schema/options.yaml. --check exits 1 when the committed forms are stale.",
    )
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_forms)
