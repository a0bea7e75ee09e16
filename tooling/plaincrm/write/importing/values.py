"""Cells as field values: dates in the spellings sheets use, option values by value, label or the
mapping's aliases, owners by handle, name or alias, and free text made safe for the notes.

A spelling nobody has decided about is never guessed: it raises `Unknown`, which the import turns
into a rejected row and `--plan` into a question in the mapping draft.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

from ...escaping import FORMULA_GUARD, FORMULA_START
from ...masking import mask_email, mask_phone
from ...messages import said
from ...modelkit import ISO_DAY, Masked, OptionRef, Ref, marker, unwrap
from ...privacy import find_forbidden_numbers, redact
from ...project import Project
from ...records_export import read_list_cell
from .mapping import CSV_ITEMS, Mapping, Worded, fold

_DAY = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?$"
)
_YEAR_LAST = re.compile(
    r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?:[ T,]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?$"
)
_EXCEL_EPOCH = date(1899, 12, 30)
_SPLIT = re.compile(r"\s*[、,，;；|]\s*")
# the apostrophe exports put before a text a spreadsheet could run (exporting's one rule)
_GUARD = re.compile("^" + re.escape(FORMULA_GUARD) + "(?=" + FORMULA_START.pattern + ")")
_DATE_LIKE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")  # 2023-10-20 is not a phone number
_EMAIL_IN_TEXT = re.compile(r"[^\s@:;,，；<>()]+@[^\s@:;,，；<>()]+\.[A-Za-z]{2,}")
# the spellings a refusal shows as examples (a message's English has no Chinese of its own: these are fields)
_DATES = ("2024-05-10", "2024/5/10", "2024.5.10", "2024年5月10日")
_AMOUNTS = ("120000", "120,000.00", "12万")


def _shown(column: str, value: str, spellings: tuple[str, ...]) -> dict[str, str]:
    """The fields of a refusal that quotes a cell and shows the spellings that would do."""
    return {
        "column": column,
        "text": repr(value),
        "spellings": ", ".join(spellings),
        "spellings_zh": "、".join(spellings),
    }


class RowError(Worded):
    """This row cannot be imported; the message says why (it goes to the reject file)."""


class Unknown(RowError):
    """A spelling the mapping does not decide: which column, which field it was meant for, the text."""

    def __init__(self, column: str, target: str, text: str, known: list[str]):
        text = redact(text)
        self.column, self.target, self.value = column, target, text
        listed = f"{', '.join(known[:12])}{', …' if len(known) > 12 else ''}"
        super().__init__(
            said(
                "import.unknown-owner" if target == "owner" else "import.unknown-value",
                column=column,
                text=repr(text),
                target=target,
                hint=f"; one of {listed}" if known else "",
                hint_zh=f"；可选：{listed}" if known else "",
            )
        )


# Full-width letters and digits (typed with a Chinese IME) and the ideographic space become ASCII;
# full-width punctuation (，；：（）) is the writer's choice and stays. Control characters go: a NUL or
# an escape sequence from a pasted cell is not part of any value.
_WIDTH = {
    **{cp: cp - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for cp in range(r[0], r[1] + 1)},
    0x3000: 0x20,
    0x09: 0x20,
}
_WIDE_OR_GUARDED = re.compile(r"[\uff10-\uff5a\u3000]|  |^\s*'")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


@functools.lru_cache(maxsize=1 << 16)  # a sheet repeats its values (industries, owners, statuses)
def tidy(value: Any) -> str:
    """A cell as text: control characters removed, full-width letters and digits made ASCII,
    spacing collapsed, and the apostrophe that guards a formula-like text in exports taken off."""
    if value is None:
        return ""
    if type(value) is str and value.isprintable() and not _WIDE_OR_GUARDED.search(value):
        return value.strip()  # most cells: nothing to change but the ends
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 13812345678.0 from a spreadsheet is a phone number
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    text = _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n")).translate(_WIDTH)
    return _GUARD.sub("", re.sub(r" +", " ", text).strip()).strip()


def same_text(a: Any, b: Any) -> bool:
    """Whether two texts say the same (width, spacing and case of Latin letters aside): a sheet that
    writes a record's value otherwise does not rewrite it."""
    return fold(tidy(a)) == fold(tidy(b))


def phone_text(value: Any) -> str:
    """A phone number without spacing or brackets: 139 0000 2222 and (010) 8888-8888 as 13900002222, 010-88888888."""
    text = re.sub(
        r"^\((\d+)\)\s*", r"\1-", unicodedata.normalize("NFKC", tidy(value))
    )  # (010) 8888 8888: the area code
    return re.sub(r"[\s.()]+", "", text)


class Values:
    """Turns cells into field values for one project and mapping."""

    def __init__(self, project: Project, mapping: Mapping, team: dict[str, Any]):
        self.project, self.mapping = project, mapping
        self.region = project.settings.phone_region
        self.options: dict[str, dict[str, str]] = {}  # option list -> folded spelling -> value
        for name, option_list in project.options.items():
            spellings: dict[str, str] = {}
            for value in option_list.values:
                labels = option_list.labels.get(value, {})
                for spelling in (value, value.replace("_", " "), labels.get("en"), labels.get("zh")):
                    if spelling:
                        spellings.setdefault(fold(spelling), value)
            self.options[name] = spellings
        self._shapes: dict[tuple, tuple] = {}
        self.team = team  # handle -> member
        self.people: dict[str, str] = {}  # folded handle, name or alias -> handle
        for handle, member in team.items():
            for spelling in (handle, getattr(member, "name", None), *(getattr(member, "aliases", None) or [])):
                if spelling:
                    self.people.setdefault(fold(spelling), handle)

    # --- dates ---

    def day(self, value: Any, column: str) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 109_575:
            return _EXCEL_EPOCH + timedelta(days=int(value))  # an Excel serial number (up to 2199-12-31)
        text = unicodedata.normalize("NFKC", tidy(value))
        if text.isdigit() and 20_000 <= int(text) <= 80_000:  # a serial number read from CSV
            return _EXCEL_EPOCH + timedelta(days=int(text))
        parts = None
        match = _DAY.match(text)
        if match:
            parts = tuple(map(int, match.groups()))
        else:
            match = _YEAR_LAST.match(text)
            if match and self.mapping.dates != "ymd":
                first, second, year = map(int, match.groups())
                parts = (year, first, second) if self.mapping.dates == "mdy" else (year, second, first)
        if parts:
            try:
                day = date(*parts)
                if ISO_DAY.match(day.isoformat()):  # the years plaincrm works with (modelkit.ISO_DAY)
                    return day
            except ValueError:
                pass
        elif match:
            raise RowError(said("import.day-or-month", column=column, text=repr(text)))
        raise RowError(said("import.not-a-date", **_shown(column, text, _DATES)))

    # --- option values and owners ---

    def option(self, column: str, target: str, list_name: str, value: Any) -> Any:
        """An option value, or what the mapping's alias says (a value or several fields)."""
        text = tidy(value)
        found, meaning = self.mapping.alias(target, text)
        if found:
            if meaning is None:
                raise RowError(
                    said("import.undecided", column=column, text=repr(text), mapping=repr(self.mapping.name))
                )
            return meaning
        exact = self.options.get(list_name, {}).get(fold(text))
        if exact is None:
            raise Unknown(column, target, text, sorted(set(self.options.get(list_name, {}).values())))
        return exact

    def owner(self, column: str, value: Any) -> Any:
        """A team member's handle from a handle, display name or alias (team or mapping)."""
        text = tidy(value)
        found, meaning = self.mapping.alias("owner", text)
        if found:
            if meaning is None:
                raise RowError(
                    said("import.undecided", column=column, text=repr(text), mapping=repr(self.mapping.name))
                )
            return meaning
        handle = self.people.get(fold(text))
        if handle is None:
            raise Unknown(column, "owner", text, sorted(self.team))
        return handle

    def _shape(self, model: type[BaseModel], name: str) -> tuple:
        """(inner type, is a list, option marker, names a member, masked how) of a field, once."""
        key = (model, name)
        if key not in self._shapes:
            info = model.model_fields[name]
            inner, _, is_list = unwrap(info.annotation)
            ref, masked = marker(info, Ref), marker(info, Masked)
            self._shapes[key] = (
                inner,
                is_list,
                marker(info, OptionRef),
                ref is not None and ref.target == "member",
                masked.how if masked is not None else None,
            )
        return self._shapes[key]

    def typed(self, model: type[BaseModel], name: str, value: Any, column: str) -> Any:
        """A cell as the model's field `name` wants it (an alias may answer with several fields)."""
        inner, is_list, option, member, masked = self._shape(model, name)
        if is_list:
            separator = self.mapping.list_separator
            if separator == CSV_ITEMS:  # crm export's own cells: each item as it was written
                parts = read_list_cell(str(value))
            else:
                text = tidy(value)
                parts = [p.strip() for p in (text.split(separator) if separator else _SPLIT.split(text)) if p.strip()]
            if option is not None:
                return [self.option(column, name, option.name, p) for p in parts]
            return [self.owner(column, p) for p in parts] if member else parts
        if member:
            return self.owner(column, value)
        if option is not None:
            return self.option(column, name, option.name, value)
        if inner is date:
            return self.day(value, column)
        if masked == "phone":
            return phone_text(value)
        if inner is Decimal:
            return self.amount(value, column)
        if inner is int:
            try:
                return int(float(tidy(value)))
            except ValueError:
                raise RowError(said("import.not-whole", column=column, text=repr(tidy(value)))) from None
        if inner is bool:
            text = fold(value)
            if text in ("1", "true", "yes", "y", "是", "√", "✓", "x"):
                return True
            if text in ("0", "false", "no", "n", "否", ""):
                return False
            raise RowError(said("import.not-yes-no", column=column, text=repr(tidy(value))))
        return tidy(value)

    def amount(self, value: Any, column: str) -> int | float:
        """An amount as sheets write it: 120000, 120,000.00, ¥12万, 12.5万元 (written as a YAML number)."""
        text = re.sub(r"[\s,¥元]|RMB|CNY", "", unicodedata.normalize("NFKC", tidy(value)), flags=re.IGNORECASE)
        scale = 10_000 if text.endswith("万") else 1
        try:
            number = Decimal(text.removesuffix("万")) * scale
        except InvalidOperation:
            raise RowError(said("import.not-amount", **_shown(column, tidy(value), _AMOUNTS))) from None
        if not number.is_finite():
            raise RowError(said("import.not-amount", **_shown(column, tidy(value), _AMOUNTS)))
        return int(number) if number == number.to_integral_value() else float(number)

    # --- free text ---

    def note(self, column: str, value: Any) -> tuple[str, int]:
        """`column: value` for the notes, with phone numbers and e-mail addresses masked as the site
        masks contact fields (map the column to contact.phone to keep them whole), and (text, count
        masked). A resident ID or bank card number rejects the row: plaincrm never stores them."""
        text = f"{column}: {tidy(value)}"
        if any(True for _ in find_forbidden_numbers(text)):
            raise RowError(said("import.forbidden-number", column=column))
        masked = 0
        if sum(ch.isdigit() for ch in text) >= 7:
            import phonenumbers

            found = [
                m
                for m in phonenumbers.PhoneNumberMatcher(text, self.region, leniency=phonenumbers.Leniency.VALID)
                if not _DATE_LIKE.match(m.raw_string)
            ]
            for match in reversed(found):
                text = text[: match.start] + mask_phone(match.raw_string) + text[match.end :]
            masked += len(found)
        if "@" in text:
            text, count = _EMAIL_IN_TEXT.subn(lambda m: mask_email(m.group()), text)
            masked += count
        return text, masked
