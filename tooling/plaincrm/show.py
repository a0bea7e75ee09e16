"""A record as readable text for the terminal, labelled from the team's schema.

Nothing here names a field: whatever the team adds to schema/ shows up, labelled in
the reader's language. Masking is done before, once (masking.Masker). Everything printed
from a record goes through `problems.terminal_safe`: a terminal runs escape sequences and shows
bidi overrides, so a record could otherwise clear the screen, rewrite a line or reverse one.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from .escaping import terminal_safe
from .modelkit import OptionRef, Ref, field_label, marker
from .project import Project

# How a front end colours terminal text: `paint(style, text)` wraps text already made safe
# (`terminal_safe`) in its style's codes, or returns it as it is. The command line decides whether
# to colour (cli/colour.py); what is written here only names the style ("heading", "overdue"…).
Paint = Callable[[str, str], str]


def plain(style: str, text: str) -> str:
    """No colour: the text as it is (a file, a pipe, NO_COLOR, and every caller that is not a terminal)."""
    return text


# --- terminal width -------------------------------------------------------------------------
_ZERO_WIDTH = frozenset(("Mn", "Me", "Cf"))  # combining and enclosing marks, format characters


def char_width(char: str) -> int:
    """The columns a terminal gives one character: 2 for East Asian Wide and Fullwidth (汉字, ｆｕｌｌ),
    0 for combining marks and format characters, 1 otherwise."""
    if unicodedata.combining(char) or unicodedata.category(char) in _ZERO_WIDTH:
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """The columns `text` takes in a terminal (`char_width` of each character): what aligns a table
    of Chinese names, where `len` counts 科技 as two columns instead of four."""
    return len(text) if text.isascii() else sum(map(char_width, text))


def padded(text: str, width: int) -> str:
    """`text` with spaces after it up to `width` display columns."""
    return text + " " * (width - display_width(text))


def table_lines(headers: Sequence[str], rows: Sequence[Sequence[Any]], paint: Paint = plain) -> list[str]:
    """A table for the terminal: cells made safe (`terminal_safe`), columns padded to their widest cell
    by display width (Chinese characters take two columns), the header row painted as a heading."""
    cells = [[terminal_safe(str(h)) for h in headers]]
    cells += [["" if v is None else terminal_safe(str(v)) for v in row] for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  " + "  ".join(padded(value, width) for value, width in zip(row, widths)).rstrip() for row in cells]
    return [paint("heading", lines[0]), *lines[1:]]


# --- JSON for tools -------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A value as JSON types it: numbers stay numbers (an amount's Decimal a number too), dates
    YYYY-MM-DD, models and mappings objects, sequences arrays, option values their key."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return json_value(value.value)
    if isinstance(value, BaseModel):
        return {k: json_value(v) for k, v in value if v is not None}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return str(value)


_NOT_ASCII_PRINTABLE = re.compile("[^\x20-\x7e]")


def json_text(data: Any) -> str:
    """What `--format json` prints: UTF-8 (Chinese as it is, `ensure_ascii=False`), two-space indent,
    and every character a terminal would act on (what `terminal_safe` escapes: ESC, C1 controls, bidi
    overrides, line separators, lone surrogates) written as a JSON \\u escape, so printing the JSON
    can neither move the cursor nor reverse a line, and a parser reads the same text back."""
    text = json.dumps(json_value(data), ensure_ascii=False, indent=2)
    return _NOT_ASCII_PRINTABLE.sub(_json_escape, text) + "\n"


def _json_escape(match: re.Match) -> str:
    char = match.group()
    return char if char == "\n" or terminal_safe(char) == char else f"\\u{ord(char):04x}"


class RecordText:
    """`members` (handle -> name): team members are said by name where a field names one (an owner, a
    participant); without it, by handle."""

    def __init__(self, project: Project, *, lang: str = "en", members: dict[str, str] | None = None):
        self.project, self.lang, self.members = project, lang, members or {}
        self._member_fields: dict[int, bool] = {}
        self._options: dict[int, Any] = {}  # id(FieldInfo) -> its option list: fields are read 100,000s of times
        self._labels: dict[tuple[int, str], str] = {}

    def option_list(self, info) -> Any:
        key = id(info)
        if key not in self._options:
            option = marker(info, OptionRef)
            self._options[key] = self.project.options.get(option.name) if option is not None else None
        return self._options[key]

    def label(self, info, name: str) -> str:
        key = (id(info), name)
        if key not in self._labels:
            self._labels[key] = field_label(info, name, self.lang)
        return self._labels[key]

    def names_member(self, info) -> bool:
        key = id(info)
        if key not in self._member_fields:
            ref = marker(info, Ref)
            self._member_fields[key] = ref is not None and ref.target == "member"
        return self._member_fields[key]

    def value(self, info, value: Any) -> str:
        if self.members and isinstance(value, str) and self.names_member(info):
            return self.members.get(value, value)
        options = self.option_list(info)
        if options is not None and isinstance(value, str):
            return options.label(value, self.lang)
        if isinstance(value, bool):
            return ("是" if value else "否") if self.lang == "zh" else ("yes" if value else "no")
        if isinstance(value, list):
            return ", ".join(self.value(info, v) for v in value)
        if isinstance(value, BaseModel):
            return self.inline(value)
        return str(value)

    def fields(self, model: BaseModel):
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            if value is None or value == [] or value is False:
                continue
            yield name, info, value

    def inline(self, model: BaseModel) -> str:
        return " · ".join(
            f"{self.label(info, name)}: {self.value(info, value)}" for name, info, value in self.fields(model)
        )

    def shown(self, model: Any):
        """What `crm show` shows of a customer, in its order: (field, label, value, text) per field but id and
        name, a list of models newest first with a text per item. The text and the JSON are made from it."""
        for name, info, value in self.fields(model):
            if name in ("id", "name"):
                continue
            label = self.label(info, name)
            if isinstance(value, list) and value and isinstance(value[0], BaseModel):
                items = sorted(value, key=_newest_first) if hasattr(value[0], "date") else value
                yield name, label, items, [self.inline(item) for item in items]
            else:
                yield name, label, value, self.value(info, value)

    def record(self, model: Any, paint: Paint = plain) -> str:
        """A customer (its models differ per team: `Any`, the contract guarantees id and name)."""
        lines = [paint("heading", terminal_safe(f"{model.id}  {model.name}"))]  # the contract's required fields
        for _, label, _, text in self.shown(model):
            if isinstance(text, list):
                lines.append(terminal_safe(f"{label}:"))
                lines.extend(terminal_safe(f"  - {item}") for item in text)
            else:
                lines.append(terminal_safe(f"{label}: {text}"))
        return "".join(line + "\n" for line in lines)

    def data(self, model: Any) -> dict[str, Any]:
        """`crm show --format json`: {id, name, fields: [{field, label, value, text}]}, `value` typed (a list
        of models: an array of objects, `text` then an array of their lines), `text` as the terminal shows it."""
        fields = [
            {"field": name, "label": label, "value": json_value(value), "text": text}
            for name, label, value, text in self.shown(model)
        ]
        return {"id": model.id, "name": model.name, "fields": fields}


def _newest_first(item: Any) -> tuple:
    day = getattr(item, "date", None)
    return (-(day.toordinal() if isinstance(day, date) else 0),)
