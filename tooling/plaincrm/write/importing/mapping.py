"""Column mappings: which record field each column of a sheet fills, and what its spellings mean.

A mapping is YAML (the shipped ones in `mappings/`, a team's own, or a draft `crm import --plan`
wrote). It is read as strictly as a record (no tags, no alias bombs, no duplicate keys) and every
target is checked against the team's models before a row is read, so a typo cannot drop a column.

Targets:
- `name`, `industry`, … a customer field; `size.employees` a field of a nested model;
- `contact.phone`, `interaction.date`, `order.amount`, … a field of one new item of a list
  (`contact` → `contacts`); `key_date:birthday` a key date of that kind;
- `person`, `company`, `person.given`, `person.family`: who the row is (a person, a company, or
  both: the person becomes its contact); `notes+` adds `header: value` to the notes; `ignore`.

`system` names where the sheet comes from: an id that is not one of ours is kept as `system:id`.
`aliases` say what a spelling means per field: a value (`活跃: active`), or several fields at once
(`潜在客户: {category: potential, cooperation: not_started}`: the guides write a category in the
status column), or `~`: left open, so rows with it are rejected until someone decides.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import BaseModel

from ...loading import parse_text, read_bounded
from ...messages import Said, said
from ...modelkit import OptionRef, list_item_model, marker, unwrap
from ...problems import ProblemError
from ...project import Project
from .sheets import Worded  # made there, where the sheet's own refusals are; rows and values import it from here

CSV_ITEMS = "csv"  # a list cell written by crm export: items joined by ", ", quoted where they need it
SPECIAL_TARGETS = {"person", "company", "person.given", "person.family", "notes+", "ignore"}
DATE_ORDERS = ("ymd", "mdy", "dmy")


class CannotImport(Worded):
    """The import cannot start (no such file, no mapping fits, a mapping names an unknown field)."""


class NoMappingFits(CannotImport):
    """No shipped mapping knows these headers (the plan then starts from a blank one)."""


@functools.lru_cache(maxsize=1 << 16)
def fold(text: Any) -> str:
    """A spelling as mappings compare it: NFKC (full-width to half-width), spacing collapsed, case folded."""
    return header(text).casefold()


def header(value: Any) -> str:
    """A header or spelling as written, width and spacing normalised, control characters removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]", " ", unicodedata.normalize("NFKC", str(value)))
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Mapping:
    name: str
    columns: dict[str, str]  # header -> target
    defaults: dict[str, Any] = field(default_factory=dict)  # target -> value for rows that leave it empty
    aliases: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # field -> folded spelling -> value | {field: value} | None
    dates: str = "ymd"  # how a slashed date with the year last is read: 5/20/2024 (mdy) or 20/5/2024 (dmy)
    reviewed: bool = True  # False in a draft until someone has checked its suggestions
    system: str = ""  # the system the sheet comes from: its ids are kept as `system:id` (HubSpot:1201)
    list_separator: str = (
        ""  # how a cell lists several values; "" for any of 、,，;；|, CSV_ITEMS as crm export writes them
    )
    origin: str = ""
    spellings: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> folded -> spelling as written

    def alias(self, target: str, text: str) -> tuple[bool, Any]:
        """(found, meaning) of a spelling for a target."""
        table = self.aliases.get(target, {})
        key = fold(text)
        return (key in table, table.get(key))


def read_mapping(text: str, origin: str, project: Project) -> Mapping:
    """A mapping file, or CannotImport naming the file, line and key that is wrong."""
    try:
        raw = parse_text(text, origin, project.limits)
    except ProblemError as error:
        first = error.problems[0]
        raise CannotImport(
            said(
                "import.mapping-problem",
                origin=origin,
                line=first.line,
                col=first.col,
                message=first.message,
                message_zh=first.text("zh"),
            )
        ) from None
    except yaml.YAMLError as error:  # a character YAML may not hold (a raw control character)
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        where_zh = f" 第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else ""
        reason = getattr(error, "reason", None)  # the parser's own words, kept as it says them
        unreadable = said("import.mapping-not-yaml-reason")
        raise CannotImport(
            said(
                "import.mapping-not-yaml",
                origin=origin,
                where=where,
                where_zh=where_zh,
                reason=reason or unreadable.text("en"),
                reason_zh=reason or unreadable.text("zh"),
            )
        ) from None
    data = raw.data

    def refuse(path: tuple, message: Said) -> NoReturn:
        english = message.text("en")
        problem = raw.problem(path, english, "mapping")
        raise CannotImport(
            said(
                "import.mapping-problem",
                origin=origin,
                line=problem.line,
                col=problem.col,
                message=english,
                message_zh=message.text("zh"),
            )
        )

    unknown = set(data) - {"name", "based_on", "reviewed", "columns", "defaults", "aliases", "dates", "system"}
    if unknown:
        refuse((sorted(unknown)[0],), said("import.mapping-unknown-key", key=repr(sorted(unknown)[0])))
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        refuse((), said("import.mapping-no-columns"))
    for key, target in columns.items():
        if not isinstance(target, str):
            refuse(("columns", key), said("import.mapping-column-target", column=repr(key)))
    for key in ("defaults", "aliases"):
        if not isinstance(data.get(key) or {}, dict):
            refuse((key,), said("import.mapping-not-a-mapping", key=key))
    aliases, spellings = {}, {}
    for target, table in (data.get("aliases") or {}).items():
        if not isinstance(table, dict):
            refuse(("aliases", target), said("import.mapping-alias-table", target=repr(target)))
        for spelling, meaning in table.items():
            if not (meaning is None or isinstance(meaning, (str, int)) or isinstance(meaning, dict)):
                refuse(("aliases", target, spelling), said("import.mapping-alias-meaning", spelling=repr(spelling)))
        aliases[str(target)] = {fold(s): m for s, m in table.items()}
        spellings[str(target)] = {fold(s): header(s) for s in table}
    dates = data.get("dates", "ymd")
    if dates not in DATE_ORDERS:
        refuse(("dates",), said("import.mapping-dates", orders=", ".join(DATE_ORDERS)))
    reviewed = data.get("reviewed", True)
    if not isinstance(reviewed, bool):
        refuse(("reviewed",), said("import.mapping-reviewed"))
    system = data.get("system") or ""
    if not isinstance(system, str) or not re.fullmatch(r"[\w .-]{0,40}", system):
        refuse(("system",), said("import.mapping-system"))
    return Mapping(
        str(data.get("name") or origin),
        {header(k): v.strip() for k, v in columns.items()},
        dict(data.get("defaults") or {}),
        aliases,
        dates,
        reviewed,
        system,
        "",
        origin,
        spellings,
    )


def shipped_mappings(project: Project) -> dict[str, Mapping]:
    """The mappings in `mappings/`, and plaincrm's own export in each language (made from the models,
    so a round trip never falls behind the schema)."""
    folder = resources.files("plaincrm.write.importing").joinpath("mappings")
    found = {
        entry.name.removesuffix(".yaml"): read_mapping(entry.read_text(encoding="utf-8"), entry.name, project)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }
    for lang in ("en", "zh"):
        found[f"plaincrm_export_{lang}"] = export_mapping(project, lang)
    return found


def export_mapping(project: Project, lang: str) -> Mapping:
    """plaincrm's own `crm export` read back: its columns are made from the models (`records_export`),
    so the mapping is made from the same list and an export imported again changes nothing."""
    from ...records_export import DERIVED, column_headers

    derived = {name for name, _, _ in DERIVED}
    columns = {header(h): ("ignore" if target in derived else target) for h, target in column_headers(project, lang)}
    # lists are written as records_export.list_cell writes them: read back item by item, so a tag
    # with a comma, a quote or 、 in it comes back whole
    return Mapping(f"plaincrm export ({lang})", columns, origin=f"crm export --lang {lang}", list_separator=CSV_ITEMS)


def choose_mapping(project: Project, headers: list[str], given: Path | None) -> Mapping:
    """The mapping asked for, else the shipped one that knows the most of these headers."""
    if given is not None:
        try:  # a plain file of at most the records' size limit (never a FIFO, a device or a link)
            text = read_bounded(given, str(given), project.limits.max_file_bytes)
        except ProblemError as error:
            first = error.problems[0]
            raise CannotImport(
                said("import.mapping-unreadable", path=given, message=first.message, message_zh=first.text("zh"))
            ) from None
        try:
            return read_mapping(text.decode("utf-8-sig"), str(given), project)
        except UnicodeDecodeError:
            raise CannotImport(said("import.mapping-not-utf8", path=given)) from None
    folded = {fold(h) for h in headers if h}
    scored = sorted(
        (
            (sum(fold(h) in folded for h in m.columns), -len(m.columns), key, m)
            for key, m in shipped_mappings(project).items()
        ),
        key=lambda s: s[:3],
        reverse=True,
    )
    if not scored or scored[0][0] < 2:
        raise NoMappingFits(said("import.no-mapping-fits"))
    return scored[0][3]


# --- targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a column goes: `field` (a customer field), `nested` (a field of a nested model),
    `item` (a field of a new list item), `key_date` (a key date of a kind), or `special`."""

    kind: str
    name: str  # the field, the list (contacts…), or the special target
    sub: str = ""  # the nested or item field; the key date's kind


def parse_target(project: Project, text: str) -> Target | None:
    """The target a mapping names, or None when no customer model has it."""
    models = list(project.customer_models.values())
    if text in SPECIAL_TARGETS:
        return Target("special", text)
    if text.startswith("key_date:"):
        kind = text.partition(":")[2]
        inner = [list_item_model(m, "key_dates") for m in models]
        known = {
            v for i in inner if i is not None and "kind" in i.model_fields for v in _option_values(project, i, "kind")
        }
        return Target("key_date", "key_dates", kind) if kind in known else None
    head, _, rest = text.partition(".")
    if rest:
        for model in models:
            item = list_item_model(model, head + "s")
            if item is not None and rest in item.model_fields:
                return Target("item", head + "s", rest)
            nested = nested_model(model, head)
            if nested is not None and rest in nested.model_fields:
                return Target("nested", head, rest)
        return None
    return Target("field", text) if any(text in m.model_fields for m in models) else None


def target_labels(project: Project) -> dict[str, list[str]]:
    """Every target a column can have, with its name and its labels in both languages, folded:
    `needs` with 核心需求; `contact.phone` with 联系电话 and 联系人 联系电话."""
    from ...modelkit import field_label

    labels: dict[str, list[str]] = {}

    def add(target: str, spellings: list[str]) -> None:
        known = labels.setdefault(target, [])
        known += [s for s in dict.fromkeys(fold(s) for s in spellings) if s and s not in known]

    for model in project.customer_models.values():
        for name, info in model.model_fields.items():
            add(name, [name, field_label(info, name, "en"), field_label(info, name, "zh")])
            for sub_model, prefix in (
                (list_item_model(model, name), name.removesuffix("s")),
                (nested_model(model, name), name),
            ):
                for sub, sub_info in sub_model.model_fields.items() if sub_model is not None else ():
                    add(
                        f"{prefix}.{sub}",
                        [
                            f"{prefix} {sub}",
                            field_label(sub_info, sub, "en"),
                            field_label(sub_info, sub, "zh"),
                            *[
                                f"{field_label(info, name, lang)} {field_label(sub_info, sub, lang)}"
                                for lang in ("en", "zh")
                            ],
                        ],
                    )
    return labels


def label_index(project: Project) -> dict[str, set[str]]:
    """Folded label -> the targets it names. A header that names one target and no other is read as
    that target without asking (all 联系电话 can mean is a contact's phone); 日期 names several."""
    index: dict[str, set[str]] = {}
    for target, spellings in target_labels(project).items():
        for spelling in spellings:
            index.setdefault(spelling, set()).add(target)
    return index


def with_labelled_columns(project: Project, mapping: Mapping, headers: list[str]) -> tuple[Mapping, dict[str, str]]:
    """The mapping, plus the headers it does not know that are exactly one target's label; and those."""
    index = label_index(project)
    found = {
        h: next(iter(index[fold(h)]))
        for h in headers
        if h and h not in mapping.columns and len(index.get(fold(h), ())) == 1
    }
    if not found:
        return mapping, {}
    return dataclasses.replace(mapping, columns={**mapping.columns, **found}), found


def check_targets(project: Project, mapping: Mapping) -> dict[str, Target]:
    """Every target of the mapping parsed; CannotImport for the first one no model has."""
    parsed = {}
    for text in [*mapping.columns.values(), *mapping.defaults]:
        target = parse_target(project, text)
        if target is None:
            raise CannotImport(said("import.mapping-unknown-field", mapping=repr(mapping.name), target=repr(text)))
        parsed[text] = target
    return parsed


def nested_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    info = model.model_fields.get(name)
    if info is None:
        return None
    inner, _, is_list = unwrap(info.annotation)
    return inner if not is_list and isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _option_values(project: Project, model: type[BaseModel], name: str) -> list[str]:
    option = marker(model.model_fields[name], OptionRef)
    return list(project.options[option.name].values) if option is not None and option.name in project.options else []
