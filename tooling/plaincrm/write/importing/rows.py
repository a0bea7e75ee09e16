"""One row of a sheet as a customer: its fields, the items it adds (a contact, a follow-up, an
order, key dates), the notes it adds, and the keys that find it in the repository."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...matching import contact_key, name_key
from ...messages import said
from ...modelkit import list_item_model
from ...project import Project
from .mapping import Mapping, Target, fold, nested_model, parse_target
from .values import RowError, Unknown, Values, tidy

DEFAULT = "(default)"  # the column name a mapping's default stands in


class UnknownValues(RowError):
    """Every spelling in a row the mapping does not decide (the plan lists them all)."""

    def __init__(self, unknown: list[Unknown]):
        self.unknown = unknown
        super().__init__("; ".join(str(u) for u in unknown))

    def text(self, lang: str = "en") -> str:
        return ("；" if lang == "zh" else "; ").join(u.text(lang) for u in self.unknown)


@dataclass
class Incoming:
    row: int
    cells: dict[str, Any]  # header -> cell as read (for the reject file)
    fields: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(
        default_factory=dict
    )  # the mapping's, for fields the row leaves empty: new records only
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # list field -> items this row adds
    notes: list[str] = field(default_factory=list)
    masked: int = 0  # phone numbers and e-mail addresses masked in the notes
    owner_fallback: str = ""  # the owner text no member matched, when --owner stood in

    @property
    def keys(self) -> list[tuple[str, str]]:
        """(rule, key) in matching order: id, external id, phone, e-mail, company name."""
        found = []
        if self.fields.get("id"):
            found.append(("id", f"id:{self.fields['id']}"))
        found += [("external id", external_key(e)) for e in self.fields.get("external_ids", [])]
        for contact in self.items.get("contacts", []):
            for rule, how in (("phone", "phone"), ("e-mail", "email")):
                key = contact_key(how, contact.get(how), self.region)
                if key:
                    found.append((rule, key))
        if self.fields.get("kind") == "company" and self.fields.get("name"):
            key = name_key(self.fields["name"])
            if key:
                found.append(("name", key))
        return found

    region: str = "CN"


def external_key(value: str) -> str:
    return "ext:" + fold(value)


class RowReader:
    """Reads rows with one mapping; remembers the columns it did not know."""

    def __init__(
        self,
        project: Project,
        mapping: Mapping,
        targets: dict[str, Target],
        values: Values,
        headers: list[str],
        owner: str | None,
    ):
        self.project, self.mapping, self.values = project, mapping, values
        self.targets: dict[str, Target | None] = dict(targets)  # and those parsed on the way (None: no field)
        self.headers, self.owner = headers, owner
        self.id_pattern = re.compile(project.settings.id_regex)
        self.unknown_columns: dict[str, int] = {}  # header -> rows with a value in it
        self.labelled: dict[str, str] = {}  # headers the mapping did not name, read as the field they label
        self._item_models: dict[tuple, Any] = {}
        self._fields: dict[Any, dict] = {}
        self.kind_aliases = {  # target -> folded spelling -> the kind its alias names
            target: {s: m["kind"] for s, m in table.items() if isinstance(m, dict) and "kind" in m}
            for target, table in mapping.aliases.items()
        }
        self.kind_aliases = {t: s for t, s in self.kind_aliases.items() if s}

    def read(self, number: int, cells: list[Any]) -> Incoming:
        incoming = Incoming(number, dict(zip(self.headers, cells)), region=self.values.region)
        given = [(h, c) for h, c in zip(self.headers, cells) if h and c is not None and c != "" and tidy(c)]
        assigned: dict[str, list[tuple[str, Any]]] = {}
        for header, cell in given:
            target_text = self.mapping.columns.get(header)
            if target_text is None or target_text == "notes+":
                if target_text is None:
                    self.unknown_columns[header] = self.unknown_columns.get(header, 0) + 1
                self.note(incoming, header, cell)
            elif target_text != "ignore":
                assigned.setdefault(target_text, []).append((header, cell))
        defaulted = set()
        for target_text, default in self.mapping.defaults.items():
            if target_text not in assigned:
                assigned[target_text] = [(DEFAULT, default)]
                defaulted.add(target_text)
        self._who(assigned)
        unknown: list[Unknown] = []
        kind = self._kind(assigned)
        model = self.project.customer_models.get(kind)
        if model is None:
            raise RowError(said("import.no-model", kind=repr(kind)))
        direct: dict[str, str] = {}  # field -> 'column', or the header whose alias set it
        for target_text, found in assigned.items():
            header, cell = found[0]
            target = self._target(target_text)
            for other, extra in found[1:]:  # two columns for one field: the first wins, the other is kept
                if tidy(extra) == tidy(cell):
                    continue
                if target is not None and target.name == "contacts" and target.sub in ("phone", "email"):
                    # a second number is a second entry for the contact: never masked away in the notes
                    extra_model = self.item_model(model, "contacts")
                    incoming.items.setdefault("contacts", [{}]).append(
                        {target.sub: self.values.typed(extra_model, target.sub, extra, other)}
                    )
                else:
                    self.note(incoming, other, extra)
            if target is None or target.kind == "special":
                continue
            try:
                self._assign(incoming, model, target_text, target, header, cell, target_text in defaulted, direct)
            except Unknown as error:
                unknown.append(error)
        if unknown:
            raise UnknownValues(unknown)
        incoming.fields["kind"] = kind
        self._finish(incoming, model)
        return incoming

    def fields_of(self, model) -> dict:
        if model not in self._fields:  # pydantic's model_fields is a property: read it once
            self._fields[model] = dict(model.model_fields)
        return self._fields[model]

    def required_of(self, model) -> list[str]:
        return [n for n, info in self.fields_of(model).items() if info.is_required()] if model is not None else []

    def item_model(self, model, section: str):
        key = (model, section)
        if key not in self._item_models:
            self._item_models[key] = list_item_model(model, section)
        return self._item_models[key]

    def _target(self, text: str) -> Target | None:
        if text not in self.targets:  # name, kind, contact.name: filled from person / company
            self.targets[text] = parse_target(self.project, text)
        return self.targets[text]

    def _kind(self, assigned: dict[str, list[tuple[str, Any]]]) -> str:
        """The row's kind of customer: its kind column, else an alias that names one (the guides'
        客户类型 column mixes 企业客户 with 潜在客户), else a company."""
        given = assigned.get("kind", [])
        found = [("kind", *given[0])] if given and given[0][0] != DEFAULT else []
        for target, spellings in self.kind_aliases.items():
            cells = assigned.get(target)
            if not cells:
                continue
            kind = spellings.get(fold(tidy(cells[0][1])))
            if kind is not None:
                found.append(("kind", cells[0][0], kind))
        found += [("kind", *given[0])] if given and given[0][0] == DEFAULT else []
        for target, column, cell in found:
            try:
                kind = self.values.option(column, target, "customer_kind", cell)
            except Unknown as error:
                raise UnknownValues([error]) from None
            kind = kind.get("kind") if isinstance(kind, dict) else kind
            if kind:
                return kind
        return "company"

    def note(self, incoming: Incoming, header: str, cell: Any) -> None:
        text, masked = self.values.note(header, cell)
        incoming.notes.append(text)
        incoming.masked += masked

    def _who(self, assigned: dict[str, list[tuple[str, Any]]]) -> None:
        """person / company / person.given + person.family as name, kind and contact."""

        def text(target):
            return tidy(assigned[target][0][1]) if target in assigned else ""

        given, family = text("person.given"), text("person.family")
        joined = (family + given if is_cjk(family + given) else f"{given} {family}").strip()
        person, company = text("person") or joined, text("company")
        if company:
            assigned["name"], assigned["kind"] = [(assigned["company"][0][0], company)], [("", "company")]
            if person:
                assigned.setdefault("contact.name", [("", person)])
        elif person:
            assigned.setdefault("name", [("", person)])
            assigned["kind"] = [("", "individual")]

    def _assign(
        self, incoming, model, target_text, target: Target, header, cell, defaulted: bool, direct: dict
    ) -> None:
        if target.kind == "key_date":
            day = self.values.day(cell, header)
            incoming.items.setdefault("key_dates", []).append({"kind": target.sub, "date": day})
            return
        if target.kind == "item":
            item_model = self.item_model(model, target.name)
            if item_model is None or target.sub not in self.fields_of(item_model):
                return None if defaulted else self.note(incoming, header, cell)  # a field this kind has not: kept
            items = incoming.items.setdefault(target.name, [{}])
            if defaulted:
                items[0].setdefault(("default", target.sub), self.values.typed(item_model, target.sub, cell, header))
            else:
                items[0][target.sub] = self.values.typed(item_model, target.sub, cell, header)
            return
        if target.kind == "nested":
            nested = nested_model(model, target.name)
            if nested is None:  # an individual's company size: kept in the notes
                return None if defaulted else self.note(incoming, header, cell)
            value = self.values.typed(nested, target.sub, cell, header)
            holder = incoming.defaults if defaulted else incoming.fields
            holder.setdefault(target.name, {})[target.sub] = value
            return
        if target.name not in self.fields_of(model):  # a company's occupation: kept in the notes
            return None if defaulted else self.note(incoming, header, cell)
        if target.name == "id":
            text = tidy(cell)
            if self.id_pattern.match(text):
                incoming.fields["id"] = text
            else:  # a legacy id (C001) or another system's: kept and matched, never silently replaced
                system = self.mapping.system
                incoming.fields.setdefault("external_ids", []).append(f"{system}:{text}" if system else text)
            return
        value = self.values.typed(model, target.name, cell, header)
        if isinstance(value, dict):  # an alias naming several fields
            for name, meaning in value.items():
                self._set(incoming, model, name, meaning, header, defaulted, direct, from_alias=True)
        else:
            self._set(incoming, model, target.name, value, header, defaulted, direct)

    def _set(
        self,
        incoming: Incoming,
        model,
        name: str,
        value: Any,
        header: str,
        defaulted: bool,
        direct: dict,
        from_alias: bool = False,
    ) -> None:
        """One field's value; a value from an alias yields to a column that names the field itself."""
        if from_alias:
            if name not in self.fields_of(model):
                raise RowError(said("import.alias-not-field", column=header, name=repr(name)))
            if isinstance(value, list):  # {tags: [跟进中, 高意向]}: each item as the field reads one
                value = [v for item in value for v in self.values.typed(model, name, str(item), header)]
            else:
                value = self.values.typed(model, name, value, header)
            if isinstance(value, dict):
                raise RowError(said("import.alias-of-alias", column=header, name=repr(name)))
        if defaulted and name in incoming.fields:
            return  # a default only fills what the row leaves empty (an alias of another column counts)
        holder = incoming.defaults if defaulted and name != "kind" else incoming.fields
        if isinstance(value, list):
            holder[name] = [*holder.get(name, []), *[v for v in value if v not in holder.get(name, [])]]
            return
        earlier = direct.get(name)
        if earlier is not None and holder.get(name) != value:
            if from_alias:  # the first say wins (a column naming the field, or an earlier alias); this is kept
                incoming.notes.append(f"{header}: {name} {value}")
                return
            if earlier != "column":  # this column names the field: it wins over the alias, which is kept
                incoming.notes.append(f"{earlier}: {name} {holder[name]}")
        holder[name] = value
        if not defaulted:
            direct[name] = header if from_alias else "column"

    def _finish(self, incoming: Incoming, model) -> None:
        fields = incoming.fields
        if not fields.get("owner") and self.owner is not None:
            fields["owner"] = self.owner
        later = set()  # filled from the record a row updates (a new customer needs a name and an owner)
        if not fields.get("name"):
            later.add("name")
        if not fields.get("owner"):
            later.add("by")
        for section, items in list(incoming.items.items()):
            if section == "key_dates":
                continue
            item_model = self.item_model(model, section)
            kept: list[dict[str, Any]] = []
            for item in items:
                given = {k: v for k, v in item.items() if not isinstance(k, tuple)}
                if not given:  # only the mapping's defaults: the row has no such item
                    continue
                for key in [k for k in item if isinstance(k, tuple)]:
                    given.setdefault(key[1], item[key])
                if section == "contacts" and (kept or fields.get("name")):  # a second number is the first
                    given.setdefault(
                        "name", kept[0]["name"] if kept else fields["name"]
                    )  # contact's; a lone one the customer's own
                if item_model is not None and "by" in self.fields_of(item_model) and fields.get("owner"):
                    given.setdefault("by", [fields["owner"]])
                missing = [n for n in self.required_of(item_model) if n not in given and n not in later]
                if missing:
                    raise RowError(
                        said(
                            "import.item-incomplete",
                            section=section,
                            given=", ".join(sorted(given)),
                            missing=", ".join(missing),
                        )
                    )
                kept.append(given)
            if kept:
                incoming.items[section] = kept
            else:
                del incoming.items[section]


def owner_fallback(reader: RowReader, error: UnknownValues, number: int, cells: list[Any]) -> Incoming | None:
    """With --owner, a row whose only unknown is its owner is read again with --owner standing in,
    and the text kept in the notes."""
    if reader.owner is None or any(u.target != "owner" for u in error.unknown):
        return None
    texts = {u.column: u.value for u in error.unknown}
    originals = {h: c for h, c in zip(reader.headers, cells) if h in texts}
    headers = [h if h not in texts else "" for h in reader.headers]
    saved, counted = reader.headers, dict(reader.unknown_columns)  # the row's columns are counted already
    reader.headers = headers
    try:
        incoming = reader.read(number, cells)
    finally:
        reader.headers, reader.unknown_columns = saved, counted
    incoming.cells = dict(zip(saved, cells))
    for column, cell in originals.items():  # kept as any note is: masked, or the row refused
        reader.note(incoming, column, cell)
    incoming.owner_fallback = ", ".join(texts.values())
    return incoming


def is_cjk(text: str) -> bool:
    """Whether the text holds Chinese characters (a name written family name first; a sheet in Chinese)."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
