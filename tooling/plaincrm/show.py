"""A record as readable text for the terminal, labelled from the team's schema.

Nothing here names a field: whatever the team adds to schema/ shows up, labelled in
the reader's language. Masking is done before, once (masking.Masker). Everything printed
from a record goes through `problems.terminal_safe`: a terminal runs escape sequences and shows
bidi overrides, so a record could otherwise clear the screen, rewrite a line or reverse one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel

from .escaping import terminal_safe
from .modelkit import OptionRef, Ref, field_label, marker
from .project import Project


def table_lines(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A table for the terminal: cells made safe (`terminal_safe`), columns padded to their widest cell."""
    cells = [[terminal_safe(str(h)) for h in headers]]
    cells += [["" if v is None else terminal_safe(str(v)) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return ["  " + "  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip() for row in cells]


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

    def record(self, model: Any) -> str:
        """A customer (its models differ per team: `Any`, the contract guarantees id and name)."""
        lines = [f"{model.id}  {model.name}"]  # the contract's required fields
        for name, info, value in self.fields(model):
            label = self.label(info, name)
            if isinstance(value, list) and value and isinstance(value[0], BaseModel):
                items = sorted(value, key=_newest_first) if hasattr(value[0], "date") else value
                lines.append(f"{label}:")
                lines.extend(f"  - {self.inline(item)}" for item in items)
            elif name not in ("id", "name"):
                lines.append(f"{label}: {self.value(info, value)}")
        return "".join(terminal_safe(line) + "\n" for line in lines)


def _newest_first(item: Any) -> tuple:
    day = getattr(item, "date", None)
    return (-(day.toordinal() if isinstance(day, date) else 0),)
