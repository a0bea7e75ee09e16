"""When a list already holds an item: one rule for every writer that adds to a record's lists
(`crm contact add`, `crm order add` …, the issue forms, an import), so none adds the same
person, order or date twice, and none takes a different one for a repeat."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..matching import contact_key
from .importing.values import tidy


def same_item(section: str, new: dict, old: dict, region: str) -> bool:
    """A contact by its phone and e-mail (by name when it has neither); an interaction by day and
    summary; anything else when every field the new item gives is there with the same value."""
    if section == "contacts":  # the same person's number or address is there (a new one is added)
        keys = {contact_key(h, new.get(h), region) for h in ("phone", "email")} - {None}
        if not keys:
            return tidy(old.get("name")) == tidy(new.get("name"))
        return keys <= {contact_key(h, old.get(h), region) for h in ("phone", "email")}
    if section == "interactions":
        return plain(old.get("date")) == plain(new.get("date")) and tidy(old.get("summary")) == tidy(new.get("summary"))
    return all(plain(old.get(k)) == plain(v) for k, v in new.items())


def plain(value: Any) -> Any:
    """A value as a record's plain data holds it (dates are text there; numbers compared as written)."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.isoformat() if isinstance(value, date) else "" if value is None else str(value)
