"""`crm`: the command line for a plaincrm repository.

Each command is a thin layer over the engine modules; they parse arguments, call one
function and print its result.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from .escaping import terminal_safe
from .problems import Problem, render

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _day(text: str) -> date:
    from .modelkit import ISO_DAY, YEARS

    try:
        if not ISO_DAY.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD, in the years {YEARS}): {text!r}") from None


def _project(args):
    from .project import Project

    return Project.find(Path(args.root) if args.root else None)


def _lang(args) -> str:
    return args.lang or os.environ.get("PLAINCRM_LANG", "en")


def _views(project, today: date, *, masked: bool = True):
    """The (masked) dataset's views for `today`; None (problems printed) when the records are invalid."""
    from .dataset import load_dataset
    from .problems import ProblemError
    from .views import derive

    try:
        return derive(load_dataset(project, masked=masked), today)
    except ProblemError as error:
        print(render(error.problems), file=sys.stderr)
        return None


def _labeller(project, lang: str):
    options = project.options
    return lambda list_name, value: options[list_name].label(value, lang) if list_name in options else value


# --- commands ---------------------------------------------------------------------


def cmd_validate(args) -> int:
    from .dataset import check_project

    project = _project(args)
    only = [Path(p).resolve() for p in args.paths] or None
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"crm validate: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    report = check_project(project, only=only, jobs=args.jobs, use_cache=not args.no_cache)
    if report.problems:
        print(render(report.problems, args.format))
    elif args.format == "json":
        print("[]")
    files_with = len({p.file for p in report.problems})
    summary = (
        f"{len(report.problems)} problem(s) in {files_with} file(s); {report.files} record(s) checked"
        if report.problems else f"all {report.files} record(s) valid"
    )
    print(summary + (f" ({report.cached} from cache)" if report.cached else ""), file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_schema(args) -> int:
    from . import editor_schema

    project = _project(args)
    if args.check:
        stale = editor_schema.stale_files(project)
        for path in stale:
            print(f"{project.relative(path)}: out of date; run `crm schema`", file=sys.stderr)
        return EXIT_PROBLEMS if stale else EXIT_OK
    for path in editor_schema.write(project):
        print(f"wrote {project.relative(path)}")
    return EXIT_OK


def cmd_new(args) -> int:
    from .dataset import load_team
    from .write.scaffold import new_record_text, next_free_id
    from .validation import RecordChecker
    from .loading import parse_text
    from .problems import ProblemError
    from .write.atomic import create_new_file

    project = _project(args)
    today = args.today or date.today()
    team = load_team(project)
    if args.name is None:
        if not sys.stdin.isatty():
            print("crm new: --name is required (or run it in a terminal to be asked)", file=sys.stderr)
            return EXIT_USAGE
        _ask_new(args, project, team)
    owner = args.owner or (next(iter(team.members)) if len(team.members) == 1 else None)
    if owner is None:
        print("crm new: --owner HANDLE is required (one of: " + ", ".join(sorted(team.members)) + ")", file=sys.stderr)
        return EXIT_USAGE
    if owner not in team.members:
        print(f"crm new: {owner!r} is not a member of the team ({project.layout.team_file})", file=sys.stderr)
        return EXIT_USAGE
    record_id = next_free_id(project, today)
    path = project.customer_file(record_id)
    text = new_record_text(
        project, record_id=record_id, kind=args.kind, name=args.name, owner=owner, today=today,
        industry=args.industry, source=args.source, category=args.category,
    )
    try:
        check = RecordChecker(project).check_raw(parse_text(text, project.relative(path), project.limits), expected_id=record_id)
        problems: list[Problem] = check.problems
    except ProblemError as error:
        problems = error.problems
    if problems:
        print(render(problems), file=sys.stderr)
        print("crm new: nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        create_new_file(path, text)
    except FileExistsError:
        print(f"crm new: {project.relative(path)} appeared meanwhile; nothing written, try again", file=sys.stderr)
        return EXIT_PROBLEMS
    print(project.relative(path))
    return EXIT_OK


def _save_edit(project, edit, command: str) -> int:
    """Save a checked edit, or print why not; the file is untouched on any refusal."""
    from .write.editing import EditRefused, save

    if not edit.changed:
        print(f"crm {command}: {project.relative(edit.path)} already says so; nothing to change", file=sys.stderr)
        return EXIT_OK
    try:
        save(project, edit)
    except EditRefused as error:
        if error.problems:
            print(render(error.problems), file=sys.stderr)
        print(f"crm {command}: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(project.relative(edit.path))
    return EXIT_OK


def cmd_log(args) -> int:
    from .write.editing import EditRefused, append_item, edit_record

    project = _project(args)
    if bool(args.next) != bool(args.due):
        print("crm log: --next and --due go together", file=sys.stderr)
        return EXIT_USAGE
    interaction = {"date": args.date or args.today or date.today(), "channel": args.channel, "topic": args.topic,
                   "summary": args.summary}
    if args.feedback:
        interaction["feedback"] = args.feedback
    if args.satisfaction is not None:
        interaction["satisfaction"] = args.satisfaction

    def change(data):
        interaction["by"] = args.by or [data.get("owner")]
        if args.next:
            interaction["next_step"] = {"action": args.next, "due": args.due}
        append_item(data, "interactions", interaction)

    try:
        edit = edit_record(project, args.id, change)
    except EditRefused as error:
        if error.problems:
            print(render(error.problems), file=sys.stderr)
        print(f"crm log: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    return _save_edit(project, edit, "log")


def cmd_set(args) -> int:
    from .write.editing import EditRefused, customer_model, edit_record, parse_value, set_field

    project = _project(args)
    assignments = []
    for assignment in args.assignments:
        name, equals, value = assignment.partition("=")
        if not equals or not name or name == "id":
            print(f"crm set: {assignment!r}: write FIELD=VALUE (a dotted path such as size.employees; "
                  "the id never changes)", file=sys.stderr)
            return EXIT_USAGE
        assignments.append((name.strip(), value))

    def change(data):
        model = customer_model(project, data)
        for name, value in assignments:
            set_field(data, name, parse_value(model, name, value))

    try:
        edit = edit_record(project, args.id, change)
    except EditRefused as error:
        if error.problems:
            print(render(error.problems), file=sys.stderr)
        print(f"crm set: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    return _save_edit(project, edit, "set")


def cmd_fmt(args) -> int:
    from .write.editing import EditRefused, canonical_text
    from .loading import read_bounded
    from .problems import ProblemError
    from .write.atomic import FileChanged, write_atomically

    project = _project(args)
    wanted = [Path(p).resolve() for p in args.paths]
    paths = [p for p in project.customer_files()
             if not wanted or any(p == w or w in p.parents for w in wanted)]
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
        except Exception as error:  # noqa: BLE001 - not YAML at all: `crm validate` says where
            unreadable.append(f"{project.relative(path)}: " + (terminal_safe(str(error)) if isinstance(error, EditRefused) else
                                                                 f"cannot be formatted ({type(error).__name__}); run crm validate"))
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


def _ask_new(args, project, team) -> None:
    """Prompt for what `crm new` needs, offering the option values (Enter keeps the default)."""
    options = project.options

    def ask(label: str, default: str | None, choices: list[str] | None = None) -> str | None:
        hint = f" ({', '.join(choices)})" if choices else ""
        while True:
            answer = input(f"{label}{hint}" + (f" [{default}]" if default else "") + ": ").strip() or default
            if answer and (choices is None or answer in choices):
                return answer
            print("  please choose one of the values listed" if choices else "  required", file=sys.stderr)

    args.name = ask("Name (full, no abbreviations)", None)
    args.kind = ask("Kind", args.kind, ["company", "individual"])
    args.owner = ask("Owner", args.owner, sorted(team.members))
    for name in ("source", "industry", "category"):
        values = list(options[name].values) if name in options else None
        setattr(args, name, ask(name.capitalize(), getattr(args, name), values))


def cmd_dupes(args) -> int:
    from .matching import duplicate_groups, record_keys

    project = _project(args)
    views = _views(project, date.today())
    if views is None:
        return EXIT_PROBLEMS
    groups = duplicate_groups(record_keys(views.dataset))
    for reason, ids in groups:
        print(terminal_safe(f"{reason}: " + "  ".join(f"{i} {views.customers[i].model.name}" for i in ids)))
    print(f"crm dupes: {len(groups)} group(s) of suspected duplicates" + ("; merge with crm merge KEEP OTHER" if groups else ""),
          file=sys.stderr)
    return EXIT_OK


def cmd_import(args) -> int:
    from .write.importing.apply import PROGRESS_FROM, CannotImport, progress_bar, run_import, write_rejects

    project = _project(args)
    source = Path(args.file)
    if args.plan:
        return _import_plan(project, source, args)
    progress = None
    if sys.stderr.isatty():  # a bar in a terminal, for files of more than a few hundred rows
        bar = progress_bar()
        progress = lambda done, total: bar(done, total) if total >= PROGRESS_FROM else None  # noqa: E731
    try:
        outcome = run_import(
            project, source, mapping_file=Path(args.mapping) if args.mapping else None, mode=args.mode,
            dry_run=args.dry_run, today=args.today, owner=args.owner, progress=progress,
        )
    except CannotImport as error:
        print(f"crm import: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    print(f"crm import: {terminal_safe(source.name)} with the mapping {terminal_safe(repr(outcome.mapping))}"
          + (" (dry run: nothing written)" if args.dry_run else ""))
    if outcome.labelled_columns:
        print("  columns read as the one field their header names: "
              + ", ".join(f"{terminal_safe(h)} → {t}" for h, t in outcome.labelled_columns.items()))
    if outcome.unknown_columns:
        print("  columns the mapping does not know (their values were added to the notes): "
              + ", ".join(terminal_safe(c) for c in outcome.unknown_columns))
    if outcome.masked:
        print(f"  {outcome.masked} phone numbers or e-mail addresses in those notes were masked; map their column "
              "to contact.phone or contact.email to keep them whole (crm import FILE --plan)")
    if outcome.external_ids:
        print(f"  {len(outcome.external_ids)} ids from another system kept as external ids (matched on the next import): "
              + ", ".join(f"{terminal_safe(old)} → {new}" for _, old, new in outcome.external_ids[:5])
              + (" …" if len(outcome.external_ids) > 5 else ""))
    if outcome.owner_fallbacks:
        print(f"  {len(outcome.owner_fallbacks)} rows name an owner nobody in the team matches; --owner {args.owner} "
              "stands in and the text is kept in the notes: "
              + ", ".join(f"row {row} {terminal_safe(text)}" for row, text in outcome.owner_fallbacks[:5]))
    verb = "would be " if args.dry_run else ""
    print(f"  {verb}created {len(outcome.created)}, {verb}updated {len(outcome.updated)}, "
          f"unchanged {len(outcome.unchanged)}, rejected {len(outcome.rejected)}")
    if outcome.rejected:
        for number, _, reason in outcome.rejected[:20]:
            print(f"  row {number}: {terminal_safe(reason)}", file=sys.stderr)
        if len(outcome.rejected) > 20:
            print(f"  … and {len(outcome.rejected) - 20} more rows", file=sys.stderr)
        if not args.dry_run:
            rejects = Path(args.rejects) if args.rejects else source.with_name(source.stem + ".rejects.csv")
            write_rejects(rejects, outcome)
            print(f"  rejected rows, with the reason, in {terminal_safe(str(rejects))}")
    return EXIT_PROBLEMS if outcome.rejected else EXIT_OK


def _import_plan(project, source: Path, args) -> int:
    """--plan: the questions a sheet raises, and a mapping draft that answers what it can."""
    from .write.importing.mapping import CannotImport
    from .write.importing.plan import draft_text, plan_import
    from .write.atomic import write_atomically

    try:
        plan = plan_import(project, source, mapping_file=Path(args.mapping) if args.mapping else None, owner=args.owner)
    except CannotImport as error:
        print(f"crm import: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    draft = Path(args.draft) if args.draft else source.with_name(source.stem + ".mapping.yaml")
    write_atomically(draft, draft_text(plan, draft).encode("utf-8"))
    base = "no shipped mapping" if plan.mapping.origin == str(source) else f"the mapping {terminal_safe(repr(plan.mapping.name))}"
    print(f"crm import --plan: {terminal_safe(source.name)}, {plan.rows} rows, {base}; {plan.ready} rows read without a question")
    for q in plan.columns:
        mark = "" if q.exact else "suggested "
        print(f"  column {terminal_safe(q.column)} ({q.count} rows): {mark}{terminal_safe(str(q.suggestion))} — {terminal_safe(q.why)}")
    for q in plan.values:
        answer = terminal_safe(str(q.suggestion)) if q.suggestion is not None else "undecided"
        rows = ", ".join(map(str, q.rows)) + (" …" if q.count > len(q.rows) else "")
        print(f"  {terminal_safe(q.column)} = {terminal_safe(repr(q.text))} ({q.count} rows: {rows}): {answer} — {terminal_safe(q.why)}")
    for missing in plan.missing:
        print(f"  {terminal_safe(missing)}")
    for number, reason in plan.problems[:20]:
        print(f"  row {number}: {terminal_safe(reason)}")
    if len(plan.problems) > 20:
        print(f"  … and {len(plan.problems) - 20} more rows with problems")
    print(f"  mapping draft: {terminal_safe(str(draft))}; check it, set reviewed: true, then: "
          f"crm import {terminal_safe(str(source))} --mapping {terminal_safe(str(draft))}")
    return EXIT_OK


def cmd_merge(args) -> int:
    from .write.editing import EditRefused, RecordGate, merge_records, save

    project = _project(args)
    try:
        keep, other = merge_records(project, args.keep, args.other)
        gate = RecordGate(project)
        for edit in (keep, other):  # both checked before either is written
            problems = gate.problems(edit.path, edit.after)
            if problems:
                print(render(problems), file=sys.stderr)
                raise EditRefused(f"{project.relative(edit.path)} would not be valid; nothing written")
        save(project, keep, gate)  # KEEP first: if the second write failed, nothing would be lost
        save(project, other, gate)
    except EditRefused as error:
        print(f"crm merge: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{args.other} merged into {args.keep}: {project.relative(keep.path)}, {project.relative(other.path)}")
    for line in keep.report:  # what moved, and what went into the notes
        print(f"  {terminal_safe(line)}")
    return EXIT_OK


def cmd_codeowners(args) -> int:
    from .codeowners import PATH, codeowners_text, write_codeowners
    from .dataset import load_dataset
    from .problems import ProblemError

    project = _project(args)
    try:
        dataset = load_dataset(project)
        text = codeowners_text(dataset)
    except ProblemError as error:
        print(render(error.problems), file=sys.stderr)
        return EXIT_PROBLEMS
    if args.check:
        target = project.root / PATH
        if (target.read_text(encoding="utf-8") if target.exists() else None) != text:
            print(f"crm codeowners: {PATH} is stale (owners changed); run crm codeowners and commit it", file=sys.stderr)
            return EXIT_PROBLEMS
        return EXIT_OK
    if write_codeowners(dataset) is not None:
        print(f"wrote {PATH}")
    return EXIT_OK


def cmd_forms(args) -> int:
    from .issue_forms import form_files
    from .write.atomic import write_atomically

    project = _project(args)
    stale = []
    for path, text in form_files(project).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(project.relative(path))
            if not args.check:
                write_atomically(path, text.encode("utf-8"))
                print(f"wrote {project.relative(path)}")
    if args.check and stale:
        print(f"crm forms: {', '.join(stale)} stale (the option lists changed); run crm forms and commit", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_from_issue(args) -> int:
    from .issue_forms import FormError, apply, form_by_name, parse_body

    project = _project(args)
    try:
        form = form_by_name(args.form)
    except KeyError:
        print(f"crm from-issue: no form {args.form!r}", file=sys.stderr)
        return EXIT_USAGE
    body = Path(args.body_file).read_text(encoding="utf-8") if args.body_file != "-" else sys.stdin.read()
    try:
        entry = apply(project, form, parse_body(body, form), today=args.today or date.today(), author_login=args.author)
    except FormError as error:
        if args.markdown:
            Path(args.markdown).write_text(error.markdown(), encoding="utf-8")
        print("crm from-issue: " + "\n".join(terminal_safe(line) for line in str(error).splitlines()), file=sys.stderr)
        return EXIT_PROBLEMS
    if args.markdown:
        Path(args.markdown).write_text(entry.markdown(), encoding="utf-8")
    for file in entry.files:
        print(file)
    for warning in entry.warnings:
        print(f"warning: {terminal_safe(warning)}", file=sys.stderr)
    return EXIT_OK


def cmd_show(args) -> int:
    from .show import RecordText
    from .validation import RecordChecker

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
    print(RecordText(project, lang=_lang(args)).record(project.customer_adapter.validate_python(check.data)), end="")
    return EXIT_OK


def cmd_remind(args) -> int:
    from .reminders import reminders

    project = _project(args)
    today = args.today or date.today()
    views = _views(project, today)
    if views is None:
        return EXIT_PROBLEMS
    if args.owner and args.owner not in views.dataset.team:
        print(f"crm remind: {args.owner!r} is not a member of the team", file=sys.stderr)
        return EXIT_USAGE
    label = _labeller(project, _lang(args))

    found = reminders(views, owner=args.owner)
    for handle, member in views.dataset.team.items():
        mine = [r for r in found if r.owner == handle]
        if not mine:
            continue
        print(terminal_safe(f"{member.name} ({handle})"))
        for r in mine:
            what = {
                "follow_up": f"follow-up, {label('tier', r.what)}",
                "key_date": label("key_date_kind", r.what),
            }.get(r.kind, r.what)
            flag = "OVERDUE " if r.overdue(today) else ""
            print(terminal_safe(f"  {flag}{r.due}  {r.customer_id} {r.customer_name}: {what}{' (' + r.note + ')' if r.note else ''}"))
    if not found:
        print("nothing due")
    return EXIT_OK


def cmd_report(args) -> int:
    import csv

    from .reports import all_reports
    from .show import table_lines

    project = _project(args)
    today = args.today or date.today()
    if args.as_of:
        from .history.gitlog import GitError
        from .history.snapshot import UNTRUSTED_NOTE, at

        try:
            snapshot = at(project, args.as_of, trust_revision=args.trust_revision)
        except GitError as error:
            print(f"crm report: {terminal_safe(str(error))}", file=sys.stderr)
            return EXIT_USAGE
        project, today = snapshot.project, args.today or snapshot.day
        print(f"# as of {terminal_safe(args.as_of)}: commit {snapshot.sha[:12]}, reports for {today}"
              + ("" if args.trust_revision else f"; {UNTRUSTED_NOTE}"), file=sys.stderr)
    views = _views(project, today)
    if views is None:
        return EXIT_PROBLEMS
    reports = [r for r in all_reports(views, _labeller(project, _lang(args))) if not args.name or r.name in args.name]
    if not reports:
        print(f"crm report: no report named {', '.join(args.name)}", file=sys.stderr)
        return EXIT_USAGE
    writer = csv.writer(sys.stdout) if args.format == "csv" else None
    for report in reports:
        for table in report.tables:
            if writer is not None:
                writer.writerow([f"{report.name}.{table.title}"])
                writer.writerow(table.headers)
                writer.writerows(table.rows)
                continue
            print(f"== {report.title}: {table.title.replace('_', ' ')}")
            for line in table_lines(table.headers, table.rows):
                print(line)
            print()
    return EXIT_OK


def cmd_history(args) -> int:
    from .history.audit import read_history

    project = _project(args)
    path = next((p for p in project.customer_files() if p.stem == args.id), None)  # records may sit in subfolders
    if path is None:
        print(f"crm history: no record {args.id}", file=sys.stderr)
        return EXIT_PROBLEMS
    history = read_history(project)
    if history.message:
        print(f"crm history: {history.message}", file=sys.stderr)
    entries = history.of_file(project.relative(path))
    if not entries:
        print(f"crm history: no history for {args.id}", file=sys.stderr)
        return EXIT_OK
    for entry in entries[: args.limit] if args.limit else entries:  # author, subject and lines come from commits
        pr = f" (#{entry.pull_request})" if entry.pull_request is not None else ""
        print(terminal_safe(f"{entry.day}  {entry.sha[:7]}  {entry.author}: {entry.subject}{pr}"))
        for line in entry.lines:
            print(f"    {terminal_safe(line)}")
    return EXIT_OK


def cmd_diff(args) -> int:
    from .history.changes import ChangeWords
    from .review.diff import compare, default_base, read_side
    from .history.gitlog import GitError, resolve
    from .history.snapshot import project_at

    project = _project(args)

    def at(revision: str, label: str):
        sha = resolve(project.root, revision)
        return read_side(project_at(project, sha, trust_revision=args.trust_revision), label)

    try:
        base = args.base or default_base(project.root)
        old = at(base, base if args.base else f"merge base {base[:12]}")
        new = at(args.head, args.head) if args.head else read_side(project, "the working tree")
    except GitError as error:
        print(f"crm diff: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    result = compare(old, new, today=args.today or date.today(), words=ChangeWords(project.customer_models, project.settings.mask_fields))
    sys.stdout.write(result.markdown() if args.format == "markdown" else result.text())
    return EXIT_PROBLEMS if result.errors else EXIT_OK


def cmd_export(args) -> int:
    from . import records_export
    from .write.atomic import write_atomically

    project = _project(args)
    if args.format == "xlsx" and not args.out:
        print("crm export: --format xlsx needs --out FILE", file=sys.stderr)
        return EXIT_USAGE
    views = _views(project, args.today or date.today(), masked=not args.unmasked)
    if views is None:
        return EXIT_PROBLEMS
    ids = list(views.customers)
    for segment in args.segment:
        name, _, value = segment.partition("=")
        if name not in views.groups:
            print(f"crm export: no segment field {name!r}; one of {', '.join(views.groups)}", file=sys.stderr)
            return EXIT_USAGE
        if value not in views.groups[name]:  # a label (Active) or a typo would give an empty export
            known = ", ".join(sorted(map(str, views.groups[name]))[:30])
            print(f"crm export: no customer has {terminal_safe(name)}={terminal_safe(value)}; the values here: {terminal_safe(known)}",
                  file=sys.stderr)
            return EXIT_USAGE
        members = set(views.groups[name].get(value, []))
        ids = [i for i in ids if i in members]
    lang = _lang(args)
    if args.format in ("csv", "xlsx"):
        header, rows = records_export.table(views, ids, lang)
        data = records_export.to_csv(header, rows) if args.format == "csv" else records_export.to_xlsx(header, rows, "customers")
    else:
        data = records_export.to_json(views, ids) if args.format == "json" else records_export.to_vcards(views, ids)
    if args.out:
        write_atomically(Path(args.out), data)
        print(f"crm export: {len(ids)} customers to {args.out}" + (" (unmasked)" if args.unmasked else " (masked)"), file=sys.stderr)
    elif hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:  # a text stream (tests, embedding): every format but XLSX is UTF-8 text
        sys.stdout.write(data.decode("utf-8"))
    return EXIT_OK


def cmd_pages(args) -> int:
    from .history.gitlog import GitError
    from .problems import ProblemError
    from .site.build import build_for_site
    from .site.export import write_pages

    project = _project(args)
    try:
        _, site = build_for_site(
            project.root, today=args.today, lang=_lang(args), masked=not args.unmasked,
            repo_url=args.repo_url, branch=args.branch, directory_urls=args.directory_urls, as_of=args.as_of,
            trust_revision=args.trust_revision,
        )
    except GitError as error:
        print(f"crm pages: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ProblemError as error:
        print(render(error.problems), file=sys.stderr)
        print(f"crm pages: {len(error.problems)} problem(s); nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        count = write_pages(site, Path(args.out_dir))
    except ProblemError as error:  # a link or a non-file where a page goes: nothing written
        print(render(error.problems), file=sys.stderr)
        print(f"crm pages: {len(error.problems)} problem(s); nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"wrote {count} files to {args.out_dir}")
    return EXIT_OK


# --- the parser -------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm",
        description="plaincrm: customer records as YAML files in git, checked, browsable and reportable.",
        epilog="Run `crm COMMAND --help` for a command's options. Exit codes: 0 ok, 1 problems found, 2 usage error.",
    )
    root_help = "repository folder (default: the nearest one above the current folder)"
    parser.add_argument("--root", help=root_help)
    common = argparse.ArgumentParser(add_help=False)  # so --root works after the command too
    common.add_argument("--root", default=argparse.SUPPRESS, help=root_help)
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--today", type=_day, help="the date to use as today (YYYY-MM-DD)")
    labelled = argparse.ArgumentParser(add_help=False)
    labelled.add_argument("--lang", choices=("en", "zh"), help="label language (default: $PLAINCRM_LANG or en)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "validate", parents=[common], help="check records against the schema and each other",
        description="Check every record (and records/team.yaml): YAML strictness, the team's models, privacy "
        "rules, and rules across records (unique ids, known owners, existing referrals). Reports every problem "
        "as FILE:LINE:COL: FIELD: MESSAGE. Unchanged files are answered from a cache keyed by content.",
    )
    p.add_argument("paths", nargs="*", help="limit the report to these files or folders (all records are still cross-checked)")
    p.add_argument("--format", choices=("text", "github", "json"), default="text",
                   help="text for people, github for workflow annotations, json for tools")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--no-cache", action="store_true", help="check every file again, ignoring the cache")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "schema", parents=[common], help="write the JSON Schema files editors use",
        description="Generate schema/customer.schema.json and schema/team.schema.json from the models in schema/. "
        "Records point at them with a `# yaml-language-server: $schema=…` first line.",
    )
    p.add_argument("--check", action="store_true", help="only report whether the files are out of date (exit 1)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "new", parents=[common, dated], help="create a record with the next free id for today",
        description="Create records/customers/<id>.yaml with the next free id for the day, a first-contact key "
        "date and the fields every record needs. Never overwrites a file.",
    )
    p.add_argument("--name", help="full customer name (no abbreviations); without it, crm new asks in the terminal")
    p.add_argument("--kind", choices=("company", "individual"), default="company")
    p.add_argument("--owner", help="handle of the responsible team member (from records/team.yaml)")
    p.add_argument("--industry", default="other", help="an industry option value (default: other)")
    p.add_argument("--source", default="other", help="a source option value (default: other)")
    p.add_argument("--category", default="new", help="a category option value (default: new)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "show", parents=[common, labelled], help="print one record in readable form",
        description="Print a customer with labels from the schema; phone numbers and e-mail addresses are masked.",
    )
    p.add_argument("id", help="customer id, e.g. C20240501001")
    p.add_argument("--unmasked", action="store_true", help="show contact details in full")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser(
        "report", parents=[common, dated, labelled], help="the analysis reports as tables in the terminal or as CSV",
        description="Customers by segment, interaction frequency, complaints, renewals, high-value customers "
        "(top 20%%, Pareto, lifetime value), satisfaction and follow-up health, computed for --today.",
    )
    p.add_argument("name", nargs="*", help="only these reports: distribution, interactions, complaints, renewals, "
                   "high_value, satisfaction, follow_up, data_quality")
    p.add_argument("--format", choices=("text", "csv"), default="text")
    p.add_argument("--as-of", metavar="DATE|REV", help="the records as they were on a date (YYYY-MM-DD: the last commit "
                   "of that day) or at a tag such as 2024Q1, read with today's schema; --today defaults to that date")
    p.add_argument("--trust-revision", action="store_true", help="read the --as-of records with that revision's own "
                   "schema (this runs the Python in its schema/: only for revisions you trust)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "history", parents=[common], help="a customer's history from git, field by field",
        description="Each commit that changed the record (renames followed), newest first: date, author, subject, "
        "pull request, and the change in words. Contact details are shown masked.",
    )
    p.add_argument("id", help="customer id, e.g. C20240501001")
    p.add_argument("--limit", type=int, default=0, help="only the newest N entries")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser(
        "diff", parents=[common, dated], help="what changes between two revisions, in words (for a pull request)",
        description="Records added, removed, renamed, merged and changed between BASE (default: the merge base with "
        "main) and HEAD (default: the working tree), field by field, and the derived effects: customers moving "
        "between maintenance tiers, follow-ups becoming overdue. Exits 1 when an id changed inside a file.",
    )
    p.add_argument("base", nargs="?", help="revision to compare from (default: merge base with main)")
    p.add_argument("head", nargs="?", help="revision to compare to (default: the working tree)")
    p.add_argument("--format", choices=("text", "markdown"), default="text",
                   help="markdown: for a pull request's summary ($GITHUB_STEP_SUMMARY)")
    p.add_argument("--trust-revision", action="store_true", help="read each revision with its own schema instead of "
                   "today's (this runs the Python in its schema/: never for a contributor's branch)")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "remind", parents=[common, dated, labelled], help="follow-ups, next steps and key dates due, per owner",
        description="List what is overdue or coming up: follow-ups by the maintenance tier's cadence (reset by any "
        "interaction) and next steps due within a week, and key dates (birthdays, anniversaries, renewals) in the "
        "next 30 days. The site's owner pages and calendar feeds show the same reminders.",
    )
    p.add_argument("--owner", help="only this team member's customers (a handle from records/team.yaml)")
    p.set_defaults(func=cmd_remind)

    p = sub.add_parser(
        "log", parents=[common, dated], help="log an interaction with a customer (and its next step)",
        description="Append an interaction to the record, keeping its comments and layout; the record is validated "
        "before the file is replaced, and nothing is written if it would not be valid.",
    )
    p.add_argument("id", help="customer id")
    p.add_argument("--channel", required=True, help="a channel option value: phone, wechat, email, visit, …")
    p.add_argument("--topic", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--feedback")
    p.add_argument("--satisfaction", type=int, choices=range(1, 6), metavar="1-5")
    p.add_argument("--by", action="append", help="participant handle (repeatable; default: the owner)")
    p.add_argument("--date", type=_day, help="the interaction's date (default: today)")
    p.add_argument("--next", metavar="ACTION", help="the next step agreed (with --due)")
    p.add_argument("--due", type=_day, help="when the next step is due")
    p.set_defaults(func=cmd_log)

    p = sub.add_parser(
        "set", parents=[common], help="change fields of a record: crm set ID cooperation=active satisfaction=4",
        description="Set fields (FIELD=VALUE, dotted paths for nested fields such as size.employees; an empty value "
        "removes the field), keeping the file's comments and layout. Validated before the file is replaced.",
    )
    p.add_argument("id", help="customer id")
    p.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    p.set_defaults(func=cmd_set)

    p = sub.add_parser(
        "import", parents=[common, dated], help="import customers from a spreadsheet (matched, never duplicated)",
        description="Read a spreadsheet (XLSX, XLS, ODS, or CSV in UTF-8, UTF-16 or GBK) with a column mapping (the field guides' "
        "templates and an English CRM export are recognised by their headers), normalise the values, match each row "
        "to an existing record (id, then phone, then e-mail, then company name) and create or update records. "
        "Ambiguous matches and duplicates inside the file are rejected, never merged; rejected rows go to a reject "
        "file with the reason. Importing the same file again changes nothing.",
    )
    p.add_argument("file", help="the .xlsx, .xls, .ods or .csv file")
    p.add_argument("--mapping", help="a mapping YAML (columns: {header: field}); default: the shipped one that fits")
    p.add_argument("--plan", action="store_true",
                   help="write nothing but a mapping draft: every unknown column and value, counted, with suggestions")
    p.add_argument("--draft", help="with --plan: where the draft goes (default: FILE.mapping.yaml beside the file)")
    p.add_argument("--mode", choices=("create", "upsert", "update"), default="upsert",
                   help="create: only new customers; update: only existing ones; upsert (default): both")
    p.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
    p.add_argument("--owner", help="owner handle for rows without one")
    p.add_argument("--rejects", help="where the rejected rows go (default: FILE.rejects.csv beside the file)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "dupes", parents=[common], help="list suspected duplicate customers (same name, phone or e-mail)",
        description="Groups of records that share a company name (legal form, spacing and width ignored), a phone "
        "number or an e-mail address: the data-quality report's duplicates, in the terminal.",
    )
    p.set_defaults(func=cmd_dupes)

    p = sub.add_parser(
        "merge", parents=[common], help="merge a duplicate into the record to keep: crm merge KEEP OTHER",
        description="Move OTHER's contacts, interactions, key dates, orders, service cases and tags into KEEP "
        "(items KEEP already has are not repeated) and leave OTHER as a small record with merged_into: KEEP, "
        "so its old links on the site lead to KEEP. Both files are validated before either is written.",
    )
    p.add_argument("keep", help="the id to keep")
    p.add_argument("other", help="the duplicate's id")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser(
        "codeowners", parents=[common], help="write .github/CODEOWNERS: each customer's owner reviews changes to it",
        description="Generate .github/CODEOWNERS from records/team.yaml (git host logins; admins and managers review "
        "everything else, admins the schema, engine and workflows) and each record's owner. --check exits 1 when "
        "the committed file is stale.",
    )
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_codeowners)

    p = sub.add_parser(
        "forms", parents=[common], help="write the issue forms (.github/ISSUE_TEMPLATE) from the option lists",
        description="Generate the 'New customer' and 'Log an interaction' issue forms, their dropdowns filled from "
        "schema/options.yaml. --check exits 1 when the committed forms are stale.",
    )
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_forms)

    p = sub.add_parser(
        "from-issue", parents=[common, dated], help="make the change a submitted issue form asks for",
        description="Parse a submitted issue form's body (GitHub writes each answer under its label) and create the "
        "record or log the interaction, validated (a new customer also brings CODEOWNERS up to date). Prints the "
        "files written, one a line, or (exit 1, on standard error) what is wrong, for the quick-entry workflow to "
        "open a pull request or comment on the issue.",
    )
    p.add_argument("--form", required=True, help="new-customer or log-interaction (or the issue's crm:… label)")
    p.add_argument("--body-file", required=True, help="the issue body (- for standard input)")
    p.add_argument("--author", help="the issue author's git host login (the participant, when in the team)")
    p.add_argument("--markdown", metavar="FILE", help="write there what the workflow posts, every answer shown as "
                   "code: the pull request's body (with likely duplicates), or the comment saying what is wrong")
    p.set_defaults(func=cmd_from_issue)

    p = sub.add_parser(
        "fmt", parents=[common], help="put records in canonical key order and style (--check: only report)",
        description="Rewrite records with their keys in the order the schema declares them and in plaincrm's style "
        "(comments are kept; data never changes). --check writes nothing and exits 1 if a file would change.",
    )
    p.add_argument("paths", nargs="*", help="only these files or folders")
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_fmt)

    p = sub.add_parser(
        "export", parents=[common, dated, labelled], help="customer records as CSV, XLSX, JSON or vCard, masked",
        description="Export customers (all, or those in every --segment given) for other programs: CSV or XLSX "
        "(a row per customer, typed cells, headers in --lang), JSON (whole records) or vCard (a card per contact "
        "person). Phone numbers and e-mail addresses are masked unless --unmasked is given.",
    )
    p.add_argument("--format", choices=("csv", "xlsx", "json", "vcf"), default="csv")
    p.add_argument("--segment", action="append", default=[], metavar="FIELD=VALUE",
                   help="only customers in this segment, e.g. tier=key, owner=li.wei, tags=VIP (repeatable)")
    p.add_argument("--out", help="file to write (atomically); default: standard output")
    p.add_argument("--unmasked", action="store_true", help="export contact details in full (only when asked for by name)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "pages", parents=[common, dated, labelled], help="write the site's pages to a folder, for any static site engine",
        description="Generate every page (home, customer index, one page per customer, segments, owners) as "
        "Markdown files with an HTML body and a title in front matter, plus the assets they use, into OUT_DIR. "
        "MkDocs users do not need this: the plaincrm plugin in mkdocs.yml does the same during `mkdocs build`.",
    )
    p.add_argument("out_dir", help="folder to write into (created if missing; files of the same name are replaced)")
    p.add_argument("--repo-url", help="git host repository URL, for edit links")
    p.add_argument("--branch", default="main", help="branch for edit links (default: main)")
    p.add_argument("--directory-urls", action="store_true", help="link pages as folder/ instead of page.html")
    p.add_argument("--unmasked", action="store_true", help="do not mask phone numbers and e-mail addresses")
    p.add_argument("--as-of", metavar="DATE|REV", help="the records as they were on a date or at a tag (as crm report)")
    p.add_argument("--trust-revision", action="store_true",
                   help="read the --as-of records with that revision's own schema (this runs the Python in its schema/)")
    p.set_defaults(func=cmd_pages)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .layout import SchemaConfigError
    from .project import ProjectNotFound

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


if __name__ == "__main__":
    sys.exit(main())
