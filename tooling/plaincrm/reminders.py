"""What needs doing, and when: follow-ups by tier cadence, next steps, key dates ahead.

One list of reminders for one "today" feeds the site's owner pages, `crm remind` and
the calendar feeds, so all three always agree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from .contract import get
from .facts import next_occurrence
from .views import CustomerView, Views

ANNOUNCE_DAYS = 30  # key dates are announced this long ahead (field guide B: birthdays a month ahead)
FOLLOW_UP_DAYS = 7  # follow-ups are listed when due within a week, or overdue
YEARLY_KINDS = ("birthday", "anniversary")
ANNOUNCED_KINDS = YEARLY_KINDS + ("renewal_due", "contract_signed", "other")


@dataclass(frozen=True)
class Reminder:
    kind: str  # "follow_up" | "next_step" | "key_date"
    customer_id: str
    customer_name: str
    owner: str
    due: date
    what: str  # the next step's action, the key date's kind, or the tier for a follow-up
    note: str
    key: str  # stable across edits of the text and the date: calendar UIDs are made from it
    yearly: bool = False

    def overdue(self, today: date) -> bool:
        return self.due < today


def _stable_key(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def follow_up(view: CustomerView, today: date, cadence_days: dict[str, int]) -> Reminder | None:
    """The next contact a customer's tier asks for; any logged interaction resets it."""
    cadence = cadence_days.get(view.tier.name)
    if cadence is None:
        return None
    start = view.facts.last_contact or view.facts.first_contact or today
    return Reminder(
        "follow_up",
        view.id,
        view.model.name,
        view.model.owner,
        start + timedelta(days=cadence),
        view.tier.name,
        "",
        _stable_key("follow_up", view.id),
    )


def customer_reminders(view: CustomerView, today: date, cadence_days: dict[str, int]) -> list[Reminder]:
    """Every reminder of one customer, whatever its date (callers choose the window)."""
    found = []
    due = follow_up(view, today, cadence_days)
    if due is not None:
        found.append(due)
    for step in view.facts.open_next_steps:
        found.append(
            Reminder(
                "next_step",
                view.id,
                view.model.name,
                view.model.owner,
                step.due,
                step.action,
                ", ".join(step.by),
                _stable_key("next_step", view.id, step.interaction_date, step.position),
            )
        )
    for position, key_date in enumerate(get(view.model, "key_dates")):
        if key_date.kind not in ANNOUNCED_KINDS:
            continue
        yearly = key_date.kind in YEARLY_KINDS
        day = next_occurrence(key_date.date, today) if yearly else key_date.date
        found.append(
            Reminder(
                "key_date",
                view.id,
                view.model.name,
                view.model.owner,
                day,
                key_date.kind,
                get(key_date, "note") or "",
                _stable_key("key_date", view.id, key_date.kind, position),
                yearly=yearly,
            )
        )
    return found


def pending(views: Views) -> list[Reminder]:
    """Every reminder of every customer, whatever its date, by date (the calendar feeds take them all)."""

    def make():
        today, cadence = views.today, views.dataset.project.settings.tiers.cadence_days
        found = [r for view in views.customers.values() for r in customer_reminders(view, today, cadence)]
        return sorted(found, key=lambda r: (r.due, r.customer_id, r.kind, r.key))

    return views.memo("reminders", make)


def reminders(views: Views, *, owner: str | None = None) -> list[Reminder]:
    """What is overdue or coming up for `today`: follow-ups and next steps due within a week
    (or overdue), key dates within the next 30 days. Sorted by date."""
    today = views.today
    follow_until, announce_until = today + timedelta(days=FOLLOW_UP_DAYS), today + timedelta(days=ANNOUNCE_DAYS)
    return [
        r
        for r in pending(views)
        if (owner is None or r.owner == owner)
        and (today <= r.due <= announce_until if r.kind == "key_date" else r.due <= follow_until)
    ]


def reminders_text(views: Views, found: list[Reminder], label) -> str:
    """What `crm remind` prints: each owner's reminders under their name, in the team's order, the
    overdue ones flagged; option values by `label(list_name, value)`; every line terminal-safe."""
    from .escaping import terminal_safe

    lines = []
    for handle, member in views.dataset.team.items():
        mine = [r for r in found if r.owner == handle]
        if not mine:
            continue
        lines.append(terminal_safe(f"{member.name} ({handle})"))
        for r in mine:
            what = {
                "follow_up": f"follow-up, {label('tier', r.what)}",
                "key_date": label("key_date_kind", r.what),
            }.get(r.kind, r.what)
            flag = "OVERDUE " if r.overdue(views.today) else ""
            note = f" ({r.note})" if r.note else ""
            lines.append(terminal_safe(f"  {flag}{r.due}  {r.customer_id} {r.customer_name}: {what}{note}"))
    if not found:
        lines.append("nothing due")
    return "".join(line + "\n" for line in lines)
