"""One reader's share of the derived views: what a site built for one audience is made from.

The filtering happens here, on the views, before any page is made, so no template can show what
a reader may not see (`access` says who reads which customer). What the reader does not see is
not in the restricted views at all: the customers, their files, history, reminders and reports.
Where a visible record names a customer outside (a referral, a head office, a note saying who
introduced it), the name or id becomes "another team's customer". Tiers stay as the whole team's
figures made them: a customer is key for the team, whoever reads.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from .access import ALL, owners_read_by, rule_of, sees
from .dataset import Dataset
from .history.audit import Entry, History
from .modelkit import AudienceRule
from .reports import CUSTOMER, CUSTOMERS, NAME, Report, all_reports
from .views import CustomerView, Views

RELATION_FIELDS = ("referred_by", "parent")  # fields naming another customer by id
KEPT_TEXT = frozenset({"id", "name", "owner", "kind"})  # a record's own identity: never redacted
NAMING = frozenset({CUSTOMER, CUSTOMERS, NAME})  # report columns that name customers
MAX_TRIE_DEPTH = 200  # characters; Python's recursion and regex nesting stay far from their limits


class UnknownAudience(ValueError):
    """No such member, or their role reads nothing."""


@dataclass(frozen=True)
class Audience:
    name: str  # a member's handle, or ALL
    rule: AudienceRule
    owners: frozenset[str] | None  # whose customers it reads; None: every customer's


def audience_of(settings_audiences: Mapping[str, AudienceRule], team: Mapping[str, Any], name: str) -> Audience:
    rule = rule_of(settings_audiences, team, name)
    if rule is None:
        if name not in team:
            raise UnknownAudience(f"{name!r} is neither a member of the team nor {ALL!r}")
        raise UnknownAudience(f"{name!r} reads nothing: their role has no audience in schema/settings.yaml")
    return Audience(name, rule, owners_read_by(rule, team, name))


def every_audience(settings_audiences: Mapping[str, AudienceRule], team: Mapping[str, Any]) -> list[Audience]:
    """ALL first, then every member whose role reads something, in team order."""
    names = [ALL, *(h for h in team if rule_of(settings_audiences, team, h) is not None)]
    return [audience_of(settings_audiences, team, name) for name in names]


class Redactor:
    """Replaces the ids and names of customers outside the audience in free text. One regular
    expression written as a trie (fast over thousands of names); the audience's own customers'
    names are in it too, so that a visible name containing a hidden one (a branch named after its
    head office) is matched whole and kept."""

    def __init__(self, hidden: Iterable[str], kept: Iterable[str], placeholder: str, pattern: re.Pattern | None = None):
        """`pattern`, when given, must match every word of `hidden` and `kept` (`names_pattern`): one
        pattern serves every audience of a build, only the hidden words differ."""
        self.hidden = {w for w in hidden if len(w) >= 2}
        self.placeholder = placeholder
        if not self.hidden:
            self.pattern = None
        else:
            self.pattern = pattern or re.compile(_trie_pattern(self.hidden | {w for w in kept if len(w) >= 2}))

    def text(self, value: str) -> str:
        if self.pattern is None:
            return value
        return self.pattern.sub(lambda m: self.placeholder if m.group(0) in self.hidden else m.group(0), value)

    def deep(self, value: Any) -> Any:
        """Strings inside tuples, lists and models redacted; the same object back when nothing changed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, tuple | list):
            items = [self.deep(v) for v in value]
            return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
        if isinstance(value, BaseModel):
            update = {}
            for name in type(value).model_fields:
                if name in KEPT_TEXT:
                    continue
                old = getattr(value, name)
                new = self.deep(old)
                if new is not old:
                    update[name] = new
            return value.model_copy(update=update) if update else value
        return value


def _trie_pattern(words: Iterable[str]) -> str:
    """An alternation of `words` as a trie (at each point the longest word matches). The trie nests one
    group per character, so words over MAX_TRIE_DEPTH characters are alternatives of their own, first."""
    trie: dict = {}
    long = []
    for word in words:
        if len(word) > MAX_TRIE_DEPTH:
            long.append(word)
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict) -> str:
        alternatives = [re.escape(ch) + walk(child) for ch, child in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        inner = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{inner})?" if "" in node else inner

    parts = [re.escape(w) for w in sorted(long, key=len, reverse=True)]
    if trie:
        parts.append(walk(trie))
    return "|".join(parts) or "(?!)"


def names_pattern(views: Views) -> re.Pattern:
    """Every customer's id and name (two characters or more) as one pattern, made once per build."""
    words = {w for cid, v in views.customers.items() for w in (cid, v.model.name) if len(w) >= 2}
    return re.compile(_trie_pattern(words))


def restrict(views: Views, audience: Audience, placeholder: str) -> Views:
    """The views as `audience` reads them; `placeholder` stands for a customer outside it, in the
    site's language."""
    if audience.owners is None and not audience.rule.hidden_fields:
        return replace(views, audience=audience, whole=views, _memo={})
    dataset = views.dataset
    visible = {cid for cid, view in views.customers.items() if sees(audience.owners, view.model)}
    redactor = Redactor(
        (w for cid, v in views.customers.items() if cid not in visible for w in (cid, v.model.name)),
        (),
        placeholder,
        views.memo("names_pattern", lambda: names_pattern(views)),
    )
    hidden_paths = [tuple(path.split(".")) for path in audience.rule.hidden_fields]
    customers: dict[str, CustomerView] = {}
    outside: dict[str, frozenset[str]] = {}
    for cid, view in views.customers.items():
        if cid not in visible:
            continue
        model = view.model
        away = {f for f in RELATION_FIELDS if getattr(model, f, None) not in (None, *visible)}
        if away:
            model = model.model_copy(update=dict.fromkeys(away))
            outside[cid] = frozenset(away)
        model = redactor.deep(model)
        for path in hidden_paths:
            model = _without(model, path)
        customers[cid] = view if model is view.model else replace(view, model=model)
    kept_files = {view.file for view in customers.values()}
    groups = {
        name: {value: kept for value, ids in values.items() if (kept := [i for i in ids if i in visible])}
        for name, values in views.groups.items()
    }
    return Views(
        Dataset(
            dataset.project,
            {cid: customers[cid].model for cid in dataset.customers if cid in visible},
            {cid: f for cid, f in dataset.files.items() if cid in visible},
            dataset.team,
            {cid: k for cid, k in dataset.contact_keys.items() if cid in visible},
            {old: new for old, new in dataset.merged.items() if new in visible},
            dataset.memo,  # every file's load, for `comparison`'s earlier records (cut again there)
            dataset.masked,
        ),
        views.today,
        customers,
        groups,
        _inbound(views.referrals, visible),
        _inbound(views.branches, visible),
        _history(views.history, kept_files, redactor),
        audience=audience,
        whole=views,
        outside=outside,
    )


def _inbound(links: dict[str, list[str]], visible: set[str]) -> dict[str, list[str]]:
    return {k: kept for k, ids in links.items() if k in visible and (kept := [i for i in ids if i in visible])}


def _history(history: History | None, files: set[str], redactor: Redactor) -> History | None:
    """Only the visible records' entries, and in them no other customer named (a commit subject such
    as "Merge C… into C…", a relation's old value)."""
    if history is None:
        return None

    def said(entry: Entry) -> Entry:
        return replace(entry, subject=redactor.text(entry.subject), changes=redactor.deep(entry.changes))

    return History(
        history.head,
        {path: [said(e) for e in entries] for path, entries in history.records.items() if path in files},
        [said(e) for e in history.recent if e.path in files],
        history.partial,
        history.reason,
    )


def _without(model: Any, path: tuple[str, ...]) -> Any:
    """`model` with the field at `path` (dotted, through lists) emptied; the same object when it has none."""
    name, rest = path[0], path[1:]
    if name not in type(model).model_fields:
        return model
    value = getattr(model, name)
    if not rest:
        empty: Any = [] if isinstance(value, list) else None
        return model if value in (None, []) else model.model_copy(update={name: empty})
    if isinstance(value, list):
        new = [_without(item, rest) if isinstance(item, BaseModel) else item for item in value]
        changed = any(a is not b for a, b in zip(new, value))
    elif isinstance(value, BaseModel):
        new = _without(value, rest)
        changed = new is not value
    else:
        return model
    return model.model_copy(update={name: new}) if changed else model


def reports_for(views: Views, names: Collection[str] | None = None) -> list[Report]:
    """The reports an audience reads: all of them over what it sees (full), the whole team's without
    any table that names a customer (aggregates: counts and shares), or none. `names`: only those."""
    audience = views.audience
    if audience is None or audience.rule.reports == "full":
        return all_reports(views, names)
    if audience.rule.reports == "none" or views.whole is None:
        return []
    whole = views.whole
    every = whole.memo("reports", lambda: all_reports(whole))
    out = []
    for report in every if names is None else [r for r in every if r.name in names]:
        tables = [t for t in report.tables if not NAMING.intersection(t.kind(i) for i in range(len(t.headers)))]
        if tables:
            out.append(replace(report, tables=tables))
    return out


def shown_members(views: Views) -> list[str]:
    """The members an audience's site has owner pages and calendars for: the whole team on a full site,
    else those whose customers it reads, and the reader."""
    team = views.dataset.team
    if views.audience is None or views.audience.owners is None:
        return list(team)
    owning = views.groups.get("owner", {})
    return [h for h in team if h in owning or h == views.audience.name]
