"""A new record: the next free id for a day, and a minimal valid file to start from."""

from __future__ import annotations

import os
import re
from datetime import date

from ..project import Project
from ..yamltext import quote

SCHEMA_COMMENT = "# yaml-language-server: $schema={}\n"


def next_free_id(project: Project, day: date) -> str:
    settings = project.settings
    pattern = re.compile(settings.id_regex)
    taken = {p.stem for p in project.customer_files() if pattern.match(p.stem)}
    seq = 1
    while settings.format_id(day, seq) in taken:
        seq += 1
    return settings.format_id(day, seq)


def schema_comment(project: Project) -> str:
    target = os.path.relpath(project.root / "schema" / "customer.schema.json", project.customers_dir)
    return SCHEMA_COMMENT.format(target.replace(os.sep, "/"))


def new_record_text(
    project: Project, *, record_id: str, kind: str, name: str, owner: str, today: date,
    industry: str = "other", source: str = "other", category: str = "new",
) -> str:
    return (
        schema_comment(project)
        + f"id: {record_id}\n"
        + f"kind: {kind}\n"
        + f"name: {quote(name)}\n"
        + f"industry: {industry}\n"
        + f"source: {source}\n"
        + f"category: {category}\n"
        + "cooperation: not_started\n"
        + f"owner: {quote(owner)}\n"
        + "tags: []\n"
        + "contacts: []\n"
        + "interactions: []\n"
        + "key_dates:\n"
        + f"  - {{kind: first_contact, date: {today.isoformat()}}}\n"
    )
