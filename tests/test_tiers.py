"""The maintenance tiers (field guide B) as rules: each threshold of schema/settings.yaml `tiers:` at its
edge, the reasons, the precedence risk > key > growth > standard, freshness against each tier's cadence,
and a team's own thresholds. Tested through `customer_facts`, `assign_tier`, `freshness` and
`top_share_threshold` directly, on plain objects shaped like the models: no repository, no build."""

from __future__ import annotations

import math
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.facts import customer_facts
from plaincrm.layout import SchemaConfigError
from plaincrm.modelkit import Settings, TierRules
from plaincrm.segments import assign_tier, freshness, top_share_threshold

from .conftest import REPO

TODAY = date(2024, 6, 30)
SETTINGS = Settings.from_yaml(REPO / "schema" / "settings.yaml")
RULES = SETTINGS.tiers
BUDGET = settings(max_examples=200, deadline=None, derandomize=True)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def contact(days_ago: int, satisfaction: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(date=ago(days_ago), satisfaction=satisfaction, next_step=None, by=["li.wei"])


def order(amount: float, days_ago: int = 10, status: str = "signed", kind: str = "new", currency: str = "CNY"):
    return SimpleNamespace(date=ago(days_ago), amount=amount, currency=currency, status=status, kind=kind)


def case(status: str = "open", kind: str = "complaint") -> SimpleNamespace:
    return SimpleNamespace(kind=kind, status=status)


def customer(
    *, category="existing", cooperation="paused", tags=(), interactions=(), orders=(), cases=(), satisfaction=None
) -> SimpleNamespace:
    """A customer with no signal at all by default (paused, so not contacting it is no risk): standard."""
    return SimpleNamespace(
        id="C20240501001",
        category=category,
        cooperation=cooperation,
        tags=list(tags),
        interactions=list(interactions),
        orders=list(orders),
        service_cases=list(cases),
        key_dates=[],
        satisfaction=satisfaction,
    )


def tier_of(one, rules: TierRules = RULES, top: float = math.inf, today: date = TODAY):
    """(tier, reasons, freshness) as the views compute them, for a threshold `top` of the top share."""
    project = SETTINGS.model_copy(update={"tiers": rules})
    facts = customer_facts(one, today, project)
    tier = assign_tier(one, facts, rules, top)
    return tier.name, tier.reasons, freshness(tier.name, facts, rules)


def test_the_settings_file_holds_the_documented_defaults():
    """The boundaries below are read from schema/settings.yaml; the file and the model agree on them."""
    assert RULES == TierRules()


def test_a_customer_without_any_signal_is_standard():
    assert tier_of(customer(interactions=[contact(10)])) == ("standard", (), "green")


@pytest.mark.parametrize(
    "one",
    [
        customer(category="lost", cooperation="active", cases=[case()], interactions=[contact(400, 1)]),
        customer(cooperation="terminated", orders=[order(10**7)], interactions=[contact(1, 5)], tags=["高意向"]),
    ],
)
def test_lost_or_terminated_customers_are_not_tiered_whatever_their_signals(one):
    assert tier_of(one) == ("untiered", (), "grey")


# --- risk warning ---------------------------------------------------------------------------------------


def test_an_active_customer_is_at_risk_from_the_day_contact_reaches_the_limit():
    days = RULES.risk_days_without_contact
    active = {"cooperation": "active"}
    assert tier_of(customer(**active, interactions=[contact(days - 1)]))[0] == "standard"
    assert tier_of(customer(**active, interactions=[contact(days)]))[:2] == ("risk_warning", ("contact_dropping",))
    assert tier_of(customer(**active))[:2] == ("risk_warning", ("contact_dropping",))  # never contacted
    assert (
        tier_of(customer(**active, interactions=[contact(days, 5), contact(-5)]))[0] == "risk_warning"
    )  # planned: not contact
    for cooperation in ("not_started", "paused"):  # only an active cooperation can drop
        assert tier_of(customer(cooperation=cooperation, interactions=[contact(days * 3)]))[0] == "standard"


def test_a_low_latest_satisfaction_is_a_risk():
    low = RULES.risk_max_satisfaction
    assert tier_of(customer(interactions=[contact(5, low)]))[:2] == ("risk_warning", ("low_satisfaction",))
    assert tier_of(customer(interactions=[contact(5, low + 1)]))[0] == "standard"
    # the latest rating counts, wherever it sits in the list; a rating dated after today does not
    assert tier_of(customer(interactions=[contact(5, low + 1), contact(20, low)]))[0] == "standard"
    assert tier_of(customer(interactions=[contact(20, low + 1), contact(5, low)]))[0] == "risk_warning"
    assert tier_of(customer(interactions=[contact(20, low + 1), contact(-1, low)]))[0] == "standard"
    # without a rated interaction, the customer's own satisfaction field
    assert tier_of(customer(satisfaction=low, interactions=[contact(5)]))[0] == "risk_warning"
    assert tier_of(customer(satisfaction=low, interactions=[contact(5, low + 2)]))[0] == "standard"


def test_of_two_ratings_on_one_day_the_one_logged_last_counts():
    """Interactions are appended as they are logged, so of two on the same date the later in the file is later."""
    low = RULES.risk_max_satisfaction
    morning_complaint_then_fixed = customer(interactions=[contact(5, low), contact(5, 5)])
    assert tier_of(morning_complaint_then_fixed)[0] == "standard"


def test_an_open_complaint_is_a_risk_until_it_is_resolved():
    assert tier_of(customer(cases=[case("open")]))[:2] == ("risk_warning", ("open_complaint",))
    assert tier_of(customer(cases=[case("in_progress")]))[0] == "risk_warning"
    for closed in (
        case("resolved"),
        case("closed"),
        case("open", kind="consultation"),
        case("open", kind="after_sales"),
    ):
        assert tier_of(customer(cases=[closed]))[0] == "standard"
    ignored = RULES.model_copy(update={"risk_open_complaint": False})
    assert tier_of(customer(cases=[case("open")]), ignored)[0] == "standard"


def test_orders_falling_below_the_share_of_the_year_before_are_a_risk():
    share = RULES.risk_falling_orders
    before = [order(100_000, days_ago=400)]
    assert tier_of(customer(orders=before + [order(100_000 * share - 1)]))[:2] == ("risk_warning", ("falling_orders",))
    assert tier_of(customer(orders=before + [order(100_000 * share)]))[0] == "standard"
    assert tier_of(customer(orders=before))[0] == "risk_warning"  # nothing at all this year
    assert tier_of(customer(orders=[order(100_000, days_ago=800)]))[0] == "standard"  # two years ago: no comparison
    assert tier_of(customer(orders=[order(5)]))[0] == "standard"  # nothing the year before: nothing can fall


def test_the_year_boundary_and_the_orders_that_do_not_count():
    """Last year is (today - 365 days, today]; the year before is the 365 days before that. Quoted and
    cancelled orders are no business done."""
    on_the_edge = customer(orders=[order(100, days_ago=365)])  # in the year before, so this year is empty
    assert tier_of(on_the_edge)[:2] == ("risk_warning", ("falling_orders",))
    assert tier_of(customer(orders=[order(100, days_ago=364)]))[0] == "standard"
    assert tier_of(customer(orders=[order(100, days_ago=730)]))[0] == "standard"  # two full years ago: neither
    for status in ("quoted", "cancelled"):
        assert tier_of(customer(orders=[order(100, days_ago=400, status=status)]))[0] == "standard"
        assert tier_of(customer(orders=[order(100, days_ago=400), order(100, status=status)]))[0] == "risk_warning"


def test_every_risk_reason_is_given_in_a_fixed_order():
    everything = customer(
        cooperation="active", cases=[case()], interactions=[contact(100, 1)], orders=[order(10**7, days_ago=400)]
    )
    assert tier_of(everything) == (
        "risk_warning",
        ("open_complaint", "low_satisfaction", "contact_dropping", "falling_orders"),
        "red",
    )


# --- key --------------------------------------------------------------------------------------------------


def test_key_needs_value_recent_contact_and_no_poor_rating():
    total, days, good = RULES.key_min_order_total, RULES.key_max_days_without_contact, RULES.key_min_satisfaction
    key = ("key", ("high_value", "engaged"))
    assert tier_of(customer(orders=[order(total)], interactions=[contact(days)]))[:2] == key
    assert tier_of(customer(orders=[order(total)], interactions=[contact(days, good)]))[:2] == key
    assert tier_of(customer(orders=[order(total - 0.01)], interactions=[contact(days)]))[0] == "standard"
    assert tier_of(customer(orders=[order(total)], interactions=[contact(days + 1)]))[0] == "standard"
    assert tier_of(customer(orders=[order(total)]))[0] == "standard"  # never contacted
    assert tier_of(customer(orders=[order(total)], interactions=[contact(days, good - 1)]))[0] == "standard"


def test_value_counts_every_counted_order_in_the_default_currency():
    total, days = RULES.key_min_order_total, RULES.key_max_days_without_contact
    halves = [order(total / 2, days_ago=1000), order(total / 2, days_ago=3)]  # a lifetime total, not a year's
    assert tier_of(customer(orders=halves, interactions=[contact(days)]))[0] == "key"
    quoted = [order(total / 2), order(total / 2, status="quoted")]
    assert tier_of(customer(orders=quoted, interactions=[contact(days)]))[0] == "standard"
    dollars = SETTINGS.model_copy(update={"exchange_rates": {"USD": 7.0}})
    one = customer(orders=[order(total / 7, currency="USD")], interactions=[contact(days)])
    facts = customer_facts(one, TODAY, dollars)
    assert facts.order_total == pytest.approx(total)
    assert assign_tier(one, facts, RULES, math.inf).name == "key"


def test_the_top_share_of_customers_is_key_below_the_fixed_total():
    days = RULES.key_max_days_without_contact
    small = customer(orders=[order(1_000)], interactions=[contact(days)])
    assert tier_of(small, top=1_000)[0] == "key"
    assert tier_of(small, top=1_000.01)[0] == "standard"


@pytest.mark.parametrize(
    "totals, share, threshold",
    [
        ([float(n) for n in range(1, 11)], 0.2, 9.0),  # ten customers: the two largest
        ([5.0, 1.0, 3.0], 0.2, 5.0),  # fewer than five: still the largest one
        ([7.0, 7.0, 7.0, 1.0], 0.25, 7.0),  # ties at the cut: all count as in
        ([3.0, 2.0, 1.0], 1.0, 1.0),
        ([0.0, 0.0, 0.0], 0.5, math.inf),  # no business at all is nobody's top share
        ([4.0, 0.0, 0.0], 0.9, math.inf),
        ([], 0.2, math.inf),
        ([3.0, 2.0], 0.0, math.inf),  # a share of nothing turns the rule off
    ],
)
def test_the_top_share_threshold(totals, share, threshold):
    assert top_share_threshold(totals, share) == threshold


# --- growth potential and precedence ---------------------------------------------------------------------


def test_growth_signals_and_their_reasons():
    days = RULES.growth_max_days_without_contact
    for category in RULES.growth_categories:
        assert tier_of(customer(category=category, interactions=[contact(days)]))[:2] == (
            "growth_potential",
            ("new_or_potential",),
        )
        assert tier_of(customer(category=category, interactions=[contact(days + 1)]))[0] == "standard"
        assert tier_of(customer(category=category))[0] == "standard"  # never contacted: no sign of interest
    assert tier_of(customer(category="existing", interactions=[contact(1)]))[0] == "standard"
    for kind in ("renewal", "upsell"):
        assert tier_of(customer(orders=[order(1, status="quoted", kind=kind)]))[:2] == (
            "growth_potential",
            ("quoted_upsell",),
        )
    assert tier_of(customer(orders=[order(1, status="quoted", kind="new")]))[0] == "standard"
    assert tier_of(customer(orders=[order(1, status="signed", kind="upsell")]))[0] == "standard"
    for tag in RULES.growth_tags:
        assert tier_of(customer(tags=["老客户", tag]))[:2] == ("growth_potential", ("intent_tag",))
    assert tier_of(customer(tags=["意向"]))[0] == "standard"
    everything = customer(
        category="new",
        interactions=[contact(1)],
        tags=[RULES.growth_tags[0]],
        orders=[order(1, status="quoted", kind="renewal")],
    )
    assert tier_of(everything)[:2] == ("growth_potential", ("new_or_potential", "quoted_upsell", "intent_tag"))


def test_risk_comes_before_key_and_key_before_growth():
    valuable = {
        "category": "new",
        "tags": [RULES.growth_tags[0]],
        "orders": [order(RULES.key_min_order_total)],
        "interactions": [contact(1)],
    }
    assert tier_of(customer(**valuable))[:2] == ("key", ("high_value", "engaged"))
    assert tier_of(customer(**valuable, cases=[case()]))[:2] == ("risk_warning", ("open_complaint",))
    assert tier_of(customer(**{**valuable, "orders": []}))[0] == "growth_potential"


# --- freshness --------------------------------------------------------------------------------------------


def _facts(days_since_contact):
    one = customer(interactions=[] if days_since_contact is None else [contact(days_since_contact)])
    return customer_facts(one, TODAY, SETTINGS)


@pytest.mark.parametrize("tier, cadence", sorted(RULES.cadence_days.items()))
def test_freshness_is_green_within_three_quarters_of_the_cadence_then_amber_then_red(tier, cadence):
    green_until = math.floor(0.75 * cadence)
    assert freshness(tier, _facts(0), RULES) == "green"
    assert freshness(tier, _facts(green_until), RULES) == "green"
    assert freshness(tier, _facts(green_until + 1), RULES) == "amber"
    assert freshness(tier, _facts(cadence), RULES) == "amber"
    assert freshness(tier, _facts(cadence + 1), RULES) == "red"
    assert freshness(tier, _facts(None), RULES) == "red"  # a tiered customer nobody has contacted


def test_the_cadences_are_the_field_guides():
    """Weekly for risk, monthly for key, quarterly for growth; every tier the engine gives has one."""
    assert RULES.cadence_days == {"risk_warning": 7, "key": 30, "growth_potential": 90, "standard": 60}
    assert freshness("untiered", _facts(0), RULES) == "grey"


# --- a team's own thresholds ------------------------------------------------------------------------------


def test_a_teams_tiers_setting_moves_every_boundary(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(
        "tiers:\n"
        "  risk_days_without_contact: 30\n"
        "  key_min_order_total: 100000\n"
        "  key_max_days_without_contact: 14\n"
        "  growth_categories: [existing]\n"
        "  growth_tags: [试用中]\n"
        "  cadence_days: {risk_warning: 3, key: 14, growth_potential: 30, standard: 90}\n",
        encoding="utf-8",
    )
    rules = Settings.from_yaml(path).tiers
    assert rules.risk_max_satisfaction == RULES.risk_max_satisfaction  # what the team did not set keeps its default
    assert tier_of(customer(cooperation="active", interactions=[contact(30)]), rules)[0] == "risk_warning"
    assert tier_of(customer(cooperation="active", interactions=[contact(29)]), rules)[0] == "growth_potential"
    assert tier_of(customer(category="potential", interactions=[contact(29)]), rules)[0] == "standard"
    assert tier_of(customer(orders=[order(100_000)], interactions=[contact(14)]), rules)[:3] == (
        "key",
        ("high_value", "engaged"),
        "amber",
    )  # 14 of 14 days: due now
    assert tier_of(customer(orders=[order(100_000)], interactions=[contact(15)]), rules)[0] == "growth_potential"
    assert tier_of(customer(tags=["试用中"]), rules)[:2] == ("growth_potential", ("intent_tag",))
    assert tier_of(customer(tags=["高意向"]), rules)[0] == "standard"
    assert tier_of(customer(category="new", interactions=[contact(60)]), rules) == ("standard", (), "green")


def test_an_unknown_or_mistyped_tiers_setting_is_refused(tmp_path):
    path = tmp_path / "settings.yaml"
    for text, said in (
        ("tiers:\n  risk_days: 30\n", "tiers.risk_days: Extra inputs are not permitted"),
        ("tiers:\n  key_min_order_total: lots\n", "tiers.key_min_order_total: Input should be a valid number"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SchemaConfigError) as refused:  # said where and what, as a record's problem is
            Settings.from_yaml(path)
        assert f"{path}: {said}" in str(refused.value)


# --- properties -------------------------------------------------------------------------------------------

RANK = {"standard": 0, "growth_potential": 1, "key": 2}
days_ago = st.integers(-30, 900)
contacts = st.lists(
    st.builds(contact, days_ago, st.none() | st.integers(1, 5)), max_size=5, unique_by=lambda i: i.date
)  # two ratings on one day: see the xfail above
orders = st.lists(
    st.builds(
        order,
        st.integers(0, 800_000),
        days_ago,
        st.sampled_from(["quoted", "signed", "paid", "delivered", "cancelled"]),
        st.sampled_from(["new", "renewal", "upsell"]),
    ),
    max_size=5,
)
cases = st.lists(
    st.builds(
        case,
        st.sampled_from(["open", "in_progress", "resolved", "closed"]),
        st.sampled_from(["consultation", "complaint", "after_sales"]),
    ),
    max_size=3,
)
customers = st.builds(
    customer,
    category=st.sampled_from(["new", "existing", "potential", "lost"]),
    cooperation=st.sampled_from(["not_started", "active", "paused", "terminated"]),
    tags=st.lists(st.sampled_from(["高意向", "续约意向", "老客户", "VIP"]), max_size=2, unique=True),
    interactions=contacts,
    orders=orders,
    cases=cases,
    satisfaction=st.none() | st.integers(1, 5),
)
tops = st.sampled_from([math.inf, 1.0, 200_000.0, 600_000.0])


@BUDGET
@given(customers, tops, st.randoms(use_true_random=False))
def test_a_tier_never_depends_on_the_order_of_a_customers_lists(one, top, random):
    before = tier_of(one, top=top)
    for items in (one.interactions, one.orders, one.service_cases, one.tags):
        random.shuffle(items)
    assert tier_of(one, top=top) == before


@BUDGET
@given(customers, tops, st.data())
def test_raising_an_order_amount_never_lowers_the_tier(one, top, data):
    """More business never costs a customer key or growth; raised within the last 12 months, it never adds a
    risk (raised the year before, falling orders may become a risk: that is the rule)."""
    if not one.orders:
        one.orders.append(order(0))
    name, reasons, _ = tier_of(one, top=top)
    raised = data.draw(st.sampled_from(one.orders))
    raised.amount += data.draw(st.integers(1, 1_000_000))
    new_name, new_reasons, _ = tier_of(one, top=top)
    if name in RANK and new_name in RANK:
        assert RANK[new_name] >= RANK[name]
    if ago(365) < raised.date <= TODAY:
        assert set(new_reasons) <= set(reasons) if name == "risk_warning" else new_name != "risk_warning"


@BUDGET
@given(customers, tops)
def test_every_tier_has_reasons_and_a_cadence(one, top):
    name, reasons, fresh = tier_of(one, top=top)
    assert (name in ("untiered", "standard")) == (reasons == ())
    assert (name == "untiered") == (fresh == "grey")
    assert name == "untiered" or name in RULES.cadence_days


def test_a_cadence_set_for_one_tier_keeps_the_others():
    from plaincrm.modelkit import TierRules

    rules = TierRules(cadence_days={"key": 14})
    assert rules.cadence_days == {"risk_warning": 7, "key": 14, "growth_potential": 90, "standard": 60}
