"""Rows matched to the repository and written as records.

Each row is matched by ordered rules (id, external id, phone, e-mail, company name, as `matching`
keys them); an ambiguous match or a second row for one customer is rejected, never merged, and a
record merged into another is followed to the one it was merged into. Records are written through
`editing` (checked first, atomically, touching no line they do not change), on every core for
large files, so importing a file twice changes nothing the second time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ...loading import parse_text, read_bounded
from ...matching import name_key
from ...messages import said
from ...parallel import map_chunks
from ...privacy import find_forbidden_numbers, redact
from ...problems import Problem
from ...project import Project
from ..actions import Change, commit_many
from ..atomic import write_atomically
from ..editing import RecordGate, edit_text, keep_line_endings
from ..items import plain, same_item
from ..scaffold import IdAllocator, new_record_text
from .mapping import (
    CannotImport,
    Mapping,
    NoMappingFits,
    check_targets,
    choose_mapping,
    fold,
    header,
    with_labelled_columns,
)
from .rows import Incoming, RowReader, UnknownValues, external_key, owner_fallback
from .sheets import UnreadableSheet, read_sheet
from .values import RowError, Values, same_text

MODES = ("create", "upsert", "update")
ROW_SECONDS = 2e-4  # per row, as `parallel` counts it: forking was measured to pay from ~500 rows
PROGRESS_FROM = 300  # rows; a progress bar for more


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
    unknown_columns: dict[str, int] = field(default_factory=dict)  # header -> rows with a value there
    labelled_columns: dict[str, str] = field(default_factory=dict)  # header -> the one target it is the label of
    external_ids: list[tuple[int, str, str]] = field(default_factory=list)  # (row, legacy id, record id)
    owner_fallbacks: list[tuple[int, str]] = field(default_factory=list)  # (row, the owner text --owner replaced)
    masked: int = 0  # phone numbers and e-mail addresses masked in the notes
    mapping: str = ""
    headers: list[str] = field(default_factory=list)


@dataclass
class Existing:
    """The repository's records, as far as matching needs them: where each is, and its keys."""

    files: dict[str, str]  # id -> path relative to the root
    index: dict[str, list[str]]  # matching key -> ids (a merged record's keys lead to the record it went into)


def open_sheet(project: Project, source: Path, mapping_file: Path | None, owner: str | None, *, blank_ok: bool = False):
    """The sheet, its mapping (checked) and a reader for its rows; with `blank_ok`, an empty mapping
    when none fits (the plan asks about every column)."""
    from ...dataset import load_team

    try:
        sheet = read_sheet(source)
    except UnreadableSheet as error:
        raise CannotImport(error.said or str(error)) from None
    from openpyxl.utils import get_column_letter

    headers = [header(h) or f"({get_column_letter(i)})" for i, h in enumerate(sheet.headers, 1)]  # values kept
    for index, name in enumerate(headers, 1):
        if any(True for _ in find_forbidden_numbers(name)):
            raise CannotImport(said("import.header-forbidden", path=source, column=get_column_letter(index)))
    try:
        mapping = choose_mapping(project, headers, mapping_file)
    except NoMappingFits:
        if not blank_ok:
            raise
        mapping = Mapping(source.name, {}, origin=str(source))
    mapping, labelled = with_labelled_columns(project, mapping, headers)
    targets = check_targets(project, mapping)
    team = load_team(project)
    if owner is not None and owner not in team.members:
        raise CannotImport(
            said("import.owner-not-member", owner=repr(owner), team_file=project.relative(project.team_file))
        )
    reader = RowReader(project, mapping, targets, Values(project, mapping, team.members), headers, owner)
    reader.labelled = labelled
    return sheet, mapping, reader


def read_rows(reader: RowReader, number: int, cells: list[Any]) -> Incoming:
    try:
        return reader.read(number, cells)
    except UnknownValues as error:
        incoming = owner_fallback(reader, error, number, cells)
        if incoming is None:
            raise
        return incoming


def run_import(
    project: Project,
    source: Path,
    *,
    mapping_file: Path | None = None,
    mode: str = "upsert",
    dry_run: bool = False,
    today: date | None = None,
    owner: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    lang: str = "en",
) -> Outcome:
    """The sheet imported; each rejected row's reason worded in `lang` (as the reader sees it and the reject file keeps it)."""
    today = today or date.today()
    sheet, mapping, reader = open_sheet(project, source, mapping_file, owner)
    if not mapping.reviewed:
        raise CannotImport(said("import.draft", origin=mapping.origin))
    existing = read_existing(project)
    matcher = Matcher(existing.index)
    outcome = Outcome(mapping=mapping.name, headers=reader.headers)
    ids = IdAllocator(project, today)
    plans: list[Plan] = []
    for number, cells in sheet.rows:
        try:
            incoming = read_rows(reader, number, cells)
            found = matcher.match(incoming)
            if found is None:
                if mode == "update":
                    raise RowError(said("import.not-found"))
                if not incoming.fields.get("name"):
                    raise RowError(said("import.no-name"))
                if not incoming.fields.get("owner"):
                    raise RowError(said("import.no-owner"))
                record_id = ids.take(incoming.fields.get("id"))
                plans.append(Plan(incoming, record_id, project.customer_file(record_id), True))
            else:
                if mode == "create":
                    raise RowError(said("import.already", record=found))
                plans.append(Plan(incoming, found, project.root / existing.files[found], False))
        except RowError as error:
            outcome.rejected.append((number, dict(zip(reader.headers, cells)), redact(error.text(lang))))
    outcome.unknown_columns = dict(reader.unknown_columns)
    outcome.labelled_columns = dict(reader.labelled)
    global _job
    _job = (project, existing, dry_run, lang)
    try:
        results = _apply_all(plans, progress)
    finally:
        _job = None
    for plan, (result, reason) in zip(plans, results):
        incoming = plan.incoming
        if result == "rejected":
            outcome.rejected.append((incoming.row, incoming.cells, redact(reason)))
            continue
        getattr(outcome, result).append(plan.record_id)
        outcome.masked += incoming.masked
        outcome.external_ids += [(incoming.row, e, plan.record_id) for e in incoming.fields.get("external_ids", [])]
        if incoming.owner_fallback:
            outcome.owner_fallbacks.append((incoming.row, incoming.owner_fallback))
    outcome.rejected.sort(key=lambda r: r[0])
    return outcome


# --- matching -----------------------------------------------------------------------------------


# the matching rules (`Incoming.keys`) in the field guides' words
RULES_ZH = {"id": "客户编号", "external id": "外部编号", "phone": "联系电话", "e-mail": "电子邮箱", "name": "客户名称"}


class Matcher:
    """Finds the record a row is, by the first rule that finds any; refuses an ambiguous answer,
    and a row that is the same customer as an earlier row of the file."""

    def __init__(self, index: dict[str, list[str]]):
        self.index = index  # key -> record ids
        self.targets: dict[str, int] = {}  # record id -> the row of this file that already changes it
        self.new_keys: dict[str, int] = {}  # key of a customer this file creates -> its row

    def match(self, incoming: Incoming) -> str | None:
        keys = incoming.keys
        found: dict[str, str] = {}  # record id -> the first rule that finds it
        for rule, key in keys:
            ids = sorted(set(self.index.get(key, ())))
            if len(ids) > 1:
                raise RowError(said("import.ambiguous", ids=", ".join(ids), rule=rule, rule_zh=RULES_ZH[rule]))
            if ids:
                found.setdefault(ids[0], rule)
                if rule in ("id", "external id"):
                    break  # an id says which record; other keys may differ (a new phone number)
        if len(found) > 1:
            listed = ", ".join(f"{i} by {rule}" for i, rule in found.items())
            listed_zh = "、".join(f"{i}（按{RULES_ZH[rule]}）" for i, rule in found.items())
            raise RowError(said("import.ambiguous-rules", listed=listed, listed_zh=listed_zh))
        if found:
            (record_id,) = found
            if record_id in self.targets:
                raise RowError(said("import.same-record", row=self.targets[record_id], record=record_id))
            self.targets[record_id] = incoming.row
            return record_id
        for rule, key in keys:  # a new customer: is it one an earlier row creates?
            if key in self.new_keys:
                raise RowError(said("import.same-key", row=self.new_keys[key], rule=rule, rule_zh=RULES_ZH[rule]))
        for _, key in keys:
            self.new_keys[key] = incoming.row
        return None


def _record_summary(check) -> tuple:
    """(problem, id, file, keys, merged into) of one file, made where it was read: the data stays there."""
    data = check.data or {}
    keys = list(check.contact_keys)
    if data.get("kind") == "company":  # people share names; only companies match by name
        keys.append(name_key(str(data.get("name", ""))))
    externals = data.get("external_ids")
    if isinstance(externals, list):
        keys += [external_key(str(e)) for e in externals]
    problem = (check.problems[0].message if check.problems else "empty") if check.problems or not data else None
    merged = data.get("merged_into")
    return problem, check.id, check.file, keys, merged if isinstance(merged, str) else None


def read_existing(project: Project) -> Existing:
    from ...dataset import iter_checks
    from ...validation import RecordChecker

    files: dict[str, str] = {}
    index: dict[str, list[str]] = {}
    merged: dict[str, str] = {}
    checker = RecordChecker(project, validate=False)
    summaries = iter_checks(project, project.customer_files(), keep_data=True, checker=checker, summary=_record_summary)
    for problem, record_id, file, keys, merged_into in summaries:
        if problem is not None:
            raise CannotImport(said("import.repository-unreadable", file=file, problem=problem))
        record_id = record_id or Path(file).stem
        files[record_id] = file
        if merged_into:
            merged[record_id] = merged_into
        for key in filter(None, [f"id:{record_id}", *keys]):
            index.setdefault(key, []).append(record_id)
    for key, ids in index.items():  # a merged record stands for the one it was merged into
        index[key] = list(dict.fromkeys(_follow(merged, i) for i in ids))
    return Existing(files, index)


def _follow(merged: dict[str, str], record_id: str) -> str:
    seen = {record_id}
    while record_id in merged and merged[record_id] not in seen:
        record_id = merged[record_id]
        seen.add(record_id)
    return record_id


# --- rendering and writing ------------------------------------------------------------------------

_job: tuple[Project, Existing, bool, str] | None = (
    None  # (project, existing, dry_run, lang): what forked workers inherit
)


def _running() -> tuple[Project, Existing, bool, str]:
    if _job is None:
        raise RuntimeError("no import is running: apply_rows sets the job before the workers start")
    return _job


def _apply_all(plans: list[Plan], progress) -> list[tuple[str, str]]:
    """Each planned record made, checked and written (on every core; each chunk flushed to disk once);
    (created | updated | unchanged | rejected, the reason for a rejection) per plan."""
    return list(map_chunks(_apply_chunk, plans, seconds_each=ROW_SECONDS, progress=progress))


_gates: dict[int, RecordGate] = {}


def _gate() -> RecordGate:
    """One gate per process (it lists the team and the customer ids once)."""
    if os.getpid() not in _gates:
        _gates[os.getpid()] = RecordGate(_running()[0])
    return _gates[os.getpid()]


def _apply_chunk(plans: list[Plan]) -> list[tuple[str, str]]:
    """Make each record's new text, then check and write the chunk through the write actions
    (`actions.commit_many`: one flush to disk): (created | updated | unchanged | rejected, why)."""
    (project, _, dry_run, lang), gate = _running(), _gate()
    rendered = [_render(plan, gate) for plan in plans]
    changes = [
        Change(plan.path, None if plan.create else before, text)
        for plan, (text, before) in zip(plans, rendered)
        if text is not None
    ]
    written = iter(commit_many(project, changes, gate=gate, dry_run=dry_run))
    out = []
    for plan, (text, _) in zip(plans, rendered):
        if text is None:
            out.append(("unchanged", ""))
            continue
        outcome = next(written)
        if outcome.problems:
            out.append(
                ("rejected", ("；" if lang == "zh" else "; ").join(_problem_text(p, lang) for p in outcome.problems))
            )
        else:
            out.append(("created" if plan.create else "updated", ""))
    return out


def _problem_text(problem: Problem, lang: str) -> str:
    """Why the record a row makes does not validate, in `lang`."""
    if problem.field:
        return said("import.record-problem", field=problem.field, message=problem.text(lang)).text(lang)
    return said("import.record-problem-whole", message=problem.text(lang)).text(lang)


def _render(plan: Plan, gate: RecordGate) -> tuple[str | None, bytes]:
    """The record's new text (None: the row changes nothing) and the bytes it replaces."""
    project = _running()[0]
    incoming = plan.incoming
    gate.ids.setdefault(plan.record_id, project.relative(plan.path))
    if plan.create:
        return _new_text(project, plan.record_id, incoming), b""
    before = read_bounded(plan.path, project.relative(plan.path), project.limits.max_file_bytes)
    current = parse_text(before.decode("utf-8"), project.relative(plan.path), project.limits).data
    model = project.customer_models.get(current.get("kind", "")) or project.customer_models[incoming.fields["kind"]]
    for item in incoming.items.get("interactions", []):
        item.setdefault("by", [current.get("owner")])  # a row without an owner: the record's
    for item in incoming.items.get("contacts", []):
        item.setdefault("name", current.get("name"))
    fields, items = _changes(current, incoming)
    if not fields and not items:
        return None, before
    return keep_line_endings(before, edit_text(before.decode("utf-8"), model, fields=fields, items=items)), before


def _new_text(project: Project, record_id: str, incoming: Incoming) -> str:
    fields = {**incoming.defaults, **incoming.fields}
    if incoming.notes:
        fields["notes"] = "\n".join(filter(None, [fields.get("notes"), *incoming.notes]))
    return new_record_text(project, record_id, fields, incoming.items)


def _changes(current: dict, incoming: Incoming) -> tuple[dict[str, Any], dict[str, list[dict]]]:
    """What the row adds to or changes in an existing record (its plain data); nothing when it
    already says so. Nothing is taken away: an empty cell leaves a field as it is."""
    fields: dict[str, Any] = {}
    for name, value in incoming.fields.items():
        if name in ("id", "kind"):
            continue
        now = current.get(name)
        if name == "name" and name_key(value) == name_key(str(now or "")):
            continue  # the same name spelt otherwise (A 科技 for A科技有限公司): keep the record's
        if isinstance(value, list):
            have = list(now or [])  # an item spelt otherwise (width, spacing, a control character) is there
            new = [v for v in value if not any(v == h or isinstance(v, str) and same_text(v, h) for h in have)]
            if new:
                fields[name] = have + new
        elif isinstance(value, dict):
            merged = {**(now if isinstance(now, dict) else {}), **{k: plain(v) for k, v in value.items()}}
            if merged != now:
                fields[name] = merged
        elif isinstance(value, str) and isinstance(now, str) and same_text(value, now):
            continue  # the same text spelt otherwise (width, spacing): the record's stays
        elif plain(value) != plain(now):
            fields[name] = value
    notes = str(current.get("notes") or "")
    extra = [line for line in incoming.notes if line not in notes]
    if extra:
        fields["notes"] = "\n".join(filter(None, [fields.get("notes", notes), *extra]))
    items: dict[str, list[dict]] = {}
    for section, new_items in incoming.items.items():
        have = [i for i in current.get(section) or [] if isinstance(i, dict)]
        fresh = [item for item in new_items if not any(same_item(section, item, old, incoming.region) for old in have)]
        if fresh:
            items[section] = fresh
    return fields, items


# --- the reject file ------------------------------------------------------------------------------


def write_rejects(path: Path, outcome: Outcome, lang: str = "en") -> None:
    """The rejected rows as they were read, after their row number and the reason: fix and import again."""
    from ...exporting import csv_bytes

    rows: list[list[Any]] = [[*(["行号", "原因"] if lang == "zh" else ["row", "reason"]), *outcome.headers]]
    for number, cells, reason in outcome.rejected:
        rows.append([number, reason, *[_rejected_cell(cells.get(h)) for h in outcome.headers]])
    write_atomically(path, csv_bytes(rows))


def _rejected_cell(value: Any) -> Any:
    """A cell as read, for the user to fix and import again; an ID or card number is withheld (the
    row was refused for it, and the sheet the user holds still has it)."""
    if value is None:
        return ""
    return redact(value) if isinstance(value, str) else value


def progress_bar(stream=None) -> Callable[[int, int], None]:
    import sys

    stream = stream or sys.stderr

    def show(done: int, total: int) -> None:
        filled = int(30 * done / max(total, 1))
        stream.write(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} records")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


__all__ = [
    "MODES",
    "PROGRESS_FROM",
    "Outcome",
    "run_import",
    "write_rejects",
    "progress_bar",
    "fold",
    "open_sheet",
    "read_rows",
]
