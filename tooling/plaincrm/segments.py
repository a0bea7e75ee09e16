"""Maintenance tiers, freshness and segment groupings: how the site slices the customers.

The tier rules live in one place, `TierRules` (schema/settings.yaml `tiers:`). Reasons
are kept beside each tier so a page can say *why* a customer is at risk.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .contract import Contract, get
from .facts import CustomerFacts
from .modelkit import TierRules

UNTIERED_CATEGORIES = ("lost",)
UNTIERED_COOPERATION = ("terminated",)
SEGMENT_FIELDS = ("cooperation", "category", "stage", "intent", "source", "industry", "owner", "tags", "tier")


@dataclass(frozen=True)
class Tier:
    name: str
    reasons: tuple[str, ...]


def top_share_threshold(totals: Iterable[float], share: float) -> float:
    """The smallest order total inside the top `share` of customers (ties all count as in)."""
    values = sorted((t for t in totals), reverse=True)
    if not values or share <= 0:
        return math.inf
    cut = values[max(1, math.ceil(len(values) * share)) - 1]
    return cut if cut > 0 else math.inf


def assign_tier(customer: Any, facts: CustomerFacts, rules: TierRules, top_threshold: float) -> Tier:
    if get(customer, "category") in UNTIERED_CATEGORIES or get(customer, "cooperation") in UNTIERED_COOPERATION:
        return Tier("untiered", ())
    risk = []
    active = get(customer, "cooperation") == "active"
    if rules.risk_open_complaint and facts.open_complaints:
        risk.append("open_complaint")
    if facts.latest_satisfaction is not None and facts.latest_satisfaction <= rules.risk_max_satisfaction:
        risk.append("low_satisfaction")
    if active and (facts.days_since_contact is None or facts.days_since_contact >= rules.risk_days_without_contact):
        risk.append("contact_dropping")
    if facts.orders_year_before > 0 and facts.orders_last_year < facts.orders_year_before * rules.risk_falling_orders:
        risk.append("falling_orders")
    if risk:
        return Tier("risk_warning", tuple(risk))
    engaged = facts.days_since_contact is not None and facts.days_since_contact <= rules.key_max_days_without_contact
    satisfied = facts.latest_satisfaction is None or facts.latest_satisfaction >= rules.key_min_satisfaction
    valuable = facts.order_total >= rules.key_min_order_total or facts.order_total >= top_threshold
    if valuable and engaged and satisfied:
        return Tier("key", ("high_value", "engaged"))
    growth = []
    recent = facts.days_since_contact is not None and facts.days_since_contact <= rules.growth_max_days_without_contact
    if recent and get(customer, "category") in rules.growth_categories:
        growth.append("new_or_potential")
    if facts.quoted_upsell:
        growth.append("quoted_upsell")
    if set(get(customer, "tags")) & set(rules.growth_tags):
        growth.append("intent_tag")
    if growth:
        return Tier("growth_potential", tuple(growth))
    return Tier("standard", ())


def freshness(tier: str, facts: CustomerFacts, rules: TierRules) -> str:
    """green: within 75% of the tier's cadence; amber: due soon; red: overdue; grey: not followed up."""
    cadence = rules.cadence_days.get(tier)
    if cadence is None:
        return "grey"
    if facts.days_since_contact is None or facts.days_since_contact > cadence:
        return "red"
    return "green" if facts.days_since_contact <= 0.75 * cadence else "amber"


def segment_fields(contract: Contract) -> tuple[str, ...]:
    """The segment fields the team's models have (a removed field has no segment pages or facet)."""
    return tuple(name for name in SEGMENT_FIELDS if name == "tier" or contract.has(name))


def segment_values(customer: Any, tier: str) -> dict[str, list[str]]:
    """The segment values of one customer, per segment field (tags give several)."""
    out: dict[str, list[str]] = {}
    for name in SEGMENT_FIELDS:
        value = tier if name == "tier" else get(customer, name)
        if value is None:
            out[name] = []
        elif isinstance(value, (list, tuple)):
            out[name] = [str(v) for v in value]
        else:
            out[name] = [str(value)]
    return out


def group(values_by_customer: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    """segment field -> value -> customer ids, in customer order."""
    groups: dict[str, dict[str, list[str]]] = {name: defaultdict(list) for name in SEGMENT_FIELDS}
    for customer_id, values in values_by_customer.items():
        for name, items in values.items():
            for item in items:
                groups[name][item].append(customer_id)
    return {name: dict(g) for name, g in groups.items()}
