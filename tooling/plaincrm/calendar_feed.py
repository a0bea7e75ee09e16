"""Calendar feeds (RFC 5545) of the reminders: one per owner and one for the team.

UIDs come from each reminder's stable key, so a subscribed calendar updates an event
when its date or text changes instead of adding a second one. DTSTAMP is "today", so
the same records and the same day give the same file.

The lines are written here rather than through the icalendar library's object model:
for 10,000 customers that model took 20 s, against the 3 s a site build may spend on
reports and feeds. What is written is only all-day VEVENTs with text, escaped and folded
as RFC 5545 says; the tests parse every feed back with icalendar.

Every event carries a VALARM (the field guides ask for automatic reminders): a DISPLAY alarm
`alarm_minutes_before` (schema/settings.yaml) before the event's day starts. The default, 900
minutes, is 09:00 the day before: a follow-up or a renewal wants a working morning to prepare (a
visit to arrange, a quote to send), and it is the alert calendar programs offer for all-day
events. Calendars that ignore a subscription's alarms (Google's) keep their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from .escaping import escape_text
from .modelkit import Settings
from .reminders import ANNOUNCE_DAYS, Reminder

PRODID = "-//plaincrm//customer reminders//EN"
PAST_DAYS = 90  # a feed holds the events of this many days back and all ahead: it stays small as years pass
DEFAULT_ALARM_MINUTES: int = Settings.model_fields["alarm_minutes_before"].default


def trigger(minutes_before: int) -> str:
    """An alarm's TRIGGER value (a DURATION, RFC 5545 3.3.6) relative to the event's start: negative
    before it, as `-PT15H`, `-P1D` or `-P1DT2H30M`; `PT9H` for 09:00 on the day itself."""
    sign, minutes = ("-", minutes_before) if minutes_before > 0 else ("", -minutes_before)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if not days and not time:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{'T' + time if time else ''}"


def fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space, never splitting a character (RFC 5545 3.1)."""
    if len(line) <= 18 or len(line.encode("utf-8")) <= 75:  # a character is at most 4 octets
        return line + "\r\n"
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not out else 74):
            out.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out) + "\r\n"


def _basic(day: date) -> str:
    return day.isoformat().replace("-", "")  # DATE value (RFC 5545 3.3.4); strftime is slower


def _event(uid: str, day: date, summary: str, description: str, stamp: str, yearly: bool, alarm: str) -> str:
    text = (
        f"BEGIN:VEVENT\r\n{fold('UID:' + escape_text(uid))}DTSTAMP:{stamp}\r\n"
        f"DTSTART;VALUE=DATE:{_basic(day)}\r\nDTEND;VALUE=DATE:{_basic(day + timedelta(days=1))}\r\n"
        + fold("SUMMARY:" + escape_text(summary))
    )
    if description:
        text += fold("DESCRIPTION:" + escape_text(description))
    text += "TRANSP:TRANSPARENT\r\n"
    if yearly:
        text += "RRULE:FREQ=YEARLY\r\n"
    text += "BEGIN:VALARM\r\nACTION:DISPLAY\r\n" + fold("DESCRIPTION:" + escape_text(summary))
    return text + f"TRIGGER:{alarm}\r\nEND:VALARM\r\nEND:VEVENT\r\n"


def events(
    reminder: Reminder,
    today: date,
    describe: Callable[[Reminder], tuple[str, str]],
    alarm: str = trigger(DEFAULT_ALARM_MINUTES),
) -> str:
    """The VEVENTs of one reminder, each with its alarm (a `trigger` value): key dates also get an
    all-day "prepare" event 30 days ahead; birthdays and anniversaries repeat yearly from their next
    occurrence."""
    summary, description = describe(reminder)
    stamp = f"{today:%Y%m%d}T000000Z"
    text = _event(f"{reminder.key}@plaincrm", reminder.due, summary, description, stamp, reminder.yearly, alarm)
    if reminder.kind == "key_date":
        prepare = reminder.due - timedelta(days=ANNOUNCE_DAYS)
        text += _event(
            f"{reminder.key}-prepare@plaincrm", prepare, f"▶ {summary}", description, stamp, reminder.yearly, alarm
        )
    return text


def calendar(event_texts: Iterable[str], *, name: str) -> bytes:
    """An .ics file from VEVENT texts (see `events`), so a team feed and the owners' share them."""
    head = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        + fold(f"PRODID:{PRODID}")
        + "CALSCALE:GREGORIAN\r\n"
        + fold(f"X-WR-CALNAME:{escape_text(name)}")
    )
    return (head + "".join(event_texts) + "END:VCALENDAR\r\n").encode("utf-8")


def feeds(
    reminders: list[Reminder],
    today: date,
    describe: Callable[[Reminder], tuple[str, str]],
    calendars: dict[str, tuple[str, str | None]],
    alarm_minutes_before: int = DEFAULT_ALARM_MINUTES,
) -> dict[str, bytes]:
    """Every feed at once, each event written once: `calendars` maps a path to (name, owner),
    owner None for the feed of the whole team. Reminders due more than PAST_DAYS ago are left out.
    `alarm_minutes_before` is the project's setting of that name."""
    since = today - timedelta(days=PAST_DAYS)
    alarm = trigger(alarm_minutes_before)
    texts = [(r.owner, events(r, today, describe, alarm)) for r in reminders if r.due >= since]
    by_owner: dict[str, list[str]] = {}
    for owner, event_text in texts:
        by_owner.setdefault(owner, []).append(event_text)
    return {
        path: calendar((t for _, t in texts) if owner is None else by_owner.get(owner, []), name=name)
        for path, (name, owner) in calendars.items()
    }
