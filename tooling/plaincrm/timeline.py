"""One customer's timeline: what happened to it and what is coming, in one dated list.

Interactions, orders, service cases (opened, resolved), key dates and the record's own changes
(its git history) become typed entries with a one-line summary in the reader's language: option
values by their labels, team members by their names. Built from the validated model the caller
already has (masked, when the build masks), so nothing here can show a contact value whole.
Entries dated after "today" are kept apart as upcoming: a planned renewal is not history.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from .contract import get
from .history.audit import Entry
from .modelkit import unwrap
from .reports import money_text
from .show import RecordText

KINDS = ("interaction", "order", "case_opened", "case_resolved", "key_date", "change")


@dataclass(frozen=True)
class Event:
    day: date
    kind: str  # one of KINDS
    summary: str
    who: tuple[str, ...] = ()  # names: an interaction's participants, a change's commit author


@dataclass(frozen=True)
class Timeline:
    past: tuple[Event, ...]  # today and before, newest first
    upcoming: tuple[Event, ...]  # after today, soonest first: what comes next reads first
    last_change: Entry | None  # the newest commit that touched the record
    last_changed_by: str  # its author, by name when a team member

    def counts(self) -> dict[str, int]:
        """Entries per kind, in KINDS order, kinds without entries left out (no empty filter)."""
        every = self.past + self.upcoming
        return {kind: n for kind in KINDS if (n := sum(e.kind == kind for e in every))}


def member_name(team: Mapping[str, Any], who: str) -> str:
    """A team member's name for a handle or a git host login (a commit author may be either); else `who`."""
    member = team.get(who)
    if member is None:
        member = next((m for m in team.values() if getattr(m, "login", None) == who), None)
    return member.name if member is not None else who


def timeline(model: Any, history: Sequence[Entry], today: date, words: RecordText, team: Mapping[str, Any]) -> Timeline:
    """The customer's entries; `history` is the record's, newest first (as `History.of_file` gives it)."""
    events: list[Event] = []  # in a fixed order, so entries of one day keep it (reversed: newest first)
    for item in get(model, "interactions"):
        who = tuple(member_name(team, h) for h in get(item, "by"))
        events.append(Event(item.date, "interaction", _summary(item, words), who))
    for item in get(model, "orders"):
        money = money_text(item.amount, get(item, "currency") or "")  # the currency is said with the amount
        events.append(
            Event(item.date, "order", " · ".join(filter(None, (_summary(item, words, ("currency",)), money))))
        )
    for item in get(model, "service_cases"):
        opened = " · ".join(filter(None, (_field(item, "kind", words), get(item, "summary"))))
        events.append(Event(item.opened, "case_opened", opened))
        if get(item, "resolved") is not None:
            events.append(Event(item.resolved, "case_resolved", _summary(item, words, skip=("status",))))
    for item in get(model, "key_dates"):
        events.append(Event(item.date, "key_date", _summary(item, words)))
    for entry in reversed(history):  # oldest first, like the rest: a later commit of a day reads above
        events.append(
            Event(date.fromisoformat(entry.day), "change", _change(entry), (member_name(team, entry.author),))
        )
    order = sorted(range(len(events)), key=lambda i: (events[i].day, i), reverse=True)
    ordered = [events[i] for i in order]
    last = history[0] if history else None
    return Timeline(
        tuple(e for e in ordered if e.day <= today or e.kind == "change"),  # a commit happened, whatever the date
        tuple(reversed([e for e in ordered if e.day > today and e.kind != "change"])),
        last,
        member_name(team, last.author) if last is not None else "",
    )


def _summary(item: BaseModel, words: RecordText, skip: tuple[str, ...] = ()) -> str:
    """An item's words in one line: its texts and option labels; dates, numbers, lists and sub-records
    are the entry's date, its amount, its people or details the full tables below show."""
    parts = []
    for name, info in _text_fields(type(item)):
        value = getattr(item, name)
        if value and name not in skip:
            parts.append(words.value(info, value))
    return " · ".join(parts)


@functools.cache  # a handful of item models, read for every item of every customer
def _text_fields(model: type[BaseModel]) -> tuple[tuple[str, Any], ...]:
    """The fields of an item model that hold one text or option value, in the model's order."""
    out = []
    for name, info in model.model_fields.items():
        inner, _, is_list = unwrap(info.annotation)
        literal = typing.get_origin(inner) is typing.Literal
        if not is_list and (inner is str or (literal and all(isinstance(v, str) for v in typing.get_args(inner)))):
            out.append((name, info))
    return tuple(out)


def _field(item: BaseModel, name: str, words: RecordText) -> str:
    value = get(item, name)
    return words.value(type(item).model_fields[name], value) if value is not None else ""


CHANGE_LINES = 3  # a commit's first changes; the history section below has them all


def _change(entry: Entry) -> str:
    """A commit's change to the record in words, field by field (masked where it names a contact),
    kept to one line: a commit that rewrites a record is one entry, not a page."""
    shown = "; ".join(entry.lines[:CHANGE_LINES]) or entry.subject
    more = len(entry.lines) - CHANGE_LINES
    return f"{shown}; … (+{more})" if more > 0 else shown
