"""The rest of a customer's life without YAML: `crm order add`, `crm case open|resolve|update`,
`crm date add`, `crm contact add`, `crm step done`. Each command's arguments sit beside it; each
calls one write action (`plaincrm.write.actions`) and says what it did (`cli.writing`)."""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from ..escaping import terminal_safe
from ..problems import render
from .common import EXIT_USAGE, _day, _lang, _project
from .writing import Asker, fill, said

_GROUPED = re.compile(r"\d{1,3}([,，]\d{3})+(\.\d+)?")  # 12,000 and 1,200,000.50: commas only between thousands


def _amount(text: str) -> Decimal:
    """An amount as people write it: 12000, 12,000, ¥12,000.50. Commas anywhere else (12,000,00, 1,2)
    are refused rather than guessed away."""
    number = unicodedata.normalize("NFKC", text).strip().lstrip("¥$")
    if ("," in number or "，" in number) and not _GROUPED.fullmatch(number):
        raise argparse.ArgumentTypeError(f"not an amount: {text!r} (commas go between thousands: 12,000.50)")
    try:
        value = Decimal(number.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}")
    return value


def _ask(args, command: str, needed) -> tuple[object, str, int | None]:
    project = _project(args)
    lang = _lang(args)
    return project, lang, fill(args, Asker(project, lang, command), needed)


# --- crm order add ---------------------------------------------------------------------------------


def cmd_order_add(args) -> int:
    from ..write import actions

    project, lang, stop = _ask(
        args,
        "order add",
        [
            ("item", ("Product or service", "产品/服务"), {}),
            ("amount", ("Amount", "金额"), {"convert": _amount}),
        ],
    )
    if stop is not None:
        return stop
    order = {
        "date": args.date or args.today or date.today(),
        "item": args.item,
        "amount": args.amount,
        "currency": args.currency,
        "kind": args.kind,
        "status": args.status,
        "payment_method": args.payment_method,
    }
    return said(
        project,
        actions.add_order(project, args.id, order, dry_run=args.dry_run),
        "order add",
        lang,
        dry_run=args.dry_run,
    )


# --- crm case open | update | resolve ----------------------------------------------------------------


def _case_people(args, project, lang: str, command: str, step_day: date) -> tuple[dict, int | None]:
    """Who handles a case, where, who takes part and the step taken (服务记录), as the case actions take
    them; a handle nobody in the team has is refused here, naming its option (exit 2)."""
    from ..dataset import load_team
    from ..messages import say
    from ..write import actions

    members = load_team(project).members
    step_by = args.step_by or args.handler
    given = [("--handler", [args.handler]), ("--participant", args.participant or []), ("--step-by", [step_by])]
    for option, handles in given:
        for handle in handles:
            if handle and handle not in members:
                words = {
                    "option": option,
                    "value": terminal_safe(repr(handle)),
                    "team_file": project.layout.team_file,
                    "members": ", ".join(members),
                }
                print(f"crm {command}: " + say("write.unknown-handle", lang, words), file=sys.stderr)
                return {}, EXIT_USAGE
    try:
        step = actions.case_step(
            args.step,
            day=args.step_date or step_day,
            result=args.step_result,
            by=step_by,
            project=project,
            record_id=args.id,
        )
    except actions.Refused as refused:
        print(render(refused.problems, lang=lang), file=sys.stderr)
        return {}, EXIT_USAGE
    return {"participants": args.participant or [], "step": step}, None


def cmd_case_open(args) -> int:
    from ..write import actions

    project, lang, stop = _ask(
        args,
        "case open",
        [
            ("kind", ("Kind", "类型"), {"options": "case_kind"}),
            ("summary", ("Summary", "问题描述"), {}),
        ],
    )
    if stop is not None:
        return stop
    extras, stop = _case_people(args, project, lang, "case open", args.today or date.today())
    if stop is not None:
        return stop
    outcome = actions.open_case(
        project,
        args.id,
        kind=args.kind,
        summary=args.summary,
        opened=args.date or args.today or date.today(),
        status=args.status,
        handler=args.handler,
        place=args.place,
        dry_run=args.dry_run,
        **extras,
    )
    return said(project, outcome, "case open", lang, dry_run=args.dry_run)


def cmd_case_update(args) -> int:
    from ..write import actions

    project, lang = _project(args), _lang(args)
    fields = ("status", "resolution", "handler", "place")
    changes = {name: getattr(args, name) for name in fields if getattr(args, name)}
    if not changes and not args.participant and not args.step:
        print(
            "crm case update: say what changes: --status, --resolution, --handler, --place, --participant, --step",
            file=sys.stderr,
        )
        return EXIT_USAGE
    extras, stop = _case_people(args, project, lang, "case update", args.today or date.today())
    if stop is not None:
        return stop
    outcome = actions.update_case(project, args.id, changes, which=args.case, dry_run=args.dry_run, **extras)
    return said(project, outcome, "case update", lang, dry_run=args.dry_run)


def cmd_case_resolve(args) -> int:
    from ..write import actions

    project, lang = _project(args), _lang(args)
    resolved = args.date or args.today or date.today()
    extras, stop = _case_people(args, project, lang, "case resolve", resolved)  # the final step: that day
    if stop is not None:
        return stop
    outcome = actions.resolve_case(
        project,
        args.id,
        resolved=resolved,
        resolution=args.resolution,
        status=args.status,
        which=args.case,
        handler=args.handler,
        place=args.place,
        dry_run=args.dry_run,
        **extras,
    )
    return said(project, outcome, "case resolve", lang, dry_run=args.dry_run)


# --- crm date add -------------------------------------------------------------------------------------


def cmd_date_add(args) -> int:
    from ..write import actions

    project, lang, stop = _ask(
        args,
        "date add",
        [
            ("kind", ("Kind", "类型"), {"options": "key_date_kind"}),
            ("date", ("Date", "日期"), {"convert": date.fromisoformat}),
        ],
    )
    if stop is not None:
        return stop
    outcome = actions.add_key_date(
        project, args.id, kind=args.kind, day=args.date, note=args.note, dry_run=args.dry_run
    )
    return said(project, outcome, "date add", lang, dry_run=args.dry_run)


# --- crm contact add ----------------------------------------------------------------------------------


def cmd_contact_add(args) -> int:
    from ..write import actions

    project, lang, stop = _ask(args, "contact add", [("name", ("Name", "姓名"), {})])
    if stop is not None:
        return stop
    contact = {
        "name": args.name,
        "title": args.title,
        "phone": args.phone,
        "email": args.email,
        "im": args.im,
        "decision_maker": True if args.decision_maker else None,
        "notes": args.notes,
    }
    return said(
        project,
        actions.add_contact(project, args.id, contact, dry_run=args.dry_run),
        "contact add",
        lang,
        dry_run=args.dry_run,
    )


# --- crm step done ------------------------------------------------------------------------------------


def cmd_step_done(args) -> int:
    from ..write import actions

    project, lang = _project(args), _lang(args)
    outcome = actions.complete_step(project, args.id, which=args.step, dry_run=args.dry_run)
    return said(project, outcome, "step done", lang, dry_run=args.dry_run)


# --- the parsers --------------------------------------------------------------------------------------


def register(sub, parents: list[argparse.ArgumentParser]) -> None:
    """`parents`: --root, --today, --lang and --dry-run, as every write command takes them."""

    def case_people(parser: argparse.ArgumentParser, step_date: str) -> None:
        """Who handles a case, where, who takes part, and a step taken (guide D's 服务记录)."""
        parser.add_argument("--handler", help="the team member handling the case (处理人), a handle")
        parser.add_argument("--place", help="where it is handled (服务地点), e.g. 客户现场")
        parser.add_argument(
            "--participant", action="append", metavar="HANDLE", help="a team member taking part (参与人员; repeatable)"
        )
        parser.add_argument("--step", metavar="TEXT", help="a step taken, appended to the case (服务记录: 内容)")
        parser.add_argument("--step-result", metavar="TEXT", help="the step's result (结果)")
        parser.add_argument("--step-date", type=_day, help=f"the step's date (时间; default: {step_date})")
        parser.add_argument("--step-by", metavar="HANDLE", help="who took the step (default: --handler)")

    def group(name: str, help: str, description: str):
        parser = sub.add_parser(name, help=help, description=description)
        return parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def command(actions, name: str, func, help: str, description: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(
            name,
            parents=parents,
            help=help,
            description=description + " Validated as crm "
            "validate would before the file is replaced; nothing is written if it would not be "
            "valid. --dry-run prints the change as a diff instead.",
        )
        parser.add_argument("id", help="customer id, e.g. C20240501001")
        parser.set_defaults(func=func)
        return parser

    orders = group("order", "orders (交易记录): crm order add ID --item … --amount …", "Record orders.")
    p = command(
        orders,
        "add",
        cmd_order_add,
        "add an order to a customer",
        "Append an order: its date (default: today), product or service, amount; currency, kind and status "
        "default to the model's (the team's currency, new, signed). Asks for what is missing in a terminal.",
    )
    p.add_argument("--item", help="the product or service (产品/服务)")
    p.add_argument("--amount", type=_amount, help="the amount, e.g. 12000 or 12,000.50")
    p.add_argument("--date", type=_day, help="the order's date (default: today)")
    p.add_argument("--currency", help="ISO code such as CNY, USD (default: schema/settings.yaml default_currency)")
    p.add_argument("--kind", help="an order_kind option value: new, renewal, upsell")
    p.add_argument("--status", help="an order_status option value: quoted, signed, paid, delivered, cancelled")
    p.add_argument(
        "--payment-method",
        help="a payment_method option value (支付方式): bank_transfer, cash, wechat_pay, alipay, other",
    )

    cases = group("case", "service cases (投诉处理): crm case open|update|resolve ID", "Record service cases.")
    p = command(
        cases,
        "open",
        cmd_case_open,
        "open a service case (a consultation, complaint or after-sales request)",
        "Append a service case, open from --date (default: today). Asks for what is missing in a terminal.",
    )
    p.add_argument("--kind", help="a case_kind option value: consultation, complaint, after_sales")
    p.add_argument("--summary", help="what the customer raised (问题描述)")
    p.add_argument("--date", type=_day, help="the day it was raised (default: today)")
    p.add_argument("--status", help="a case_status option value (default: open)")
    case_people(p, "today")
    p = command(
        cases,
        "update",
        cmd_case_update,
        "change an open case's status or resolution so far",
        "Change an open case: its status (in_progress …) or the resolution so far.",
    )
    p.add_argument(
        "--case", type=int, metavar="N", help="which open case, counted from 1 (needed when several are open)"
    )
    p.add_argument("--status", help="a case_status option value")
    p.add_argument("--resolution", help="how it is being handled (处理结果)")
    case_people(p, "today")
    p = command(
        cases,
        "resolve",
        cmd_case_resolve,
        "resolve an open case",
        "Close an open case: the day it was resolved (--date, default: today), how (--resolution) and the "
        "status (resolved, or closed).",
    )
    p.add_argument(
        "--case", type=int, metavar="N", help="which open case, counted from 1 (needed when several are open)"
    )
    p.add_argument("--date", type=_day, help="the day it was resolved (default: today)")
    p.add_argument("--resolution", help="how it was resolved (处理结果)")
    p.add_argument("--status", default="resolved", choices=("resolved", "closed"))
    case_people(p, "the day it was resolved")

    dates = group("date", "key dates (关键节点): crm date add ID --kind renewal_due --date …", "Record key dates.")
    p = command(
        dates,
        "add",
        cmd_date_add,
        "add a key date (a renewal, a birthday, a signing)",
        "Append a key date; reminders and calendar feeds show it ahead. Asks for what is missing in a terminal.",
    )
    p.add_argument("--kind", help="a key_date_kind option value: renewal_due, birthday, contract_signed, …")
    p.add_argument("--date", type=_day, help="the date (YYYY-MM-DD)")
    p.add_argument("--note", help="what it is about")

    contacts = group("contact", "contact people (决策关键人): crm contact add ID --name …", "Record contact people.")
    p = command(
        contacts,
        "add",
        cmd_contact_add,
        "add a contact person",
        "Append a contact person; refused when one with the same phone number or e-mail is there already.",
    )
    p.add_argument("--name", help="the person's name (真实姓名, not 某先生)")
    p.add_argument("--title", help="their title or role (职务)")
    p.add_argument("--phone")
    p.add_argument("--email")
    p.add_argument("--im", help="WeChat or another IM id")
    p.add_argument("--decision-maker", action="store_true", help="they decide the purchase (决策关键人)")
    p.add_argument("--notes")

    steps = group("step", "next steps: crm step done ID [--step N]", "Complete next steps.")
    p = command(
        steps,
        "done",
        cmd_step_done,
        "mark a pending next step done",
        "Mark a pending next step done, so reminders stop; with several pending, --step N says which "
        "(counted from 1, in the record's order; without it the pending ones are listed).",
    )
    p.add_argument("--step", type=int, metavar="N", help="which pending step, counted from 1")
