"""The building blocks a team writes its `schema/` with.

The engine never names a field of the team's models. It learns what it needs from
markers on the types: `Ref` for fields that must name a team member or a customer,
option lists (value -> English and Chinese label) for closed vocabularies, and
`labelled()` fields for the bilingual field labels the site and the CLI show.
"""

from __future__ import annotations

import re
import string
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.config import JsonValue
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from . import layout
from .layout import SchemaConfigError

LANGUAGES = ("en", "zh")


class Record(BaseModel):
    """Base of every model stored in a file: unknown fields are errors, no silent coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="after")
    def _share_fields_set(self) -> Record:
        """pydantic gives every instance its own set of the fields a file gave; a record's dozens of models
        repeat a few such sets, and one shared set each cut a loaded record from 28 KB to 16 KB (the sets
        were 12 KB of it: 1.2 GB at 100,000 customers). Safe to share: pydantic copies the set before
        changing it (`model_copy`), and nothing assigns to a loaded model."""
        fields = self.__pydantic_fields_set__
        shared = _FIELDS_SETS.get(key := frozenset(fields))
        if shared is None:
            if len(_FIELDS_SETS) < _MAX_FIELDS_SETS:
                _FIELDS_SETS[key] = fields
        else:
            object.__setattr__(self, "__pydantic_fields_set__", shared)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        """pydantic adds an assigned field to the fields set in place: first a set of this model's own."""
        object.__setattr__(self, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        super().__setattr__(name, value)


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}  # the field sets models share (see `_share_fields_set`)
_MAX_FIELDS_SETS = 4096  # a bound whatever the records hold: past it, new combinations keep their own set


@dataclass(frozen=True)
class Ref:
    """Marks a text field that must name an existing `member` or `customer`."""

    target: Literal["member", "customer"]


@dataclass(frozen=True)
class OptionRef:
    """Marks a field whose values come from the named option list."""

    name: str


MERGED_FIELD = "merged_into"  # a record merged into another (crm merge) names it here; views leave it out


@dataclass(frozen=True)
class Masked:
    """Marks contact details that readers see masked: `phone` or `email` in the models; `text` for
    the fields a team lists in settings.mask_fields."""

    how: Literal["phone", "email", "text"]


def labelled(en: str, zh: str, default: Any = PydanticUndefined, **kwargs: Any) -> Any:
    """A field with an English title and a Chinese label (both shown to readers)."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra["x-label-zh"] = zh
    return Field(default, title=en, json_schema_extra=extra, **kwargs)


def field_label(info: FieldInfo, name: str, lang: str) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if lang == "zh" and extra.get("x-label-zh"):
        return str(extra["x-label-zh"])
    return info.title or name.replace("_", " ").capitalize()


# --- option lists ------------------------------------------------------------------

_VALUE = re.compile(r"^[a-z][a-z0-9_]*$")


class OptionList:
    """A closed vocabulary: stable machine values in files, a label per language for people."""

    def __init__(self, name: str, labels: dict[str, dict[str, str]]):
        self.name = name
        self.labels = labels

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, value: str, lang: str = "en") -> str:
        entry = self.labels.get(value)
        return entry.get(lang) or entry["en"] if entry else str(value)

    @cached_property
    def type(self) -> Any:
        """The pydantic type of a field drawing from this list."""
        descriptions: list[JsonValue] = [f"{self.labels[v]['en']} · {self.labels[v]['zh']}" for v in self.values]
        return Annotated[
            Literal[self.values],
            OptionRef(self.name),
            Field(json_schema_extra={"enumDescriptions": descriptions, "x-option-list": self.name}),
        ]


class Options(Mapping[str, OptionList]):
    """All option lists of a schema, read from its options.yaml."""

    def __init__(self, lists: dict[str, OptionList]):
        self._lists = lists

    def __getitem__(self, name: str) -> OptionList:
        return self._lists[name]

    def __iter__(self):
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    @classmethod
    def from_yaml(cls, path: Path) -> Options:
        raw = yaml.safe_load(layout.read_schema_text(path)) or {}
        lists = {}
        for name, entries in raw.items():
            if not isinstance(entries, dict) or not entries:
                raise SchemaConfigError(f"{path}: option list {name!r} must map values to labels")
            labels = {}
            for value, entry in entries.items():
                if not isinstance(value, str) or not _VALUE.match(value):
                    raise SchemaConfigError(f"{path}: {name}.{value}: values are lower_snake_case words")
                if (
                    not isinstance(entry, dict)
                    or set(entry) != set(LANGUAGES)
                    or any(not isinstance(entry[lang], str) for lang in LANGUAGES)
                ):
                    raise SchemaConfigError(f"{path}: {name}.{value}: needs an 'en' and a 'zh' label")
                labels[value] = {lang: entry[lang] for lang in LANGUAGES}
            lists[name] = OptionList(name, labels)
        return cls(lists)


# --- settings ----------------------------------------------------------------------

_STRFTIME_DIGITS = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{2}", "%d": r"\d{2}", "%j": r"\d{3}"}


class TierRules(BaseModel):
    """The maintenance tiers of field guide B, as thresholds a team can tune.

    A customer is *risk warning* on any risk signal, else *key* when valuable and engaged,
    else *growth potential* on a signal of further business, else *standard*.
    Customers that are lost or whose cooperation ended are not tiered.
    """

    model_config = ConfigDict(extra="forbid")

    risk_days_without_contact: int = Field(default=60, description="active customers not contacted for this long")
    risk_max_satisfaction: int = Field(default=2, description="latest satisfaction at or below this")
    risk_open_complaint: bool = Field(default=True, description="an open complaint case")
    risk_falling_orders: float = Field(
        default=0.5, description="last 12 months' orders below this share of the 12 before"
    )
    key_min_order_total: float = Field(default=500_000, description="order total (default currency) at or above this…")
    key_top_share: float = Field(default=0.2, description="…or among the top share of customers by order total")
    key_max_days_without_contact: int = Field(default=45, description="and contacted within this many days")
    key_min_satisfaction: int = Field(default=4, description="and latest satisfaction (if any) at least this")
    growth_categories: list[str] = Field(default=["new", "potential"], description="categories that signal growth…")
    growth_max_days_without_contact: int = Field(default=90, description="…when contacted within this many days")
    growth_tags: list[str] = Field(default=["高意向", "增购意向", "续约意向"], description="tags that signal growth")
    cadence_days: dict[str, int] = Field(
        default={"risk_warning": 7, "key": 30, "growth_potential": 90, "standard": 60},
        description="follow-up cadence per tier: weekly, monthly, quarterly (field guide B); a tier not named keeps its default",
    )

    @field_validator("cadence_days", mode="after")
    @classmethod
    def _other_tiers_keep_their_cadence(cls, given: dict[str, int]) -> dict[str, int]:
        """`cadence_days: {key: 14}` changes the key tier's cadence only (it used to drop the others',
        turning their freshness grey)."""
        return {**cls.model_fields["cadence_days"].default, **given}


class AudienceRule(BaseModel):
    """What a member of one role reads on the site (field guides 002 and 004: a salesperson sees the
    customers they are responsible for, a manager all of them). One site is built per member."""

    model_config = ConfigDict(extra="forbid")

    customers: Literal["all", "own", "own+team"] = Field(
        default="own", description="all customers, the member's own, or those of their sub-team (team.yaml group)"
    )
    reports: Literal["full", "aggregates", "none"] = Field(
        default="aggregates",
        description="full: the reports over the customers they see, with names; aggregates: the whole team's "
        "counts and shares, without a customer named; none: no reports",
    )
    hidden_fields: list[str] = Field(
        default=[],
        description="fields not shown at all, as dotted paths (contacts.email); every other contact detail is "
        "shown masked, as on every site",
    )


DEFAULT_AUDIENCES = {
    "sales": AudienceRule(customers="own", reports="aggregates"),
    "service": AudienceRule(customers="all", reports="full"),
    "manager": AudienceRule(customers="all", reports="full"),
    "admin": AudienceRule(customers="all", reports="full"),
}


class Settings(BaseModel):
    """Project settings kept beside the models (schema/settings.yaml)."""

    model_config = ConfigDict(extra="forbid")

    id_template: str = Field(
        default="C{date:%Y%m%d}{seq:03d}",
        description="Customer ids: literal text, {date:<strftime>} and {seq:0Nd}, e.g. C20240501001",
    )
    customers_dir: str = layout.DEFAULT_CUSTOMERS_DIR
    team_file: str = layout.DEFAULT_TEAM_FILE
    max_file_bytes: int = layout.DEFAULT_MAX_FILE_BYTES
    max_alias_nodes: int = layout.DEFAULT_MAX_ALIAS_NODES
    default_currency: str = "CNY"
    phone_region: str = Field(
        default="CN",
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166 alpha-2 country whose phone numbers are written without a country code (matching)",
    )
    exchange_rates: dict[str, float] = Field(
        default={}, description="value of one unit of another currency in the default currency, for totals"
    )
    mask_fields: list[str] = Field(
        default=[],
        description="further fields readers see masked (first character, then ***), as dotted paths: contacts.im",
    )
    alarm_minutes_before: int = Field(
        default=900,
        ge=-1439,
        le=40320,
        description="when the calendar feeds' alarms go off, in minutes before the start (00:00) of a reminder's "
        "all-day event: 900 = 09:00 the day before, 0 = midnight, -540 = 09:00 on the day (at most 28 days before)",
    )
    tiers: TierRules = TierRules()
    warnings: dict[str, Literal["warning", "error", "off"]] = Field(
        default={},
        description="the field guides' consistency rules (plaincrm.consistency, by name: category_cooperation, "
        "placeholder_contact_name, unreachable_unverified, idle_potential, late_interaction) and how each is "
        "reported: warning (the default: shown, never failing a check), error (fails crm validate) or off",
    )
    audiences: dict[str, AudienceRule] = Field(
        default=DEFAULT_AUDIENCES,
        description="per role (schema/options.yaml `role`), what its members read on their own site "
        "(crm pages --audience, make sites); a role named replaces its default, one with no rule here or "
        "in the defaults reads nothing",
    )

    @field_validator("audiences", mode="after")
    @classmethod
    def _other_roles_keep_their_rule(cls, given: dict[str, AudienceRule]) -> dict[str, AudienceRule]:
        return {**DEFAULT_AUDIENCES, **given}

    @field_validator("warnings", mode="before")
    @classmethod
    def _off_unquoted(cls, given: Any) -> Any:
        """`RULE: off` as written: YAML 1.1 reads an unquoted off as false."""
        if isinstance(given, dict):
            return {name: "off" if level is False else level for name, level in given.items()}
        return given

    @classmethod
    def from_yaml(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        from pydantic import ValidationError

        try:
            return cls.model_validate(yaml.safe_load(layout.read_schema_text(path)) or {})
        except ValidationError as error:  # said like a record's problem: where, then what
            first = error.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
            raise SchemaConfigError(f"{path}: {where}: {first['msg']}{more}") from None
        except yaml.YAMLError as error:
            raise SchemaConfigError(f"{path}: not readable YAML: {error}") from None

    def _template_parts(self) -> list[tuple[str, str | None, str]]:
        parts = []
        for literal, name, spec, _ in string.Formatter().parse(self.id_template):
            if name not in (None, "date", "seq"):
                raise SchemaConfigError(f"id_template: unknown placeholder {{{name}}}; use {{date:…}} and {{seq:…}}")
            parts.append((literal, name, spec or ""))
        if [name for _, name, _ in parts].count("seq") != 1:
            raise SchemaConfigError("id_template needs exactly one {seq:0Nd}, so that every day has room for many ids")
        return parts

    @cached_property
    def id_regex(self) -> str:
        """The id template as an anchored regular expression (for pydantic and JSON Schema)."""
        out = ""
        for literal, name, spec in self._template_parts():
            out += re.escape(literal)
            if name == "date":
                out += "".join(_STRFTIME_DIGITS.get(tok, re.escape(tok)) for tok in re.findall(r"%.|[^%]+", spec))
            elif name == "seq":
                width = int(spec.rstrip("d").lstrip("0") or 1)
                out += rf"\d{{{width},}}"
        return f"^{out}$"

    def format_id(self, day: date, seq: int) -> str:
        return self.id_template.format(date=day, seq=seq)


# --- value types -------------------------------------------------------------------

# A date plaincrm works with: YYYY-MM-DD in the years 1900-2199. A key date in year 9999 or 0001
# would overflow the calendar's "30 days ahead" and yearly events, and is never what was meant.
ISO_DAY = re.compile(r"^(?:19|20|21)\d{2}-\d{2}-\d{2}$")
YEARS = "1900-2199"


def _parse_money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"amounts are plain numbers such as 12000 or 980.50, found {value!r}")
    return value if isinstance(value, Decimal) else Decimal(str(value))


class _IsoDay:
    """A date written YYYY-MM-DD: text matching the pattern, then parsed, both inside pydantic-core.

    A Python validator here would cost a second per 10,000 records. validation.py words
    the errors ("dates are written YYYY-MM-DD", "not a real date").
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from pydantic_core import core_schema

        return core_schema.chain_schema(
            [core_schema.str_schema(pattern=ISO_DAY.pattern, strict=True), core_schema.date_schema(strict=False)]
        )


# Anything but @, spaces and invisible characters around one @ and a dot. Written without \s,
# whose meaning differs between Python's re and pydantic's regex engine (Python counts
# \x1c-\x1f as white space, Rust does not), so masking (masking.mask_email) and validation agree
# on every value.
_NOT_IN_ADDRESS = "@\\x00-\\x20\\x7f-\\xa0\\u1680\\u180e\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u206f\\u3000\\ufeff"
EMAIL_PATTERN = rf"^[^{_NOT_IN_ADDRESS}]+@[^{_NOT_IN_ADDRESS}]+\.[^{_NOT_IN_ADDRESS}]+$"  # the models' Email type

Day = Annotated[date, _IsoDay, WithJsonSchema({"type": "string", "format": "date"})]
# A bound well above any order a small team signs, so that a slip (1e400 is a finite Decimal) is
# refused at the record instead of swamping every total and report.
MONEY_MAX = 10**15
Money = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    Field(ge=0, le=MONEY_MAX),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": MONEY_MAX}),
]
Text = Annotated[str, StringConstraints(min_length=1)]
Handle = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$"), Ref("member")]
Satisfaction = Annotated[int, Field(ge=1, le=5)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9*][0-9* ()-]{4,24}$"), Masked("phone")]
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN), Masked("email")]


def customer_id_type(settings: Settings) -> Any:
    return Annotated[str, StringConstraints(pattern=settings.id_regex)]


def customer_ref_type(settings: Settings) -> Any:
    return Annotated[str, StringConstraints(pattern=settings.id_regex), Ref("customer")]


# --- introspection used by the engine ----------------------------------------------


def unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """Strip Optional/Annotated/list: (inner type, metadata found, crossed a list)."""
    metadata: list[Any] = []
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            metadata.extend(annotation.__metadata__)
            annotation = annotation.__origin__
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata, is_list
            annotation = args[0]
        elif origin in (list, tuple, set, frozenset):
            is_list = True
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation, metadata, is_list


def model_variants(customer_type: Any) -> dict[str, type[BaseModel]]:
    """The models of a (discriminated) customer union keyed by their `kind` value."""
    inner, _, _ = unwrap(customer_type)
    members = typing.get_args(inner) if typing.get_origin(inner) in (typing.Union, types.UnionType) else (inner,)
    variants = {}
    for model in members:
        model, _, _ = unwrap(model)
        kind = model.model_fields.get("kind")
        values = typing.get_args(unwrap(kind.annotation)[0]) if kind else ()
        for value in values or ("",):
            variants[value] = model
    return variants


RefPath = tuple[str, ...]  # field names, "*" for "every item of a list"


def marker_paths(model: type[BaseModel], kind: type, prefix: RefPath = ()) -> list[tuple[RefPath, Any]]:
    """Where in a model the fields marked with a `kind` marker are (and the marker), computed once."""
    found: list[tuple[RefPath, Any]] = []
    for name, info in model.model_fields.items():
        inner, metadata, is_list = unwrap(info.annotation)
        metadata += info.metadata
        path = prefix + (name,) + (("*",) if is_list else ())
        markers = [m for m in metadata if isinstance(m, kind)]
        if markers:
            found.append((path, markers[0]))
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            found.extend(marker_paths(inner, kind, path))
    return found


def walk_paths(data: Any, path: RefPath, where: tuple = ()):
    """(concrete path, value) for every value of plain `data` at a marker path ("*": each list item)."""
    if not path:
        yield where, data
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield from walk_paths(item, rest, where + (index,))
    elif isinstance(data, dict) and head in data:
        yield from walk_paths(data[head], rest, where + (head,))


def resolve_field_paths(
    models: dict[str, type[BaseModel]], dotted: Iterable[str], setting: str
) -> dict[str, list[RefPath]]:
    """Per kind of customer, the marker-style paths ("*" for each list item) of dotted field
    names such as `contacts.im`; a name no model has is a schema error, never silently ignored."""
    found: dict[str, list[RefPath]] = {kind: [] for kind in models}
    for name in dotted:
        hits = 0
        for kind, model in models.items():
            path = _field_path(model, name.split("."))
            if path is not None:
                found[kind].append(path)
                hits += 1
        if not hits:
            raise SchemaConfigError(
                f"settings.yaml: {setting}: {name!r} is not a field of the models (write it as contacts.im)"
            )
    return found


def _field_path(model: type[BaseModel], names: list[str]) -> RefPath | None:
    path: RefPath = ()
    for name in names:
        info = model.model_fields.get(name) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if info is None:
            return None
        model, _, is_list = unwrap(info.annotation)
        path += (name,) + (("*",) if is_list else ())
    return path


def field_markers(info: FieldInfo) -> list[Any]:
    """Every marker on a field's type (Ref, OptionRef, Masked, constraints)."""
    return unwrap(info.annotation)[1] + list(info.metadata)


def list_item_model(model: type[BaseModel] | None, name: str) -> type[BaseModel] | None:
    """The model of one item of a list field (Order for `orders`); None when `name` is no such list."""
    info = model.model_fields.get(name) if model is not None else None
    if info is None:
        return None
    inner, _, is_list = unwrap(info.annotation)
    return inner if is_list and isinstance(inner, type) and issubclass(inner, BaseModel) else None


def marker(info: FieldInfo, kind: type) -> Any:
    return next((m for m in field_markers(info) if isinstance(m, kind)), None)
