"""What must never be stored, and how contact details are masked for readers.

The field guides forbid keeping national ID numbers and bank details. The check runs
over the raw text of a file (values and comments alike: a comment is stored in git
too), which is also far cheaper than walking every value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_RESIDENT_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
# 13-19 digits, written plain or in groups of four separated by a space or hyphen.
_CARD = re.compile(r"(?<![\d])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?)(?![\d])")


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
    offset: int
    code: str
    message: str


def find_forbidden_numbers(text: str) -> Iterator[Finding]:
    """Resident ID numbers and bank card numbers anywhere in `text`."""
    id_spans = []
    for match in _RESIDENT_ID.finditer(text):
        if resident_id_valid(match.group()):
            id_spans.append(match.span())
            yield Finding(
                match.start(), "privacy.resident-id",
                "looks like a resident ID number (valid check digit); plaincrm never stores ID numbers — remove it",
            )
    for match in _CARD.finditer(text):
        if any(start <= match.start() < end for start, end in id_spans):
            continue
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield Finding(
                match.start(), "privacy.bank-card",
                f"looks like a bank card number ({len(digits)} digits passing the Luhn check); "
                "plaincrm never stores bank details — remove it",
            )


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits (138****5678), as the field guides do."""
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    if len(digits) <= 7:
        keep = set(digits[-2:])
    else:
        keep = set(digits[:3] + digits[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(phone))


def mask_email(email: str) -> str:
    """z***@example.com: the first character of the local part and the domain."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if at else mask_phone(email)
