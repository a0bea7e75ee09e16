"""Derived views of a dataset for one "today": facts, tiers, freshness, segments, relations.

Computed once per build and shared by every output (pages, exports, reminders).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .dataset import Dataset
from .facts import CustomerFacts, customer_facts
from .history.audit import History
from .segments import Tier, assign_tier, freshness, group, segment_values, top_share_threshold


@dataclass(frozen=True)
class CustomerView:
    id: str
    model: Any
    file: str
    facts: CustomerFacts
    tier: Tier
    freshness: str
    segments: dict[str, list[str]]


@dataclass
class Views:
    dataset: Dataset
    today: date
    customers: dict[str, CustomerView]
    groups: dict[str, dict[str, list[str]]]  # segment field -> value -> ids
    referrals: dict[str, list[str]]  # id -> customers it referred
    branches: dict[str, list[str]]  # id -> its branches (customers naming it as parent)
    history: History | None = None  # the audit trail from git, when read
    audience: Any = None  # an `audience.Audience` when these are one reader's share (`audience.restrict`)
    whole: Views | None = None  # then: the whole team's views (for aggregate reports)
    outside: dict[str, frozenset[str]] = field(default_factory=dict)  # id -> relation fields naming a customer outside
    previous: Views | None = field(default=None, repr=False)  # the last build's, whose work may be reused (serve)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, name: str, make: Callable[[], Any]) -> Any:
        """A view over all customers that several outputs ask for, made once."""
        if name not in self._memo:
            self._memo[name] = make()
        return self._memo[name]

    def before(self, name: str) -> Any:
        """What the last build (`previous`) made under `name` (`memo`), if it did; else None."""
        return self.previous._memo.get(name) if self.previous is not None else None

    def changed(self) -> list[tuple[CustomerView, CustomerView]] | None:
        """(old, new) views of the customers that changed since `previous` (the last build's, under
        `mkdocs serve`); None when there is none to compare with or a customer came or went. What a
        rebuild reuses is decided from it: the reports, the names every page shows."""

        def make() -> list[tuple[CustomerView, CustomerView]] | None:
            prior = self.previous
            if prior is None or prior.customers.keys() != self.customers.keys():
                return None
            return [
                (prior.customers[cid], view) for cid, view in self.customers.items() if view is not prior.customers[cid]
            ]

        return self.memo("changed", make)

    def names(self) -> tuple[tuple[str, str], ...]:
        """(id, name) of every customer: a page names the customers it relates to. The last build's
        tuple when no changed customer changed its name (10,000 models are not read again)."""

        def make() -> tuple[tuple[str, str], ...]:
            changed, prior = self.changed(), self.previous
            if changed is not None and prior is not None and all(a.model.name == b.model.name for a, b in changed):
                return prior.names()
            return tuple((cid, view.model.name) for cid, view in self.customers.items())

        return self.memo("names", make)

    def by_owner(self, handle: str) -> list[CustomerView]:
        return [self.customers[i] for i in self.groups["owner"].get(handle, [])]


def derive(dataset: Dataset, today: date, history: History | None = None, before: Views | None = None) -> Views:
    """`before`, the views of the previous build of the same schema (`mkdocs serve`), lends each customer
    whose model is the same object (an unchanged file) its view, when today and the tiers' threshold are too."""
    settings = dataset.project.settings
    rules = settings.tiers
    reuse = (
        before.customers
        if before is not None
        and before.today == today
        and before.dataset.project.fingerprint == dataset.project.fingerprint
        and before.dataset.team == dataset.team
        else {}
    )
    facts = {}
    for cid, c in dataset.customers.items():
        old = reuse.get(cid)
        facts[cid] = old.facts if old is not None and old.model is c else customer_facts(c, today, settings)
    threshold = top_share_threshold((f.order_total for f in facts.values()), rules.key_top_share)
    if before is not None and before.memo("threshold", lambda: None) != threshold:
        reuse = {}  # another customer became one of the top share: tiers move
    customers = {}
    for cid, customer in dataset.customers.items():
        old = reuse.get(cid)
        if old is not None and old.model is customer:
            customers[cid] = old
            continue
        tier = assign_tier(customer, facts[cid], rules, threshold)
        customers[cid] = CustomerView(
            cid,
            customer,
            dataset.files[cid],
            facts[cid],
            tier,
            freshness(tier.name, facts[cid], rules),
            segment_values(customer, tier.name),
        )
    views = Views(
        dataset,
        today,
        customers,
        group({cid: view.segments for cid, view in customers.items()}),
        dataset.inbound("referred_by"),
        dataset.inbound("parent"),
        history,
        previous=before if reuse else None,
    )
    if before is not None:
        before.previous = None  # one build back, never a chain
    views.memo("threshold", lambda: threshold)
    return views
