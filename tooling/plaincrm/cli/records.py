"""The commands that write customer records: `crm new`, `crm log`, `crm set`, `crm import`, `crm dupes`,
`crm merge`, `crm from-issue`; each command's arguments beside it."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from ..escaping import terminal_safe
from ..site.i18n import text
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Parents, _day, _lang, _project, _views
from .writing import Asker, fill, said


def cmd_new(args) -> int:
    from ..dataset import load_team
    from ..write import actions
    from ..write.scaffold import NEW_DEFAULTS

    project, lang = _project(args), _lang(args)
    team = load_team(project)
    if args.owner is None and len(team.members) == 1:
        args.owner = next(iter(team.members))
    defaults = dict(NEW_DEFAULTS)
    questionnaire = args.name is None  # no name given: ask for each field in turn (in a terminal)
    stop = fill(
        args,
        Asker(project, lang, "new"),
        [
            ("name", ("Name (full, no abbreviations)", "客户名称（全称，勿用简称）"), {}),
            *(
                [("kind", ("Kind", "客户类型"), {"options": "customer_kind", "default": "company"})]
                if questionnaire
                else []
            ),
            ("owner", ("Owner", "跟进人"), {"choices": sorted(team.members)}),
            *[
                (name, label, {"options": name, "default": defaults.get(name), "required": False})
                for name, label in (
                    ("source", ("Source", "客户来源")),
                    ("industry", ("Industry", "所属行业")),
                    ("category", ("Category", "客户分类")),
                )
                if questionnaire
            ],
        ],
    )
    if stop is not None:
        return stop
    fields = {
        "name": args.name,
        "kind": args.kind or "company",
        "owner": args.owner,
        "source": args.source,
        "industry": args.industry,
        "category": args.category,
    }
    outcome = actions.create_customer(project, fields, today=args.today or date.today(), dry_run=args.dry_run)
    return said(project, outcome, "new", lang, dry_run=args.dry_run)


def add_new(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "new",
        parents=parents.writes,
        help="create a record with the next free id for today",
        description="Create records/customers/<id>.yaml with the next free id for the day, a first-contact key "
        "date and the fields every record needs, and bring .github/CODEOWNERS up to date. Never overwrites a file. "
        "In a terminal, asks for what is not given.",
    )
    p.add_argument("--name", help="full customer name (no abbreviations); without it, crm new asks in the terminal")
    p.add_argument("--kind", choices=("company", "individual"), help="company (default) or individual")
    p.add_argument("--owner", help="handle of the responsible team member (from records/team.yaml)")
    p.add_argument("--industry", help="an industry option value (default: other)")
    p.add_argument("--source", help="a source option value (default: other)")
    p.add_argument("--category", help="a category option value (default: new)")
    p.set_defaults(func=cmd_new)


def cmd_log(args) -> int:
    from ..write import actions

    project, lang = _project(args), _lang(args)
    stop = fill(
        args,
        Asker(project, lang, "log"),
        [
            ("channel", ("Channel", "沟通方式"), {"options": "channel"}),
            ("topic", ("Topic", "沟通主题"), {}),
            ("summary", ("Summary", "沟通内容摘要"), {}),
        ],
    )
    if stop is not None:
        return stop
    outcome = actions.log_interaction(
        project,
        args.id,
        day=args.date or args.today or date.today(),
        channel=args.channel,
        topic=args.topic,
        summary=args.summary,
        feedback=args.feedback,
        satisfaction=args.satisfaction,
        by=args.by,
        next_action=args.next,
        due=args.due,
        dry_run=args.dry_run,
    )
    return said(project, outcome, "log", lang, dry_run=args.dry_run)


def add_log(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "log",
        parents=parents.writes,
        help="log an interaction with a customer (and its next step)",
        description="Append an interaction to the record, keeping its comments and layout; the record is validated "
        "before the file is replaced, and nothing is written if it would not be valid. In a terminal, asks for "
        "the channel, topic and summary when they are not given.",
    )
    p.add_argument("id", help="customer id")
    p.add_argument("--channel", help="a channel option value: phone, wechat, email, visit, …")
    p.add_argument("--topic")
    p.add_argument("--summary")
    p.add_argument("--feedback")
    p.add_argument("--satisfaction", type=int, choices=range(1, 6), metavar="1-5")
    p.add_argument("--by", action="append", help="participant handle (repeatable; default: the owner)")
    p.add_argument("--date", type=_day, help="the interaction's date (default: today)")
    p.add_argument("--next", metavar="ACTION", help="the next step agreed (with --due)")
    p.add_argument("--due", type=_day, help="when the next step is due")
    p.set_defaults(func=cmd_log)


def cmd_set(args) -> int:
    from ..write import actions

    project = _project(args)
    values = {}
    for assignment in args.assignments:
        name, equals, value = assignment.partition("=")
        if not equals or not name.strip():
            print(f"crm set: {assignment!r}: write FIELD=VALUE (a dotted path such as size.employees)", file=sys.stderr)
            return EXIT_USAGE
        values[name.strip()] = value
    outcome = actions.set_fields(project, args.id, values, dry_run=args.dry_run)
    return said(project, outcome, "set", _lang(args), dry_run=args.dry_run)


def add_set(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "set",
        parents=parents.writes,
        help="change fields of a record: crm set ID cooperation=active satisfaction=4",
        description="Set fields (FIELD=VALUE, dotted paths for nested fields such as size.employees; an empty value "
        "removes the field), keeping the file's comments and layout. Validated before the file is replaced. "
        "The id never changes.",
    )
    p.add_argument("id", help="customer id")
    p.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    p.set_defaults(func=cmd_set)


def _words(lang: str, key: str, **fields) -> str:
    """What `crm import` reports (not problems, so not in `messages`): the `import.*` words of the one table."""
    return text(f"import.{key}", lang).format(**fields)


def cmd_import(args) -> int:
    from ..write.importing.apply import PROGRESS_FROM, CannotImport, progress_bar, run_import, write_rejects

    project, lang = _project(args), _lang(args)
    source = Path(args.file)
    if args.plan:
        return _import_plan(project, source, args)
    progress = None
    if sys.stderr.isatty():  # a bar in a terminal, for files of more than a few hundred rows
        bar = progress_bar()
        progress = lambda done, total: bar(done, total) if total >= PROGRESS_FROM else None  # noqa: E731
    try:
        outcome = run_import(
            project,
            source,
            mapping_file=Path(args.mapping) if args.mapping else None,
            mode=args.mode,
            dry_run=args.dry_run,
            today=args.today,
            owner=args.owner,
            progress=progress,
            lang=lang,
        )
    except CannotImport as error:
        print(_words(lang, "refused", reason=terminal_safe(error.text(lang))), file=sys.stderr)
        return EXIT_USAGE
    comma = "，" if lang == "zh" else ", "
    print(
        _words(lang, "head", file=terminal_safe(source.name), mapping=terminal_safe(repr(outcome.mapping)))
        + (_words(lang, "dry") if args.dry_run else "")
    )
    if outcome.labelled_columns:
        print(
            _words(lang, "labelled")
            + comma.join(f"{terminal_safe(h)} → {t}" for h, t in outcome.labelled_columns.items())
        )
    if outcome.unknown_columns:
        print(_words(lang, "unknown") + comma.join(terminal_safe(c) for c in outcome.unknown_columns))
    if outcome.masked:
        print(_words(lang, "masked", count=outcome.masked))
    if outcome.external_ids:
        print(
            _words(lang, "external", count=len(outcome.external_ids))
            + comma.join(f"{terminal_safe(old)} → {new}" for _, old, new in outcome.external_ids[:5])
            + (" …" if len(outcome.external_ids) > 5 else "")
        )
    if outcome.owner_fallbacks:
        print(
            _words(lang, "fallback", count=len(outcome.owner_fallbacks), owner=args.owner)
            + comma.join(
                _words(lang, "fallback-row", row=row, text=terminal_safe(text))
                for row, text in outcome.owner_fallbacks[:5]
            )
        )
    print(
        _words(
            lang,
            "counts",
            verb=_words(lang, "would") if args.dry_run else "",
            created=len(outcome.created),
            updated=len(outcome.updated),
            unchanged=len(outcome.unchanged),
            rejected=len(outcome.rejected),
        )
    )
    if outcome.rejected:
        for number, _, reason in outcome.rejected[:20]:
            print(_words(lang, "row", row=number, reason=terminal_safe(reason)), file=sys.stderr)
        if len(outcome.rejected) > 20:
            print(_words(lang, "more", count=len(outcome.rejected) - 20), file=sys.stderr)
        if not args.dry_run:
            rejects = Path(args.rejects) if args.rejects else source.with_name(source.stem + ".rejects.csv")
            write_rejects(rejects, outcome, lang)
            print(_words(lang, "rejects", file=terminal_safe(str(rejects))))
    return EXIT_PROBLEMS if outcome.rejected else EXIT_OK


def _import_plan(project, source: Path, args) -> int:
    """--plan: the questions a sheet raises, and a mapping draft that answers what it can."""
    from ..write.atomic import write_atomically
    from ..write.importing.mapping import CannotImport
    from ..write.importing.plan import draft_text, plan_import

    lang = _lang(args)
    try:
        plan = plan_import(
            project, source, mapping_file=Path(args.mapping) if args.mapping else None, owner=args.owner, lang=lang
        )
    except CannotImport as error:
        print(_words(lang, "refused", reason=terminal_safe(error.text(lang))), file=sys.stderr)
        return EXIT_USAGE
    draft = Path(args.draft) if args.draft else source.with_name(source.stem + ".mapping.yaml")
    write_atomically(draft, draft_text(plan, draft).encode("utf-8"))
    base = (
        _words(lang, "plan-no-mapping")
        if plan.mapping.origin == str(source)
        else _words(lang, "plan-mapping", name=terminal_safe(repr(plan.mapping.name)))
    )
    print(_words(lang, "plan-head", file=terminal_safe(source.name), rows=plan.rows, base=base, ready=plan.ready))
    for q in plan.columns:
        print(
            _words(
                lang,
                "plan-column",
                column=terminal_safe(q.column),
                count=q.count,
                mark="" if q.exact else _words(lang, "plan-suggested"),
                suggestion=terminal_safe(str(q.suggestion)),
                why=terminal_safe(q.why),
            )
        )
    for q in plan.values:
        answer = terminal_safe(str(q.suggestion)) if q.suggestion is not None else _words(lang, "plan-undecided")
        rows = ", ".join(map(str, q.rows)) + (" …" if q.count > len(q.rows) else "")
        print(
            _words(
                lang,
                "plan-value",
                column=terminal_safe(q.column),
                text=terminal_safe(repr(q.text)),
                count=q.count,
                rows=rows,
                answer=answer,
                why=terminal_safe(q.why),
            )
        )
    for missing in plan.missing:
        print(f"  {terminal_safe(missing)}")
    for number, reason in plan.problems[:20]:
        print(_words(lang, "row", row=number, reason=terminal_safe(reason)))
    if len(plan.problems) > 20:
        print(_words(lang, "plan-more", count=len(plan.problems) - 20))
    print(_words(lang, "plan-draft", draft=terminal_safe(str(draft)), source=terminal_safe(str(source))))
    return EXIT_OK


def add_import(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "import",
        parents=[parents.root, parents.dated, parents.labelled],
        help="import customers from a spreadsheet (matched, never duplicated)",
        description="Read a spreadsheet (XLSX, XLS, ODS, or CSV in UTF-8, UTF-16 or GBK) with a column mapping (the field guides' "
        "templates and an English CRM export are recognised by their headers), normalise the values, match each row "
        "to an existing record (id, then phone, then e-mail, then company name) and create or update records. "
        "Ambiguous matches and duplicates inside the file are rejected, never merged; rejected rows go to a reject "
        "file with the reason. Importing the same file again changes nothing.",
    )
    p.add_argument("file", help="the .xlsx, .xls, .ods or .csv file")
    p.add_argument("--mapping", help="a mapping YAML (columns: {header: field}); default: the shipped one that fits")
    p.add_argument(
        "--plan",
        action="store_true",
        help="write nothing but a mapping draft: every unknown column and value, counted, with suggestions",
    )
    p.add_argument("--draft", help="with --plan: where the draft goes (default: FILE.mapping.yaml beside the file)")
    p.add_argument(
        "--mode",
        choices=("create", "upsert", "update"),
        default="upsert",
        help="create: only new customers; update: only existing ones; upsert (default): both",
    )
    p.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
    p.add_argument("--owner", help="owner handle for rows without one")
    p.add_argument("--rejects", help="where the rejected rows go (default: FILE.rejects.csv beside the file)")
    p.set_defaults(func=cmd_import)


def cmd_dupes(args) -> int:
    from ..matching import duplicate_groups, record_keys
    from ..show import json_text
    from .colour import painter

    project = _project(args)
    views = _views(project, date.today())
    if views is None:
        return EXIT_PROBLEMS
    groups = [
        (reason, [(i, views.customers[i].model.name) for i in ids])
        for reason, ids in duplicate_groups(record_keys(views.dataset))
    ]
    if args.format == "json":
        data = [
            {"reason": reason, "customers": [{"id": i, "name": name} for i, name in found]} for reason, found in groups
        ]
        sys.stdout.write(json_text(data))
    else:
        paint = painter(args, sys.stdout)
        for reason, found in groups:
            print(
                paint("heading", terminal_safe(f"{reason}:"))
                + terminal_safe(" " + "  ".join(f"{i} {n}" for i, n in found))
            )
    print(
        f"crm dupes: {len(groups)} group(s) of suspected duplicates"
        + ("; merge with crm merge KEEP OTHER" if groups else ""),
        file=sys.stderr,
    )
    return EXIT_OK


def add_dupes(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "dupes",
        parents=[parents.root],
        help="list suspected duplicate customers (same name, phone or e-mail)",
        description="Groups of records that share a company name (legal form, spacing and width ignored), a phone "
        "number or an e-mail address: the data-quality report's duplicates, in the terminal.",
    )
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people, json for tools: [{reason, customers: [{id, name}]}]",
    )
    p.set_defaults(func=cmd_dupes)


def cmd_merge(args) -> int:
    from ..write import actions

    project = _project(args)
    outcome = actions.merge_customers(project, args.keep, args.other, dry_run=args.dry_run)
    return said(project, outcome, "merge", _lang(args), dry_run=args.dry_run)


def add_merge(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "merge",
        parents=parents.writes,
        help="merge a duplicate into the record to keep: crm merge KEEP OTHER",
        description="Move OTHER's contacts, interactions, key dates, orders, service cases and tags into KEEP "
        "(items KEEP already has are not repeated) and leave OTHER as a small record with merged_into: KEEP, "
        "so its old links on the site lead to KEEP. Both files are validated before either is written; "
        "what moved, and what went into KEEP's notes because the two differ, is said on standard error.",
    )
    p.add_argument("keep", help="the id to keep")
    p.add_argument("other", help="the duplicate's id")
    p.set_defaults(func=cmd_merge)


def cmd_from_issue(args) -> int:
    from ..issue_forms import form_by_name, parse_body
    from ..quick_entry import FormError, apply

    project = _project(args)
    try:
        form = form_by_name(args.form, project)
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


def add_from_issue(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "from-issue",
        parents=[parents.root, parents.dated],
        help="make the change a submitted issue form asks for",
        description="Parse a submitted issue form's body (GitHub writes each answer under its label) and create the "
        "record, log the interaction, add the order, case or contact, validated (a new customer also brings CODEOWNERS up to date). Prints the "
        "files written, one a line, or (exit 1, on standard error) what is wrong, for the quick-entry workflow to "
        "open a pull request or comment on the issue.",
    )
    p.add_argument(
        "--form",
        required=True,
        help="new-customer, log-interaction, add-order, open-case, resolve-case or "
        "add-contact (or the issue's crm:… label)",
    )
    p.add_argument("--body-file", required=True, help="the issue body (- for standard input)")
    p.add_argument("--author", help="the issue author's git host login (the participant, when in the team)")
    p.add_argument(
        "--markdown",
        metavar="FILE",
        help="write there what the workflow posts, every answer shown as "
        "code: the pull request's body (with likely duplicates), or the comment saying what is wrong",
    )
    p.set_defaults(func=cmd_from_issue)
