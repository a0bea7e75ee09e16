"""`crm review sample`: the monthly spot check (guides A and E), printed or opened as one issue for the team.

Which customers a month draws and what is checked on each is `plaincrm.sampling`; here the options are
read (in the reader's language, so a wrong one is refused in it, exit 2), the checklist printed, and
with --issue kept as one issue on the git host through `crm remind-issues`' gh plumbing (`cli.notify.Gh`):
found again by the month's marker on its first line, edited in place with the reviewers' ticks kept.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date

from ..escaping import terminal_safe
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Parents, _lang, _project, _views

NAME = "crm review sample"
LABEL = "crm:review"  # the issues this command owns; nothing else is read or changed
LABEL_COLOR = "0E8A16"


def _refuse(message: str) -> int:
    print(f"{NAME}: {terminal_safe(message)}", file=sys.stderr)
    return EXIT_USAGE


def cmd_review_sample(args) -> int:
    from ..messages import say
    from ..sampling import (
        DEFAULT_PERCENT,
        Wording,
        checklist_data,
        checklist_markdown,
        checklist_text,
        month_of,
        percent_of,
        sample,
    )
    from ..show import json_text
    from ..site.i18n import text
    from .reading import _labeller

    lang = _lang(args)
    today = args.today or date.today()
    month = month_of(args.month) if args.month is not None else today.strftime("%Y-%m")
    if month is None:
        return _refuse(say("review_sample.bad-month", lang, {"value": repr(args.month)}))
    percent = percent_of(args.percent) if args.percent is not None else percent_of(str(DEFAULT_PERCENT))
    if percent is None:
        return _refuse(say("review_sample.bad-percent", lang, {"value": repr(args.percent)}))
    project = _project(args)
    label = _labeller(project, lang)
    words = Wording(lang, label, lambda word: text(f"word.{word}", lang))
    views = _views(project, today, lang=lang)
    if views is None:
        return EXIT_PROBLEMS
    drawn = sample(views, month, percent)
    if args.issue:
        return _issue(args, project, drawn, words, label)
    if args.format == "json":
        sys.stdout.write(json_text(checklist_data(drawn, words)))
    elif args.format == "markdown":
        sys.stdout.write(checklist_markdown(drawn, words))
    else:
        sys.stdout.write(checklist_text(drawn, words))
    return EXIT_OK


def _issue(args, project, drawn, words, label) -> int:
    """The month's checklist as the team's one issue: created, or edited in place (ticks kept), or left."""
    from .. import notify
    from ..sampling import checklist_markdown, keep_ticks, marked_month
    from .notify import Gh, GhError

    host_words = notify.Wording(words.lang, label)  # gh's own failures are worded as for remind-issues
    executable = shutil.which("gh")
    if executable is None:
        return _refuse(host_words.say("no_gh"))
    gh = Gh(executable, project.root, host_words)
    title = words.title(drawn)
    body = checklist_markdown(drawn, words, budget=notify.LIST_BUDGET, measure=notify.size)
    try:
        mine = sorted(
            (i for i in gh.issues(LABEL) if marked_month(i.body) == drawn.month), key=lambda i: (not i.open, i.number)
        )
        if not mine:
            if args.dry_run:
                print(terminal_safe(words.say("would-create", title=title)))
                sys.stdout.write("".join(f"    {terminal_safe(line)}\n" for line in body.splitlines()))
                return EXIT_OK
            gh("label", "create", LABEL, "--color", LABEL_COLOR, "--description", words.say("label"), "--force")
            url = gh("issue", "create", "--title", title, "--body-file", "-", "--label", LABEL, body=body).strip()
            number = url.rstrip("/").rsplit("/", 1)[-1]
            print(terminal_safe(words.say("create", number=number, title=title)))
            return EXIT_OK
        held = mine[0]
        body = keep_ticks(held.body, body)
        if held.title == title and held.body.replace("\r\n", "\n").strip() == body.strip():
            print(terminal_safe(words.say("keep", number=held.number, title=title)))
            return EXIT_OK
        if args.dry_run:
            print(terminal_safe(words.say("would-update", number=held.number, title=title)))
            return EXIT_OK
        gh("issue", "edit", str(held.number), "--title", title, "--body-file", "-", body=body)
        print(terminal_safe(words.say("update", number=held.number, title=title)))
    except GhError as error:
        print(f"{NAME}: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def add_review(sub, parents: Parents) -> None:
    """`crm review`, a group: the periodic reviews of the records (`sample`, the monthly spot check)."""
    group = sub.add_parser(
        "review",
        help="periodic reviews of the records: crm review sample (the monthly spot check)",
        description="Periodic reviews of the records the field guides ask for.",
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser(
        "sample",
        parents=[parents.root, parents.dated, parents.labelled],
        help="the monthly spot check: a reproducible sample of customers and what to check on each",
        description="Draw a share of the customers for a month (guide A: 10%% every month, rounded up; merged "
        "records never) and list what the reviewer checks on each (guides A and E): contacts still reachable, "
        "those to check (待核实) with their verified_on date, category and cooperation still right, the last "
        "follow-up, recommended fields missing. The draw depends on the month alone: the same month draws the "
        "same customers on any machine, another month others. With --issue the checklist becomes one issue for "
        "the team (label crm:review, gh CLI), found again by a hidden marker naming the month and edited in "
        "place, the reviewers' ticks kept.",
    )
    p.add_argument("--percent", help="the share of customers to draw, above 0 and at most 100 (default: 10)")
    p.add_argument("--month", help="the month drawn for, YYYY-MM (default: the month of --today, else today's)")
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text for people, markdown for an issue or a job summary (record text as code), json for tools: "
        "{month, percent, total, sampled, customers: [{id, name, owner, owner_name, category, category_text, "
        "cooperation, cooperation_text, contacts: [{name, title, phone, email, verified, verified_on, to_check, "
        "text}], last_follow_up, days_since_follow_up, missing, missing_text}]}, contact details masked",
    )
    p.add_argument(
        "--issue",
        action="store_true",
        help="open the checklist as one issue for the team on the git host (gh CLI; label crm:review); run again "
        "for the same month, it edits that issue",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="with --issue: say what would be done and print the issue; change nothing",
    )
    p.set_defaults(func=cmd_review_sample)
