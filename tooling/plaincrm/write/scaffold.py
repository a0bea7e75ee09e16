"""A new record: the next free id for a day, and its first text. One place for both, whoever
creates a customer (`crm new`, an issue form, an import, the site's "New customer" template)."""

from __future__ import annotations

import os
import re
from datetime import date
from typing import Any

from ..project import Project
from ..yamltext import field_text

SCHEMA_COMMENT = "# yaml-language-server: $schema={}\n"

# What a new customer is until someone says otherwise (fields the model has; the rest stay out).
NEW_DEFAULTS = (("industry", "other"), ("source", "other"), ("category", "new"), ("cooperation", "not_started"))


class IdAllocator:
    """Hands out ids in the configured form: a wanted one when it is free and well-formed, else the
    next free sequence number of the day. Taken ids are remembered, so one import never hands out
    the same id twice."""

    def __init__(self, project: Project, today: date):
        self.settings = project.settings
        self.pattern = re.compile(self.settings.id_regex)
        self.taken = {p.stem for p in project.customer_files()}
        self.today, self.seq = today, 1

    def take(self, wanted: str | None = None) -> str:
        if wanted and self.pattern.match(wanted) and wanted not in self.taken:
            self.taken.add(wanted)
            return wanted
        while self.settings.format_id(self.today, self.seq) in self.taken:
            self.seq += 1
        found = self.settings.format_id(self.today, self.seq)
        self.taken.add(found)
        return found


def next_free_id(project: Project, day: date) -> str:
    return IdAllocator(project, day).take()


def schema_comment(project: Project) -> str:
    target = os.path.relpath(project.root / "schema" / "customer.schema.json", project.customers_dir)
    return SCHEMA_COMMENT.format(target.replace(os.sep, "/"))


def new_record_text(
    project: Project,
    record_id: str,
    fields: dict[str, Any],
    items: dict[str, list[dict]] | None = None,
    *,
    first_contact: date | None = None,
) -> str:
    """A new customer's file in canonical order: `fields` over the defaults, the lists' `items`, and a
    first-contact key date (the one given, else the first interaction's day) unless one is listed.
    Unchecked: the caller's gate says whether it is valid."""
    from .editing import edit_text, field_order

    model = project.customer_models.get(fields.get("kind"))  # type: ignore[arg-type]
    data = {"id": record_id, **{k: v for k, v in fields.items() if k != "id"}}
    for name, default in NEW_DEFAULTS:
        if model is None or name in model.model_fields:
            data.setdefault(name, default)
    order = field_order(model) if model is not None else list(data)
    head = "".join(field_text(k, data[k]) for k in order if k in data and data[k] is not None)
    items = {section: list(found) for section, found in (items or {}).items() if found}
    interactions = items.get("interactions")
    day = first_contact or (interactions[0]["date"] if interactions else None)
    if day is not None and not any(k.get("kind") == "first_contact" for k in items.get("key_dates", [])):
        items.setdefault("key_dates", []).insert(0, {"kind": "first_contact", "date": day})
    return edit_text(schema_comment(project) + head, model, items=items)
