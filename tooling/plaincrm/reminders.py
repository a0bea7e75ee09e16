"""What needs doing, and when: follow-ups by tier cadence, next steps, key dates ahead, idle customers.

The one definition of each count: `agenda` (overdue, due within a week, key dates ahead) and
`idle_customers` serve the home page, the owner pages, `crm remind`, the calendar feeds and the
reports, so they always agree. Nothing dated after "today" counts: a customer first contacted
later is not known yet, and neither is a next step logged later (see `facts`).
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .contract import get
from .facts import next_occurrence
from .views import CustomerView, Views

if TYPE_CHECKING:
    from .show import Paint

ACTIVE_STATES = ("active", "paused")  # cooperation states whose customers go idle when not contacted
IDLE_DAYS = 30  # an active customer not contacted this long is idle (field guide B: a monthly touch)
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


def known(view: CustomerView, today: date) -> bool:
    """Whether the customer exists for `today`: not first contacted after it."""
    return view.facts.first_contact is None or view.facts.first_contact <= today


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


def customer_reminders(
    view: CustomerView, today: date, cadence_days: dict[str, int], names: dict[str, str] | None = None
) -> list[Reminder]:
    """Every reminder of one customer, whatever its date (callers choose the window); none for a
    customer first contacted after today, who is not known yet. A next step's participants are said
    by `names` (handle -> the member's name)."""
    names = names or {}
    if not known(view, today):
        return []
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
                ", ".join(names.get(handle, handle) for handle in step.by),
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
        names = {handle: str(member.name) for handle, member in views.dataset.team.items()}
        prior = views.previous.memo("reminders_of", dict) if views.previous is not None else {}
        mine: dict[str, tuple[CustomerView, list[Reminder]]] = views.memo("reminders_of", dict)
        found = []
        for view in views.customers.values():
            before = prior.get(view.id)
            if before is not None and before[0] is view:  # the same view (derive reused it): the same reminders
                made = before[1]
            else:
                made = customer_reminders(view, today, cadence, names)
            mine[view.id] = (view, made)
            found.extend(made)
        return sorted(found, key=lambda r: (r.due, r.customer_id, r.kind, r.key))

    return views.memo("reminders", make)


@dataclass(frozen=True)
class Agenda:
    """What is to be done on `today`, for the team or one owner (the customers' owner), each list by date."""

    overdue: list[Reminder]  # follow-ups and next steps due before today: the oldest first, the most urgent
    due: list[Reminder]  # follow-ups and next steps due today or within FOLLOW_UP_DAYS
    dates: list[Reminder]  # key dates from today to ANNOUNCE_DAYS ahead

    def mine(self, owner: str) -> Agenda:
        return Agenda(*([r for r in part if r.owner == owner] for part in (self.overdue, self.due, self.dates)))

    def by_customer(self) -> dict[str, list[str]]:
        """Each customer's place on the agenda ("overdue", "due"): the customer index filters by it."""
        found: dict[str, list[str]] = {}
        for name, part in (("overdue", self.overdue), ("due", self.due)):
            for r in part:
                places = found.setdefault(r.customer_id, [])
                if name not in places:
                    places.append(name)
        return found


def agenda(views: Views, *, owner: str | None = None) -> Agenda:
    """The agenda for `views.today`: what every front end counts as overdue and as due."""

    def make() -> Agenda:
        today = views.today
        follow_until, announce_until = today + timedelta(days=FOLLOW_UP_DAYS), today + timedelta(days=ANNOUNCE_DAYS)
        overdue, due, dates = [], [], []
        for r in pending(views):
            if r.kind == "key_date":
                if today <= r.due <= announce_until:
                    dates.append(r)
            elif r.due < today:
                overdue.append(r)
            elif r.due <= follow_until:
                due.append(r)
        return Agenda(overdue, due, dates)

    team = views.memo("agenda", make)
    if owner is None:
        return team

    def by_owner() -> dict[str, Agenda]:  # every owner's share at once: pages ask for each owner's
        parts: dict[str, tuple[list, list, list]] = {}
        for index, part in enumerate((team.overdue, team.due, team.dates)):
            for r in part:
                parts.setdefault(r.owner, ([], [], []))[index].append(r)
        return {handle: Agenda(*lists) for handle, lists in parts.items()}

    return views.memo("agenda_by_owner", by_owner).get(owner) or Agenda([], [], [])


def reminders(views: Views, *, owner: str | None = None) -> list[Reminder]:
    """The whole agenda in one list by date (what `crm remind` prints)."""
    found = agenda(views, owner=owner)
    return sorted(found.overdue + found.due + found.dates, key=lambda r: (r.due, r.customer_id, r.kind, r.key))


def idle_customers(views: Views, *, owner: str | None = None) -> list[CustomerView]:
    """Customers in an active cooperation not contacted for IDLE_DAYS (or never), by owner and id."""

    today, changed = views.today, views.changed()
    # Under `mkdocs serve`: when every changed customer is idle as before (and with the same owner), the
    # last build's lists stand, each changed idle customer's new view in its old place.
    unmoved = changed is not None and all(
        is_idle(a, today) == is_idle(b, today) and (a.model.owner == b.model.owner or not is_idle(a, today))
        for a, b in changed
    )
    moved = [(a, b) for a, b in changed or () if is_idle(a, today)]

    def make() -> list[CustomerView]:
        kept: list[CustomerView] | None = views.before("idle") if unmoved else None
        for old, new in moved:
            kept = _in_place_of(kept, old, new) if kept is not None else None
        if kept is not None:
            return kept
        found = [view for view in views.customers.values() if is_idle(view, today)]
        return sorted(found, key=_idle_order)

    team = views.memo("idle", make)  # the team's, once: every owner page asks for its share
    if owner is None:
        return team

    def by_owner() -> dict[str, list[CustomerView]]:
        kept = views.before("idle_by_owner") if unmoved and views.before("idle") is not None else None
        if kept is not None:
            shares = dict(kept)
            for old, new in moved:
                share = _in_place_of(shares.get(old.model.owner, []), old, new)
                if share is None:
                    break
                shares[old.model.owner] = share
            else:
                return shares
        found: dict[str, list[CustomerView]] = {}
        for view in team:
            found.setdefault(view.model.owner, []).append(view)
        return found

    return views.memo("idle_by_owner", by_owner).get(owner, [])


def _idle_order(view: CustomerView) -> tuple[str, str]:
    return (view.model.owner, view.id)


def _in_place_of(views: list[CustomerView], old: CustomerView, new: CustomerView) -> list[CustomerView] | None:
    """A copy of the list (in `_idle_order`) with `new` where `old` was; None when `old` is not in it."""
    at = bisect.bisect_left(views, _idle_order(old), key=_idle_order)
    if at == len(views) or views[at] is not old:
        return None
    return views[:at] + [new] + views[at + 1 :]


def is_idle(view: CustomerView, today: date) -> bool:
    """In an active cooperation, known by `today`, and not contacted for IDLE_DAYS (or never)."""
    return (
        known(view, today)
        and get(view.model, "cooperation") in ACTIVE_STATES
        and (view.facts.days_since_contact is None or view.facts.days_since_contact >= IDLE_DAYS)
    )


def reminder_rows(views: Views, found: list[Reminder], label, say):
    """`crm remind`'s rows, each owner's reminders under them in the team's order: (handle, member name,
    [(reminder, what it is in words, overdue)]); option values by `label(list_name, value)`, its own words
    by `say(key)` (the site's i18n table, in the reader's language). The text and the JSON are made from it."""
    for handle, member in views.dataset.team.items():
        mine = [r for r in found if r.owner == handle]
        if not mine:
            continue
        rows = []
        for r in mine:
            what = {
                "follow_up": say("remind.follow_up").format(tier=label("tier", r.what)),
                "key_date": label("key_date_kind", r.what),
            }.get(r.kind, r.what)
            rows.append((r, what, r.overdue(views.today)))
        yield handle, str(member.name), rows


def reminders_text(views: Views, found: list[Reminder], label, say, paint: Paint | None = None) -> str:
    """What `crm remind` prints (`reminder_rows`): the overdue ones flagged; every line terminal-safe, the
    colour of `paint(style, text)` (show.Paint) added around the escaped text."""
    from .escaping import terminal_safe
    from .show import plain

    paint = paint or plain
    lines = []
    for handle, name, rows in reminder_rows(views, found, label, say):
        lines.append(paint("heading", terminal_safe(f"{name} ({handle})")))  # the handle is what --owner takes
        for r, what, overdue in rows:
            flag = paint("overdue", terminal_safe(say("remind.overdue"))) + " " if overdue else ""
            note = f" ({r.note})" if r.note else ""
            day = paint("overdue" if overdue else "due", str(r.due))
            lines.append(f"  {flag}{day}  " + terminal_safe(f"{r.customer_id} {r.customer_name}: {what}{note}"))
    if not found:
        lines.append(terminal_safe(say("remind.nothing")))
    return "".join(line + "\n" for line in lines)


def reminders_data(views: Views, found: list[Reminder], label, say) -> dict:
    """`crm remind --format json`: {today, reminders: [{owner, owner_name, kind, due, overdue, customer_id,
    customer_name, what, text, note, yearly}]} in the order the text lists them; `what` the engine's value
    (a tier, a key date's kind, a next step's action), `text` it in words, dates YYYY-MM-DD."""
    return {
        "today": views.today.isoformat(),
        "reminders": [
            {
                "owner": handle,
                "owner_name": name,
                "kind": r.kind,
                "due": r.due.isoformat(),
                "overdue": overdue,
                "customer_id": r.customer_id,
                "customer_name": r.customer_name,
                "what": r.what,
                "text": what,
                "note": r.note,
                "yearly": r.yearly,
            }
            for handle, name, rows in reminder_rows(views, found, label, say)
            for r, what, overdue in rows
        ],
    }
