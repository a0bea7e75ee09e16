"""Per-customer facts derived from a record and "today": computed once, used by every view.

Nothing dated after "today" counts: a later order is not in the totals, a next step logged in a later
interaction is not open yet, a complaint opened later is not open and one resolved later still is (a `--today` in the past sees the records as they were then).

They read the optional fields of the engine's contract (interactions, orders, service_cases,
key_dates, satisfaction) through `contract.get`: a team may remove one, and the facts then
treat it as empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .contract import COOPERATION_KEY_DATES, NOT_COUNTED_ORDER, QUOTED_ORDER, get
from .modelkit import Settings

CLOSED_CASE = ("resolved", "closed")


@dataclass(frozen=True)
class NextStepDue:
    customer_id: str
    action: str
    due: date
    by: tuple[str, ...]
    interaction_date: date
    position: int = 0  # among the interactions of that date: with the date, a stable name for the step


@dataclass(frozen=True)
class CustomerFacts:
    last_contact: date | None
    days_since_contact: int | None
    first_contact: date | None
    order_total: float  # in the default currency up to today, quoted and cancelled orders left out
    orders_last_year: float
    orders_year_before: float
    latest_satisfaction: int | None
    open_complaints: int
    open_next_steps: tuple[NextStepDue, ...] = field(default=())
    quoted_upsell: bool = False  # a renewal or upsell quoted by today (a growth signal)
    first_cooperation: date | None = None  # 首次合作时间: the first counted order or contract signed, by today
    latest_cooperation: date | None = None  # 最近合作时间: the latest of them
    quoted_total: float = 0.0  # orders quoted by today, in the default currency: the pipeline


def in_default_currency(amount: Any, currency: str, settings: Settings) -> float:
    if currency == settings.default_currency:
        return float(amount)
    return float(amount) * settings.exchange_rates.get(currency, 1.0)


def customer_facts(customer: Any, today: date, settings: Settings) -> CustomerFacts:
    interactions = get(customer, "interactions")
    past = [i for i in interactions if i.date <= today]
    last_contact = max((i.date for i in past), default=None)
    key_dates = get(customer, "key_dates")
    first_contact = min(
        [k.date for k in key_dates if k.kind == "first_contact"] or [i.date for i in interactions] or [None],
        key=lambda d: d or date.max,
    )
    total = last_year = year_before = quoted = 0.0
    year_ago, two_years_ago = today - timedelta(days=365), today - timedelta(days=730)
    cooperated = [k.date for k in key_dates if k.kind in COOPERATION_KEY_DATES and k.date <= today]
    for order in get(customer, "orders"):
        if order.date > today:
            continue
        if order.status == QUOTED_ORDER:
            quoted += in_default_currency(order.amount, order.currency, settings)
        if order.status in NOT_COUNTED_ORDER:
            continue
        cooperated.append(order.date)
        amount = in_default_currency(order.amount, order.currency, settings)
        total += amount
        if year_ago < order.date <= today:
            last_year += amount
        elif two_years_ago < order.date <= year_ago:
            year_before += amount
    rated = [i for i in past if get(i, "satisfaction") is not None]
    # the latest day's rating; of two on one day, the one logged last (the log is in the order it was written)
    latest_satisfaction = (
        max(reversed(rated), key=lambda i: i.date).satisfaction if rated else get(customer, "satisfaction")
    )
    open_complaints = sum(
        1 for case in get(customer, "service_cases") if case.kind == "complaint" and open_on(case, today)
    )
    seen_on: dict[date, int] = {}
    steps = []
    for i in interactions:
        position = seen_on[i.date] = seen_on.get(i.date, -1) + 1
        step = get(i, "next_step")
        if step is not None and step.status == "pending" and i.date <= today:
            steps.append(NextStepDue(customer.id, step.action, step.due, tuple(i.by), i.date, position))
    return CustomerFacts(
        last_contact=last_contact,
        days_since_contact=(today - last_contact).days if last_contact else None,
        first_contact=first_contact,
        order_total=total,
        orders_last_year=last_year,
        orders_year_before=year_before,
        latest_satisfaction=latest_satisfaction,
        open_complaints=open_complaints,
        open_next_steps=tuple(steps),
        quoted_upsell=any(
            o.status == QUOTED_ORDER
            and o.kind in ("renewal", "upsell")
            and get(o, "date") is not None
            and o.date <= today
            for o in get(customer, "orders")
        ),
        first_cooperation=min(cooperated, default=None),
        latest_cooperation=max(cooperated, default=None),
        quoted_total=quoted,
    )


def open_on(case: Any, today: date) -> bool:
    """Whether a service case is open on `today`: opened by then and not resolved by then (a case
    resolved later was still open); without dates (a team may drop them), its status says."""
    opened, resolved = get(case, "opened"), get(case, "resolved")
    if opened is not None and opened > today:
        return False
    return resolved > today if resolved is not None else case.status not in CLOSED_CASE


def next_occurrence(day: date, today: date) -> date:
    """The next anniversary of `day` on or after `today` (29 February falls on 28 February)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:
            candidate = date(year, 2, 28)
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover
