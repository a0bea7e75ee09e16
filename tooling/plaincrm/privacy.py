"""What must never be stored, and how contact details are masked for readers.

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
# them, separated by a space or hyphen; a label typed against it (ID11010…) does not hide it.
_RESIDENT_ID = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}[ -]?(?:18|19|20)[0-9]{2}[ -]?(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[ -]?[0-9]{3}[0-9Xx](?![0-9])"
)
# 13-19 digits, written plain or in groups of four separated by a space or hyphen.
_CARD = re.compile(r"(?<![0-9])(?:[0-9]{13,19}|[0-9]{4}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,4})?)(?![0-9])")

# A cheap gate before the regular expressions, which are slow on digit-rich text (every
# date is digits): map every ASCII digit to 0 and look for the shapes both numbers need.
_ZEROS = bytes.maketrans(b"0123456789", b"0" * 10)
_GATES = (b"0" * 13, b"0000 0000 0000", b"0000-0000-0000", b"0000 0000-0000", b"0000-0000 0000",
          b"000000 00000000", b"000000-00000000")
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
    offset: int
    code: str
    message: str


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
                match.start(), "privacy.resident-id",
                "looks like a resident ID number (valid check digit); plaincrm never stores ID numbers — remove it",
            )
    for match in _CARD.finditer(text):
        if any(start <= match.start() < end for start, end in id_spans):
            continue
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits) and not _international_phone(text, match.start(), digits):
            yield Finding(
                match.start(), "privacy.bank-card",
                f"looks like a bank card number ({len(digits)} digits passing the Luhn check); "
                "plaincrm never stores bank details — remove it",
            )


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


# Anything but @, spaces and invisible characters around one @ and a dot. Written without \s,
# whose meaning differs between Python's re and pydantic's regex engine (Python counts
# \x1c-\x1f as white space, Rust does not), so masking and validation agree on every value.
_NOT_IN_ADDRESS = "@\\x00-\\x20\\x7f-\\xa0\\u1680\\u180e\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u206f\\u3000\\ufeff"
EMAIL_PATTERN = rf"^[^{_NOT_IN_ADDRESS}]+@[^{_NOT_IN_ADDRESS}]+\.[^{_NOT_IN_ADDRESS}]+$"  # the models' Email type
_EMAIL = re.compile(EMAIL_PATTERN)


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits (138****5678), as the field guides do.

    A digit already masked (`*`) counts as a digit, so a pre-masked number is shown as it
    is: masking is idempotent and never shows a digit the input did not.
    """
    slots = [i for i, ch in enumerate(phone) if ch.isdigit() or ch == "*"]
    keep = set(slots[-2:] if len(slots) <= 7 else slots[:3] + slots[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(phone))


def mask_email(email: str) -> str:
    """z***@example.com: the first character of the local part and the domain.

    A value that is not an address (validation refuses it: the same pattern) is masked
    entirely, so nothing a reader sees ever holds more than a valid address would show.
    """
    if not _EMAIL.fullmatch(email):
        return "***"
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """w***: only the first character of an IM id or another masked field (settings.mask_fields)."""
    return f"{text[:1]}***" if text else text


MASKERS = {"phone": mask_phone, "email": mask_email, "text": mask_text}


class Masker:
    """Masks what readers must not see in a record's plain data: the fields marked `Masked` in
    the models (phone, e-mail) and the fields the team lists in `settings.mask_fields`.

    Working on the data before it becomes a model costs a few dictionary writes per
    customer, where copying validated models would cost a second per 10,000.
    """

    def __init__(self, models: dict[str, type], phone_region: str = "CN", fields: list[str] = ()):
        """`phone_region`: the country of numbers written without a country code (settings.phone_region);
        `fields`: dotted field paths masked as text (settings.mask_fields)."""
        from .modelkit import Masked, marker_paths, resolve_field_paths

        self.phone_region = phone_region
        listed = resolve_field_paths(models, fields, "mask_fields")
        self._paths = {
            kind: marker_paths(model, Masked) + [(path, Masked("text")) for path in listed[kind]]
            for kind, model in models.items()
        }
        self._all = sorted({p for paths in self._paths.values() for p in paths}, key=lambda p: p[0])

    def _found(self, data: dict) -> list[tuple[tuple, str, object]]:
        from .modelkit import walk_paths

        kind = data.get("kind")
        paths = self._paths.get(kind, self._all) if isinstance(kind, str) else self._all
        return [(where, hide.how, value) for path, hide in paths for where, value in walk_paths(data, path)]

    def contact_keys(self, data: dict) -> tuple[str, ...]:
        """Hashes of the record's normalised phone numbers (E.164, read in the project's
        `phone_region`) and e-mail addresses, taken before masking: duplicates can be found on a
        masked site without the numbers themselves."""
        from .matching import contact_key

        keys = {contact_key(how, value, self.phone_region) for _, how, value in self._found(data)}
        return tuple(sorted(key for key in keys if key))

    def mask(self, data: dict) -> dict:
        """A copy of `data` with every marked value masked (the input is left as it is)."""
        found = self._found(data)
        if not found:
            return data
        data = _copy_along(data, [w for w, _, _ in found])
        for where, how, value in found:
            if isinstance(value, str):
                _set(data, where, MASKERS[how](value))
        return data


def _copy_along(data: dict, paths: list[tuple]) -> dict:
    """Copy only the containers on the way to `paths`, sharing everything else."""
    root = dict(data)
    for where in paths:
        node = root
        for part in where[:-1]:
            child = node[part]
            child = list(child) if isinstance(child, list) else dict(child)
            node[part] = child
            node = child
    return root


def _set(data, where: tuple, value) -> None:
    for part in where[:-1]:
        data = data[part]
    data[where[-1]] = value


def redact(text: str) -> str:
    """Text with every resident ID or bank card number in it replaced: whatever quotes a value (a
    problem's message, a change in the history, an import's reason) must never repeat one."""
    found = sorted({f.offset for f in find_forbidden_numbers(text)}, reverse=True)
    for offset in found:
        end = offset
        while end < len(text) and (text[end].isdigit() or text[end] in "Xx -０１２３４５６７８９Ｘｘ"):
            end += 1
        while end > offset and text[end - 1] in " -":
            end -= 1
        text = text[:offset] + "[number removed]" + text[end:]
    return text
