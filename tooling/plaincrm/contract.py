"""The engine's contract with the team's models: the fields it reads, declared once.

The engine names no field in a loop of `getattr(model, "x", None) or []`: it reads a field
through `get`, whose fallback lives here, and a field it cannot work without (id, kind,
name, owner) is checked when the schema loads (`check`, called by `Project.contract`), so a
team that renames one learns it from a SchemaConfigError naming the file and the field, not
from a traceback in a report. An optional field a team removes turns its feature off (the
reports that need it are left out, see `Contract.has`).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .layout import SchemaConfigError
from .modelkit import unwrap

SHAPES = {
    "text": "a text or an option",
    "texts": "a list of texts",
    "date": "a date (Day)",
    "number": "a number",
    "items": "a list of sub-records",
    "model": "a sub-record",
}


@dataclass(frozen=True)
class Field:
    """One field the engine reads: its shape, and what turns off without it ("" for a required field)."""

    name: str
    shape: str
    feature: str = ""
    of: tuple[Field, ...] = ()  # the fields read on each item of a list, or on a sub-record

    @property
    def required(self) -> bool:
        return not self.feature


_NEXT_STEP = (Field("action", "text"), Field("due", "date"), Field("status", "text"))

CUSTOMER: tuple[Field, ...] = (
    Field("id", "text"),
    Field("kind", "text"),
    Field("name", "text"),
    Field("owner", "text"),
    Field(
        "category", "text", "the category segment; tiers (lost customers, growth categories); idle potential customers"
    ),
    Field(
        "cooperation", "text", "the cooperation segment; tiers (active, terminated customers); idle active customers"
    ),
    Field("stage", "text", "the follow-up stage segment; the sales funnel report"),
    Field("intent", "text", "the intent-to-buy segment"),
    Field("source", "text", "the source segment; data quality"),
    Field("industry", "text", "the industry segment; data quality; search"),
    Field("tags", "texts", "the tag segment; growth-intent tags; search"),
    Field("needs", "text", "search; data quality"),
    Field("city", "text", "search"),
    Field("satisfaction", "number", "satisfaction of customers without a rated interaction"),
    Field("referred_by", "text", "relations: referred by / referred"),
    Field("parent", "text", "relations: head office / branches"),
    Field("merged_into", "text", "crm merge (a merged record redirects to the one it went into)"),
    Field(
        "contacts",
        "items",
        "contacts in search and the customer index; data quality",
        (
            Field("name", "text"),
            Field("title", "text", "contact titles in search and the index"),
            Field("phone", "text", "contact phones in the customer index"),
            Field("email", "text", "contact e-mails in the customer index"),
        ),
    ),
    Field(
        "interactions",
        "items",
        "last contact, follow-ups, next steps; the interactions report",
        (
            Field("date", "date"),
            Field("channel", "text"),
            Field("by", "texts"),
            Field("satisfaction", "number", "the satisfaction trend and latest rating"),
            Field("next_step", "model", "next steps: reminders, calendars, overdue lists", _NEXT_STEP),
        ),
    ),
    Field(
        "key_dates",
        "items",
        "first contact dates, key-date reminders and calendars; the renewals report",
        (
            Field("kind", "text"),
            Field("date", "date"),
            Field("note", "text", "notes of key-date reminders"),
        ),
    ),
    Field(
        "orders",
        "items",
        "order totals and value tiers; the high-value and renewals reports",
        (
            Field("date", "date"),
            Field("amount", "number"),
            Field("currency", "text"),
            Field("kind", "text"),
            Field("status", "text"),
        ),
    ),
    Field(
        "service_cases",
        "items",
        "open complaints (risk tier); the complaints report",
        (
            Field("kind", "text"),
            Field("opened", "date"),
            Field("resolved", "date"),
            Field("status", "text"),
            Field("summary", "text"),
        ),
    ),
)


def _walk(fields: tuple[Field, ...], prefix: str = ""):
    for field in fields:
        yield prefix + field.name, field
        yield from _walk(field.of, f"{prefix}{field.name}.")


ALL: dict[str, Field] = dict(_walk(CUSTOMER))  # dotted name -> field
_FALLBACK = {
    name.rpartition(".")[2]: (() if field.shape in ("items", "texts") else None) for name, field in ALL.items()
}


# The order statuses and key dates the engine reads by value: one place for the site's totals, the
# reports, the Parquet tables and the consistency warnings.
QUOTED_ORDER = "quoted"  # an offer out: the customer's pipeline, beside the order total
NOT_COUNTED_ORDER = (QUOTED_ORDER, "cancelled")  # the order total counts signed, paid and delivered orders
COOPERATION_KEY_DATES = ("contract_signed",)  # key dates that are a cooperation (guide E's 首次/最近合作时间)


def counts_on(order: Any, today: date) -> bool:
    """Whether an order is in the customer's order total on `today` (nothing dated after it counts)."""
    return order.status not in NOT_COUNTED_ORDER and order.date <= today


def get(record: Any, name: str) -> Any:
    """A contract field of a record or of one of its items, or its fallback where the team's model
    lacks it (an empty tuple for a list, None for a value); a name not in the contract is a KeyError."""
    fallback = _FALLBACK[name]
    found = getattr(record, name, fallback)
    return fallback if found is None else found


@dataclass(frozen=True)
class Contract:
    """The customer models checked against the contract, and which contract fields they have."""

    models: dict[str, type[BaseModel]]
    present: frozenset[str]  # dotted names ("orders", "interactions.next_step") some customer model has

    def has(self, *names: str) -> bool:
        """Whether every named field is there, so the feature reading them is on."""
        return all(name in self.present for name in names)


def check(models: dict[str, type[BaseModel]], where: Callable[[Path], str]) -> Contract:
    """The contract of `models` (customer model per kind); SchemaConfigError when a required field is
    missing or a field the engine reads has a type it cannot read. `where` shows a file as problems do."""
    present: set[str] = set()
    for model in models.values():
        _check(model, CUSTOMER, "", present, where)
    return Contract(models, frozenset(present))


def _check(model: type[BaseModel], fields: tuple[Field, ...], prefix: str, present: set[str], where) -> None:
    for field in fields:
        info = model.model_fields.get(field.name)
        if info is None:
            if field.required:
                raise SchemaConfigError(
                    f"{_file(model, where)}: {model.__name__} has no field {field.name!r}, which plaincrm needs "
                    f"({'every customer' if not prefix else 'every item of ' + prefix.rstrip('.')} must have it); "
                    "put it back — the README's \"The engine's contract\" lists what may be renamed or removed"
                )
            continue
        inner, _, is_list = unwrap(info.annotation)
        if not _fits(field.shape, inner, is_list):
            raise SchemaConfigError(
                f"{_file(model, where)}: {model.__name__}.{field.name}: plaincrm reads it as {SHAPES[field.shape]}, "
                f"but the model declares {_shown(info.annotation)}"
            )
        present.add(prefix + field.name)
        if field.of:
            _check(inner, field.of, f"{prefix}{field.name}.", present, where)


def _fits(shape: str, inner: Any, is_list: bool) -> bool:
    is_model = isinstance(inner, type) and issubclass(inner, BaseModel)
    if shape in ("items", "model"):
        return is_model and is_list == (shape == "items")
    if is_list != (shape == "texts"):
        return False
    if shape in ("text", "texts"):
        literal = typing.get_origin(inner) is typing.Literal
        return inner is str or (literal and all(isinstance(v, str) for v in typing.get_args(inner)))
    if shape == "date":
        return inner is date
    return inner in (int, float, Decimal)


def _shown(annotation: Any) -> str:
    inner, _, is_list = unwrap(annotation)
    name = getattr(inner, "__name__", None) or str(inner)
    return f"list[{name}]" if is_list else name


def _file(model: type, where: Callable[[Path], str]) -> str:
    try:
        return where(Path(inspect.getsourcefile(model) or ""))
    except TypeError:  # a model made at run time has no source file
        return "schema/"
