"""`crm import`: customers from a spreadsheet (XLSX or CSV) into records, without losing anything.

A mapping (`mappings/*.yaml`, or the team's own) names the record field each column goes to.
Values are normalised (option labels in either language, dates in common spellings and Excel
serial numbers, full-width characters, spacing); each row is matched against the repository
by ordered rules (id, then phone, then e-mail, then company name, as `matching` keys them);
an ambiguous match, a duplicate within the file or an invalid result rejects the row with its
reason, and never merges anything silently. Records are written through `editing` (checked
first, atomically, touching no line it does not change), so importing a file twice changes
nothing the second time.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import BaseModel

from .editing import RecordGate, edit_text, field_order, list_item_model
from .loading import parse_text
from .matching import contact_key, name_key
from .modelkit import Masked, OptionRef, marker, unwrap
from .project import Project
from .scaffold import schema_comment
from .yamltext import field_text
from .writing import FileChanged, create_new_file, write_atomically

SPECIAL_TARGETS = {"person", "company", "notes+", "ignore"}
MODES = ("create", "upsert", "update")
PARALLEL_FROM = 500  # rows; fewer are rendered and checked in this process
PROGRESS_FROM = 300  # rows; a progress bar for more


class CannotImport(Exception):
    """The import cannot start (no such file, no mapping fits, a mapping names an unknown field)."""


class RowError(Exception):
    """This row cannot be imported; the message says why (it goes to the reject file)."""


# --- mappings ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mapping:
    name: str
    columns: dict[str, str]  # column header -> target (a field, contact.X, interaction.X, person, company, notes+, ignore)
    defaults: dict[str, Any] = field(default_factory=dict)  # target -> value for rows that leave it empty
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # option field -> spelling -> value


def read_mapping(text: str, origin: str) -> Mapping:
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise CannotImport(f"{origin}: a mapping needs 'columns: {{header: field}}'")
    return Mapping(
        str(data.get("name") or origin),
        {_header(k): str(v) for k, v in data["columns"].items()},
        dict(data.get("defaults") or {}),
        {k: {_fold(a): str(v) for a, v in (spellings or {}).items()} for k, spellings in (data.get("aliases") or {}).items()},
    )


def builtin_mappings() -> dict[str, Mapping]:
    folder = resources.files("plaincrm").joinpath("mappings")
    return {
        entry.name.removesuffix(".yaml"): read_mapping(entry.read_text(encoding="utf-8"), entry.name)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name) if entry.name.endswith(".yaml")
    }


def choose_mapping(headers: list[str], given: Path | None) -> Mapping:
    """The mapping asked for, else the shipped one that knows the most of these headers."""
    if given is not None:
        try:
            return read_mapping(given.read_text(encoding="utf-8"), given.name)
        except OSError as error:
            raise CannotImport(f"cannot read the mapping {given}: {error.strerror}") from None
    scored = sorted(((sum(h in m.columns for h in headers), name, m) for name, m in builtin_mappings().items()), reverse=True)
    best = scored[0] if scored else None
    if best is None or best[0] < 2:
        raise CannotImport("no shipped mapping fits these columns; write one (see mappings/*.yaml) and pass --mapping")
    return best[2]


def check_targets(project: Project, mapping: Mapping) -> None:
    """Every target names a field some customer model has (a typo must not drop a column)."""
    models = list(project.customer_models.values())
    for target in [*mapping.columns.values(), *mapping.defaults]:
        if target in SPECIAL_TARGETS:
            continue
        head, _, rest = target.partition(".")
        section = {"contact": "contacts", "interaction": "interactions"}.get(head) if rest else None
        if section:
            inner = [list_item_model(m, section) for m in models]
            if not any(i is not None and rest in i.model_fields for i in inner):
                raise CannotImport(f"mapping {mapping.name!r}: {target!r} is not a field of a {head}")
        elif not any(target in m.model_fields for m in models):
            raise CannotImport(f"mapping {mapping.name!r}: {target!r} is not a customer field")


# --- reading sheets ----------------------------------------------------------------------------

@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number as a spreadsheet shows it, cells)


def _header(value: Any) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value or ""))).strip()


def read_sheet(path: Path) -> Sheet:
    """The first sheet of an XLSX, or a CSV in UTF-8 (with or without BOM) or GBK/GB18030."""
    if not path.is_file():
        raise CannotImport(f"no such file: {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        rows = [(number, list(cells)) for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), 1)]
        book.close()
    else:
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise CannotImport(f"{path}: neither UTF-8 nor GBK text")
        dialect = csv.excel_tab if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else csv.excel
        rows = [(number, cells) for number, cells in enumerate(csv.reader(io.StringIO(text), dialect), 1)]
    rows = [(n, cells) for n, cells in rows if any(tidy(c) for c in cells)]
    if not rows:
        raise CannotImport(f"{path}: no rows")
    (_, header), body = rows[0], rows[1:]
    headers = [_header(h) for h in header]
    return Sheet(headers, body)


def tidy(value: Any) -> str:
    """A cell as text: full-width characters made half-width, spacing collapsed (NFKC, as matching does)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 13812345678.0 from a spreadsheet is a phone number
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()


def _phone(value: Any) -> str:
    """A phone number without spacing or brackets: 139 0000 2222 and (010) 8888-8888 as 13900002222, 010 88888888."""
    text = tidy(value)
    text = re.sub(r"^\((\d+)\)\s*", r"\1-", text)  # (010) 8888 8888: the area code
    return re.sub(r"[\s.()]+", "", text)


def _fold(text: Any) -> str:
    return tidy(text).casefold()


# --- values ------------------------------------------------------------------------------------

_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_SPLIT = re.compile(r"\s*[、,，;；/|]\s*")


class Values:
    """Turns cells into field values for one project and mapping."""

    def __init__(self, project: Project, mapping: Mapping):
        self.options: dict[str, dict[str, str]] = {}
        for name in project.options:
            spellings: dict[str, str] = {}
            option_list = project.options[name]
            for value in option_list.values:
                labels = option_list.labels.get(value, {})
                for spelling in (value, labels.get("en"), labels.get("zh")):
                    if spelling:
                        spellings[_fold(spelling)] = value
            self.options[name] = spellings
        self.aliases = mapping.aliases

    def day(self, value: Any) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, (int, float)) and 1 <= value < 2_958_466:  # an Excel serial number
            return _EXCEL_EPOCH + timedelta(days=int(value))
        text = tidy(value)
        if text.isdigit() and 20_000 <= int(text) <= 80_000:  # a serial number read from CSV
            return _EXCEL_EPOCH + timedelta(days=int(text))
        match = _DAY.match(text)
        if match:
            try:
                return date(*map(int, match.groups()))
            except ValueError:
                pass
        raise RowError(f"{text!r} is not a date (2024-05-10, 2024/5/10, 2024.5.10, 2024年5月10日)")

    def option(self, field_name: str, list_name: str, value: Any) -> str:
        text = tidy(value)
        found = self.aliases.get(field_name, {}).get(_fold(text)) or self.options.get(list_name, {}).get(_fold(text))
        if found is None:
            known = sorted(set(self.options.get(list_name, {}).values()))
            raise RowError(f"{field_name}: {text!r} is not one of {', '.join(known)} (or their labels)")
        return found

    def typed(self, model: type[BaseModel], name: str, value: Any, header: str) -> Any:
        """A cell as the model's field `name` wants it."""
        info = model.model_fields[name]
        inner, _, is_list = unwrap(info.annotation)
        option = marker(info, OptionRef)
        if is_list:
            return [part for part in _SPLIT.split(tidy(value)) if part]
        if option is not None:
            return self.option(name, option.name, value)
        if inner is date:
            return self.day(value)
        masked = marker(info, Masked)
        if masked is not None and masked.how == "phone":
            return _phone(value)
        if inner is int:
            try:
                return int(float(tidy(value)))
            except ValueError:
                raise RowError(f"{header}: {tidy(value)!r} is not a whole number") from None
        return tidy(value)


# --- rows ---------------------------------------------------------------------------------------

@dataclass
class Incoming:
    """One row as a customer: fields, at most one contact and one interaction, notes to add."""

    row: int
    cells: dict[str, Any]  # header -> cell as read (for the reject file)
    fields: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)  # the mapping's, for fields the row leaves empty: new records only
    contact: dict[str, Any] = field(default_factory=dict)
    interaction: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[tuple[str, str]]:
        """(rule, key) in matching order: id, phone, e-mail, company name."""
        found = []
        if self.fields.get("id"):
            found.append(("id", f"id:{self.fields['id']}"))
        for rule, how, value in (("phone", "phone", self.contact.get("phone")), ("e-mail", "email", self.contact.get("email"))):
            key = contact_key(how, value)
            if key:
                found.append((rule, key))
        if self.fields.get("kind") == "company" and self.fields.get("name"):
            key = name_key(self.fields["name"])
            if key:
                found.append(("name", key))
        return found


def read_row(number: int, cells: list[Any], sheet: Sheet, mapping: Mapping, values: Values, project: Project,
             owner: str | None, unknown: set[str]) -> Incoming:
    incoming = Incoming(number, {h: c for h, c in zip(sheet.headers, cells) if h})
    given = {h: c for h, c in incoming.cells.items() if tidy(c)}
    targets: dict[str, list[tuple[str, Any]]] = {}
    for header, cell in given.items():
        target = mapping.columns.get(header)
        if target is None:
            unknown.add(header)
            incoming.notes.append(f"{header}: {tidy(cell)}")  # reported, and kept
        elif target == "notes+":
            incoming.notes.append(f"{header}: {tidy(cell)}")
        elif target != "ignore":
            targets.setdefault(target, []).append((header, cell))
    defaulted = set()
    for target, default in mapping.defaults.items():
        if target not in targets:
            targets[target] = [("(default)", default)]
            defaulted.add(target)
    person = tidy(targets.pop("person", [("", "")])[0][1])
    company = tidy(targets.pop("company", [("", "")])[0][1])
    if company:
        targets["name"], targets["kind"] = [("公司名称", company)], [("", "company")]
        if person:
            targets.setdefault("contact.name", [("姓名", person)])
    elif person:
        targets.setdefault("name", [("姓名", person)])
        targets["kind"] = [("", "individual")]
    kind_cells = targets.get("kind")
    kind = values.option("kind", "customer_kind", kind_cells[0][1]) if kind_cells else "company"
    model = project.customer_models.get(kind)
    if model is None:
        raise RowError(f"kind {kind!r} has no model")
    for target, found in targets.items():
        header, cell = found[0]
        for other, extra in found[1:]:  # two columns for one field: the first wins, the other is kept
            if tidy(extra) != tidy(cell):
                incoming.notes.append(f"{other}: {tidy(extra)}")
        head, _, rest = target.partition(".")
        if rest and head in ("contact", "interaction"):
            item_model = list_item_model(model, head + "s")
            if item_model is None or rest not in item_model.model_fields:
                continue
            value = values.typed(item_model, rest, cell, header)
            (incoming.contact if head == "contact" else incoming.interaction)[rest] = value
        elif target in model.model_fields:
            value = values.typed(model, target, cell, header)
            (incoming.defaults if target in defaulted and target != "kind" else incoming.fields)[target] = value
    incoming.fields["kind"] = kind
    if not incoming.fields.get("name"):
        raise RowError("no name")
    if not incoming.fields.get("owner"):
        if owner is None:
            raise RowError("no owner: add an owner column or pass --owner")
        incoming.fields["owner"] = owner
    if incoming.contact and not incoming.contact.get("name"):
        incoming.contact = {"name": incoming.fields["name"], **incoming.contact}  # an individual's own number
    if set(incoming.interaction) - {"channel", "topic"}:
        if "date" not in incoming.interaction or "summary" not in incoming.interaction:
            raise RowError("a follow-up needs both its date and its summary")
        incoming.interaction.setdefault("by", [incoming.fields["owner"]])
    else:
        incoming.interaction = {}
    return incoming


# --- matching -----------------------------------------------------------------------------------

class Matcher:
    """Finds the record a row is, by the first rule that finds any; refuses an ambiguous answer,
    and a row that is the same customer as an earlier row of the file."""

    def __init__(self, index: dict[str, list[str]]):
        self.index = index  # key -> record ids
        self.targets: dict[str, int] = {}  # record id -> the row of this file that already changes it
        self.new_keys: dict[str, int] = {}  # key of a customer this file creates -> its row

    def match(self, incoming: Incoming) -> str | None:
        keys = incoming.keys
        for rule, key in keys:
            if key in self.index:
                ids = sorted(set(self.index[key]))
                if len(ids) > 1:
                    raise RowError(f"matches {', '.join(ids)} by {rule}: ambiguous, not merged (crm dupes)")
                if ids[0] in self.targets:
                    raise RowError(f"duplicate of row {self.targets[ids[0]]} in this file (both are {ids[0]})")
                self.targets[ids[0]] = incoming.row
                return ids[0]
        for rule, key in keys:  # a new customer: is it one an earlier row creates?
            if key in self.new_keys:
                raise RowError(f"duplicate of row {self.new_keys[key]} in this file (same {rule})")
        for _, key in keys:
            self.new_keys[key] = incoming.row
        return None


# --- planning, rendering, writing ---------------------------------------------------------------

@dataclass
class Plan:
    incoming: Incoming
    record_id: str
    path: Path
    create: bool


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)  # (row number, cells, reason)
    unknown_columns: list[str] = field(default_factory=list)
    mapping: str = ""
    headers: list[str] = field(default_factory=list)


@dataclass
class Existing:
    """The repository's records, as far as matching needs them: where each is, and its keys."""

    files: dict[str, str]  # id -> path relative to the root
    index: dict[str, list[str]]  # matching key -> ids


def _record_summary(check) -> tuple:
    """(problem, id, file, keys) of one file, made where it was read: the data itself stays there."""
    data = check.data or {}
    keys = list(check.contact_keys)
    if data.get("kind") == "company":  # people share names; only companies match by name
        keys.append(name_key(str(data.get("name", ""))))
    problem = (check.problems[0].message if check.problems else "empty") if check.problems or not data else None
    return problem, check.id, check.file, keys


def read_existing(project: Project) -> Existing:
    from .dataset import iter_checks
    from .validation import RecordChecker

    files, index = {}, {}
    checker = RecordChecker(project, validate=False)
    summaries = iter_checks(project, project.customer_files(), keep_data=True, checker=checker, summary=_record_summary)
    for problem, record_id, file, keys in summaries:
        if problem is not None:
            raise CannotImport(f"{file} cannot be read ({problem}); run crm validate and fix the repository first")
        record_id = record_id or Path(file).stem
        files[record_id] = file
        for key in filter(None, [f"id:{record_id}", *keys]):
            index.setdefault(key, []).append(record_id)
    return Existing(files, index)


def run_import(project: Project, source: Path, *, mapping_file: Path | None = None, mode: str = "upsert",
               dry_run: bool = False, today: date | None = None, owner: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> Outcome:
    today = today or date.today()
    sheet = read_sheet(source)
    mapping = choose_mapping(sheet.headers, mapping_file)
    check_targets(project, mapping)
    values = Values(project, mapping)
    existing = read_existing(project)
    matcher = Matcher(existing.index)
    outcome = Outcome(mapping=mapping.name, headers=sheet.headers)
    unknown: set[str] = set()
    ids = _IdAllocator(project, today)
    plans: list[Plan] = []
    for number, cells in sheet.rows:
        try:
            incoming = read_row(number, cells, sheet, mapping, values, project, owner, unknown)
            found = matcher.match(incoming)
            if found is None:
                if mode == "update":
                    raise RowError("no such customer in the repository (--mode update only changes existing ones)")
                record_id = ids.take(incoming.fields.get("id"))
                plans.append(Plan(incoming, record_id, project.customer_file(record_id), True))
            else:
                if mode == "create":
                    raise RowError(f"already in the repository as {found} (--mode upsert updates it)")
                plans.append(Plan(incoming, found, project.root / existing.files[found], False))
        except RowError as error:
            outcome.rejected.append((number, dict(zip(sheet.headers, cells)), str(error)))
    outcome.unknown_columns = sorted(unknown)
    global _job
    _job = (project, existing, dry_run)
    try:
        results = _apply_all(plans, progress)
    finally:
        _job = None
    for plan, (result, reason) in zip(plans, results):
        if result == "rejected":
            outcome.rejected.append((plan.incoming.row, plan.incoming.cells, reason))
        else:
            getattr(outcome, result).append(plan.record_id)
    outcome.rejected.sort(key=lambda r: r[0])
    return outcome


class _IdAllocator:
    def __init__(self, project: Project, today: date):
        self.settings = project.settings
        self.pattern = re.compile(self.settings.id_regex)
        self.taken = {p.stem for p in project.customer_files()}
        self.today, self.seq = today, 1

    def take(self, wanted: str | None) -> str:
        if wanted and self.pattern.match(wanted) and wanted not in self.taken:
            self.taken.add(wanted)
            return wanted
        while self.settings.format_id(self.today, self.seq) in self.taken:
            self.seq += 1
        found = self.settings.format_id(self.today, self.seq)
        self.taken.add(found)
        return found


_job: tuple | None = None  # (project, existing, dry_run): what forked workers inherit


def _apply_all(plans: list[Plan], progress) -> list[tuple[str, str]]:
    """Each planned record made, checked and written (on every core: writes end with an fsync each);
    (created | updated | unchanged | rejected, the reason for a rejection) per plan."""
    jobs = os.cpu_count() or 1
    if len(plans) < PARALLEL_FROM or jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for done, plan in enumerate(plans, 1):
            out.append(_apply(plan, _gate()))
            if progress and (done % 50 == 0 or done == len(plans)):
                progress(done, len(plans))
        return out
    from concurrent.futures import ProcessPoolExecutor

    size = max(50, -(-len(plans) // (jobs * 8)))
    chunks = [plans[i : i + size] for i in range(0, len(plans), size)]
    out = []
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        for chunk in pool.map(_apply_chunk, chunks):
            out.extend(chunk)
            if progress:
                progress(len(out), len(plans))
    return out


_gates: dict[int, RecordGate] = {}


def _gate() -> RecordGate:
    """One gate per process (it lists the team and the customer ids once)."""
    if os.getpid() not in _gates:
        _gates[os.getpid()] = RecordGate(_job[0])
    return _gates[os.getpid()]


def _apply_chunk(plans: list[Plan]) -> list[tuple[str, str]]:
    gate = _gate()
    return [_apply(plan, gate) for plan in plans]


def _apply(plan: Plan, gate: RecordGate) -> tuple[str, str]:
    """Make one record's new text, check it, and write it (unless a dry run); what happened."""
    project, _, dry_run = _job
    text, before = _render(plan, gate)
    if text is None:
        return "unchanged", ""
    problems = gate.problems(plan.path, text)
    if problems:
        return "rejected", "; ".join(f"{p.field or 'record'}: {p.message}" for p in problems)
    if not dry_run:
        try:
            if plan.create:
                create_new_file(plan.path, text)
            else:
                write_atomically(plan.path, text.encode("utf-8"), expect=before)
        except (FileExistsError, FileChanged):
            return "rejected", f"{plan.record_id} changed meanwhile; not written"
    return ("created" if plan.create else "updated"), ""


def _render(plan: Plan, gate: RecordGate) -> tuple[str | None, bytes]:
    """The record's new text (None: the row changes nothing) and the bytes it replaces."""
    project = _job[0]
    incoming = plan.incoming
    model = project.customer_models[incoming.fields["kind"]]
    gate.ids.setdefault(plan.record_id, project.relative(plan.path))
    if plan.create:
        before = b""
        text = _new_text(project, plan.record_id, incoming, model)
    else:
        before = plan.path.read_bytes()
        current = parse_text(before.decode("utf-8"), project.relative(plan.path), project.limits).data
        fields, items = _changes(current, incoming)
        if not fields and not items:
            return None, before
        text = edit_text(before.decode("utf-8"), model, fields=fields, items=items)
    return text, before


def _new_text(project: Project, record_id: str, incoming: Incoming, model: type[BaseModel]) -> str:
    data = {"id": record_id, **incoming.defaults, **{k: v for k, v in incoming.fields.items() if k != "id"}}
    for name, default in (("industry", "other"), ("source", "other"), ("category", "new"), ("cooperation", "not_started")):
        if name in model.model_fields:
            data.setdefault(name, default)
    if incoming.notes:
        data["notes"] = "\n".join(filter(None, [data.get("notes"), *incoming.notes]))
    head = "".join(field_text(k, data[k]) for k in field_order(model) if k in data)
    items: dict[str, list[dict]] = {}
    if incoming.contact:
        items["contacts"] = [incoming.contact]
    if incoming.interaction:
        items["interactions"] = [incoming.interaction]
        items["key_dates"] = [{"kind": "first_contact", "date": incoming.interaction["date"]}]
    return edit_text(schema_comment(project) + head, model, items=items)


def _changes(current: dict, incoming: Incoming) -> tuple[dict[str, Any], dict[str, list[dict]]]:
    """What the row adds to or changes in an existing record (its plain data); nothing when it
    already says so."""
    fields: dict[str, Any] = {}
    for name, value in incoming.fields.items():
        if name in ("id", "kind"):
            continue
        now = current.get(name)
        if name == "name" and name_key(value) == name_key(str(now or "")):
            continue  # the same name spelt otherwise (A 科技 for A科技有限公司): keep the record's
        if isinstance(value, list):
            have = list(now or [])
            new = [v for v in value if v not in have]
            if new:
                fields[name] = have + new
        elif _plain(value) != _plain(now):
            fields[name] = value
    notes = str(current.get("notes") or "")
    extra = [line for line in incoming.notes if line not in notes]
    if extra:
        fields["notes"] = "\n".join(filter(None, [fields.get("notes", notes), *extra]))
    items: dict[str, list[dict]] = {}
    contact = incoming.contact
    if contact:
        keys = {contact_key("phone", contact.get("phone")), contact_key("email", contact.get("email"))} - {None}
        same = any(
            tidy(c.get("name")) == tidy(contact.get("name"))
            or keys & {contact_key("phone", c.get("phone")), contact_key("email", c.get("email"))}
            for c in current.get("contacts") or [] if isinstance(c, dict)
        )
        if not same:
            items["contacts"] = [contact]
    interaction = incoming.interaction
    if interaction:
        day, summary = _plain(interaction["date"]), tidy(interaction["summary"])
        if not any(_plain(i.get("date")) == day and tidy(i.get("summary")) == summary
                   for i in current.get("interactions") or [] if isinstance(i, dict)):
            items["interactions"] = [interaction]
    return fields, items


def _plain(value: Any) -> str:
    """A value as the record's plain data holds it (dates are text there)."""
    return value.isoformat() if isinstance(value, date) else "" if value is None else str(value)


# --- the reject file ------------------------------------------------------------------------------

def write_rejects(path: Path, outcome: Outcome) -> None:
    """The rejected rows as they were read, after their row number and the reason: fix and import again."""
    from .exporting import csv_bytes

    rows = [["row", "reason", *outcome.headers]]
    for number, cells, reason in outcome.rejected:
        rows.append([number, reason, *["" if cells.get(h) is None else cells.get(h) for h in outcome.headers]])
    write_atomically(path, csv_bytes(rows))


def progress_bar(stream=sys.stderr) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        filled = int(30 * done / max(total, 1))
        stream.write(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} records")
        if done >= total:
            stream.write("\n")
        stream.flush()
    return show
