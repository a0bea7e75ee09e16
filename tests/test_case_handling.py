"""Service cases carry who handled them, where, who took part and the steps taken (guide D's 服务记录:
时间, 地点, 参与人员, 内容, 结果): through every front end (the actions, `crm case` in both languages,
the issue forms), checked (a handle must be a team member, no step before the case was opened), on the
customer page (escaped) and in the complaints report's handling time per handler; `crm history` says
a step added in words."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.dataset import load_dataset
from plaincrm.issue_forms import form_by_name, form_yaml, parse_body
from plaincrm.loading import parse_text
from plaincrm.quick_entry import FormError, apply
from plaincrm.reports import Wording, complaints
from plaincrm.site.build import build_for_site
from plaincrm.site.i18n import text
from plaincrm.views import derive
from plaincrm.write import actions

from .conftest import make_repo
from .gitkit import ScriptedGit
from .sitekit import make_site_repo
from .test_cli_customer import _crm

ID = "C20240501001"
TODAY = date(2026, 11, 23)
CASES_AT = "key_dates:\n  - {kind: first"  # where a good record takes a service_cases list


def _cases(repo, record_id: str = ID) -> list[dict]:
    return parse_text((repo.customers / f"{record_id}.yaml").read_text(encoding="utf-8"), "").data["service_cases"]


@pytest.fixture
def one(repo):
    repo.good()
    return repo


def _with_cases(repo, record_id: str, *cases: str):
    """A good record with these service cases (each a YAML flow mapping)."""
    listed = "".join(f"  - {case}\n" for case in cases)
    repo.good(record_id, **{CASES_AT: f"service_cases:\n{listed}{CASES_AT}"})


# --- the write actions ------------------------------------------------------------------------


def test_the_actions_write_handler_place_participants_and_steps(one):
    project = one.project
    step = actions.case_step(
        "电话了解情况", day=date(2026, 11, 20), result="需重开发票", by="zhang.min", project=project, record_id=ID
    )
    outcome = actions.open_case(
        project,
        ID,
        kind="complaint",
        summary="发票抬头错误",
        opened=date(2026, 11, 20),
        handler="zhang.min",
        place="客户现场",
        participants=["li.wei", "li.wei", "chen.jie"],
        step=step,
    )
    assert outcome.written, outcome.problems
    outcome = actions.update_case(
        project,
        ID,
        {"place": "线上"},
        participants=["chen.jie", "wang.fang"],
        step=actions.case_step("寄送新发票", day=date(2026, 11, 21), project=project, record_id=ID),
    )
    assert outcome.written, outcome.problems
    final = actions.case_step(
        "回访确认", day=date(2026, 11, 23), result="客户满意", by="li.wei", project=project, record_id=ID
    )
    outcome = actions.resolve_case(project, ID, resolved=date(2026, 11, 23), resolution="已重开发票", step=final)
    assert outcome.written, outcome.problems
    assert _cases(one) == [
        {
            "kind": "complaint",
            "opened": "2026-11-20",
            "resolved": "2026-11-23",
            "status": "resolved",
            "summary": "发票抬头错误",
            "resolution": "已重开发票",
            "handler": "zhang.min",
            "place": "线上",
            "participants": ["li.wei", "chen.jie", "wang.fang"],  # each once, in the order given
            "steps": [
                {"date": "2026-11-20", "action": "电话了解情况", "result": "需重开发票", "by": "zhang.min"},
                {"date": "2026-11-21", "action": "寄送新发票"},
                {"date": "2026-11-23", "action": "回访确认", "result": "客户满意", "by": "li.wei"},
            ],
        }
    ]
    text_now = (one.customers / f"{ID}.yaml").read_text(encoding="utf-8")
    assert "&id" not in text_now and "*id" not in text_now  # a step dated the day opened is no YAML alias
    assert "    steps:\n      - {date: 2026-11-20, action: 电话了解情况" in text_now  # a block list of short items


def test_a_result_needs_its_step_and_unknown_handles_are_refused(one):
    project = one.project
    before = (one.customers / f"{ID}.yaml").read_bytes()
    with pytest.raises(actions.Refused, match="a step's result needs the step itself"):
        actions.case_step(None, day=TODAY, result="好了", project=project, record_id=ID)
    assert actions.case_step(None, day=TODAY, project=project, record_id=ID) is None
    outcome = actions.open_case(project, ID, kind="complaint", summary="s", opened=TODAY, handler="ghost")
    assert [(p.field, p.code) for p in outcome.problems] == [("service_cases[0].handler", "record.unknown-member")]
    outcome = actions.open_case(
        project, ID, kind="complaint", summary="s", opened=TODAY, participants=["li.wei", "nobody"]
    )
    assert [p.field for p in outcome.problems] == ["service_cases[0].participants[1]"]
    early = actions.case_step("先做了", day=TODAY - timedelta(days=1), project=project, record_id=ID)
    outcome = actions.open_case(project, ID, kind="complaint", summary="s", opened=TODAY, step=early)
    assert [p.field for p in outcome.problems] == ["service_cases[0].steps"]
    assert "before the case was opened (2026-11-23)" in outcome.problems[0].message
    assert (one.customers / f"{ID}.yaml").read_bytes() == before


# --- crm case open | update | resolve -------------------------------------------------------------


def test_the_cli_in_both_languages(one):
    code, out, err = _crm(
        one.root,
        *("case", "open", ID, "--kind", "complaint", "--summary", "设备异响", "--date", "2026-11-18"),
        *("--handler", "zhang.min", "--place", "客户车间", "--participant", "li.wei", "--participant", "chen.jie"),
        *("--step", "电话受理", "--step-result", "约定上门", "--step-date", "2026-11-18", "--today", "2026-11-18"),
    )
    assert code == 0, err
    code, out, err = _crm(one.root, "case", "update", ID, "--step", "上门检查", "--today", "2026-11-20", "--lang", "zh")
    assert code == 0, err
    code, out, err = _crm(
        one.root,
        *("case", "resolve", ID, "--resolution", "更换轴承", "--step", "更换轴承并试机", "--step-result", "异响消除"),
        *("--today", "2026-11-21", "--step-by", "li.wei"),
    )
    assert code == 0, err
    case = _cases(one)[0]
    assert (
        case["handler"] == "zhang.min"
        and case["place"] == "客户车间"
        and case["participants"] == ["li.wei", "chen.jie"]
    )
    assert case["steps"] == [
        {"date": "2026-11-18", "action": "电话受理", "result": "约定上门", "by": "zhang.min"},  # --step-by: --handler
        {"date": "2026-11-20", "action": "上门检查"},  # --step-date: today
        {"date": "2026-11-21", "action": "更换轴承并试机", "result": "异响消除", "by": "li.wei"},  # the day resolved
    ]
    assert case["resolved"] == "2026-11-21" and case["status"] == "resolved"


def test_the_cli_names_the_option_of_an_unknown_handle_in_both_languages(one):
    path = one.customers / f"{ID}.yaml"
    before = path.read_bytes()
    opening = ("case", "open", ID, "--kind", "complaint", "--summary", "s", "--today", "2026-11-23")
    code, _, err = _crm(one.root, *opening, "--handler", "ghost")
    assert code == 2
    assert "crm case open: --handler: 'ghost' is not a member of the team (records/team.yaml); members: li.wei" in err
    code, _, err = _crm(one.root, *opening, "--participant", "li.wei", "--participant", "王芳", "--lang", "zh")
    assert code == 2 and "--participant：'王芳' 不是团队成员（records/team.yaml）；可选成员：li.wei" in err
    code, _, err = _crm(one.root, *opening, "--step", "x", "--step-by", "nobody", "--lang", "zh")
    assert code == 2 and "--step-by：'nobody' 不是团队成员" in err
    code, _, err = _crm(one.root, *opening, "--step-result", "好了", "--lang", "zh")
    assert code == 2 and "填写服务记录的结果时须同时填写内容" in err
    code, _, err = _crm(one.root, *opening, "--step", "x", "--step-date", "2026-11-01", "--lang", "zh")
    assert code == 1 and "service_cases[0].steps" in err and "未写入任何内容" in err
    code, _, err = _crm(one.root, "case", "update", ID, "--today", "2026-11-23")
    assert code == 2 and "--handler, --place, --participant, --step" in err
    assert path.read_bytes() == before


# --- the issue forms -----------------------------------------------------------------------------


def _body(form, answers: dict[str, str]) -> str:
    from plaincrm.issue_forms import NO_RESPONSE

    return "\n\n".join(f"### {f.label}\n\n{answers.get(f.id) or NO_RESPONSE}" for f in form.fields) + "\n"


def test_the_case_forms_ask_for_handler_place_and_step_and_from_issue_writes_them(one):
    project = one.project
    opening = form_by_name("open-case", project)
    asked = {item.get("id"): item for item in __import__("yaml").safe_load(form_yaml(project, opening))["body"]}
    assert asked["handler"]["attributes"] == {
        "label": "Handler / 处理人",
        "description": "A handle from records/team.yaml, e.g. li.wei",
    }
    assert asked["place"]["attributes"]["label"] == "Place / 服务地点"
    assert asked["step"]["attributes"]["label"] == "Steps taken: What was done / 服务记录：内容"
    assert asked["step_result"]["attributes"]["label"] == "Steps taken: Result / 服务记录：结果"
    assert "participants" not in asked and "steps" not in asked  # a list is not one text box
    answers = {
        "id": ID,
        "kind": "complaint — Complaint / 投诉",
        "opened": "2026-11-20",
        "summary": "发票抬头错误",
        "handler": "zhang.min",
        "place": "客户现场",
        "step": "电话了解情况",
        "step_result": "需重开发票",
    }
    apply(project, opening, parse_body(_body(opening, answers), opening), today=TODAY, author_login="zhangmin-svc")
    resolving = form_by_name("resolve-case", project)
    answers = {"id": ID, "resolved": "2026-11-22", "resolution": "已重开发票", "step": "回访", "step_result": "满意"}
    apply(project, resolving, parse_body(_body(resolving, answers), resolving), today=TODAY, author_login="stranger")
    case = _cases(one)[0]
    assert case["handler"] == "zhang.min" and case["place"] == "客户现场"
    assert case["steps"] == [
        {"date": "2026-11-20", "action": "电话了解情况", "result": "需重开发票", "by": "zhang.min"},  # the author
        {"date": "2026-11-22", "action": "回访", "result": "满意"},  # an author the team does not know: no one
    ]


def test_a_case_form_with_an_unknown_handler_or_a_lone_result_changes_nothing(one):
    project = one.project
    before = (one.customers / f"{ID}.yaml").read_bytes()
    form = form_by_name("open-case", project)
    answers = {"id": ID, "kind": "complaint", "opened": "2026-11-20", "summary": "s", "handler": "ghost"}
    with pytest.raises(FormError, match=r"handler: 'ghost' is not a member of the team"):
        apply(project, form, parse_body(_body(form, answers), form), today=TODAY)
    answers = {"id": ID, "kind": "complaint", "opened": "2026-11-20", "summary": "s", "step_result": "好了"}
    with pytest.raises(FormError, match="a step's result needs the step itself"):
        apply(project, form, parse_body(_body(form, answers), form), today=TODAY)
    assert (one.customers / f"{ID}.yaml").read_bytes() == before


# --- validation ----------------------------------------------------------------------------------

BAD_CASE = """\
service_cases:
  - kind: complaint
    opened: 2026-11-10
    summary: 设备异响
    handler: ghost
    participants: [li.wei, nobody]
    steps:
      - {date: 2026-11-09, action: 提前处理}
      - {date: 2026-11-12, action: 上门, by: nobody.else}
"""


def test_validation_names_file_line_and_field_in_both_languages(repo):
    repo.good(ID, **{"key_dates:\n": BAD_CASE + "key_dates:\n"})
    lines = (repo.customers / f"{ID}.yaml").read_text(encoding="utf-8").splitlines()
    handler_line = lines.index("    handler: ghost") + 1
    steps_line = lines.index("      - {date: 2026-11-09, action: 提前处理}") + 1  # the list, where it starts
    code, out, _ = _crm(repo.root, "validate", "--no-cache")
    assert code == 1
    file = f"records/customers/{ID}.yaml"
    assert f"{file}:{handler_line}:14: service_cases[0].handler: 'ghost' is not a member of the team" in out
    assert f"{file}:{handler_line + 1}:" in out and "service_cases[0].participants[1]: 'nobody'" in out
    assert "service_cases[0].steps[1].by: 'nobody.else' is not a member" in out
    assert re.search(
        rf"{file}:{steps_line}:7: service_cases\[0\]\.steps: step 1 is dated 2026-11-09, before the case was "
        r"opened \(2026-11-10\)",
        out,
    )
    code, out, _ = _crm(repo.root, "validate", "--no-cache", "--lang", "zh")
    assert f"{file}:{handler_line}:14: service_cases[0].handler: 'ghost' 不是团队成员" in out
    assert "service_cases[0].steps: 取值不符合规则：step 1 is dated 2026-11-09" in out


# --- the customer page ---------------------------------------------------------------------------

HOSTILE = "C20261101002"
HOSTILE_RECORD = f"""\
id: {HOSTILE}
kind: company
name: 某公司
industry: other
source: other
category: new
cooperation: not_started
owner: li.wei
service_cases:
  - kind: complaint
    opened: 2026-11-01
    status: in_progress
    summary: 设备故障
    handler: zhang.min
    place: "<script>window.__xss=1</script>客户现场"
    participants: [chen.jie]
    steps:
      - {{date: 2026-11-02, action: "<img src=x onerror=alert(1)>上门", result: "<b>已修复</b>", by: li.wei}}
"""


def test_the_customer_page_shows_handler_place_participants_and_steps_escaped(tmp_path):
    root = make_site_repo(tmp_path, extra={f"{HOSTILE}.yaml": HOSTILE_RECORD})
    for lang, handler, result in (("en", "Handler", "Result"), ("zh", "处理人", "结果")):
        site = build_for_site(root, today=TODAY, lang=lang)[1]
        pages = {p.src: p.html for p in site.customer_pages()}
        html = pages[f"customers/{HOSTILE}.md"]
        records = html.split('class="pcrm-case-records"')[1].split("</div>")[0]
        assert f"<li>{handler}: <bdi>张敏</bdi></li>" in records  # by name
        assert "<bdi>&lt;script&gt;window.__xss=1&lt;/script&gt;客户现场</bdi>" in records
        assert "<bdi>陈杰</bdi>" in records
        assert "<time>2026-11-02</time> <bdi>&lt;img src=x onerror=alert(1)&gt;上门</bdi>" in records
        assert f"{result}: <bdi>&lt;b&gt;已修复&lt;/b&gt;</bdi>" in records and "— <bdi>李伟</bdi>" in records
        assert "<script>window.__xss" not in html and "<img src=x" not in html and "<b>已修复" not in html
        assert text("case_records", lang) in records
        sample = pages["customers/C20230915001.md"]  # the sample's own: a complaint handled on site
        assert "客户二厂新产线现场" in sample and "安排12台边缘网关加急补发" in sample
        plain = pages["customers/C20240501002.md"]  # no case with a handler: no service records block
        assert "pcrm-case-records" not in plain
        report = next(p.html for p in site.pages if p.src == "reports/complaints.md")
        assert text("table.per_handler", lang) in report and text("word.unassigned", lang) in report


# --- the complaints report -----------------------------------------------------------------------


def test_handling_time_per_handler_worked_out_by_hand(repo):
    _with_cases(
        repo,
        "C20240501001",
        "{kind: complaint, opened: 2026-10-01, resolved: 2026-10-04, status: resolved, summary: a, handler: li.wei}",
        "{kind: complaint, opened: 2026-10-10, resolved: 2026-10-15, status: resolved, summary: b, handler: li.wei}",
        "{kind: complaint, opened: 2026-11-01, status: open, summary: c, handler: li.wei}",
        "{kind: after_sales, opened: 2026-11-02, status: open, summary: not a complaint, handler: li.wei}",
    )
    _with_cases(
        repo,
        "C20240501002",
        "{kind: complaint, opened: 2026-11-05, status: in_progress, summary: d, handler: zhang.min}",
        "{kind: complaint, opened: 2026-11-06, status: open, summary: e}",
        "{kind: complaint, opened: 2026-12-01, status: open, summary: after today, handler: zhang.min}",
        "{kind: complaint, opened: 2026-11-20, resolved: 2026-11-30, status: resolved, summary: f, handler: chen.jie}",
    )
    views = derive(load_dataset(repo.project), TODAY)
    report = complaints(views)
    got = {t.title: t.rows for t in report.tables}
    assert got["per_handler"] == [
        ["chen.jie", 1, 0, None, 1],  # resolved after today: still open today
        ["li.wei", 3, 2, 4.0, 1],  # 3 and 5 days: 4.0 on average
        ["zhang.min", 1, 0, None, 1],  # the one opened after today is not there yet
    ]
    assert got["unassigned"] == [["unassigned", 1, 0, None, 1]]
    assert got["resolution"] == [[2, 4.0]]  # the existing tables as they were
    zh = Wording.of(views, "zh", lambda key, default: text(key, "zh", default))
    tables = {t.title: t for t in report.tables}
    assert zh.row(tables["per_handler"], got["per_handler"][1]) == ["李伟", "3", "2", "4", "1"]
    assert zh.row(tables["unassigned"], got["unassigned"][0]) == ["未指定处理人", "1", "0", "–", "1"]
    assert zh.headers(tables["per_handler"]) == ["处理人", "处理投诉数", "已解决", "平均解决天数", "仍未解决"]
    code, out, _ = _crm(repo.root, "report", "complaints", "--today", "2026-11-23", "--lang", "zh")
    assert code == 0 and "各处理人的处理用时" in out and "未指定处理人" in out and "李伟" in out


def test_without_complaints_the_unassigned_row_says_none(repo):
    repo.good()
    got = {t.title: t.rows for t in complaints(derive(load_dataset(repo.project), TODAY)).tables}
    assert got["per_handler"] == [] and got["unassigned"] == [["unassigned", 0, 0, None, 0]]


HANDLERS = st.sampled_from([None, "li.wei", "zhang.min", "chen.jie"])
CASE = st.tuples(st.integers(0, 40), st.one_of(st.none(), st.integers(0, 20)), HANDLERS, st.booleans())


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One repository and its loaded schema, for every example (loading the models is the slow part)."""
    repo = make_repo(tmp_path_factory.mktemp("cases"))
    return repo, repo.project


@settings(max_examples=15, deadline=None)
@given(st.lists(CASE, max_size=8))
def test_every_complaint_is_counted_once_across_handlers(scratch, cases):
    """Whatever the cases, the per-handler rows and the unassigned row add up to the report's own counts."""
    repo, project = scratch
    opened0 = TODAY - timedelta(days=30)
    items = []
    for back, took, handler, complaint in cases:
        opened = opened0 + timedelta(days=back)  # up to 10 days after today: not there yet
        item = f"kind: {'complaint' if complaint else 'consultation'}, opened: {opened}, summary: x"
        if took is not None:
            item += f", resolved: {opened + timedelta(days=took)}, status: resolved"
        items.append("{" + item + (f", handler: {handler}" if handler else "") + "}")
    if items:
        _with_cases(repo, ID, *items)
    else:
        repo.good()
    got = {t.title: t.rows for t in complaints(derive(load_dataset(project), TODAY)).tables}
    rows = got["per_handler"] + got["unassigned"]
    counted = [(o, t) for o, t in ((opened0 + timedelta(days=b), t) for b, t, _, c in cases if c) if o <= TODAY]
    assert sum(r[1] for r in rows) == len(counted)
    assert sum(r[2] for r in rows) == got["resolution"][0][0]
    assert sum(r[4] for r in rows) == len(got["open"])
    assert all(r[1] == r[2] + r[4] for r in rows)  # each handled complaint is resolved or still open


# --- history -------------------------------------------------------------------------------------


def test_crm_history_says_a_step_added_in_words(one):
    git = ScriptedGit(one.root)
    assert (
        _crm(one.root, "case", "open", ID, "--kind", "complaint", "--summary", "配送延迟", "--today", "2026-11-20")[0]
        == 0
    )
    git.commit("open a case", date="2026-11-20T09:00:00+08:00")
    code, _, err = _crm(
        one.root,
        *("case", "update", ID, "--step", "上门检查", "--step-result", "已更换", "--participant", "li.wei"),
        *("--place", "客户仓库", "--today", "2026-11-21"),
    )
    assert code == 0, err
    git.commit("a step taken", date="2026-11-21T09:00:00+08:00")
    code, out, _ = _crm(one.root, "history", ID)
    entry = out.split("a step taken")[1].split("open a case")[0]
    assert "service case complaint step added: 2026-11-21 上门检查 已更换" in entry
    assert "service case complaint place set: 客户仓库" in entry and "participants: +李伟" in entry
    code, out, _ = _crm(one.root, "history", ID, "--lang", "zh")
    assert "新增服务工单「complaint」的服务记录：2026-11-21 上门检查 已更换" in out
    assert "填写服务工单「complaint」的服务地点：客户仓库" in out
