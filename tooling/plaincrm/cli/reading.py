"""The commands that read: `crm show`, `crm remind`, `crm report`, `crm history`, `crm diff`, `crm export`,
`crm pages`; each command's arguments beside it. What they print is made beside what it shows
(`show`, `reminders`, `reports`, `records_export`); here it is only asked for and printed."""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

from ..escaping import terminal_safe
from ..problems import render
from ..show import json_text
from .colour import painter
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Parents, _lang, _project, _views


def _format(p, what: str, shape: str, choices: tuple[str, ...] = ("text", "json")) -> None:
    """The --format option of a reading command; its help says the JSON shape (the README's too)."""
    p.add_argument("--format", choices=choices, default="text", help=f"{what}; json: {shape}")


def cmd_show(args) -> int:
    from ..show import RecordText
    from ..validation import RecordChecker

    project = _project(args)
    path = project.customer_file(args.id)
    if not path.exists():
        matches = [p for p in project.customer_files() if p.stem == args.id]
        if not matches:
            print(f"crm show: no customer {args.id!r} in {project.layout.customers_dir}", file=sys.stderr)
            return EXIT_PROBLEMS
        path = matches[0]
    check = RecordChecker(project, mask=not args.unmasked).check_file(path, keep_data=True)
    if check.data is None:
        print(render(check.problems), file=sys.stderr)
        return EXIT_PROBLEMS
    shown, model = RecordText(project, lang=_lang(args)), project.customer_adapter.validate_python(check.data)
    if args.format == "json":
        sys.stdout.write(json_text(shown.data(model)))
    else:
        sys.stdout.write(shown.record(model, painter(args, sys.stdout)))
    return EXIT_OK


def add_show(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "show",
        parents=[parents.root, parents.labelled],
        help="print one record in readable form",
        description="Print a customer with labels from the schema; phone numbers and e-mail addresses are masked.",
    )
    p.add_argument("id", help="customer id, e.g. C20240501001")
    p.add_argument("--unmasked", action="store_true", help="show contact details in full")
    _format(
        p,
        "text for people, json for tools",
        "{id, name, fields: [{field, label, value, text}]}, value typed (numbers, dates YYYY-MM-DD, lists of "
        "objects), text as shown, contact details masked",
    )
    p.set_defaults(func=cmd_show)


def _labeller(project, lang: str):
    options = project.options
    return lambda list_name, value: options[list_name].label(value, lang) if list_name in options else value


def cmd_remind(args) -> int:
    from ..reminders import reminders, reminders_data, reminders_text
    from ..site.i18n import text

    project = _project(args)
    today = args.today or date.today()
    views = _views(project, today, lang=_lang(args))
    if views is None:
        return EXIT_PROBLEMS
    if args.owner and args.owner not in views.dataset.team:
        print(f"crm remind: {args.owner!r} is not a member of the team", file=sys.stderr)
        return EXIT_USAGE
    lang = _lang(args)
    found, label = reminders(views, owner=args.owner), _labeller(project, lang)
    if args.format == "json":
        sys.stdout.write(json_text(reminders_data(views, found, label, lambda key: text(key, lang))))
    else:
        paint = painter(args, sys.stdout)
        sys.stdout.write(reminders_text(views, found, label, lambda key: text(key, lang), paint))
    return EXIT_OK


def add_remind(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "remind",
        parents=[parents.root, parents.dated, parents.labelled],
        help="follow-ups, next steps and key dates due, per owner",
        description="List what is overdue or coming up: follow-ups by the maintenance tier's cadence (reset by any "
        "interaction) and next steps due within a week, and key dates (birthdays, anniversaries, renewals) in the "
        "next 30 days. The site's owner pages and calendar feeds show the same reminders.",
    )
    p.add_argument("--owner", help="only this team member's customers (a handle from records/team.yaml)")
    _format(
        p,
        "text for people (overdue in red in a terminal), json for tools",
        "{today, reminders: [{owner, owner_name, kind, due, overdue, customer_id, customer_name, what, text, "
        "note, yearly}]}",
    )
    p.set_defaults(func=cmd_remind)


def cmd_report(args) -> int:
    from ..reports import Wording, all_reports, reports_data, reports_text
    from ..site.i18n import text

    project = _project(args)
    today = args.today or date.today()
    if args.as_of:
        from ..history.gitlog import GitError
        from ..history.snapshot import UNTRUSTED_NOTE, at

        try:
            snapshot = at(project, args.as_of, trust_revision=args.trust_revision)
        except GitError as error:
            print(f"crm report: {terminal_safe(str(error))}", file=sys.stderr)
            return EXIT_USAGE
        project, today = snapshot.project, args.today or snapshot.day
        print(
            f"# as of {terminal_safe(args.as_of)}: commit {snapshot.sha[:12]}, reports for {today}"
            + ("" if args.trust_revision else f"; {UNTRUSTED_NOTE}"),
            file=sys.stderr,
        )
    views = _views(project, today, lang=_lang(args))
    if views is None:
        return EXIT_PROBLEMS
    reports = [r for r in all_reports(views) if not args.name or r.name in args.name]
    if not reports:
        print(f"crm report: no report named {', '.join(args.name)}", file=sys.stderr)
        return EXIT_USAGE
    lang = _lang(args)
    wording = Wording.of(views, lang, lambda key, default: text(key, lang, default))
    if args.compare:
        return _report_compared(args, views, reports, wording)
    if args.format == "json":
        sys.stdout.write(json_text(reports_data(reports, wording)))
    else:
        sys.stdout.write(reports_text(reports, wording, args.format, painter(args, sys.stdout)))
    return EXIT_OK


def _report_compared(args, views, reports, wording) -> int:
    """`crm report --compare quarter|month`: each report, then its figures against the previous period's end
    (json: each report's object gains `comparison`; csv: a `REPORT.comparison` table)."""
    import csv
    import io

    from ..comparison import compare_periods, comparison_lines, value_text
    from ..escaping import csv_cell
    from ..reports import reports_data, reports_text

    found = compare_periods(views, args.compare, reports)
    if args.format == "json":
        data = reports_data(reports, wording)
        for report, item in zip(reports, data):
            item["comparison"] = found.data(wording, report.name)
        sys.stdout.write(json_text(data))
        return EXIT_OK
    paint = painter(args, sys.stdout)
    for report in reports:
        sys.stdout.write(reports_text([report], wording, args.format, paint))
        if args.format == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow([csv_cell(f"{report.name}.comparison")])
            writer.writerow([csv_cell(found.title(wording))])
            for change in found.of(report.name) if not found.missing else []:
                kind = change.measure.kind
                old, new = value_text(kind, change.old, wording), value_text(kind, change.new, wording)
                writer.writerow([csv_cell(change.measure.key), csv_cell(old), csv_cell(new)])
            if found.missing:
                writer.writerow([csv_cell(found.note(wording))])
            sys.stdout.write(out.getvalue())
            continue
        heading = terminal_safe(f"== {wording.title(report)}: {found.title(wording)}")
        lines = comparison_lines(found, report.name, wording)
        sys.stdout.write(
            paint("heading", heading) + "\n" + "".join(terminal_safe(f"  {line}") + "\n" for line in lines)
        )
        sys.stdout.write("\n")
    return EXIT_OK


def add_report(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "report",
        parents=[parents.root, parents.dated, parents.labelled],
        help="the analysis reports as tables in the terminal or as CSV",
        description="Customers by segment, interaction frequency, complaints, renewals, high-value customers "
        "(top 20%%, Pareto, lifetime value), satisfaction and follow-up health, computed for --today.",
    )
    p.add_argument(
        "name",
        nargs="*",
        help="only these reports: distribution, funnel, interactions, complaints, renewals, "
        "high_value, satisfaction, follow_up, data_quality",
    )
    _format(
        p,
        "text: tables for the terminal; csv: for a spreadsheet",
        "[{report, title, tables: [{table, title, columns: [{name, title, kind}], rows: [{column: value}]}]}], "
        "values typed (shares as fractions, dates YYYY-MM-DD, options and members by key)",
        ("text", "csv", "json"),
    )
    p.add_argument(
        "--as-of",
        metavar="DATE|REV",
        help="the records as they were on a date (YYYY-MM-DD: the last commit "
        "of that day) or at a tag such as 2024Q1, read with today's schema; --today defaults to that date",
    )
    p.add_argument(
        "--trust-revision",
        action="store_true",
        help="read the --as-of records with that revision's own "
        "schema (this runs the Python in its schema/: only for revisions you trust)",
    )
    p.add_argument(
        "--compare",
        choices=("quarter", "month"),
        help="under each report, its headline figures against the records as they were at the end of the "
        "previous quarter or month (git history); json: each report gains comparison: {period, previous, "
        "as_of, commit, note, changes: [{measure, report, kind, option, old, new, direction, notable, text}]}",
    )
    p.set_defaults(func=cmd_report)


def _history_words(project, lang: str):
    """Changes said in `lang`: fields and options by the schema's labels, team members by name."""
    from ..dataset import load_team
    from ..history.changes import ChangeWords

    names = {handle: getattr(member, "name", handle) for handle, member in load_team(project).members.items()}
    return ChangeWords(
        project.customer_models, project.settings.mask_fields, options=project.options, lang=lang, names=names
    )


def cmd_history(args) -> int:
    from ..history.audit import read_history
    from ..site.i18n import text

    project, lang = _project(args), _lang(args)
    path = next((p for p in project.customer_files() if p.stem == args.id), None)  # records may sit in subfolders
    if path is None:
        print(f"crm history: {text('history.no_record', lang).format(id=args.id)}", file=sys.stderr)
        return EXIT_PROBLEMS
    history, words = read_history(project), _history_words(project, lang)
    if history.reason:
        print(f"crm history: {history.said(words)}", file=sys.stderr)
    entries = history.of_file(project.relative(path))
    if not entries:
        print(f"crm history: {text('history.none', lang).format(id=args.id)}", file=sys.stderr)
    entries = entries[: args.limit] if args.limit else entries
    if args.format == "json":
        sys.stdout.write(json_text(_history_data(args.id, entries, words, history.said(words))))
        return EXIT_OK
    paint = painter(args, sys.stdout)
    for entry in entries:  # author, subject and lines come from commits
        pr = f" (#{entry.pull_request})" if entry.pull_request is not None else ""
        sha, rest = paint("dim", entry.sha[:7]), terminal_safe(f"{entry.author}: {entry.subject}{pr}")
        print(f"{paint('heading', terminal_safe(entry.day))}  {sha}  {rest}")
        for line in entry.in_words(words).lines:
            print(f"    {terminal_safe(line)}")
    return EXIT_OK


def _history_data(record_id: str, entries, words, note: str) -> dict:
    """`crm history --format json`: {id, note, entries: [{date, time, commit, author, subject, pull_request,
    path, changes}]}, newest first; each change as `crm diff --format json` gives it (`review.diff.change_data`)."""
    from ..review.diff import change_data

    return {
        "id": record_id,
        "note": note or None,
        "entries": [
            {
                "date": entry.day,
                "time": entry.date,
                "commit": entry.sha,
                "author": entry.author,
                "subject": entry.subject,
                "pull_request": entry.pull_request,
                "path": entry.path,
                "changes": [change_data(words, change) for change in entry.changes],
            }
            for entry in entries
        ],
    }


def add_history(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "history",
        parents=[parents.root, parents.labelled],
        help="a customer's history from git, field by field",
        description="Each commit that changed the record (renames followed), newest first: date, author, subject, "
        "pull request, and the change in words. Contact details are shown masked.",
    )
    p.add_argument("id", help="customer id, e.g. C20240501001")
    p.add_argument("--limit", type=int, default=0, help="only the newest N entries")
    _format(
        p,
        "text for people, json for tools",
        "{id, note, entries: [{date, time, commit, author, subject, pull_request, path, changes: [{kind, field, "
        "where, old, new, …, text}]}]}, values masked as shown",
    )
    p.set_defaults(func=cmd_history)


def cmd_diff(args) -> int:
    from ..history.gitlog import GitError, resolve
    from ..history.snapshot import project_at
    from ..review.diff import compare, default_base, read_side, say

    project, lang = _project(args), _lang(args)

    def at(revision: str, label: str):
        sha = resolve(project.root, revision)
        return read_side(project_at(project, sha, trust_revision=args.trust_revision), label)

    try:
        base = args.base or default_base(project.root)
        old = at(base, base if args.base else say(lang, "merge_base", sha=base[:12]))
        new = at(args.head, args.head) if args.head else read_side(project, say(lang, "working_tree"))
    except GitError as error:
        print(f"crm diff: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    result = compare(
        old,
        new,
        today=args.today or date.today(),
        words=_history_words(project, lang),
    )
    if args.format == "json":
        sys.stdout.write(json_text(result.data()))
    elif args.format == "markdown":
        sys.stdout.write(result.markdown())
    else:
        sys.stdout.write(result.text(painter(args, sys.stdout)))
    return EXIT_PROBLEMS if result.errors else EXIT_OK


def add_diff(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "diff",
        parents=[parents.root, parents.dated, parents.labelled],
        help="what changes between two revisions, in words (for a pull request)",
        description="Records added, removed, renamed, merged and changed between BASE (default: the merge base with "
        "main) and HEAD (default: the working tree), field by field, and the derived effects: customers moving "
        "between maintenance tiers, follow-ups becoming overdue. Exits 1 when an id changed inside a file.",
    )
    p.add_argument("base", nargs="?", help="revision to compare from (default: merge base with main)")
    p.add_argument("head", nargs="?", help="revision to compare to (default: the working tree)")
    _format(
        p,
        "text for people; markdown for a pull request's summary ($GITHUB_STEP_SUMMARY)",
        "{base, head, records: [{id, kind, name, path, old_path, changes: [{kind, field, where, old, new, …, "
        "text}]}], effects, errors, notes}",
        ("text", "markdown", "json"),
    )
    p.add_argument(
        "--trust-revision",
        action="store_true",
        help="read each revision with its own schema instead of "
        "today's (this runs the Python in its schema/: never for a contributor's branch)",
    )
    p.set_defaults(func=cmd_diff)


def cmd_export(args) -> int:
    from .. import records_export
    from ..write.atomic import write_atomically

    project = _project(args)
    if args.format in ("xlsx", "parquet") and not args.out:
        print(
            f"crm export: --format {args.format} needs --out {'FOLDER' if args.format == 'parquet' else 'FILE'}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.format == "parquet":
        from .. import columnar

        try:
            columnar.require_pyarrow()  # before the records are loaded
        except columnar.NeedsAnalytics as error:
            print(f"crm export: {error}", file=sys.stderr)
            return EXIT_USAGE
    views = _views(project, args.today or date.today(), masked=not args.unmasked, lang=_lang(args))
    if views is None:
        return EXIT_PROBLEMS
    try:
        ids = records_export.in_segments(views, args.segment)
    except records_export.NoSuchSegment as error:
        print(f"crm export: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "parquet":
        from .. import columnar
        from ..problems import ProblemError

        try:
            paths = columnar.write_parquet(views, Path(args.out), ids=ids, unmasked=args.unmasked)
        except ProblemError as error:
            print(render(error.problems, lang=_lang(args)), file=sys.stderr)
            return EXIT_PROBLEMS
        print(
            f"crm export: {len(ids)} customers, {len(paths)} tables to {args.out}"
            + (" (unmasked)" if args.unmasked else " (masked)"),
            file=sys.stderr,
        )
        return EXIT_OK
    data = records_export.export_bytes(views, ids, args.format, _lang(args))
    if args.out:
        write_atomically(Path(args.out), data)
        print(
            f"crm export: {len(ids)} customers to {args.out}" + (" (unmasked)" if args.unmasked else " (masked)"),
            file=sys.stderr,
        )
    elif hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:  # a text stream (tests, embedding): every format but XLSX is UTF-8 text
        sys.stdout.write(data.decode("utf-8"))
    return EXIT_OK


def add_export(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "export",
        parents=[parents.root, parents.dated, parents.labelled],
        help="customer records as CSV, XLSX, JSON, vCard or Parquet tables, masked",
        description="Export customers (all, or those in every --segment given) for other programs: CSV or XLSX "
        "(a row per customer, typed cells, headers in --lang), JSON (whole records) or vCard (a card per contact "
        "person), or Parquet (a folder: customers and a table per list, typed, for DuckDB, pandas, Polars or "
        "Spark; pip install 'plaincrm[analytics]'). Phone numbers and e-mail addresses are masked unless "
        "--unmasked is given.",
    )
    p.add_argument("--format", choices=("csv", "xlsx", "json", "vcf", "parquet"), default="csv")
    p.add_argument(
        "--segment",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="only customers in this segment, e.g. tier=key, owner=li.wei, tags=VIP (repeatable)",
    )
    p.add_argument("--out", help="file to write (atomically), a folder for parquet; default: standard output")
    p.add_argument(
        "--unmasked", action="store_true", help="export contact details in full (only when asked for by name)"
    )
    p.set_defaults(func=cmd_export)


def _needs_site_extra(command: str, error: ModuleNotFoundError) -> int:
    """The site's libraries are an extra: say which, not a traceback (`crm validate` and the edits run without)."""
    print(
        f"crm {command}: needs the site extra ({terminal_safe(str(error.name or '').split('.')[0])} is missing): "
        "pip install 'plaincrm[site]' (or make site, which installs everything)",
        file=sys.stderr,
    )
    return EXIT_USAGE


def cmd_pages(args) -> int:
    from ..audience import UnknownAudience
    from ..history.gitlog import GitError
    from ..problems import ProblemError

    try:
        from ..site.build import build_for_site
        from ..site.export import write_pages
    except ModuleNotFoundError as error:
        return _needs_site_extra("pages", error)

    from ..layout import SchemaConfigError
    from ..project import Project

    project = _project(args)
    memo: dict | None = {} if args.watch else None  # what a rebuild reuses (as `mkdocs serve` does)
    site = None
    known: dict[str, tuple] | None = {} if args.watch else None
    fingerprint = project.fingerprint

    def once() -> int:
        nonlocal site, known, fingerprint
        if memo is not None:  # watching: the schema or a setting changed, so nothing remembered was judged by it
            now = Project(project.root).fingerprint
            if now != fingerprint:
                fingerprint, site, known = now, None, {}
                memo.clear()
        try:
            _, site = build_for_site(
                project.root,
                today=args.today,
                lang=_lang(args),
                masked=not args.unmasked,
                repo_url=args.repo_url,
                branch=args.branch,
                directory_urls=args.directory_urls,
                as_of=args.as_of,
                trust_revision=args.trust_revision,
                audience=args.audience,
                memo=memo,
                carry_before=site.carry if site is not None and args.watch else None,
            )
        except (GitError, UnknownAudience) as error:
            print(f"crm pages: {terminal_safe(str(error))}", file=sys.stderr)
            return EXIT_USAGE
        except ProblemError as error:
            print(render(error.problems), file=sys.stderr)
            print(f"crm pages: {len(error.problems)} problem(s); nothing written", file=sys.stderr)
            return EXIT_PROBLEMS
        except SchemaConfigError as error:  # a setting or option list being edited: said, and watched again
            if not args.watch:
                raise
            print(f"crm pages: {terminal_safe(str(error))}; nothing written", file=sys.stderr)
            return EXIT_PROBLEMS
        started = time.perf_counter()
        try:
            count = write_pages(
                site, Path(args.out_dir), lang=_lang(args), directory_urls=args.directory_urls, known=known
            )
        except ProblemError as error:  # a link or a non-file where a page goes: nothing written
            print(render(error.problems), file=sys.stderr)
            print(f"crm pages: {len(error.problems)} problem(s); nothing written", file=sys.stderr)
            known = {} if known is not None else None  # what the folder holds is no longer known
            return EXIT_PROBLEMS
        if known is not None:
            known = count.keys
        print(
            f"{count.files} files in {terminal_safe(args.out_dir)}: {count.changed} written, the rest unchanged"
            + (f" ({time.perf_counter() - started:.2f} s)" if args.watch else ""),
            flush=True,
        )
        return EXIT_OK

    changes = watch_inputs(project, args.interval) if args.watch else None
    if changes is not None:
        next(changes)  # what the inputs are before the first build: an edit made during it is seen
    status = once()
    if changes is None or status == EXIT_USAGE:
        return status
    print(f"crm pages: watching {terminal_safe(project.relative(project.customers_dir))}; Ctrl-C stops", flush=True)
    try:
        for _changed in changes:
            try:
                once()
            except Exception as error:  # e.g. a schema/*.py mid-edit: said, and watched again
                print(
                    f"crm pages: {terminal_safe(f'{type(error).__name__}: {error}')}; nothing written", file=sys.stderr
                )
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _seconds(value: str) -> float:
    import argparse

    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0.05 <= seconds <= 60:  # also NaN
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0.05 to 60")
    return seconds


def watch_inputs(project, interval: float):
    """Yield once at once (the inputs as they are), then each time a record, the team file or the schema
    changed (compared by stat every `interval` seconds: 10,000 files take about 30 ms; no watcher
    library, no event lost to an editor's rename)."""

    def signature() -> tuple:
        found: list[tuple] = []
        for folder in (project.customers_dir, project.schema_dir):
            for path, _subfolders, names in os.walk(folder):  # subfolders too, as `customer_files` reads them
                for name in names:
                    try:
                        st = os.stat(os.path.join(path, name), follow_symlinks=False)
                    except OSError:
                        continue  # gone meanwhile: the next look sees it missing
                    found.append((path, name, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        try:
            st = os.stat(project.team_file, follow_symlinks=False)
            found.append(("team", st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        except OSError:
            found.append(("team", "missing"))
        return tuple(sorted(found, key=repr))

    seen = signature()
    yield seen
    while True:
        time.sleep(interval)
        now = signature()
        if now != seen:
            seen = now
            yield now


def add_pages(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "pages",
        parents=[parents.root, parents.dated, parents.labelled],
        help="write the site's pages to a folder, for any static site engine",
        description="Generate every page (home, customer index, one page per customer, segments, owners) as "
        "Markdown files with an HTML body and a title in front matter, plus the assets they use, into OUT_DIR. "
        "MkDocs users do not need this: the plaincrm plugin in mkdocs.yml does the same during `mkdocs build`.",
    )
    p.add_argument("out_dir", help="folder to write into (created if missing; files of the same name are replaced)")
    p.add_argument("--repo-url", help="git host repository URL, for edit links")
    p.add_argument("--branch", default="main", help="branch for edit links (default: main)")
    p.add_argument("--directory-urls", action="store_true", help="link pages as folder/ instead of page.html")
    p.add_argument("--unmasked", action="store_true", help="do not mask phone numbers and e-mail addresses")
    p.add_argument(
        "--audience",
        metavar="HANDLE|all",
        help="only what this team member may read (schema/settings.yaml audiences), or all for every customer",
    )
    p.add_argument("--as-of", metavar="DATE|REV", help="the records as they were on a date or at a tag (as crm report)")
    p.add_argument(
        "--trust-revision",
        action="store_true",
        help="read the --as-of records with that revision's own schema (this runs the Python in its schema/)",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="stay running and write again whenever a record, the team or the schema changes: only what an edit "
        "changed is made again and written (Ctrl-C stops)",
    )
    p.add_argument(
        "--interval", type=_seconds, default=0.5, help="--watch: seconds between looks (default 0.5; 0.05 to 60)"
    )
    p.set_defaults(func=cmd_pages)


def cmd_sites(args) -> int:
    import logging

    try:
        from mkdocs.exceptions import MkDocsException

        from ..site import sites  # noqa: F401  (Jinja2, the theme: the site extra)
    except ModuleNotFoundError as error:
        return _needs_site_extra("sites", error)

    from ..audience import UnknownAudience
    from ..site.sites import build_sites

    handler = logging.StreamHandler(
        sys.stderr
    )  # MkDocs says what went wrong through its logger, as `mkdocs build` shows it
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    logging.getLogger("mkdocs").addHandler(handler)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    project = _project(args)
    config = Path(args.config) if args.config else project.root / "mkdocs.yml"
    if not config.is_file():
        print(f"crm sites: no MkDocs configuration at {terminal_safe(str(config))}", file=sys.stderr)
        return EXIT_USAGE
    try:
        timings = build_sites(config, Path(args.out_dir), args.audience or None)
    except (ValueError, UnknownAudience) as error:
        print(f"crm sites: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except MkDocsException as error:
        print(f"crm sites: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_PROBLEMS
    for name, seconds in timings:
        print(f"{terminal_safe(name)}: {terminal_safe(str(Path(args.out_dir) / name))} ({seconds:.1f} s)")
    return EXIT_OK


def add_sites(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "sites",
        parents=[parents.root],
        help="build one site per reader (schema/settings.yaml audiences) into OUT_DIR/<handle>/ and OUT_DIR/all/",
        description="Each member whose role reads customers gets a site with only what they may read; all is "
        "every customer. The records are loaded and checked once. Serve OUT_DIR behind a login that sends each "
        "person to their own folder: crm serve-config nginx, and the admin guide's deployment chapter.",
    )
    p.add_argument("out_dir", help="folder of the sites (each site is replaced whole when built again)")
    p.add_argument("--config", help="the MkDocs configuration (default: mkdocs.yml in the repository)")
    p.add_argument("--audience", action="append", metavar="HANDLE|all", help="only this reader's site (repeatable)")
    p.set_defaults(func=cmd_sites)
