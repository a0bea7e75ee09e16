"""Edits to record files that keep what a person wrote: comments, key order, quoting and flow
style survive (ruamel.yaml round-trip). An edit is checked as a whole record, with the same
checks as `crm validate`, before the file is replaced; the replacement is atomic and happens
only if nobody changed the file since it was read.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .loading import parse_text
from .modelkit import unwrap
from .problems import FileCheck, Problem, ProblemError
from .project import Project
from .writing import FileChanged, write_atomically
from .yamltext import field_text, item_text, reorder, split_trailer, top_level_pieces


def round_trip():
    """The YAML reader/writer of edits, set to the style of the sample records (which it reproduces byte for byte)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long summary onto a second line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


_YAML: list = []  # one round-trip instance per process (making one costs more than a small dump)


def _round_trip():
    if not _YAML:
        _YAML.append(round_trip())
    return _YAML[0]


def load(text: str) -> Any:
    return _round_trip().load(text)


def dump(data: Any) -> str:
    out = io.StringIO()
    _round_trip().dump(data, out)
    return out.getvalue()


# --- canonical order ------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def field_order(model: type[BaseModel]) -> list[str]:
    """The profile first (fields that are not lists of sub-records), then those lists (contacts,
    interactions, …), each in the order the model declares them."""
    def is_section(name: str) -> bool:
        inner, _, is_list = unwrap(model.model_fields[name].annotation)
        return is_list and isinstance(inner, type) and issubclass(inner, BaseModel)

    return sorted(model.model_fields, key=is_section)  # stable: model order within each group


def order_nested(data: Any, model: type[BaseModel] | None) -> None:
    """Keys inside the fields (a size, each contact, each interaction …) in their model's field order;
    keys a model does not know keep their order at the end (validation reports them)."""
    if model is None or not hasattr(data, "keys"):
        return
    for name, info in model.model_fields.items():
        inner, _, is_list = unwrap(info.annotation)
        if name not in data or not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            continue
        for item in (data[name] if is_list and isinstance(data[name], list) else [data[name]]):
            if hasattr(item, "move_to_end"):
                order = field_order(inner)
                for key in [k for k in order if k in item] + [k for k in item if k not in inner.model_fields]:
                    item.move_to_end(key)
            order_nested(item, inner)


def canonical_dump(project: Project, data: Any) -> str:
    """Round-trip data as text in canonical order. The top level is ordered as text (see
    `yamltext.reorder`), so comments written above a field move with it."""
    model = customer_model(project, data)
    order_nested(data, model)
    text = dump(data)
    return reorder(text, field_order(model)) if model is not None else text


def customer_model(project: Project, data: Any) -> type[BaseModel] | None:
    kind = data.get("kind") if hasattr(data, "get") else None
    return project.customer_models.get(kind) if isinstance(kind, str) else None


def canonical_text(project: Project, text: str) -> str:
    """The record in canonical key order and plaincrm's style; its data is unchanged (checked)."""
    after = canonical_dump(project, load(text))
    if after != text and parse_text(after, "").data != parse_text(text, "").data:
        raise ValueError("formatting would change the record's data")  # never expected; never written
    return after


# --- checking and saving ---------------------------------------------------------------------

class EditRefused(Exception):
    """The edited record would not be valid (or the file changed meanwhile): nothing was written."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


class RecordGate:
    """What `crm validate` would say of one file with a given text: the record's own checks, and its
    references to team members and other customers. Built once for many records (an import)."""

    def __init__(self, project: Project):
        from .dataset import load_team
        from .validation import RecordChecker

        self.project = project
        self.checker = RecordChecker(project)
        self.handles = set(load_team(project).members)
        self.ids = {p.stem: project.relative(p) for p in project.customer_files()}

    def problems(self, path: Path, text: str) -> list[Problem]:
        from .dataset import cross_check

        file = self.project.relative(path)
        try:
            check = self.checker.check_raw(parse_text(text, file, self.project.limits), expected_id=path.stem)
        except ProblemError as error:
            return error.problems
        # the records it names stand in for all the others: ids are file names, checked by their own files
        named = {value for _, target, value in check.references if target == "customer"}
        others = [FileCheck(self.ids[i], [], id=i) for i in named if i in self.ids and self.ids[i] != file]
        found = cross_check(self.project, [*others, check], self.handles)
        return sorted(check.problems + [p for p in found if p.file == file])


def check_text(project: Project, path: Path, text: str) -> list[Problem]:
    return RecordGate(project).problems(path, text)


@dataclass
class Edit:
    path: Path
    before: bytes  # the file as read; the edit is refused if it is no longer so
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after.encode("utf-8")


def save(project: Project, edit: Edit, gate: RecordGate | None = None) -> None:
    """Check the edited record, then replace the file atomically; EditRefused says why not."""
    problems = (gate or RecordGate(project)).problems(edit.path, edit.after)
    if problems:
        raise EditRefused(f"{project.relative(edit.path)} would not be valid; nothing written", problems)
    try:
        write_atomically(edit.path, edit.after.encode("utf-8"), expect=edit.before)
    except FileChanged:
        raise EditRefused(f"{project.relative(edit.path)} changed while it was being edited; nothing written") from None


def record_path(project: Project, record_id: str) -> Path:
    """The file of a customer, wherever it sits below the customers folder."""
    path = project.customer_file(record_id)
    if path.is_file():
        return path
    found = next((p for p in project.customer_files() if p.stem == record_id), None)
    if found is None:
        raise EditRefused(f"no record {record_id} in {project.relative(project.customers_dir)}")
    return found


# --- the edits --------------------------------------------------------------------------------

def edit_record(project: Project, record_id: str, change) -> Edit:
    """Read a record, apply `change(data)` to its round-trip data, and return the edit (not saved)."""
    path = record_path(project, record_id)
    before = path.read_bytes()
    data = load(before.decode("utf-8"))
    change(data)
    return Edit(path, before, canonical_dump(project, data))


def parse_value(model: type[BaseModel] | None, dotted: str, text: str) -> Any:
    """A value from the command line: text for a text field (a phone number stays text), else as
    YAML reads it (4 a number, 2024-05-10 a date, [a, b] a list). Empty or `null`: remove the field."""
    from ruamel.yaml import YAML

    if text == "" or text == "null":
        return None
    if _is_text_field(model, dotted):
        return text
    return YAML(typ="safe").load(text)


def _is_text_field(model: type[BaseModel] | None, dotted: str) -> bool:
    inner: Any = model
    is_list = False
    for name in dotted.split("."):
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)) or name not in inner.model_fields:
            return False
        inner, _, is_list = unwrap(inner.model_fields[name].annotation)
    return inner is str and not is_list


def inline(value: Any) -> Any:
    """Lists and mappings written inline, as the sample records write tags, participants, a size,
    a next step: `by: [li.wei]`, `next_step: {action: …, due: …}`."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        styled = CommentedMap((k, inline(v)) for k, v in value.items())
    elif isinstance(value, list):
        styled = CommentedSeq(inline(v) for v in value)
    else:
        return value
    styled.fa.set_flow_style()
    return styled


def set_field(data: Any, dotted: str, value: Any) -> None:
    """`size.employees` -> data["size"]["employees"] = value; None removes the field."""
    *parents, last = dotted.split(".")
    target = data
    for name in parents:
        if not hasattr(target.get(name), "keys"):
            if value is None:
                return
            target[name] = inline({})
        target = target[name]
    if value is None:
        target.pop(last, None)
    else:
        target[last] = inline(value)


def append_item(data: Any, list_name: str, item: dict) -> None:
    """Add an item at the end of a block list (created when missing); the item itself in block style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if data.get(list_name) is None:
        data[list_name] = CommentedSeq()
    data[list_name].append(CommentedMap((k, inline(v)) for k, v in item.items()))


# --- edits as text (many records at once) ------------------------------------------------------

def edit_text(text: str, model: type[BaseModel] | None, *, fields: dict[str, Any] | None = None,
              items: dict[str, list[dict]] | None = None) -> str:
    """Set top-level fields and append items to top-level lists, touching no other line: fields not
    named keep their text byte for byte, comments included. Much faster than a round-trip of the
    whole file (written with `yamltext`, not ruamel), which is what a bulk import needs; the result
    is in canonical order."""
    head, pieces = top_level_pieces(text)
    parts = {key: list(split_trailer(piece)) for key, piece in pieces}  # key -> [body, trailer]
    for key, value in (fields or {}).items():
        parts.setdefault(key, ["", ""])[0] = field_text(key, value) if value is not None else ""
    for key, new in (items or {}).items():
        item_model = list_item_model(model, key)
        if item_model is not None:  # each item's keys in its model's order
            order = field_order(item_model)
            new = [{k: item[k] for k in sorted(item, key=lambda k: order.index(k) if k in order else len(order))}
                   for item in new]
        body, _ = parts.setdefault(key, ["", ""])
        if not body or body.split(":", 1)[1].strip() in ("[]", ""):
            # short items inline, as contacts and key dates are; an interaction (5 fields and more) in block style
            flow = all(len(item) <= 4 and not any(isinstance(v, dict) for v in item.values()) for item in new)
            body = f"{key}:\n"
        else:
            flow = body.split("\n")[1].lstrip().startswith("- {")  # as the list's first item is written
        parts[key][0] = body + "".join(item_text(item, flow) for item in new)
    out = head + "".join(body + trailer for body, trailer in parts.values())
    return reorder(out, field_order(model)) if model is not None else out


def list_item_model(model: type[BaseModel] | None, name: str) -> type[BaseModel] | None:
    info = model.model_fields.get(name) if model is not None else None
    if info is None:
        return None
    inner, _, is_list = unwrap(info.annotation)
    return inner if is_list and isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _block(item: dict) -> Any:
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap((k, inline(v)) for k, v in item.items())


# --- merging duplicates ------------------------------------------------------------------------

def merge_records(project: Project, keep_id: str, other_id: str) -> tuple[Edit, Edit]:
    """KEEP takes OTHER's contacts, interactions, key dates, orders, cases (every list of sub-records)
    and tags, items it already has left out; OTHER keeps only what a record must have, plus
    `merged_into: KEEP`, so links to it still lead somewhere. Neither is saved here."""
    from .modelkit import MERGED_FIELD

    if keep_id == other_id:
        raise EditRefused("a record cannot be merged into itself")
    other_path = record_path(project, other_id)
    other_before = other_path.read_bytes()
    other = load(other_before.decode("utf-8"))
    if other.get(MERGED_FIELD):
        raise EditRefused(f"{other_id} was merged into {other[MERGED_FIELD]} already")
    model = customer_model(project, other)
    if model is None or MERGED_FIELD not in model.model_fields:
        raise EditRefused(f"the schema has no {MERGED_FIELD!r} field to mark a merged record with (see schema/customer.py)")

    def take(keep: Any) -> None:
        if keep.get(MERGED_FIELD):
            raise EditRefused(f"{keep_id} was itself merged into {keep[MERGED_FIELD]}; merge into that one")
        keep_model = customer_model(project, keep)
        for name in field_order(keep_model) if keep_model else []:
            value = other.get(name)
            if not isinstance(value, list) or not value:
                continue
            if list_item_model(keep_model, name) is None and name != "tags":
                continue
            have = keep.get(name)
            if have is None:
                keep[name] = inline([]) if name == "tags" else _block_list()
                have = keep[name]
            for item in value:
                if item not in have:
                    have.append(item)

    keep_edit = edit_record(project, keep_id, take)

    def shrink(data: Any) -> None:
        required = [name for name, info in model.model_fields.items() if info.is_required()]
        for key in list(data):
            if key not in required:
                del data[key]
        data[MERGED_FIELD] = keep_id

    other_after = load(other_before.decode("utf-8"))
    shrink(other_after)
    return keep_edit, Edit(other_path, other_before, canonical_dump(project, other_after))


def _block_list() -> Any:
    from ruamel.yaml.comments import CommentedSeq

    return CommentedSeq()
