"""A rule of writing lives in one place: change it there, and the command line, the issue forms and
the import all follow (none keeps a copy of its own)."""

from __future__ import annotations

from datetime import date

from plaincrm.issue_forms import form_by_name, parse_body
from plaincrm.loading import parse_text
from plaincrm.quick_entry import FormError, apply
from plaincrm.write import actions, scaffold

from .sheetkit import write_csv
from .test_history import _crm
from .test_quick_entry_forms import body

ID = "C20240501001"


def _data(repo, record_id: str) -> dict:
    return parse_text((repo.customers / f"{record_id}.yaml").read_text(encoding="utf-8"), "").data


def test_a_stricter_next_step_rule_reaches_the_command_and_the_form(repo, monkeypatch):
    repo.good()
    log = form_by_name("log-interaction")
    answers = {
        "id": ID,
        "date": "2024-06-01",
        "channel": "phone — Phone / 电话",
        "topic": "回访",
        "summary": "确认预算",
        "next": "发送报价",
        "due": "2024-12-01",
    }
    rule = actions.next_step

    def within_a_month(action, due, *, project, record_id):  # the team's new rule, written once
        if due is not None and (due - date(2024, 6, 1)).days > 31:
            raise actions.refusal(project, record_id, "next_step", "a next step is due within a month")
        return rule(action, due, project=project, record_id=record_id)

    monkeypatch.setattr(actions, "next_step", within_a_month)
    code, _, err = _crm(
        repo.root,
        "log",
        ID,
        "--channel",
        "phone",
        "--topic",
        "回访",
        "--summary",
        "确认预算",
        "--date",
        "2024-06-01",
        "--next",
        "发送报价",
        "--due",
        "2024-12-01",
    )
    assert code == 1 and "a next step is due within a month" in err
    try:
        apply(repo.project, log, parse_body(body(log, answers), log), today=date(2024, 6, 1))
        raise AssertionError("the form did not follow the rule")
    except FormError as error:
        assert "a next step is due within a month" in str(error)
    assert len(_data(repo, ID)["interactions"]) == 1  # nothing written by either
    # and the rule as shipped: both ask for the due date with the same words
    monkeypatch.setattr(actions, "next_step", rule)
    code, _, err = _crm(repo.root, "log", ID, "--channel", "phone", "--topic", "t", "--summary", "s", "--next", "x")
    said = "a next step needs its due date"
    assert code == 1 and said in err
    try:
        apply(repo.project, log, parse_body(body(log, {**answers, "due": ""}), log), today=date(2024, 6, 1))
        raise AssertionError("the form did not follow the rule")
    except FormError as error:
        assert said in str(error)


def test_new_customer_defaults_change_once_for_the_command_the_form_and_the_import(repo, tmp_path, monkeypatch):
    monkeypatch.setattr(
        scaffold, "NEW_DEFAULTS", tuple((k, "paused" if k == "cooperation" else v) for k, v in scaffold.NEW_DEFAULTS)
    )
    assert _crm(repo.root, "new", "--name", "甲公司", "--owner", "li.wei", "--today", "2024-06-01")[0] == 0
    new = form_by_name("new-customer")
    answers = {
        "name": "乙公司",
        "kind": "company",
        "owner": "li.wei",
        "source": "referral",
        "industry": "other",
        "category": "new",
    }
    apply(repo.project, new, parse_body(body(new, answers), new), today=date(2024, 6, 1))
    sheet = write_csv(tmp_path / "客户信息表.csv", [["客户名称", "跟进人"], ["丙公司", "李伟"]])
    code, out, err = _crm(repo.root, "import", str(sheet), "--today", "2024-06-01")
    assert code == 0, out + err
    made = {_data(repo, p.stem)["name"]: _data(repo, p.stem) for p in repo.customers.glob("*.yaml")}
    assert {name: data["cooperation"] for name, data in made.items()} == {
        "甲公司": "paused",
        "乙公司": "paused",
        "丙公司": "paused",
    }
    assert {data["id"] for data in made.values()} == {"C20240601001", "C20240601002", "C20240601003"}  # one id rule
