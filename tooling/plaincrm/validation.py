"""Check one record file against the team's models and the privacy rules.

The result of a file check is self-contained (problems plus the few facts the
cross-record rules need), so files can be checked in parallel processes and the
results cached by content.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .cache import content_digest
from .loading import RawRecord, decode_record, node_path_at, read_bounded, read_record, real_prefix
from .messages import Said, pydantic_said, said
from .modelkit import ISO_DAY, YEARS, OptionRef, Ref, field_label, marker, marker_paths, unwrap, walk_paths
from .privacy import Finding, find_in_record
from .problems import FieldPath, FileCheck, Problem, ProblemError, Reference, format_field_path
from .project import Project


class RecordChecker:
    """Per-file checks for customer records, bound to one project's schema."""

    def __init__(self, project: Project, *, validate: bool = True, mask: bool = False):
        """`validate=False` stops before the models (the caller validates); `mask` masks kept data."""
        self.project = project
        self.adapter = project.customer_adapter
        self.models = project.customer_models
        from .masking import Masker

        self.validate, self.mask = validate, mask
        self.masker = Masker(
            self.models, phone_region=project.settings.phone_region, fields=project.settings.mask_fields
        )
        self.inside = real_prefix(
            project.root
        )  # files reached through a linked folder out of the repository are refused
        self._reference_paths = {
            kind: [(path, ref.target) for path, ref in marker_paths(model, Ref)] for kind, model in self.models.items()
        }
        self._all_reference_paths = sorted({p for paths in self._reference_paths.values() for p in paths})

    def check_file(self, path: Path, *, keep_model: bool = False, keep_data: bool = False) -> FileCheck:
        file = self.project.relative(path)
        try:
            content = read_bounded(path, file, self.project.limits.max_file_bytes, inside=self.inside)
        except ProblemError as error:
            return FileCheck(file, error.problems)
        digest = content_digest(content)
        try:
            raw = decode_record(content, file, self.project.limits)
        except ProblemError as error:
            return FileCheck(file, error.problems, digest=digest)
        check = self.check_raw(raw, expected_id=path.stem, keep_model=keep_model, keep_data=keep_data)
        check.digest = digest
        return check

    def check_raw(
        self, raw: RawRecord, *, expected_id: str | None, keep_model: bool = False, keep_data: bool = False
    ) -> FileCheck:
        data = raw.data
        problems = privacy_problems(raw)
        kind = data.get("kind")
        model = None
        if self.validate:
            try:
                model = self.adapter.validate_python(data)
            except ValidationError as error:
                problems.extend(self._schema_problems(raw, error, kind))
        record_id = data.get("id") if isinstance(data.get("id"), str) else None
        if expected_id is not None and record_id is not None and record_id != expected_id:
            problems.append(
                raw.problem(
                    ("id",), said("record.id-file-name", id=repr(record_id), name=record_id), "record.id-file-name"
                )
            )
        problems.sort()
        valid = not problems
        keys: tuple[str, ...] = ()
        if keep_data and valid:
            keys = self.masker.contact_keys(data)
            if self.mask:
                data = self.masker.mask(data)
        return FileCheck(
            raw.file,
            problems,
            record_id,
            self._references(data, kind),
            model=model if keep_model and valid else None,
            data=data if keep_data and valid else None,
            contact_keys=keys,
        )

    def schema_problems(self, file: str, error: ValidationError, kind: Any) -> list[Problem]:
        """Problems for a validation the caller ran itself; the file is read again for positions."""
        raw = read_record(self.project.root / file, file, self.project.limits, inside=self.inside)
        return self._schema_problems(raw, error, kind)

    # --- references for the cross-record rules --------------------------------------

    def _references(self, data: dict, kind: Any) -> list[Reference]:
        paths = self._reference_paths.get(kind) if isinstance(kind, str) else None
        found: list[Reference] = []
        for path, target in paths if paths is not None else self._all_reference_paths:
            for where, value in walk_paths(data, path):
                if isinstance(value, str):
                    found.append((where, target, value))
        return found

    # --- schema errors in words --------------------------------------------------------

    def _schema_problems(self, raw: RawRecord, error: ValidationError, kind: Any) -> list[Problem]:
        problems = []
        for err in error.errors(include_url=False):
            loc = tuple(err["loc"])
            if loc and loc[0] == kind:  # the discriminated union puts the tag first
                loc = loc[1:]
            kind_model = self.models.get(kind) if isinstance(kind, str) else None
            problems.append(self._schema_problem(raw, err, loc, kind_model))
        return problems

    def _schema_problem(
        self, raw: RawRecord, err: ErrorDetails, loc: FieldPath, model: type[BaseModel] | None
    ) -> Problem:
        """One pydantic error in words (`messages`), naming fields and options by their labels too."""
        kind_of_error, value = err["type"], err.get("input")
        pydantic_message = err["msg"].removeprefix("Value error, ")
        message: Said = pydantic_said(err, pydantic_message)
        at_key = False
        if kind_of_error in ("union_tag_invalid", "union_tag_not_found"):
            loc = ("kind",)
            kinds = ", ".join(repr(k) for k in self.models)
            message = (
                said("schema.kind-found", kinds=kinds, found=repr(value.get("kind")))
                if isinstance(value, dict) and "kind" in value
                else said("schema.kind", kinds=kinds)
            )
        elif kind_of_error == "extra_forbidden":
            at_key = True
            parent = _model_at(model, loc[:-1])
            known = list(parent.model_fields) if parent else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            if close and parent:
                label = _label(parent, close[0])
                message = said("schema.unknown-field-close", name=repr(loc[-1]), close=repr(close[0]), label=label)
            elif known and parent:
                known_zh = "、".join(f"{_label(parent, name)}（{name}）" for name in known)
                message = said(
                    "schema.unknown-field-known", name=repr(loc[-1]), known=", ".join(known), known_zh=known_zh
                )
            else:
                message = said("schema.unknown-field", name=repr(loc[-1]))
        elif kind_of_error == "missing":
            parent = _model_at(model, loc[:-1])
            label = _label(parent, str(loc[-1])) if parent else str(loc[-1])
            return Problem.of(
                raw.file,
                *raw.position(loc[:-1]),
                format_field_path(loc),
                said("schema.missing", name=repr(loc[-1]), field=loc[-1], label=label),
                "schema.missing",
            )
        elif kind_of_error == "literal_error":
            options = _option_list_at(self.project, model, loc)
            if options is not None:
                message = said(
                    "schema.option",
                    value=repr(value),
                    options=options.name,
                    allowed=", ".join(f"{v} ({options.label(v, 'zh')})" for v in options.values),
                    allowed_zh="、".join(f"{options.label(v, 'zh')}（{v}）" for v in options.values),
                    label=_field_label_at(model, loc),
                )
        elif kind_of_error.startswith("date_") and isinstance(value, str) and ISO_DAY.match(value):
            message = said("schema.not-a-day", value=repr(value), error=err.get("ctx", {}).get("error", "no such day"))
        elif (kind_of_error == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == ISO_DAY.pattern) or (
            kind_of_error == "string_type" and _is_date_field(model, loc)
        ):
            message = said("schema.date-form", value=repr(value))
            if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value):
                message = said("schema.date-years", value=repr(value), years=YEARS)
        elif kind_of_error == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
            message = said("schema.number-as-text", msg=pydantic_message, value=repr(value))
        elif kind_of_error == "string_type" and isinstance(value, bool):
            message = said("schema.boolean-as-text", msg=pydantic_message, value=repr(value))
        return raw.problem(loc, message, "schema." + kind_of_error, at_key=at_key)


def privacy_problems(raw: RawRecord) -> list[Problem]:
    """ID and card numbers in the text as written (comments too) and in the values as YAML reads
    them: an escape ("\\x31…"), a line continuation or a folded line hides a number from the text."""
    problems = []
    in_text, in_values = find_in_record(raw.text, raw.data)
    for finding in in_text:
        line = raw.text.count("\n", 0, finding.offset) + 1
        col = finding.offset - (raw.text.rfind("\n", 0, finding.offset) + 1) + 1
        where = node_path_at(raw.root, line, col)
        problems.append(Problem.of(raw.file, line, col, format_field_path(where), _finding_said(finding), finding.code))
    seen = {(p.field, p.code) for p in problems}
    for where, is_key, finding in in_values:
        shown = where[:-1] if is_key else where  # a key's number, like one found in the text, is its mapping's
        if (format_field_path(shown), finding.code) not in seen:
            seen.add((format_field_path(shown), finding.code))
            line, col = raw.position(where, at_key=is_key)
            problems.append(
                Problem.of(raw.file, line, col, format_field_path(shown), _finding_said(finding), finding.code)
            )
    return problems


def _finding_said(finding: Finding) -> Said:
    """A privacy finding's message: its code is the key (privacy.py imports nothing of plaincrm)."""
    return Said(finding.code, finding.args)


def _label(model: type[BaseModel], name: str) -> str:
    """The Chinese label of `model`'s field `name` (the name itself when it has none)."""
    info = model.model_fields.get(name)
    return field_label(info, name, "zh") if info is not None else name


def _field_label_at(model: type[BaseModel] | None, loc: FieldPath) -> str:
    """The Chinese label of the field at `loc` (an item of a list: the list's), for a message naming it."""
    owner, name = _field_at(model, loc)
    return _label(owner, name) if owner is not None else name


def _field_at(model: type[BaseModel] | None, loc: FieldPath) -> tuple[type[BaseModel] | None, str]:
    """The model holding the field at `loc` and the field's name (for a list item, its list)."""
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return None, ""
    return _model_at(model, loc[:-1] if isinstance(loc[-1], str) else loc[:-2]), names[-1]


def _model_at(model: type[BaseModel] | None, loc: FieldPath) -> type[BaseModel] | None:
    """The nested model class reached by following `loc` (list indexes skipped)."""
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        inner = unwrap(info.annotation)[0]
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    return model


def _is_date_field(model: type[BaseModel] | None, loc: FieldPath) -> bool:
    owner = _model_at(model, loc[:-1])
    info = owner.model_fields.get(loc[-1]) if owner and loc and isinstance(loc[-1], str) else None
    return info is not None and unwrap(info.annotation)[0] is date


def _option_list_at(project: Project, model: type[BaseModel] | None, loc: FieldPath):
    owner, name = _field_at(model, loc)
    info = owner.model_fields.get(name) if owner else None
    if info is None:
        return None
    option = marker(info, OptionRef)
    return project.options[option.name] if option else None
