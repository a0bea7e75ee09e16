"""Who reads which customer: the one rule every output asks (the site per audience, the check that
an owner can read what they edit). From the team's settings (`audiences`, per role) and team file.

A member reads what their role's `AudienceRule` says: all customers, their own, or their sub-team's
(members sharing a `group`). A role with no rule reads nothing. The site for "all" is the managers'
view: every customer, the full reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .modelkit import AudienceRule

ALL = "all"  # the audience that reads every customer (build/sites/all/)
EVERYTHING = AudienceRule(customers="all", reports="full")


def rule_of(audiences: Mapping[str, AudienceRule], team: Mapping[str, Any], reader: str) -> AudienceRule | None:
    """The rule for `reader` (a member's handle, or ALL); None when their role reads nothing."""
    if reader == ALL:
        return EVERYTHING
    member = team.get(reader)
    if member is None:
        return None
    return audiences.get(str(_attr(member, "role") or ""))


def owners_read_by(rule: AudienceRule, team: Mapping[str, Any], reader: str) -> frozenset[str] | None:
    """The owners whose customers `reader` reads under `rule`; None for every customer."""
    if rule.customers == "all":
        return None
    if rule.customers == "own+team":
        group = _attr(team[reader], "group") if reader in team else None
        if group:
            return frozenset(h for h, m in team.items() if _attr(m, "group") == group) | {reader}
    return frozenset({reader})


def sees(owners: frozenset[str] | None, customer: Any) -> bool:
    """Whether a reader whose `owners_read_by` is `owners` reads this customer."""
    return owners is None or customer.owner in owners


def cannot_read_own(audiences: Mapping[str, AudienceRule], team: Mapping[str, Any]) -> set[str]:
    """Members who could edit customers (CODEOWNERS makes them review their own) but read none of them:
    their role has no audience rule. Editing must match reading."""
    return {handle for handle in team if rule_of(audiences, team, handle) is None}


def _attr(member: Any, name: str) -> Any:
    """A team member's field: a model, or the raw mapping when the team file is invalid."""
    return member.get(name) if isinstance(member, Mapping) else getattr(member, name, None)
