"""Customer records as Parquet, for those who outgrow the site's reports: `crm export --format parquet`.

A folder of tables that DuckDB, pandas, Polars and Spark read as they are: `customers.parquet` (one row per
customer: the columns of `crm export`'s CSV, from `records_export.flat_fields`, and its derived tier, last
contact and order total) and one table per list of sub-records (`contacts`, `interactions`, `key_dates`,
`orders`, `service_cases`: whatever lists the team's models have), each row carrying `customer_id` and its
`position` in the record's list (1 for the first). `options.parquet` maps every option value to its labels.

Columns are typed from the models: dates `date32`, whole numbers `int64`, yes/no `bool`, option values as
their stable keys (labels in `options.parquet` and in each field's metadata), lists of texts as lists, a
nested model's fields flattened as `crm export` flattens them (`size.employees` is the column
`size_employees`: a dot is Spark's struct accessor and needs quoting in every SQL dialect). An amount is
`decimal128(18, 2)` beside its `currency`: exact (SQL sums of it are to the cent, where float sums drift),
stored as a 64-bit integer, and 18 digits hold the largest amount the models allow (10^15) with its cents;
an amount with more than two decimals is refused by name, never rounded. The derived figures (`order_total`,
`amount_in_default_currency`) are float64, as `facts` computes them, so SQL over them gives the site's numbers.

Values are data, not text to display: Parquet stores strings as length-prefixed UTF-8 that no reader
interprets, so nothing is escaped (a record's `=HYPERLINK(…)` or bidi control comes back as written; whoever
turns a table into CSV or HTML escapes for that format). Contact details are masked as everywhere
(`masking.Masker`, the same rule and settings as the load) unless `unmasked`.

The same records and "today" give the same bytes (no clock, no random names inside the files), and the folder
is replaced in one rename: a reader sees the old tables or the new ones. pyarrow is the optional `analytics`
extra, imported only here, only when asked for.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace, UnionType
from typing import Any

from pydantic import BaseModel

from .contract import counts_on, get
from .facts import CustomerFacts, in_default_currency
from .gcpause import gc_paused
from .layout import SchemaConfigError
from .loading import compose, node_position, read_bounded
from .masking import Masker
from .modelkit import OptionRef, field_label, list_item_model, marker, unwrap
from .problems import Problem, ProblemError, format_field_path
from .records_export import DERIVED, column_headers, flat_fields
from .views import CustomerView, Views

EXTRA = "pip install 'plaincrm[analytics]'"
MONEY_DIGITS, MONEY_SCALE = 18, 2
CENT = Decimal(1).scaleb(-MONEY_SCALE)
KEY, POSITION = "customer_id", "position"  # the columns every list table starts with
ORDERS = "orders"  # the contract's list whose items count towards the order total (facts)


class NeedsAnalytics(RuntimeError):
    """pyarrow is not installed: the core stays small, Parquet is the `analytics` extra."""


def require_pyarrow():
    """pyarrow, or NeedsAnalytics naming the extra (a command asks first, before loading the records)."""
    try:
        import pyarrow
        import pyarrow.parquet  # the writer lives in a submodule: `pyarrow.parquet` from here on
    except ImportError as error:
        raise NeedsAnalytics(f"Parquet export needs pyarrow, the analytics extra: {EXTRA}") from error
    return pyarrow


@dataclass(frozen=True)
class Column:
    """One column: where its value is in a row's plain data, and what it holds."""

    name: str
    path: tuple[str, ...]  # keys into the plain data of a customer, or of one item of a list
    kind: str  # string | int | float | bool | date | money | text (anything else, as JSON text)
    many: bool  # a list of such values
    nullable: bool
    label_en: str
    label_zh: str
    options: str | None  # the option list its values come from


def _kind(annotation: Any) -> tuple[str, bool]:
    """(kind, is a list) of a field's type; a type this does not know is written as JSON text."""
    inner, _, many = unwrap(annotation)
    if typing.get_origin(inner) is typing.Literal:
        values = typing.get_args(inner)
        kinds = {"bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "string" for v in values}
        return (kinds.pop() if len(kinds) == 1 and all(isinstance(v, (str, int)) for v in values) else "text"), many
    for python, kind in ((bool, "bool"), (int, "int"), (float, "float"), (Decimal, "money"), (str, "string")):
        if inner is python:
            return kind, many
    if inner is date:  # a datetime is a date too: only the date itself is one here
        return "date", many
    return "text", many


def _allows_none(annotation: Any) -> bool:
    """None is a value of the field (`str | None`); a field with a default that is not None never is empty."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = annotation.__origin__
    return typing.get_origin(annotation) in (typing.Union, UnionType) and type(None) in typing.get_args(annotation)


def _option(info) -> str | None:
    found = marker(info, OptionRef)
    return found.name if found is not None else None


def _field_columns(models: dict[str, type[BaseModel]], labels: Mapping[str, tuple[str, ...]]) -> list[Column]:
    """The columns of the models' fields, flattened as `crm export` flattens them (`flat_fields`)."""
    columns = []
    for path, infos in flat_fields(SimpleNamespace(customer_models=models)):
        kind, many = _kind(infos[-1].annotation)
        everywhere = all(path[0] in model.model_fields for model in models.values())
        nullable = not everywhere or any(_allows_none(info.annotation) for info in infos)
        en, zh = labels[".".join(path)]
        columns.append(Column("_".join(path), path, kind, many, nullable, en, zh, _option(infos[-1])))
    return columns


def customer_columns(project) -> list[Column]:
    """`crm export`'s columns (its field list and headers, both languages), then its derived ones."""
    en, zh = (dict((target, header) for header, target in column_headers(project, lang)) for lang in ("en", "zh"))
    labels = {target: (en[target], zh[target]) for target in en}
    columns = _field_columns(project.customer_models, labels)
    facts = typing.get_type_hints(CustomerFacts)
    for name, label_en, label_zh in DERIVED:
        if name == "tier":  # the tier's key; its labels are the `tier` option list's
            options = "tier" if "tier" in project.options else None
            columns.append(Column(name, (), "string", False, False, label_en, label_zh, options))
        elif name in facts:  # typed as the facts declare it
            kind, many = _kind(facts[name])
            columns.append(Column(name, (), kind, many, _allows_none(facts[name]), label_en, label_zh, None))
        else:
            raise ValueError(f"records_export.DERIVED names {name!r}, neither the tier nor a CustomerFacts field")
    return _unique(columns, "customers")


def list_tables(project) -> dict[str, tuple[type[BaseModel], str, str]]:
    """Every list of sub-records in the customer models: name -> (item model, English and Chinese label)."""
    found: dict[str, tuple[type[BaseModel], str, str]] = {}
    for model in project.customer_models.values():
        for name, info in model.model_fields.items():
            item = list_item_model(model, name)
            if item is not None and name not in found:
                found[name] = (item, field_label(info, name, "en"), field_label(info, name, "zh"))
    return found


def item_columns(name: str, item: type[BaseModel]) -> list[Column]:
    """A list table's columns: the customer and the position, the item's fields, and for orders what the
    order total makes of each (counted by "today", in the default currency)."""
    labels = {  # a nested field's label as crm export's headers write it (records_export.column_headers)
        ".".join(path): tuple(" · ".join(field_label(i, n, lang) for n, i in zip(path, infos)) for lang in ("en", "zh"))
        for path, infos in flat_fields(SimpleNamespace(customer_models={"": item}))
    }
    columns = [
        Column(KEY, (), "string", False, False, "Customer id", "客户编号", None),
        Column(POSITION, (), "int", False, False, "Position in the list", "列表序号", None),
        *_field_columns({"": item}, labels),
    ]
    if name == ORDERS:
        columns += [
            Column("counted", (), "bool", False, False, "In the order total", "计入订单总额", None),
            Column(
                "amount_in_default_currency",
                (),
                "float",
                False,
                False,
                "Amount, default currency",
                "金额（本币）",
                None,
            ),
        ]
    return _unique(columns, name)


def _unique(columns: list[Column], table: str) -> list[Column]:
    seen: dict[str, Column] = {}
    for column in columns:
        if column.name in seen:  # size.employees beside a field named size_employees
            raise SchemaConfigError(f"{table}: two columns would be named {column.name!r}; rename a field in schema/")
        seen[column.name] = column
    return columns


# --- rows -----------------------------------------------------------------------------


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        data = data.get(step) if isinstance(data, dict) else None
    return data


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "text":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if kind == "date" and isinstance(value, datetime):
        return value.date()
    return value


def _derived(view: CustomerView, column: Column) -> Any:
    """A figure crm export adds (records_export.DERIVED) as it adds it: the tier by its key, a fact as it is, a
    total in the default currency to the cent."""
    if column.name == "tier":
        return view.tier.name
    value = getattr(view.facts, column.name)
    return round(value, 2) if column.kind == "float" else value


class _Rows:
    """The columns' values of the customers asked for, from their plain data, masked unless `unmasked`; an
    amount that does not fit decimal(18, 2) is kept aside with where it is (`odd_amounts`). Built a column at a
    time, one comprehension each: a method call per cell made 10,000 customers half again as slow."""

    def __init__(self, views: Views, ids: list[str], unmasked: bool):
        project = views.dataset.project
        settings = project.settings
        masker = Masker(project.customer_models, settings.phone_region, settings.mask_fields)
        self.views, self.ids, self.settings = views, ids, settings
        self.odd_amounts: list[tuple[str, tuple, Decimal]] = []  # (customer id, field path, amount)
        self.data = []
        for cid in ids:
            data = views.customers[cid].model.model_dump()
            # masked again, whatever the views were loaded with: masking is idempotent (masking.mask_phone)
            self.data.append(data if unmasked else masker.mask(data))

    def _column(self, column: Column, data: list[Any], where: list[tuple[str, tuple]]) -> list[Any]:
        values = [_at(d, column.path) for d in data] if len(column.path) > 1 else [d.get(column.path[0]) for d in data]
        if column.kind == "money":
            for (cid, at), value in zip(where, values):
                for amount in value if column.many and isinstance(value, list) else [value]:
                    if isinstance(amount, Decimal) and amount != amount.quantize(CENT):
                        self.odd_amounts.append((cid, (*at, *column.path), amount))
        if column.kind in ("text", "date"):  # JSON text for a type Arrow does not know; a datetime's date
            if column.many:
                return [None if v is None else [_cell(x, column.kind) for x in v] for v in values]
            return [_cell(v, column.kind) for v in values]
        return values

    def customers(self, columns: list[Column]) -> dict[str, list[Any]]:
        views = [self.views.customers[cid] for cid in self.ids]
        derived = {c.name: [_derived(view, c) for view in views] for c in columns if not c.path}
        where = [(cid, ()) for cid in self.ids]
        return {c.name: self._column(c, self.data, where) if c.path else derived[c.name] for c in columns}

    def items(self, name: str, columns: list[Column]) -> dict[str, list[Any]]:
        found: list[tuple[str, int, dict, Any]] = []  # (customer id, index, plain data, model) per item
        for cid, data in zip(self.ids, self.data):
            models = getattr(self.views.customers[cid].model, name, None) or []
            found += [
                (cid, index, item, model) for index, (item, model) in enumerate(zip(data.get(name) or [], models))
            ]
        derived: dict[str, list[Any]] = {KEY: [f[0] for f in found], POSITION: [f[1] + 1 for f in found]}
        if name == ORDERS:  # as facts.customer_facts counts an order, and converts its amount
            today, settings = self.views.today, self.settings
            models = [f[3] for f in found]
            derived["counted"] = [counts_on(m, today) for m in models]
            derived["amount_in_default_currency"] = [
                in_default_currency(get(m, "amount"), get(m, "currency"), settings) for m in models
            ]
        items, where = [f[2] for f in found], [(f[0], (name, f[1])) for f in found]
        return {c.name: self._column(c, items, where) if c.path else derived[c.name] for c in columns}


# --- Arrow tables -----------------------------------------------------------------------


def _arrow_type(pa, column: Column):
    scalar = {
        "string": pa.string(),
        "text": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
        "money": pa.decimal128(MONEY_DIGITS, MONEY_SCALE),
    }[column.kind]
    return pa.list_(scalar) if column.many else scalar


def _arrow_table(pa, columns: list[Column], values: dict[str, list[Any]], meta: dict[str, str]):
    fields = [
        pa.field(
            c.name,
            _arrow_type(pa, c),
            nullable=c.nullable,
            metadata={"label_en": c.label_en, "label_zh": c.label_zh, **({"options": c.options} if c.options else {})},
        )
        for c in columns
    ]
    schema = pa.schema(fields, metadata=meta)
    return pa.Table.from_arrays([pa.array(values[c.name], type=f.type) for c, f in zip(columns, fields)], schema=schema)


def _problem(views: Views, cid: str, where: tuple, amount: Decimal) -> Problem:
    project = views.dataset.project
    file = views.customers[cid].file
    try:
        text = read_bounded(project.root / file, file, project.limits.max_file_bytes).decode("utf-8-sig")
        line, col = node_position(compose(text), where)
    except Exception:  # the file changed meanwhile: its name is still said
        line, col = 1, 1
    message = (
        f"{amount} has more than {MONEY_SCALE} decimals; Parquet amounts are exact to the cent "
        f"(decimal({MONEY_DIGITS}, {MONEY_SCALE})): round it in the record"
    )
    return Problem(file, line, col, format_field_path(where), message, "export.amount-scale")


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("plaincrm")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def tables(views: Views, ids: Iterable[str] | None = None, *, unmasked: bool = False) -> dict[str, Any]:
    """The Arrow tables of the customers `ids` (default: all), by file stem, in the order they are written."""
    pa = require_pyarrow()
    project = views.dataset.project
    chosen = list(views.customers) if ids is None else list(ids)
    shapes = {"customers": customer_columns(project)}
    lists = list_tables(project)
    shapes.update((name, item_columns(name, item)) for name, (item, _, _) in lists.items())
    meta = {
        "plaincrm.version": version(),
        "plaincrm.today": views.today.isoformat(),
        "plaincrm.masked": "false" if unmasked else "true",
        "plaincrm.default_currency": project.settings.default_currency,
    }
    with gc_paused():  # millions of small objects at 10,000 customers, no cycle among them: full passes cost most
        rows = _Rows(views, chosen, unmasked)
        values = {n: rows.customers(c) if n == "customers" else rows.items(n, c) for n, c in shapes.items()}
    if rows.odd_amounts:  # before Arrow, which would refuse to round them with a message naming no record
        raise ProblemError([_problem(views, cid, where, amount) for cid, where, amount in rows.odd_amounts])
    found = {}
    for name, columns in shapes.items():
        label = ("Customers", "客户") if name == "customers" else lists[name][1:]
        table_meta = {**meta, "plaincrm.table": name, "plaincrm.label_en": label[0], "plaincrm.label_zh": label[1]}
        found[name] = _arrow_table(pa, columns, values[name], table_meta)
    found["options"] = _options_table(pa, project, meta)
    return found


def _options_table(pa, project, meta: dict[str, str]):
    """Every option list's values and labels: join on a column's `options` (its field metadata says which)."""
    rows = [
        (name, value, entry["en"], entry["zh"])
        for name, o in project.options.items()
        for value, entry in o.labels.items()
    ]
    names = ("list", "value", "label_en", "label_zh")
    schema = pa.schema(
        [pa.field(n, pa.string(), nullable=False) for n in names],
        metadata={**meta, "plaincrm.table": "options", "plaincrm.label_en": "Options", "plaincrm.label_zh": "选项"},
    )
    return pa.Table.from_arrays([pa.array([r[i] for r in rows], pa.string()) for i in range(4)], schema=schema)


def parquet_bytes(table) -> bytes:
    """One table as a Parquet file: Snappy (every reader has it), format 2.6, version-1 data pages (Spark's
    and older readers' default), statistics for filter push-down; nothing in it depends on the clock."""
    pa = require_pyarrow()
    sink = pa.BufferOutputStream()
    pa.parquet.write_table(table, sink, compression="snappy", version="2.6", data_page_version="1.0")
    return sink.getvalue().to_pybytes()


# --- the folder ---------------------------------------------------------------------


def _refused(path: Path, why: str) -> ProblemError:
    return ProblemError([Problem(str(path), 1, 1, "", why, "export.unsafe-target")])


def check_target(out_dir: Path) -> None:
    """OUT may be new, or a folder holding nothing but Parquet files (an earlier export): never a link, a file,
    or a folder of someone else's (replacing it would delete what they keep there)."""
    if out_dir.is_symlink():
        raise _refused(out_dir, "is a symbolic link; crm export writes no table through a link: give a real folder")
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise _refused(out_dir, "is there and is not a folder; Parquet export writes a folder of tables")
    for entry in sorted(out_dir.iterdir()):
        mode = entry.lstat().st_mode
        if not (stat.S_ISREG(mode) and entry.suffix == ".parquet"):
            raise _refused(
                entry,
                "is not a table crm export wrote, and replacing the folder would remove it: "
                "export into a new or empty folder, or move it",
            )


def write_parquet(
    views: Views, out_dir: Path, *, ids: Iterable[str] | None = None, unmasked: bool = False
) -> list[Path]:
    """Write the tables into `out_dir`, replacing an earlier export in one rename; the paths written.

    The views should be loaded unmasked when `unmasked` (masked views stay masked: nothing unmasks)."""
    out_dir = Path(os.path.abspath(out_dir))
    check_target(out_dir)
    made = {name: parquet_bytes(table) for name, table in tables(views, ids, unmasked=unmasked).items()}
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(6)}.new")
    os.mkdir(fresh)  # beside OUT (the same file system, so a rename); a fresh name: nothing there to follow
    try:
        for name, data in made.items():
            fd = os.open(
                fresh / f"{name}.parquet", os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666
            )
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        check_target(out_dir)  # again: it may have changed while the tables were made
        _swap(fresh, out_dir)
    finally:
        if fresh.exists():
            shutil.rmtree(fresh)
    return [out_dir / f"{name}.parquet" for name in made]


def _swap(fresh: Path, target: Path) -> None:
    """Put `fresh` where `target` is (two renames: the old folder or the new one, never half of either)."""
    old = target.with_name(f".{target.name}.{secrets.token_hex(6)}.old")
    if os.path.lexists(target):
        os.rename(target, old)
    try:
        os.rename(fresh, target)
    except OSError:
        if os.path.lexists(old):
            os.rename(old, target)  # the earlier export back where it was
        raise
    if os.path.lexists(old):
        if os.path.islink(old):
            os.unlink(old)
        else:
            shutil.rmtree(old)


__all__ = ["NeedsAnalytics", "check_target", "parquet_bytes", "require_pyarrow", "tables", "write_parquet"]
