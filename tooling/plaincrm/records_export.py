"""Customer records for other programs: CSV and XLSX (one row per customer), JSON (whole
records), vCard (one card per contact person).

Columns come from the team's models, not from a list here: every field that is not a list
of sub-records, labelled in the chosen language, option values shown by their labels, then
the derived tier, last contact, order total and first and latest cooperation. Masking happens before (`load_dataset`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from .escaping import escape_text
from .exporting import csv_bytes, xlsx_book
from .modelkit import Masked, marker_paths, unwrap
from .show import RecordText
from .views import CustomerView, Views

DERIVED = (
    ("tier", "Maintenance tier", "维护层级"),
    ("last_contact", "Last contact", "最近联系"),
    ("order_total", "Order total", "订单总额"),
    ("first_cooperation", "First cooperation", "首次合作时间"),
    ("latest_cooperation", "Latest cooperation", "最近合作时间"),
)


def flat_fields(project) -> list[tuple[tuple[str, ...], tuple[Any, ...]]]:
    """(path, FieldInfo per step) of every value that fits a cell, first seen first: the customer
    models' fields that are not lists of sub-records, and the fields of nested models (a size's
    employees). `crm import` reads its own export back with the same list."""
    seen: dict[tuple[str, ...], tuple[Any, ...]] = {}
    for model in project.customer_models.values():
        for name, info in model.model_fields.items():
            inner, _, is_list = unwrap(info.annotation)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                if not is_list:  # one nested model: a column per field
                    for sub, sub_info in inner.model_fields.items():
                        seen.setdefault((name, sub), (info, sub_info))
                continue  # timelines and contacts do not fit a row; JSON and vCard carry them
            seen.setdefault((name,), (info,))
    return list(seen.items())


LIST_SEPARATOR = ", "


def list_cell(items: list[str]) -> str:
    """Several values in one cell, joined by ", "; an item that holds a comma, a quote or spaces at
    its ends is quoted as CSV quotes it, so `crm import` reads the same items back (`read_list_cell`)."""
    return LIST_SEPARATOR.join(
        f'"{i.replace(chr(34), chr(34) * 2)}"' if ("," in i or '"' in i or i != i.strip()) else i for i in items
    )


def read_list_cell(text: str) -> list[str]:
    import csv

    return [item for item in next(csv.reader([text], skipinitialspace=True), []) if item != ""]


def column_headers(project, lang: str) -> list[tuple[str, str]]:
    """(header, target) of every column of the table: field paths, then the derived columns."""
    words = RecordText(project, lang=lang)
    fields = [
        (" · ".join(words.label(i, n) for n, i in zip(path, infos)), ".".join(path))
        for path, infos in flat_fields(project)
    ]
    return fields + [(zh if lang == "zh" else en, name) for name, en, zh in DERIVED]


def table(views: Views, ids: Iterable[str], lang: str) -> tuple[list[str], list[list[Any]]]:
    """Header and typed rows (dates as dates, numbers as numbers)."""
    project = views.dataset.project
    words = RecordText(project, lang=lang)
    columns = flat_fields(project)
    header = [h for h, _ in column_headers(project, lang)]
    tier = project.options["tier"] if "tier" in project.options else None
    rows = []
    for customer_id in ids:
        view: CustomerView = views.customers[customer_id]
        row: list[Any] = []  # text, numbers and dates, each written as its own type
        for path, infos in columns:
            value = view.model
            for name in path:
                value = getattr(value, name, None)
            info = infos[-1]
            if value is None:
                row.append("")
            elif isinstance(value, (str, list, bool, BaseModel)):
                row.append(
                    list_cell([words.value(info, v) for v in value])
                    if isinstance(value, list)
                    else words.value(info, value)
                )  # option labels in the chosen language
            elif isinstance(value, (int, float, date)):
                row.append(value)
            elif isinstance(value, Decimal):
                row.append(float(value))
            else:
                row.append(str(value))
        row += [
            tier.label(view.tier.name, lang) if tier else view.tier.name,
            view.facts.last_contact,
            round(view.facts.order_total, 2),
            view.facts.first_cooperation,
            view.facts.latest_cooperation,
        ]
        rows.append(row)
    return header, rows


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    return csv_bytes([header, *rows])  # dates print as YYYY-MM-DD


def to_xlsx(header: list[str], rows: list[list[Any]], title: str) -> bytes:
    return xlsx_book([(title, header, rows)])


def to_json(views: Views, ids: Iterable[str]) -> bytes:
    records = [views.customers[i].model.model_dump(mode="json", exclude_none=True) for i in ids]
    return (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_VCARD_PROPERTY = {"phone": "TEL", "email": "EMAIL"}


def to_vcards(views: Views, ids: Iterable[str]) -> bytes:
    """A vCard 4.0 per contact person (the lists of sub-records with phone or e-mail fields)."""
    cards = []
    for customer_id in ids:
        view = views.customers[customer_id]
        model = view.model
        paths = marker_paths(type(model), Masked)
        lists = dict.fromkeys(path[0] for path, _ in paths if len(path) == 3 and path[1] == "*")
        for list_name in lists:
            how = {path[2]: marker.how for path, marker in paths if path[0] == list_name}
            for person in getattr(model, list_name, None) or []:
                data = person.model_dump(mode="json", exclude_none=True)
                name = str(next(iter(data.values()), "")) if data else ""
                lines = [
                    "BEGIN:VCARD",
                    "VERSION:4.0",
                    f"FN:{escape_text(name)}",
                    f"ORG:{escape_text(str(model.name))}",
                    f"UID:urn:plaincrm:{customer_id}:{list_name}:{escape_text(name)}",
                ]
                if isinstance(data.get("title"), str):
                    lines.append(f"TITLE:{escape_text(data['title'])}")
                for field_name, kind in how.items():
                    value = data.get(field_name)
                    if isinstance(value, str) and value and kind in _VCARD_PROPERTY:  # another kind has no property
                        lines.append(f"{_VCARD_PROPERTY[kind]}:{escape_text(value)}")
                lines += [f"NOTE:{escape_text(customer_id)}", "END:VCARD"]
                cards.append("\r\n".join(lines) + "\r\n")
    return "".join(cards).encode("utf-8")


class NoSuchSegment(ValueError):
    """A --segment FIELD=VALUE that names no segment field, or a value no customer has."""


def in_segments(views: Views, segments: Iterable[str]) -> list[str]:
    """The ids of the customers in every segment given as FIELD=VALUE, in the views' order. A value
    must be one some customer has: a label (Active) or a typo would otherwise give an empty export."""
    from .escaping import terminal_safe

    ids = list(views.customers)
    for segment in segments:
        name, _, value = segment.partition("=")
        if name not in views.groups:
            raise NoSuchSegment(f"no segment field {name!r}; one of {', '.join(views.groups)}")
        if value not in views.groups[name]:
            known = ", ".join(sorted(map(str, views.groups[name]))[:30])
            raise NoSuchSegment(
                f"no customer has {terminal_safe(name)}={terminal_safe(value)}; the values here: {terminal_safe(known)}"
            )
        members = set(views.groups[name].get(value, []))
        ids = [i for i in ids if i in members]
    return ids


def export_bytes(views: Views, ids: list[str], fmt: str, lang: str) -> bytes:
    """The customers `ids` in one of `crm export`'s formats: csv, xlsx, json or vcf."""
    if fmt in ("csv", "xlsx"):
        header, rows = table(views, ids, lang)
        return to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, "customers")
    return to_json(views, ids) if fmt == "json" else to_vcards(views, ids)
