"""The engine's contract: a team may remove an optional field (its feature turns off) but not a
required one (a SchemaConfigError naming the file and the field, when the schema loads)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from plaincrm.contract import ALL, get
from plaincrm.dataset import check_project, load_dataset
from plaincrm.issue_forms import forms
from plaincrm.layout import SchemaConfigError
from plaincrm.reports import all_reports
from plaincrm.site.pages import SiteOptions, build_site
from plaincrm.views import derive

TODAY = date(2024, 6, 30)


def remove_field(repo, line_start: str) -> None:
    """Drop one field's line from schema/customer.py, as a team customising its models would."""
    customer = repo.root / "schema" / "customer.py"
    lines = customer.read_text().splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(line_start)]
    assert len(kept) == len(lines) - 1
    customer.write_text("".join(kept))


def test_a_schema_without_orders_builds_the_site_and_the_reports_without_them(repo):
    remove_field(repo, "    orders: list[Order]")
    repo.good()
    assert check_project(repo.project, use_cache=False).problems == []
    assert not repo.project.contract.has("orders") and repo.project.contract.has("interactions")

    views = derive(load_dataset(repo.project, masked=True), TODAY)
    names = [report.name for report in all_reports(views)]
    assert "high_value" not in names and "renewals" not in names
    assert {"distribution", "interactions", "complaints", "follow_up", "data_quality"} <= set(names)
    assert views.customers["C20240501001"].facts.order_total == 0

    site = build_site(views, SiteOptions(today=TODAY))
    paths = {page.src for page in site.pages}
    assert "reports/high_value.md" not in paths and "reports/interactions.md" in paths
    (page,) = [site.render_customer(customer_id) for customer_id in site.customer_ids]
    assert "A科技有限公司" in page.html


def test_a_removed_segment_field_leaves_its_segment_out(repo):
    remove_field(repo, "    cooperation: ")
    repo.good(**{"cooperation: not_started\n": ""})
    views = derive(load_dataset(repo.project, masked=True), TODAY)
    distribution = next(r for r in all_reports(views) if r.name == "distribution")
    assert "cooperation" not in [table.title for table in distribution.tables]
    site = build_site(views, SiteOptions(today=TODAY))  # the customer rows' status column stays empty
    assert not any(page.src.startswith("segments/cooperation") for page in site.pages)


def test_a_schema_without_owner_fails_with_the_file_and_the_field(repo):
    remove_field(repo, "    owner: Handle")
    repo.good()
    with pytest.raises(SchemaConfigError) as raised:
        check_project(repo.project, use_cache=False)
    assert re.match(r"^schema/customer\.py: Company has no field 'owner', which plaincrm needs", str(raised.value))


def test_a_required_field_of_another_type_is_refused(repo):
    customer = repo.root / "schema" / "customer.py"
    customer.write_text(
        customer.read_text().replace(
            '    amount: Money = labelled("Amount", "金额")', '    amount: Text = labelled("Amount", "金额")'
        )
    )
    with pytest.raises(
        SchemaConfigError,
        match=r"schema/customer\.py: Order\.amount: plaincrm reads it as a number, but the model declares str",
    ):
        _ = repo.project.customer_models


def test_every_field_read_has_one_fallback():
    class Bare:
        pass

    for name, field in ALL.items():
        assert get(Bare(), name.rpartition(".")[2]) == (() if field.shape in ("items", "texts") else None)
    with pytest.raises(KeyError):
        get(Bare(), "not_in_the_contract")


def test_a_schema_without_orders_generates_the_other_quick_entry_forms(repo):
    """The order form is generated from the order model: without `orders` it is left out, not a crash."""
    remove_field(repo, "    orders: list[Order]")
    names = {form.name for form in forms(repo.project)}
    assert "add-order" not in names and {"log-interaction", "open-case", "add-contact"} <= names
