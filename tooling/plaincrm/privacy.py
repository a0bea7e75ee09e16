"""What must never be stored: resident ID and bank card numbers, found and redacted.

The field guides forbid keeping national ID numbers and bank details. The check runs
over the raw text of a file (values and comments alike: a comment is stored in git
too) and over the values as YAML reads them, where escapes and folded lines may have
joined digits the text keeps apart.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# 18 characters, written plain or grouped as the card (6-8-4) or forms and phones (6-4-4-4) show
# them, separated by a space or hyphen; a label typed against it (ID11010…) does not hide it. An X
# check character ends the number whatever follows (no number has an X inside), a digit only where
# no digit follows.
_RESIDENT_ID = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}[ -]?(?:18|19|20)[0-9]{2}[ -]?(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[ -]?[0-9]{3}"
    r"(?:[0-9](?![0-9])|[Xx])"
)
# Where a card may start: a run of 13-19 digits (the card itself, `plain`), or a group of four that
# begins three with one separator (a grouped card, read by `_GROUPED`). Only that first group is
# consumed, so each following group is a start too: "2024 6222 0212 3456 7890 128" holds a card from
# its second. Four digits up front also make the scan faster than a bare alternation.
_CARD_START = re.compile(r"(?<![0-9])[0-9]{4}(?:(?P<plain>[0-9]{9,15})(?![0-9])|(?=([ -])[0-9]{4}\2[0-9]{4}\2[0-9]))")
# A card in groups of four, one separator throughout, its last group shorter: the longer shape first,
# then the shorter, so a card followed by one more group ("… 1111 2024年") is still read. A group
# followed by a hyphen and digits belongs to something longer (a landline and a date: "010-3862 9401
# 2001-02-27"), so it ends no card.
_GROUPED = (
    re.compile(r"[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{4}\1[0-9]{1,3}(?![0-9]|-[0-9])"),  # 17-19 digits
    re.compile(r"[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{1,4}(?![0-9]|-[0-9])"),  # 13-16 digits
)

# A cheap gate before the regular expressions, which are slow on digit-rich text (every
# date is digits): map every ASCII digit to 0 and look for the shapes both numbers need.
_ZEROS = bytes.maketrans(b"0123456789", b"0" * 10)
_GATES = (
    b"0" * 13,
    b"0000 0000 0000",
    b"0000-0000-0000",
    b"0000 0000-0000",
    b"0000-0000 0000",
    b"000000 00000000",
    b"000000-00000000",
)
_FULL_WIDTH_DIGITS = "０１２３４５６７８９"  # typed with a Chinese IME in full-width mode
_FULL_WIDTH = str.maketrans(_FULL_WIDTH_DIGITS + "Ｘｘ", "0123456789Xx")


# A card's groups of four folded over lines ("6222 0212\n  3456 7890 123") are one number
# once YAML has folded the line break into a space.
_FOLD = re.compile(rb"0000[ \t]*\r?\n[ \t\r\n]*0")


def _gates(text: str) -> tuple[bool, bool]:
    """(the text may hold a number, the values YAML reads from it may hold one the text does not).

    Parsed values differ from the text only through escapes and line continuations (a
    backslash) and folded line breaks, so a record without those needs no second scan.
    """
    if any(digit in text for digit in _FULL_WIDTH_DIGITS):
        return True, True
    encoded = text.encode("utf-8")
    digits = encoded.translate(_ZEROS)
    return any(gate in digits for gate in _GATES), b"\\" in encoded or _FOLD.search(digits) is not None


def resident_id_valid(number: str) -> bool:
    """ISO 7064 MOD 11-2 check digit of an 18-character mainland resident ID."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@dataclass(frozen=True)
class Finding:
    """A number at `offset` up to `end` (exclusive): `redact` cuts exactly there. `code` is also its
    message's key (`messages.MESSAGES`, worded there in both languages), `args` the message's fields."""

    offset: int
    end: int
    code: str
    args: tuple[tuple[str, str], ...] = ()


def find_forbidden_numbers(text: str) -> Iterator[Finding]:
    """Resident ID numbers and bank card numbers anywhere in `text` (ASCII or full-width digits)."""
    if _gates(text)[0]:
        yield from _find_numbers(text)


def find_in_record(text: str, data: Any) -> tuple[list[Finding], list[tuple[tuple, bool, Finding]]]:
    """Numbers in a record's `text` (comments included) and in its parsed `data` (see
    `find_forbidden_values`), each scan run only when its gate says it may find something."""
    in_text, in_values = _gates(text)
    return (list(_find_numbers(text)) if in_text else [], list(find_forbidden_values(data)) if in_values else [])


def _find_numbers(text: str) -> Iterator[Finding]:
    if any(digit in text for digit in _FULL_WIDTH_DIGITS):
        text = text.translate(_FULL_WIDTH)  # one character for one: offsets stay valid
    id_spans = []
    for match in _RESIDENT_ID.finditer(text):
        if resident_id_valid(re.sub(r"[ -]", "", match.group())):
            id_spans.append(match.span())
            yield Finding(
                match.start(),
                match.end(),
                "privacy.resident-id",
            )
    resume = 0  # the end of the last card: its own groups start no other
    for start_match in _CARD_START.finditer(text):
        start = start_match.start()
        if start < resume or any(id_start <= start < id_end for id_start, id_end in id_spans):
            continue
        plain = start_match["plain"] is not None
        for card in (start_match,) if plain else (shape.match(text, start) for shape in _GROUPED):
            if card is None:
                continue
            digits = re.sub(r"[ -]", "", card.group())
            if luhn_valid(digits) and not _international_phone(text, start, digits):
                resume = card.end()
                yield Finding(
                    start,
                    card.end(),
                    "privacy.bank-card",
                    (("digits", str(len(digits))),),
                )
                break


def find_forbidden_values(data: Any) -> Iterator[tuple[tuple, bool, Finding]]:
    """(path, is a key, finding) for ID and card numbers in the strings of parsed `data`.

    The strings are joined into one text (a line break between two, which neither pattern
    crosses), so a record costs one pass of `find_forbidden_numbers` and its cheap gate.
    """
    places: list[tuple[tuple, bool]] = []
    texts: list[str] = []
    _collect_strings(data, (), places, texts)
    if not texts:
        return
    starts, at = [], 0
    for text in texts:
        starts.append(at)
        at += len(text) + 1
    for finding in find_forbidden_numbers("\n".join(texts)):
        path, is_key = places[bisect.bisect_right(starts, finding.offset) - 1]
        yield path, is_key, finding


def _collect_strings(data: Any, path: tuple, places: list, texts: list) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            where = path + (key,)
            places.append((where, True))
            texts.append(key)
            if isinstance(value, str):
                places.append((where, False))
                texts.append(value)
            elif isinstance(value, (dict, list)):
                _collect_strings(value, where, places, texts)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, str):
                places.append((path + (index,), False))
                texts.append(value)
            elif isinstance(value, (dict, list)):
                _collect_strings(value, path + (index,), places, texts)


def _international_phone(text: str, start: int, digits: str) -> bool:
    """+8613812345678 and 008613812345678 are mobile numbers with their country code, not cards
    (about one in ten passes the Luhn check): a card number is never written after + or 00."""
    before = text[:start].rstrip(" (")
    if before.endswith(("+", "＋")):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        return False
    import phonenumbers

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + international, None))
    except phonenumbers.NumberParseException:
        return False


def redact(text: str) -> str:
    """Text with every resident ID or bank card number in it replaced: whatever quotes a value (a
    problem's message, a change in the history, an import's reason) must never repeat one."""
    kept, at = [], 0  # findings never overlap: no card starts inside an ID or another card
    for finding in sorted(find_forbidden_numbers(text), key=lambda finding: finding.offset):
        kept += [text[at : finding.offset], "[number removed]"]
        at = finding.end
    return "".join(kept) + text[at:]
