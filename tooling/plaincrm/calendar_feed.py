"""Calendar feeds (RFC 5545) of the reminders: one per owner and one for the team.

UIDs come from each reminder's stable key, so a subscribed calendar updates an event
when its date or text changes instead of adding a second one. DTSTAMP is "today", so
the same records and the same day give the same file.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterable

from icalendar import Calendar, Event, vRecur

from .reminders import ANNOUNCE_DAYS, Reminder

PRODID = "-//plaincrm//customer reminders//EN"


def _event(uid: str, day: date, summary: str, description: str, stamp: datetime, yearly: bool) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("transp", "TRANSPARENT")
    if yearly:
        event.add("rrule", vRecur(freq="yearly"))
    return event


def calendar(
    reminders: Iterable[Reminder], *, name: str, today: date, describe: Callable[[Reminder], tuple[str, str]],
) -> bytes:
    """An .ics file; `describe(reminder)` gives (summary, description) in the reader's language.

    Key dates get an all-day "prepare" event 30 days ahead; birthdays and anniversaries
    repeat yearly from their next occurrence."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = datetime.combine(today, time(0, 0), tzinfo=timezone.utc)
    for reminder in reminders:
        summary, description = describe(reminder)
        start = reminder.due
        cal.add_component(_event(f"{reminder.key}@plaincrm", start, summary, description, stamp, reminder.yearly))
        if reminder.kind == "key_date":
            prepare = start - timedelta(days=ANNOUNCE_DAYS)
            cal.add_component(
                _event(f"{reminder.key}-prepare@plaincrm", prepare, f"▶ {summary}", description, stamp, reminder.yearly)
            )
    return cal.to_ical()
