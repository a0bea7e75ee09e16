"""The monthly spot check (guide A: check 10% of the customer records every month; guide E: keep the
library accurate, a doubtful contact marked 待核实): which customers a month draws, and what the
reviewer checks on each.

The draw must be the same wherever and whenever it is made for a month, so that a lead and the team
look at the same customers: each customer is ranked by a SHA-256 of the month and its id (nothing of
Python's hash seed, the files' order or the machine) and the first `ceil(percent × customers / 100)`
are taken. A customer added later moves into a month's sample only if it ranks among them. Merged
records are redirects, not customers: the dataset leaves them out, so they are never drawn.

The checklist reads what the other views define once: the last follow-up is `facts.last_contact`,
the missing recommended fields are the data-quality report's, a contact in doubt is consistency's
`to_check`. Everything a record holds is untrusted: `checklist_text` escapes it for a terminal,
`checklist_markdown` puts it in code spans, `checklist_data` leaves it as data for `json_text`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from .consistency import TO_CHECK, VERIFIED_FIELD
from .contract import get
from .escaping import markdown_code, terminal_safe
from .messages import say
from .reports import data_quality
from .views import Views

MONTH = re.compile(r"(?:19|20|21)[0-9]{2}-(?:0[1-9]|1[0-2])")  # YYYY-MM, in the years a record's dates may have
PERCENT = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,6})?)%?")  # 10, 12.5, 10%: plain decimals, no exponent, no sign
DEFAULT_PERCENT = 10  # guide A's share
TEXT_CHARS = 200  # a record's text in the Markdown checklist is cut to this many characters
MARKER = "<!-- plaincrm:review-sample month={month} -->"
_MARKER = re.compile(r"\s*<!-- plaincrm:review-sample month=(\S+) -->")
_BOX = re.compile(r"^(\s*- )\[([ xX])\] ")


def month_of(text: str) -> str | None:
    """`text` if it is a month written YYYY-MM, else None."""
    return text if MONTH.fullmatch(text) else None


def percent_of(text: str) -> Fraction | None:
    """The share `text` asks for, exactly (0 < p ≤ 100), else None: exact, so that 10% of 10 is 1, never 1.0000001."""
    found = PERCENT.fullmatch(text.strip())
    if found is None:
        return None
    value = Fraction(found.group(1))
    return value if 0 < value <= 100 else None


def shown_percent(percent: Fraction) -> str:
    """10 for 10, 12.5 for 12.5: as a person writes it."""
    return str(percent.numerator) if percent.denominator == 1 else f"{float(percent):g}"


def sample_size(percent: Fraction, total: int) -> int:
    """How many customers a share of `total` is, rounded up: any share of at least one customer is one at least."""
    return math.ceil(percent * total / 100)


def _rank(month: str, customer_id: str) -> bytes:
    return hashlib.sha256(f"plaincrm review sample\0{month}\0{customer_id}".encode()).digest()


def pick(ids: Iterable[str], month: str, percent: Fraction) -> list[str]:
    """The ids `month` draws, in id order: the `sample_size` ones ranking first by `_rank`."""
    every = sorted(set(ids))
    drawn = sorted(every, key=lambda customer_id: _rank(month, customer_id))[: sample_size(percent, len(every))]
    return sorted(drawn)


# --- what the reviewer checks ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContactCheck:
    name: str
    title: str
    phone: str  # masked as every reader-facing output masks it
    email: str
    verified: str | None  # an option of `verification` (verified, to_check), None when never said
    verified_on: date | None

    @property
    def to_check(self) -> bool:
        return self.verified == TO_CHECK


@dataclass(frozen=True)
class CheckRow:
    """One sampled customer and what its checklist asks about."""

    id: str
    name: str
    owner: str
    owner_name: str
    category: str | None
    cooperation: str | None
    contacts: tuple[ContactCheck, ...]
    last_follow_up: date | None
    days_since: int | None
    missing: tuple[str, ...]  # the data-quality report's words for the recommended fields missing


@dataclass(frozen=True)
class Sample:
    month: str
    percent: Fraction
    total: int  # the customers drawn from (merged records are none of them)
    rows: list[CheckRow]


def sample(views: Views, month: str, percent: Fraction) -> Sample:
    """The month's sample with each customer's checklist, for `views.today` (the last follow-up up to it)."""
    drawn = pick(views.customers, month, percent)
    gaps: dict[str, tuple[str, ...]] = {}
    if drawn:
        missing = next((t for t in data_quality(views).tables if t.title == "missing"), None)
        gaps = {row[0]: tuple(row[3]) for row in (missing.rows if missing else [])}
    team = views.dataset.team
    rows = []
    for customer_id in drawn:
        view = views.customers[customer_id]
        model = view.model
        owner = str(model.owner)
        member = team.get(owner)
        rows.append(
            CheckRow(
                id=customer_id,
                name=str(model.name),
                owner=owner,
                owner_name=str(member.name) if member is not None else owner,
                category=get(model, "category"),
                cooperation=get(model, "cooperation"),
                contacts=tuple(_contact(c) for c in get(model, "contacts")),
                last_follow_up=view.facts.last_contact,
                days_since=view.facts.days_since_contact,
                missing=gaps.get(customer_id, ()),
            )
        )
    return Sample(month, percent, len(views.customers), rows)


def _contact(contact: Any) -> ContactCheck:
    verified = getattr(contact, VERIFIED_FIELD, None)  # a schema without the field: never said
    return ContactCheck(
        name=str(get(contact, "name") or ""),
        title=str(get(contact, "title") or ""),
        phone=str(get(contact, "phone") or ""),
        email=str(get(contact, "email") or ""),
        verified=str(verified) if verified is not None else None,
        verified_on=getattr(contact, "verified_on", None),
    )


# --- the checklist in words --------------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """The checklist's words in `lang`: its own (messages `review_sample.*`), the schema's option labels and
    the engine's words for missing fields (the data-quality report's, worded where the caller keeps them)."""

    lang: str
    label: Callable[[str, str], str]  # (option list, value) -> its label in `lang`
    phrase: Callable[[str], str]  # an engine word ("needs") -> in `lang`

    def say(self, key: str, **fields: object) -> str:
        return say(f"review_sample.{key}", self.lang, {name: str(value) for name, value in fields.items()})

    def join(self, words: Iterable[str]) -> str:
        return ("、" if self.lang == "zh" else ", ").join(words)

    def title(self, drawn: Sample) -> str:
        return self.say("title", month=drawn.month, percent=shown_percent(drawn.percent))

    def head(self, drawn: Sample) -> str:
        return self.say(
            "head", sampled=len(drawn.rows), total=drawn.total, month=drawn.month, percent=shown_percent(drawn.percent)
        )

    def state(self, contact: ContactCheck, record: Callable[[str], str] = str) -> str:
        """Whether and when the contact was verified, in words (a 待核实 one as such)."""
        if contact.verified is None:
            return self.say("never-verified")
        state = record(self.label("verification", contact.verified))
        if contact.verified_on is None:
            return self.say("state-undated", state=state)
        return self.say("state-dated", state=state, date=contact.verified_on.isoformat())

    def lines(self, row: CheckRow, record: Callable[[str], str]) -> list[tuple[str, list[str]]]:
        """The checks of one customer: each (line, sub-lines), record text through `record` (its format's
        escaping) and the engine's words as they are."""
        contacts = [
            " · ".join(record(part) for part in (c.name, c.title, c.phone, c.email) if part)
            + " — "
            + self.state(c, record)
            for c in row.contacts
        ] or [self.say("no-contacts")]
        category = record(self.label("category", row.category)) if row.category else "—"
        cooperation = record(self.label("cooperation", row.cooperation)) if row.cooperation else "—"
        if row.last_follow_up is None:
            last = self.say("last-none")
        else:
            last = self.say("last", date=row.last_follow_up.isoformat(), days=row.days_since)
        missing = (
            self.say("missing", fields=self.join(self.phrase(gap) for gap in row.missing))
            if row.missing
            else self.say("missing-none")
        )
        return [
            (self.say("contacts"), contacts),
            (self.say("category", category=category, cooperation=cooperation), []),
            (last, []),
            (missing, []),
        ]


def checklist_text(drawn: Sample, words: Wording) -> str:
    """What `crm review sample` prints: every line terminal-safe as a whole (the record's text and the
    labels in it alike), so no text can act on the terminal or break a line."""
    out = [words.title(drawn), words.head(drawn), words.say("intro")]
    if not drawn.rows:
        out += ["", words.say("none")]
    for row in drawn.rows:
        out += ["", f"{row.id}  {row.name}", "  " + words.say("owner", name=row.owner_name, handle=row.owner)]
        for line, subs in words.lines(row, str):
            out.append(f"  [ ] {line}")
            out += [f"        - {sub}" for sub in subs]
    return "".join(terminal_safe(line) + "\n" for line in out)


def _code(value: str) -> str:
    """A record's text as a code span, cut to TEXT_CHARS: shown, never read as Markdown, HTML or a mention."""
    return markdown_code(value if len(value) <= TEXT_CHARS else value[: TEXT_CHARS - 1] + "…")


def checklist_markdown(
    drawn: Sample, words: Wording, *, budget: int | None = None, measure: Callable[[str], int] = len
) -> str:
    """The checklist as Markdown (an issue's body, a job summary): a hidden marker naming the month on the
    first line, a heading and a task list per customer, record text in code spans. With `budget`, the
    customers whose sections would take more than it (as `measure` counts) are counted, not listed."""
    head = [
        MARKER.format(month=drawn.month),
        f"## {words.title(drawn)}",
        "",
        words.head(drawn),
        "",
        words.say("intro"),
    ]
    if not drawn.rows:
        head += ["", words.say("none")]
    sections: list[str] = []
    left = budget
    listed = 0
    for row in drawn.rows:
        section = [
            "",
            f"### {_code(row.id)} {_code(row.name)}",
            "",
            words.say("owner", name=_code(row.owner_name), handle=_code(row.owner)),
            "",
        ]
        for line, subs in words.lines(row, _code):
            section.append(f"- [ ] {line}")
            section += [f"  - {sub}" for sub in subs]
        text = "\n".join(section)
        if left is not None:
            if measure(text) + 1 > left:
                break
            left -= measure(text) + 1
        sections.append(text)
        listed += 1
    tail = [""]
    if listed < len(drawn.rows):
        more = words.say("more", n=len(drawn.rows) - listed, month=drawn.month, percent=shown_percent(drawn.percent))
        tail += [f"- {more}", ""]
    tail += [words.say("hint")]
    return "\n".join(head + sections + tail) + "\n"


def checklist_data(drawn: Sample, words: Wording) -> dict:
    """`--format json`: {month, percent, total, sampled, customers: [{id, name, owner, owner_name, category,
    category_text, cooperation, cooperation_text, contacts: [{name, title, phone, email, verified, verified_on,
    to_check, text}], last_follow_up, days_since_follow_up, missing, missing_text}]}; values as data."""

    def labelled(list_name: str, value: str | None) -> str | None:
        return words.label(list_name, value) if value else None

    return {
        "month": drawn.month,
        "percent": int(drawn.percent) if drawn.percent.denominator == 1 else float(drawn.percent),
        "total": drawn.total,
        "sampled": len(drawn.rows),
        "customers": [
            {
                "id": row.id,
                "name": row.name,
                "owner": row.owner,
                "owner_name": row.owner_name,
                "category": row.category,
                "category_text": labelled("category", row.category),
                "cooperation": row.cooperation,
                "cooperation_text": labelled("cooperation", row.cooperation),
                "contacts": [
                    {
                        "name": c.name,
                        "title": c.title or None,
                        "phone": c.phone or None,
                        "email": c.email or None,
                        "verified": c.verified,
                        "verified_on": c.verified_on.isoformat() if c.verified_on else None,
                        "to_check": c.to_check,
                        "text": words.state(c),
                    }
                    for c in row.contacts
                ],
                "last_follow_up": row.last_follow_up.isoformat() if row.last_follow_up else None,
                "days_since_follow_up": row.days_since,
                "missing": list(row.missing),
                "missing_text": [words.phrase(gap) for gap in row.missing],
            }
            for row in drawn.rows
        ],
    }


# --- the issue: found again by its marker, the reviewers' ticks kept ----------------------------------


def marked_month(body: str) -> str | None:
    """The month a body's first-line marker names, or None for any other issue."""
    found = _MARKER.match(body)
    return found.group(1) if found is not None and MONTH.fullmatch(found.group(1)) else None


def keep_ticks(held: str, written: str) -> str:
    """`written` with each task a reviewer ticked in `held` (the same place under the same customer's
    heading: its text may differ, as "last follow-up … N days ago" does from one day to the next) ticked
    again: updating the month's issue never undoes the work done on it."""
    ticked: set[tuple[str, int]] = set()
    heading, place = "", 0
    for line in held.replace("\r\n", "\n").split("\n"):
        if line.startswith("### "):
            heading, place = line, 0
        box = _BOX.match(line)
        if box is not None:
            place += 1
            if box.group(2) in "xX":
                ticked.add((heading, place))
    out = []
    heading, place = "", 0
    for line in written.split("\n"):
        if line.startswith("### "):
            heading, place = line, 0
        if _BOX.match(line) is not None:
            place += 1
            line = _BOX.sub(r"\1[x] ", line) if (heading, place) in ticked else line
        out.append(line)
    return "\n".join(out)
