"""The write actions through the library: each writes a valid record atomically, or nothing and
says why; the rules they share live in one place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plaincrm.loading import parse_text
from plaincrm.write import actions

from .test_history import _crm

ID = "C20240501001"


def _data(repo, record_id=ID):
    """A record's plain data as plaincrm reads it (dates stay text)."""
    return parse_text((repo.customers / f"{record_id}.yaml").read_text(encoding="utf-8"), "").data


def _messages(outcome) -> str:
    return " | ".join(p.message for p in outcome.problems)


@pytest.fixture
def one(repo):
    repo.good()
    return repo


def test_create_customer_takes_the_next_free_id_defaults_and_first_contact(one):
    project = one.project
    outcome = actions.create_customer(
        project,
        {"name": "B贸易有限公司", "kind": "company", "owner": "li.wei"},
        today=date(2024, 5, 1),
        contacts=[{"phone": "13912345678"}],
    )
    assert outcome.ok and outcome.written and outcome.record_id == "C20240501002"
    data = _data(one, "C20240501002")
    assert (data["industry"], data["source"], data["category"], data["cooperation"]) == (
        "other",
        "other",
        "new",
        "not_started",
    )
    assert data["key_dates"] == [{"kind": "first_contact", "date": "2024-05-01"}]
    assert data["contacts"] == [
        {"name": "B贸易有限公司", "phone": "13912345678"}
    ]  # a number without a name: the customer's
    assert [project.relative(c.path) for c in outcome.changes] == [
        "records/customers/C20240501002.yaml",
        ".github/CODEOWNERS",
    ]
    assert _crm(one.root, "validate")[0] == 0


def test_create_customer_refuses_what_validation_refuses_and_writes_nothing(one):
    before = sorted(p.name for p in one.customers.iterdir())
    outcome = actions.create_customer(
        one.project, {"name": "B", "kind": "company", "owner": "nobody"}, today=date(2024, 5, 1)
    )
    assert not outcome.ok and not outcome.written and "nobody" in _messages(outcome)
    outcome = actions.create_customer(
        one.project, {"name": "B", "kind": "robot", "owner": "li.wei"}, today=date(2024, 5, 1)
    )
    assert "kind 'robot' is not one of" in _messages(outcome)
    outcome = actions.create_customer(one.project, {"kind": "company", "owner": "li.wei"}, today=date(2024, 5, 1))
    assert outcome.problems[0].field == "name"
    assert sorted(p.name for p in one.customers.iterdir()) == before and not (one.root / ".github").exists()


def test_dry_run_returns_the_diff_and_writes_nothing(one):
    path = one.customers / f"{ID}.yaml"
    before = path.read_bytes()
    outcome = actions.add_order(
        one.project, ID, {"date": date(2024, 6, 1), "item": "年度服务", "amount": Decimal("12000")}, dry_run=True
    )
    assert outcome.ok and not outcome.written and path.read_bytes() == before
    diff = outcome.diff(one.project)
    assert diff.startswith(f"--- a/records/customers/{ID}.yaml\n+++ b/records/customers/{ID}.yaml\n")
    assert "+orders:\n+  - {date: 2024-06-01, item: 年度服务, amount: 12000}\n" in diff


def test_log_interaction_defaults_participants_and_needs_both_parts_of_a_next_step(one):
    outcome = actions.log_interaction(
        one.project, ID, day=date(2024, 6, 1), channel="visit", topic="签约", summary="年度服务", next_action="寄送发票"
    )
    assert not outcome.ok and outcome.problems[0].field == "next_step" and "due date" in _messages(outcome)
    outcome = actions.log_interaction(
        one.project,
        ID,
        day=date(2024, 6, 1),
        channel="visit",
        topic="签约",
        summary="年度服务",
        next_action="寄送发票",
        due=date(2024, 6, 10),
    )
    assert outcome.written
    last = _data(one)["interactions"][-1]
    assert last["by"] == ["li.wei"] and last["next_step"] == {"action": "寄送发票", "due": "2024-06-10"}


def test_each_list_action_adds_once_and_the_record_stays_valid(one):
    project = one.project
    assert actions.add_contact(project, ID, {"name": "王总", "phone": "139 1111 2222", "decision_maker": True}).written
    again = actions.add_contact(project, ID, {"name": "王总经理", "phone": "13911112222"})
    assert not again.ok and "already has this contact" in _messages(again)  # the same number, written otherwise
    assert actions.add_key_date(project, ID, kind="renewal_due", day=date(2025, 5, 1), note="年度续约").written
    assert "already has this key date" in _messages(
        actions.add_key_date(project, ID, kind="renewal_due", day=date(2025, 5, 1))
    )
    assert actions.add_order(
        project, ID, {"date": date(2024, 6, 1), "item": "年度服务", "amount": 12000, "status": "paid"}
    ).written
    data = _data(one)
    assert data["contacts"][-1] == {"name": "王总", "phone": "139 1111 2222", "decision_maker": True}
    assert data["key_dates"][-1] == {"kind": "renewal_due", "date": "2025-05-01", "note": "年度续约"}
    assert data["orders"] == [{"date": "2024-06-01", "item": "年度服务", "amount": 12000, "status": "paid"}]
    assert _crm(one.root, "validate")[0] == 0


def test_a_value_the_model_refuses_is_a_problem_at_its_field(one):
    outcome = actions.add_order(
        one.project, ID, {"date": date(2024, 6, 1), "item": "服务", "amount": 100, "status": "maybe"}
    )
    assert not outcome.ok and outcome.problems[0].field.startswith("orders[0].status")
    assert outcome.problems[0].file == f"records/customers/{ID}.yaml" and outcome.problems[0].line > 1


def test_cases_open_and_resolve_and_the_case_meant_is_asked_for_when_several_are_open(one):
    project = one.project
    assert actions.open_case(project, ID, kind="complaint", summary="发票抬头错误", opened=date(2024, 6, 1)).written
    assert actions.open_case(project, ID, kind="after_sales", summary="设备报修", opened=date(2024, 6, 3)).written
    unsure = actions.resolve_case(project, ID, resolved=date(2024, 6, 5), resolution="已重开发票")
    assert (
        not unsure.ok
        and "2 open: 1) 2024-06-01 complaint 发票抬头错误; 2) 2024-06-03 after_sales 设备报修" in _messages(unsure)
    )
    early = actions.resolve_case(project, ID, resolved=date(2024, 5, 1), which=1)
    assert not early.ok and "before the case was opened" in _messages(early)
    assert actions.resolve_case(project, ID, resolved=date(2024, 6, 5), resolution="已重开发票", which=1).written
    assert actions.update_case(project, ID, {"status": "in_progress"}).written  # the only open one now
    cases = _data(one)["service_cases"]
    assert cases[0] == {
        "kind": "complaint",
        "opened": "2024-06-01",
        "resolved": "2024-06-05",
        "status": "resolved",
        "summary": "发票抬头错误",
        "resolution": "已重开发票",
    }
    assert cases[1]["status"] == "in_progress"
    assert "no open service case" not in _messages(actions.resolve_case(project, ID, resolved=date(2024, 6, 9)))
    assert "has no open service case" in _messages(actions.resolve_case(project, ID, resolved=date(2024, 6, 9)))
    assert "status resolved or closed" in _messages(
        actions.resolve_case(project, ID, resolved=date(2024, 6, 9), status="open")
    )


def test_complete_step_marks_the_pending_step_done(one):
    project = one.project
    actions.log_interaction(
        project,
        ID,
        day=date(2024, 6, 1),
        channel="phone",
        topic="报价",
        summary="发报价",
        next_action="跟进报价",
        due=date(2024, 6, 8),
    )
    assert "2 open" in _messages(actions.complete_step(project, ID))  # the sample record has a pending step too
    assert actions.complete_step(project, ID, which=2).written
    assert _data(one)["interactions"][-1]["next_step"]["status"] == "done"
    assert actions.complete_step(project, ID).written  # the one left
    assert "has no open next step" in _messages(actions.complete_step(project, ID))
    assert "no open next step number 3" in _messages(actions.complete_step(project, ID, which=3))


def test_set_fields_reads_text_as_the_field_types_and_never_changes_the_id(one):
    project = one.project
    assert actions.set_fields(
        project, ID, {"cooperation": "active", "satisfaction": "4", "size.employees": "from_50_to_100", "city": "no"}
    ).written
    data = _data(one)
    assert (data["cooperation"], data["satisfaction"], data["size"], data["city"]) == (
        "active",
        4,
        {"employees": "from_50_to_100"},
        "no",
    )
    assert actions.set_fields(project, ID, {"id": "C20240501009"}).problems[0].field == "id"
    same = actions.set_fields(project, ID, {"cooperation": "active"})
    assert same.ok and not same.written and same.changes == () and "already says so" in same.report[0]


def test_an_owner_change_brings_codeowners_along(one):
    outcome = actions.set_fields(one.project, ID, {"owner": "wang.fang"})
    assert outcome.written and [one.project.relative(c.path) for c in outcome.changes][-1] == ".github/CODEOWNERS"
    assert f"/records/customers/{ID}.yaml" in (one.root / ".github/CODEOWNERS").read_text()


def test_merge_checks_both_before_writing_either(one):
    one.good("C20240501002", "A科技", **{"owner: li.wei": "owner: li.wei\nreferred_by: C20240501001"})
    one.good("C20240501003", "A科技")
    project = one.project
    paths = [one.customers / f"C2024050100{n}.yaml" for n in (1, 2, 3)]
    before = [p.read_bytes() for p in paths]
    assert "into itself" in _messages(actions.merge_customers(project, "C20240501001", "C20240501001"))
    # 002 refers to 001: merged into 001, 001 would refer to itself; 002's own change alone would be valid
    refused = actions.merge_customers(project, "C20240501001", "C20240501002")
    assert not refused.ok and refused.problems[0].file == "records/customers/C20240501001.yaml"
    assert [p.read_bytes() for p in paths] == before
    outcome = actions.merge_customers(project, "C20240501001", "C20240501003")
    assert outcome.written and _data(one, "C20240501003")["merged_into"] == "C20240501001"
    assert "kept in C20240501001's notes (they differ): name: A科技" in outcome.report
    assert "merged into C20240501001" in _messages(
        actions.log_interaction(project, "C20240501003", day=date(2024, 6, 1), channel="phone", topic="t", summary="s")
    )


def test_a_file_changed_meanwhile_is_never_overwritten(one, monkeypatch):
    path = one.customers / f"{ID}.yaml"
    real = actions.write_atomically

    def someone_else_first(target, data, *, expect=None):
        path.write_text(path.read_text(encoding="utf-8") + "# edited elsewhere\n", encoding="utf-8")
        return real(target, data, expect=expect)

    monkeypatch.setattr(actions, "write_atomically", someone_else_first)
    outcome = actions.set_fields(one.project, ID, {"city": "杭州"})
    assert not outcome.ok and "changed while it was being edited" in _messages(outcome)
    assert path.read_text(encoding="utf-8").endswith("# edited elsewhere\n") and "杭州" not in path.read_text(
        encoding="utf-8"
    )


def test_sync_generated_checks_and_writes_codeowners_forms_and_schema(one):
    stale = actions.sync_generated(one.project, check=True)
    assert not stale.written and {c.path.name for c in stale.changes} >= {
        "CODEOWNERS",
        "add-order.yml",
        "new-customer.yml",
    }
    assert actions.sync_generated(one.project).written
    assert actions.sync_generated(one.project, check=True).changes == ()


def test_a_missing_record_or_an_id_that_is_a_path_is_refused(one):
    assert "no record C20240501009" in _messages(
        actions.add_key_date(one.project, "C20240501009", kind="other", day=date(2024, 1, 1))
    )
    assert "is not a customer id" in _messages(
        actions.add_key_date(one.project, "../team", kind="other", day=date(2024, 1, 1))
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=30), st.text(max_size=30))
def test_any_text_is_written_so_that_it_reads_back_or_is_refused_with_nothing_written(repo, item, note):
    path = repo.good()
    before = path.read_bytes()
    outcome = actions.add_key_date(repo.project, ID, kind="other", day=date(2024, 7, 1), note=note or None)
    if outcome.written:
        if note.strip():
            assert _data(repo)["key_dates"][-1].get("note") == note
    else:
        assert path.read_bytes() == before and outcome.problems
    path.write_bytes(before)
    outcome = actions.add_order(repo.project, ID, {"date": date(2024, 6, 1), "item": item, "amount": 1})
    if outcome.written:
        assert _data(repo)["orders"][-1]["item"] == item
    else:
        assert path.read_bytes() == before and outcome.problems
