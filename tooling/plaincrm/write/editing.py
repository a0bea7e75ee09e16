"""Edits to record files that keep what a person wrote: comments, key order, quoting and flow
style survive (ruamel.yaml round-trip). An edit is checked as a whole record, with the same
checks as `crm validate`, before the file is replaced; the replacement is atomic and happens
only if nobody changed the file since it was read.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..loading import MAX_SIZE_MESSAGE, STR, parse_text
from ..modelkit import list_item_model, unwrap
from ..problems import FileCheck, Problem, ProblemError
from ..project import Project
from ..yamltext import field_text, item_text, plain_tag, reorder, split_trailer, text_style, top_level_pieces
from ..yamltext import inline as inline_text
from .atomic import FileChanged, write_atomically


def round_trip():
    """The YAML reader/writer of edits, set to the style of the sample records (which it reproduces byte
    for byte). It reads and writes scalars as the project's loader does (`_components`)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Scanner, yaml.Resolver, yaml.Constructor, yaml.Representer, yaml.Emitter = _components()
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long summary onto a second line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


@functools.lru_cache(maxsize=1)
def _components():
    """ruamel's round trip, made to agree with the project's loader (libyaml, YAML 1.1):

    - a tab separates tokens after a key or value, as libyaml allows (`city: 杭州\t# note`); ruamel's
      round-trip scanner takes only spaces there and refused such a (valid) record;
    - plain scalars get the loader's tags (`yes` a boolean, `10:30` a number), so a text is quoted
      whenever the loader would read it otherwise (ruamel, YAML 1.2, wrote `needs: yes` plain);
      numbers are the loader's where ruamel's YAML 1.2 reading differs (`10:30`, `017`);
    - text is quoted by `yamltext.text_style`, the rule of every writer, where ruamel would write it
      plain or in single quotes; a character YAML refuses is refused (ruamel would escape it; the
      loader refuses it in a file).
    """
    import yaml as pyyaml
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.emitter import RoundTripEmitter
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.representer import RoundTripRepresenter
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.scanner import RoundTripScanner
    from ruamel.yaml.tag import Tag

    class Scanner(RoundTripScanner):
        def scan_to_next_token(self):
            reader = self.reader
            if (
                not self.flow_level
                and reader.peek() == "\t"
                and reader.buffer[reader.pointer - reader.column : reader.pointer].strip(" -")
            ):
                while reader.peek() in " \t":  # not in the indentation nor after a "- ", where libyaml refuses tabs too
                    reader.forward()
            return super().scan_to_next_token()

    class Resolver(VersionedResolver):
        def resolve(self, kind, value, implicit):
            if kind is ScalarNode and implicit[0]:
                return Tag(suffix=plain_tag(value))
            return super().resolve(kind, value, implicit)

    class Constructor(RoundTripConstructor):
        def construct_yaml_int(self, node):
            return self._as_loaded(
                node, super().construct_yaml_int, pyyaml.constructor.SafeConstructor.construct_yaml_int
            )

        def construct_yaml_float(self, node):
            return self._as_loaded(
                node, super().construct_yaml_float, pyyaml.constructor.SafeConstructor.construct_yaml_float
            )

        @staticmethod
        def _as_loaded(node, ruamel_reading, loader_reading):
            loaded = loader_reading(pyyaml.constructor.SafeConstructor(), pyyaml.nodes.ScalarNode("", node.value))
            try:
                value = ruamel_reading(node)
            except ValueError:
                return loaded
            return value if value == loaded or value != value else loaded  # ruamel's keeps the spelling (0x1F)

    Constructor.add_constructor("tag:yaml.org,2002:int", Constructor.construct_yaml_int)
    Constructor.add_constructor("tag:yaml.org,2002:float", Constructor.construct_yaml_float)

    class Representer(RoundTripRepresenter):
        def represent_str(self, data):
            refused = pyyaml.reader.Reader.NON_PRINTABLE.search(data)
            if refused:
                raise EditRefused(
                    f"{data[:40]!r} holds U+{ord(refused.group()):04X}, a control character a record "
                    "cannot hold; delete it"
                )
            return super().represent_str(data)

    def represent_decimal(self, data):  # an amount (Money) as the number it is, never 1.2E+4
        text = format(data, "f")
        return self.represent_scalar("tag:yaml.org,2002:" + ("float" if "." in text else "int"), text)

    Representer.add_representer(str, Representer.represent_str)
    Representer.add_representer(Decimal, represent_decimal)

    class Emitter(RoundTripEmitter):
        def choose_scalar_style(self):
            style = super().choose_scalar_style()
            if style in ("", "'") and self.event.tag == STR:
                ours = text_style(self.event.value, bool(self.flow_level))
                if ours == '"' or (style == "" and ours):
                    return ours
            return style

    return Scanner, Resolver, Constructor, Representer, Emitter


_YAML: list = []  # one round-trip instance per process (making one costs more than a small dump)


def _round_trip():
    if not _YAML:
        _YAML.append(round_trip())
    return _YAML[0]


def load(text: str) -> Any:
    """Round-trip data of a record's text; EditRefused (with the position) where ruamel cannot read it."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _round_trip().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise EditRefused(
            f"{where}plaincrm cannot edit this layout ({error.problem}); write that line more simply"
        ) from None
    except YAMLError as error:
        raise EditRefused(f"plaincrm cannot edit this file ({error})") from None


def dump(data: Any) -> str:
    out = io.StringIO()
    try:
        _round_trip().dump(data, out)
    except BaseException:
        _YAML.clear()  # a dump stopped half way (a refused character) leaves ruamel's emitter unusable
        raise
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
        for item in data[name] if is_list and isinstance(data[name], list) else [data[name]]:
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
        from ..access import cannot_read_own
        from ..dataset import load_team
        from ..validation import RecordChecker

        self.project = project
        self.checker = RecordChecker(project)
        members = load_team(project).members
        self.handles = set(members)
        self.unread = cannot_read_own(project.settings.audiences, members)  # an owner must read what they edit
        self.ids = {p.stem: project.relative(p) for p in project.customer_files()}

    def problems(self, path: Path, text: str) -> list[Problem]:
        from ..dataset import cross_check

        file = self.project.relative(path)
        size, limit = len(text.encode("utf-8", "surrogatepass")), self.project.limits.max_file_bytes
        if size > limit:  # what `read_bounded` refuses to read
            return [
                Problem(
                    file,
                    1,
                    1,
                    "",
                    f"the record would be {size:,} bytes; {MAX_SIZE_MESSAGE.format(limit)}",
                    "file.too-large",
                )
            ]
        try:
            check = self.checker.check_raw(parse_text(text, file, self.project.limits), expected_id=path.stem)
        except ProblemError as error:
            return error.problems
        # the records it names stand in for all the others: ids are file names, checked by their own files
        named = {value for _, target, value in check.references if target == "customer"}
        others = [FileCheck(self.ids[i], [], id=i) for i in named if i in self.ids and self.ids[i] != file]
        found = cross_check(self.project, [*others, check], self.handles, self.unread)
        return sorted(check.problems + [p for p in found if p.file == file])


def check_text(project: Project, path: Path, text: str) -> list[Problem]:
    return RecordGate(project).problems(path, text)


def keep_line_endings(before: bytes, text: str) -> str:
    """`text` with the line endings the file had: a file saved on Windows (CRLF) stays CRLF, so a
    one-field edit does not show the whole file as changed."""
    if b"\r\n" not in before:
        return text
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@dataclass
class Edit:
    path: Path
    before: bytes  # the file as read; the edit is refused if it is no longer so
    after: str

    report: tuple[str, ...] = ()  # what the edit did beyond the obvious, for the user (a merge's moved fields)

    def __post_init__(self) -> None:
        object.__setattr__(self, "after", keep_line_endings(self.before, self.after))

    @property
    def changed(self) -> bool:
        return self.before != self.after.encode("utf-8", "surrogatepass")  # a lone surrogate: the check refuses it


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
    """The file of a customer, wherever it sits below the customers folder; an id is never a path."""
    if not re.match(project.settings.id_regex, record_id):
        raise EditRefused(
            f"{record_id!r} is not a customer id (ids look like {project.settings.format_id(date.today(), 1)})"
        )
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
    from ..modelkit import MERGED_FIELD

    path = record_path(project, record_id)
    before, text = _read(project, path)
    data = load(text)
    if hasattr(data, "get") and data.get(MERGED_FIELD):  # its new entries would never be shown
        raise EditRefused(f"{record_id} was merged into {data[MERGED_FIELD]}; write to that one")
    change(data)
    return Edit(path, before, canonical_dump(project, data))


def _read(project: Project, path: Path) -> tuple[bytes, str]:
    """A record's bytes and text, read as `crm validate` reads them (a plain file, within the limit, UTF-8)."""
    from ..loading import read_bounded

    try:
        before = read_bounded(path, project.relative(path), project.limits.max_file_bytes)
        return before, before.decode("utf-8")
    except ProblemError as error:
        raise EditRefused(f"{project.relative(path)} cannot be read", error.problems) from None
    except UnicodeDecodeError:
        raise EditRefused(f"{project.relative(path)} is not UTF-8; run crm validate") from None


def parse_value(model: type[BaseModel] | None, dotted: str, text: str) -> Any:
    """A value from the command line: text for a text field (a phone number stays text), else as
    YAML reads it (4 a number, 2024-05-10 a date, [a, b] a list). Empty: remove the field (so does
    `null` for a field that is not text; in a text field it is the word)."""
    from ruamel.yaml import YAML

    if text == "":
        return None
    if _is_text_field(model, dotted):
        return text
    try:
        return YAML(typ="safe").load(text)
    except Exception as error:
        raise EditRefused(
            f"{dotted}={text}: not a value ({type(error).__name__}); quote text, write lists as [a, b]"
        ) from None


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

    styled: CommentedMap | CommentedSeq
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
    """Add an item at the end of a list (created when missing, as a block list), written as the list's
    first item is (inline or block), or, in a new list, as `short_item` says."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    items = data.get(list_name)
    if items is None or not len(items):
        items = data[list_name] = CommentedSeq()  # `contacts: []` becomes a block list
    first: Any = items[0] if len(items) else None  # a ruamel node: its style is in `fa`
    flow = first.fa.flow_style() if hasattr(first, "fa") else short_item(item)
    styled = CommentedMap((k, inline(v)) for k, v in item.items())
    if flow:
        styled.fa.set_flow_style()
    items.append(styled)


def short_item(item: dict) -> bool:
    """Whether a new list's items are written inline, as the sample records write contacts and key
    dates; an interaction (five fields and more, a next step inside) is written as a block."""
    return len(item) <= 4 and not any(isinstance(v, dict) for v in item.values())


# --- edits as text (many records at once) ------------------------------------------------------


def edit_text(
    text: str,
    model: type[BaseModel] | None,
    *,
    fields: dict[str, Any] | None = None,
    items: dict[str, list[dict]] | None = None,
) -> str:
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
            new = [
                {k: item[k] for k in sorted(item, key=lambda k: order.index(k) if k in order else len(order))}
                for item in new
            ]
        body, _ = parts.setdefault(key, ["", ""])
        if not body or body.split(":", 1)[1].strip() in ("[]", ""):
            # short items inline, as contacts and key dates are; an interaction (5 fields and more) in block style
            flow = all(short_item(item) for item in new)
            body = f"{key}:\n"
        else:
            flow = body.split("\n")[1].lstrip().startswith("- {")  # as the list's first item is written
        parts[key][0] = body + "".join(item_text(item, flow) for item in new)
    out = head + "".join(body + trailer for body, trailer in parts.values())
    return reorder(out, field_order(model)) if model is not None else out


def _block(item: dict) -> Any:
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap((k, inline(v)) for k, v in item.items())


# --- merging duplicates ------------------------------------------------------------------------


def merge_records(project: Project, keep_id: str, other_id: str) -> tuple[Edit, Edit]:
    """KEEP takes what OTHER holds: every list's items it lacks (contacts, interactions, … tags,
    external ids), every field it lacks (city, needs, size.employees …); a field both hold with
    different values stays KEEP's, and OTHER's is written into KEEP's notes as "from OTHER: field:
    value", so nothing is dropped. OTHER keeps only what a record must have, plus `merged_into: KEEP`,
    so links to it still lead somewhere. Neither is saved here; KEEP's edit reports what moved."""
    from ..modelkit import MERGED_FIELD

    if keep_id == other_id:
        raise EditRefused("a record cannot be merged into itself")
    other_path = record_path(project, other_id)
    other_before, other_text = _read(project, other_path)
    other = load(other_text)
    if other.get(MERGED_FIELD):
        raise EditRefused(f"{other_id} was merged into {other[MERGED_FIELD]} already")
    model = customer_model(project, other)
    if model is None or MERGED_FIELD not in model.model_fields:
        raise EditRefused(
            f"the schema has no {MERGED_FIELD!r} field to mark a merged record with (see schema/customer.py)"
        )
    try:
        shown = parse_text(
            other_text, project.relative(other_path), project.limits
        ).data  # values as the loader reads them
    except ProblemError as error:
        raise EditRefused(f"{project.relative(other_path)} is not valid; fix it first", error.problems) from None
    moved: list[str] = []
    differing: list[str] = []

    def take(keep: Any) -> None:
        keep_model = customer_model(project, keep)
        for name, value in other.items():
            if name in ("id", "kind", MERGED_FIELD) or value is None or value == []:
                continue
            if keep_model is None or name not in keep_model.model_fields:
                differing.append(f"{name}: {_shown(shown.get(name))}")
            elif isinstance(value, list):
                have = keep.get(name)
                if have is None:
                    keep[name] = _block_list() if list_item_model(keep_model, name) else inline([])
                    have = keep[name]
                new = [item for item in value if item not in have]
                have.extend(new)
                if new:
                    moved.append(name)
            elif hasattr(value, "items") and hasattr(keep.get(name), "items"):
                for key, item in value.items():
                    _take_field(keep[name], key, item, f"{name}.{key}", shown.get(name, {}).get(key))
            else:
                _take_field(keep, name, value, name, shown.get(name))

    def _take_field(target: Any, key: str, value: Any, label: str, as_read: Any) -> None:
        if target.get(key) is None:
            target[key] = value
            moved.append(label)
        elif target[key] != value:
            differing.append(f"{label}: {_shown(as_read)}")

    def note(keep: Any) -> None:
        take(keep)
        if not differing:
            return
        keep_model = customer_model(project, keep)
        if keep_model is None or _NOTES not in keep_model.model_fields:
            raise EditRefused(
                f"{keep_id} and {other_id} differ in "
                + "; ".join(differing)
                + f", and {keep_id} has no {_NOTES!r} field to keep {other_id}'s values in; settle them first"
            )
        lines = [f"from {other_id}: {line}" for line in differing]
        keep[_NOTES] = "\n".join(([str(keep[_NOTES])] if keep.get(_NOTES) else []) + lines)

    keep_edit = edit_record(project, keep_id, note)
    keep_edit.report = tuple([f"moved from {other_id}: {', '.join(moved)}"] if moved else []) + tuple(
        f"kept in {keep_id}'s notes (they differ): {line}" for line in differing
    )

    def shrink(data: Any) -> None:
        required = [name for name, info in model.model_fields.items() if info.is_required()]
        for key in list(data):
            if key not in required:
                del data[key]
        data[MERGED_FIELD] = keep_id

    other_after = load(other_text)
    shrink(other_after)
    return keep_edit, Edit(other_path, other_before, canonical_dump(project, other_after))


_NOTES = "notes"  # the free-text field a merge keeps the duplicate's differing values in (as import does)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else inline_text(value)


def _block_list() -> Any:
    from ruamel.yaml.comments import CommentedSeq

    return CommentedSeq()
