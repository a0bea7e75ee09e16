"""A record's change in words, field by field: what a reviewer or an auditor reads.

Works on the plain data of two versions of one record (as parsed from YAML), so it reads
any version in git, even one the schema of today would refuse. Contact details marked
`Masked` in the schema are shown masked, so the audit trail publishes no phone number.

    cooperation: not_started → active
    interaction added: 2024-05-10 phone 方案沟通
    contact 张经理 phone changed: 138****5678 → 139****0000
    tags: +VIP −高意向
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..masking import MASKERS
from ..modelkit import Masked, marker_paths
from ..privacy import redact

SUMMARY_FIELDS = 3  # a list item is named by its first scalars (date, channel, topic of an interaction)
LONG = 60  # longer texts are named as changed, not quoted


class ChangeWords:
    """Describes changes between versions of records of one schema (masked paths learnt once)."""

    def __init__(self, models: dict[str, type] | None = None, mask_fields: list[str] | None = None):
        """`mask_fields`: the team's further masked fields (settings.mask_fields), masked as text, as
        every other output masks them."""
        from ..modelkit import resolve_field_paths

        self._masked: dict[tuple[str, ...], str] = {}
        for model in (models or {}).values():
            for path, marker in marker_paths(model, Masked):
                self._masked[tuple(p for p in path if p != "*")] = marker.how
        for paths in resolve_field_paths(models or {}, mask_fields or [], "mask_fields").values():
            for path in paths:
                self._masked.setdefault(tuple(p for p in path if p != "*"), "text")

    # --- one record ---------------------------------------------------------------------

    def record(self, old: dict | None, new: dict | None) -> list[str]:
        """The changes from `old` to `new` (None: the record did not exist), one line each."""
        if old is None and new is None:
            return []
        if old is None:
            return ["created"]
        if new is None:
            return ["deleted"]
        return self._mapping(old, new, (), "")

    def _mapping(self, old: dict, new: dict, path: tuple[str, ...], prefix: str) -> list[str]:
        lines = []
        for key in list(dict.fromkeys([*old, *new])):
            if old.get(key) == new.get(key):
                continue
            lines.extend(self._value(old.get(key), new.get(key), path + (str(key),), prefix + str(key)))
        return lines

    def _value(self, old: Any, new: Any, path: tuple[str, ...], name: str) -> list[str]:
        if isinstance(old, list) or isinstance(new, list):
            old_items, new_items = _as_list(old), _as_list(new)
            if all(_is_scalar(v) for v in old_items + new_items):
                return [self._scalar_list(old_items, new_items, name)]
            return self._items(old_items, new_items, path, name)
        if isinstance(old, dict) and isinstance(new, dict):
            return self._mapping(old, new, path, name + ".")
        show = self._shower(path)
        if old is None:
            return [f"{name} set: {show(new)}"]
        if new is None:
            return [f"{name} removed (was {show(old)})"]
        if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > LONG:
            return [f"{name} changed"]
        if path in self._masked:
            return [f"{name} changed: {show(old)} → {show(new)}"]
        return [f"{name}: {show(old)} → {show(new)}"]

    def _scalar_list(self, old: list, new: list, name: str) -> str:
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = [f"+{_text(v)}" for v in added] + [f"−{_text(v)}" for v in removed]
        return f"{name}: " + (" ".join(parts) if parts else "reordered")

    def _items(self, old: list, new: list, path: tuple[str, ...], name: str) -> list[str]:
        """Items compared as a multiset; an item removed and one added with the same first value
        (a contact's name, an interaction's date) are the same item, changed."""
        singular = _singular(name)
        removed, added = list(old), []
        for item in new:
            if item in removed:
                removed.remove(item)
            else:
                added.append(item)
        lines = []
        for item in added:
            match = next((r for r in removed if _identity(r) is not None and _identity(r) == _identity(item)), None)
            if match is not None:
                removed.remove(match)
                label = f"{singular} {_text(_identity(item))}"
                if isinstance(item, dict) and isinstance(match, dict):
                    lines.extend(self._mapping(match, item, path, label + " "))
                else:
                    lines.append(f"{label} changed")
            else:
                lines.append(f"{singular} added: {self._summary(item, path)}")
        lines.extend(f"{singular} removed: {self._summary(item, path)}" for item in removed)
        return lines

    def _summary(self, item: Any, path: tuple[str, ...]) -> str:
        if not isinstance(item, dict):
            return _text(item)
        scalars = [(k, v) for k, v in item.items() if _is_scalar(v) and v is not None][:SUMMARY_FIELDS]
        return " ".join(self._shower(path + (str(k),))(v) for k, v in scalars)

    def _shower(self, path: tuple[str, ...]) -> Callable[[Any], str]:
        how = self._masked.get(path)
        if how is None:
            return _text
        mask = MASKERS[how]
        return lambda value: _text(
            value if not isinstance(value, str) or "*" in value else mask(value)
        )  # "*": masked already


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _identity(item: Any) -> Any:
    if isinstance(item, dict) and item:
        first = next(iter(item.values()))
        return first if _is_scalar(first) else None
    return None


def _singular(name: str) -> str:
    last = name.rsplit(".", 1)[-1].replace("_", " ")
    return last[:-1] if last.endswith("s") else last


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = redact(str(value).replace("\n", " "))  # an old version may hold what validation now refuses
    return text if len(text) <= LONG else text[: LONG - 1] + "…"
