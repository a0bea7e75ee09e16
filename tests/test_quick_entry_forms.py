"""The issue forms for an order, a service case (open, resolve) and a contact: generated from the
models, read back from GitHub's body, turned into the write action's change; through the workflow's
script the issue's label picks the form."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
import yaml

from plaincrm.issue_forms import form_by_name, form_yaml, parse_body
from plaincrm.loading import parse_text
from plaincrm.quick_entry import FormError, apply

from .conftest import make_repo
from .test_hostile_quick_entry import _assert_inert
from .test_workflow import _script_env, team_repo  # noqa: F401 - team_repo: a fixture

TODAY = date(2026, 11, 23)
ID = "C20240501001"


def body(form, answers: dict[str, str]) -> str:
    """An issue body as GitHub writes it: each field's label as a level-3 heading, then the answer."""
    from plaincrm.issue_forms import NO_RESPONSE

    return "\n\n".join(f"### {field.label}\n\n{answers.get(field.id) or NO_RESPONSE}" for field in form.fields) + "\n"


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo")
    repo.good()
    return repo


def _record(repo) -> dict:
    return parse_text((repo.customers / f"{ID}.yaml").read_text(encoding="utf-8"), "").data


def test_item_forms_are_generated_from_the_models(repo):
    order = yaml.safe_load(form_yaml(repo.project, form_by_name("add-order", repo.project)))
    fields = {item["id"]: item for item in order["body"] if item["type"] != "markdown"}
    assert list(fields) == ["id", "date", "item", "amount", "currency", "kind", "status", "payment_method"]
    assert fields["item"]["attributes"]["label"] == "Product or service / 产品/服务"  # the model's labels
    assert fields["amount"]["validations"] == {"required": True} and "validations" not in fields["currency"]
    assert fields["status"]["attributes"]["options"][0] == "quoted — Quoted / 已报价"  # the option list
    assert order["labels"] == ["crm:add-order"]
    contact = yaml.safe_load(form_yaml(repo.project, form_by_name("add-contact", repo.project)))
    decision = next(i for i in contact["body"] if i.get("id") == "decision_maker")
    assert decision["type"] == "dropdown" and decision["attributes"]["options"] == ["no — No / 否", "yes — Yes / 是"]


def test_an_order_a_contact_and_a_case_from_their_forms(repo):
    project = repo.project
    form = form_by_name("crm:add-order", project)
    answers = parse_body(
        body(
            form,
            {
                "id": ID,
                "date": "2026-11-20",
                "item": "年度运维服务",
                "amount": "36000",
                "kind": "renewal — Renewal / 续约",
                "status": "paid — Paid / 已付款",
            },
        ),
        form,
    )
    entry = apply(project, form, answers, today=TODAY)
    assert entry.files == (f"records/customers/{ID}.yaml",)
    assert _record(repo)["orders"] == [
        {"date": "2026-11-20", "item": "年度运维服务", "amount": 36000, "kind": "renewal", "status": "paid"}
    ]
    form = form_by_name("add-contact", project)
    apply(
        project,
        form,
        parse_body(
            body(
                form,
                {
                    "id": ID,
                    "name": "王总",
                    "title": "总经理",
                    "phone": "13900001111",
                    "decision_maker": "yes — Yes / 是",
                },
            ),
            form,
        ),
        today=TODAY,
    )
    assert _record(repo)["contacts"][-1] == {
        "name": "王总",
        "title": "总经理",
        "phone": "13900001111",
        "decision_maker": True,
    }
    form = form_by_name("open-case", project)
    apply(
        project,
        form,
        parse_body(
            body(
                form,
                {
                    "id": ID,
                    "kind": "complaint — Complaint / 投诉",
                    "opened": "2026-11-21",
                    "summary": "发票抬头错误\n需重开",
                },
            ),
            form,
        ),
        today=TODAY,
    )
    form = form_by_name("resolve-case", project)
    apply(
        project,
        form,
        parse_body(body(form, {"id": ID, "resolved": "2026-11-22", "resolution": "已重开发票"}), form),
        today=TODAY,
    )
    assert _record(repo)["service_cases"] == [
        {
            "kind": "complaint",
            "opened": "2026-11-21",
            "resolved": "2026-11-22",
            "status": "resolved",
            "summary": "发票抬头错误\n需重开",
            "resolution": "已重开发票",
        }
    ]


def test_a_form_refuses_what_the_action_refuses_and_writes_nothing(repo):
    project = repo.project
    before = (repo.customers / f"{ID}.yaml").read_bytes()
    form = form_by_name("add-order", project)
    with pytest.raises(FormError, match="amount"):
        apply(
            project,
            form,
            parse_body(body(form, {"id": ID, "date": "2026-11-20", "item": "服务", "amount": "很多"}), form),
            today=TODAY,
        )
    with pytest.raises(FormError, match="not a date"):
        apply(
            project,
            form,
            parse_body(body(form, {"id": ID, "date": "下周", "item": "服务", "amount": "1"}), form),
            today=TODAY,
        )
    resolve = form_by_name("resolve-case", project)
    with pytest.raises(FormError, match="has no open service case"):
        apply(project, resolve, parse_body(body(resolve, {"id": ID, "resolved": "2026-11-22"}), resolve), today=TODAY)
    with pytest.raises(FormError, match="is not a case number"):
        apply(
            project,
            resolve,
            parse_body(body(resolve, {"id": ID, "resolved": "2026-11-22", "case": "第一个"}), resolve),
            today=TODAY,
        )
    assert (repo.customers / f"{ID}.yaml").read_bytes() == before


def test_the_script_takes_the_form_from_the_issue_label(team_repo):  # noqa: F811
    root, git = team_repo
    project_form = form_by_name("add-order", make_repo(root.parent / "scratch").project)
    issue = body(
        project_form,
        {"id": ID, "date": "2026-11-20", "item": "年度服务 @everyone [x](http://x.example)", "amount": "12000"},
    )
    env = _script_env(
        LABELS="bug crm:add-order", ISSUE_BODY=issue, ISSUE_NUMBER="31", ISSUE_AUTHOR="liwei-sales", PLAINCRM_PUSH="0"
    )
    done = subprocess.run(
        [str(root / ".github/scripts/quick-entry.sh")], cwd=root, capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"pull request: crm/issue-31: add-order: records/customers/{ID}.yaml" in done.stdout
    _assert_inert(done.stdout.split("\n", 1)[1])
    assert git.run("show", "--format=", "--name-only", "HEAD") == f"records/customers/{ID}.yaml"
    env.update(LABELS="crm:../../x", ISSUE_NUMBER="32")
    done = subprocess.run(
        [str(root / ".github/scripts/quick-entry.sh")], cwd=root, capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2 and "no crm:FORM label" in done.stderr
