"""plaincrm's own `crm export` read back: its columns are made from the models (`records_export`),
so the mapping is made from the same list and an export imported again changes nothing."""

from __future__ import annotations

from ...project import Project
from ...records_export import DERIVED, column_headers
from .mapping import CSV_ITEMS, Mapping, header

_DERIVED = {name for name, _, _ in DERIVED}


def export_mapping(project: Project, lang: str) -> Mapping:
    columns = {header(h): ("ignore" if target in _DERIVED else target) for h, target in column_headers(project, lang)}
    # lists are written as records_export.list_cell writes them: read back item by item, so a tag
    # with a comma, a quote or 、 in it comes back whole
    return Mapping(f"plaincrm export ({lang})", columns, origin=f"crm export --lang {lang}", list_separator=CSV_ITEMS)
