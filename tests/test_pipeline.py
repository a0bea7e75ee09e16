"""The sales pipeline (issue 18, guides C, D and E): the follow-up stage (跟进阶段) and intent to buy
(成交意向度) through every front end, the funnel report on a scripted git history worked out by hand,
the payment method of orders (支付方式), and the first and latest cooperation (首次/最近合作时间)."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm import funnel as funnel_module
from plaincrm import reports
from plaincrm.dataset import load_dataset
from plaincrm.facts import customer_facts
from plaincrm.funnel import NOTES, Stay, funnel, stage_events, stage_on, stays
from plaincrm.history.audit import Entry
from plaincrm.views import derive

from .conftest import Repo, make_repo
from .gitkit import ScriptedGit
from .sheetkit import data, write_csv
from .test_history import _crm

ID = "C20240501001"


def _with(repo, record_id: str, name: str, extra: str = "", day: str = "2024-05-01") -> str:
    """A good record with lines after `cooperation:` (a stage, an intent) and its first contact on `day`."""
    path = repo.good(
        record_id,
        name,
        **{
            "cooperation: not_started\n": "cooperation: not_started\n" + extra,
            "date: 2024-05-01}": f"date: {day}}}",
        },
    )
    return str(path.relative_to(repo.root))


# --- the fields through every front end ------------------------------------------------------


def test_crm_set_the_stage_and_intent_and_show_them_by_their_labels(repo):
    repo.good()
    code, _, err = _crm(repo.root, "set", ID, "stage=negotiation", "intent=high")
    assert code == 0, err
    record = data(repo, ID)
    assert record["stage"] == "negotiation" and record["intent"] == "high"
    text = (repo.customers / f"{ID}.yaml").read_text(encoding="utf-8")
    assert text.index("cooperation:") < text.index("stage:") < text.index("intent:") < text.index("owner:")
    code, out, _ = _crm(repo.root, "show", ID, "--lang", "zh")
    assert code == 0 and "跟进阶段: 商务谈判" in out and "成交意向度: 高" in out
    code, _, err = _crm(repo.root, "set", ID, "stage=closing")  # not a stage: refused, with the list
    assert code == 1 and "stage: 'closing' is not one of the stage options" in err and "negotiation (商务谈判)" in err
    assert "Traceback" not in err and data(repo, ID)["stage"] == "negotiation"
    assert _crm(repo.root, "set", ID, "stage=")[0] == 0 and "stage" not in data(repo, ID)  # empty: removed


def test_the_write_action_sets_them_and_names_the_field_it_refuses(repo):
    from plaincrm.write import actions

    repo.good()
    outcome = actions.set_fields(repo.project, ID, {"stage": "won", "intent": "low"})
    assert outcome.ok and data(repo, ID)["stage"] == "won"
    refused = actions.set_fields(repo.project, ID, {"intent": "very high"})
    assert not refused.ok and data(repo, ID)["intent"] == "low"
    (problem,) = refused.problems
    assert problem.file.endswith(f"{ID}.yaml") and problem.field == "intent" and "high (高)" in problem.message


def test_an_order_form_carries_the_payment_method(repo):
    from plaincrm.issue_forms import form_by_name, form_yaml, parse_body
    from plaincrm.quick_entry import FormError, apply

    repo.good()
    form = form_by_name("add-order", repo.project)
    assert "wechat_pay — WeChat Pay / 微信支付" in form_yaml(repo.project, form)

    def submit(method: str):
        answers = {"id": ID, "date": "2024-06-01", "item": "年度运维", "amount": "36000", "payment_method": method}
        body = "".join(f"### {f.label}\n\n{answers.get(f.id) or '_No response_'}\n\n" for f in form.fields)
        return apply(repo.project, form, parse_body(body, form), today=date(2024, 6, 1))

    submit("wechat_pay — WeChat Pay / 微信支付")
    assert data(repo, ID)["orders"] == [
        {"date": date(2024, 6, 1), "item": "年度运维", "amount": 36000, "payment_method": "wechat_pay"}
    ]
    with pytest.raises(FormError, match="payment_method"):
        submit("paypal")


def test_a_sheet_with_a_stage_column_is_read_by_the_fields_chinese_labels(repo, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: 表\ncolumns:\n  客户名称: name\n  跟进人: owner\n", encoding="utf-8")
    source = write_csv(
        tmp_path / "s.csv",
        [
            ["客户名称", "跟进人", "跟进阶段", "成交意向度"],
            ["甲公司", "li.wei", "商务谈判", "高"],
            ["乙公司", "li.wei", "Won", "low"],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--mapping", str(mapping), "--today", "2024-06-01")
    assert code == 0, err + out
    assert "跟进阶段 → stage" in out and "成交意向度 → intent" in out
    first, second = data(repo, "C20240601001"), data(repo, "C20240601002")
    assert (first["stage"], first["intent"]) == ("negotiation", "high")
    assert (second["stage"], second["intent"]) == ("won", "low")


def test_the_customer_page_and_the_index_facet_in_a_built_site(repo):
    from plaincrm.site import pages
    from plaincrm.site.build import build_for_site

    _with(repo, "C20240501001", "A科技有限公司", "stage: negotiation\nintent: high\n")
    _with(repo, "C20240501002", "B商贸公司", "stage: negotiation\n")
    _with(repo, "C20240501003", "C制造厂")
    for lang, stage, intent in (("en", "Negotiation", "High"), ("zh", "商务谈判", "高")):
        site = build_for_site(repo.root, today=date(2024, 6, 1), lang=lang, history=False)[1]
        html = site.render_customer(ID).html
        label = "Follow-up stage" if lang == "en" else "跟进阶段"
        assert f"<tr><th>{label}</th><td>{stage}</td></tr>" in html
        assert f">{intent}</td></tr>" in html and "segments/stage/negotiation.html" in html  # a chip to its segment
        script = site.files[pages.INDEX_DATA].decode()
        index = json.loads(json.loads(script[script.index("(") + 1 : script.rindex(")")]))
        assert {"stage", "intent"} <= set(index["facets"])
        assert index["labels"]["stage"] == {"negotiation": stage} and index["facet_titles"]["stage"] == label
        column = index["columns"].index("stage")
        assert sorted(row[column] for row in index["rows"]) == [[], ["negotiation"], ["negotiation"]]
        assert any(p.src == "segments/stage/negotiation.md" for p in site.pages)


# --- the funnel on a scripted history -------------------------------------------------------------

A, B, C, D, E = "C20250110001", "C20250110002", "C20250110003", "C20250110004", "C20260201001"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Five customers moved through the stages by commits on known dates (+08:00):

    A  created 2025-01-10 in initial_contact; needs_confirmed 2025-08-01, proposal 2025-09-15,
       negotiation 2025-10-15, won 2025-11-14
    B  created 2025-01-10 in initial_contact; needs_confirmed 2025-09-01, no_interaction 2026-03-01
    C  created 2025-01-10 without a stage; proposal 2025-12-01, negotiation 2026-01-31, won 2026-08-01
    D  created 2025-01-10 in proposal; won 2025-05-01
    E  created 2026-02-01 in initial_contact, never moved
    """
    repo = make_repo(tmp_path_factory.mktemp("pipeline") / "repo")
    git = ScriptedGit(repo.root)
    paths = {
        A: _with(repo, A, "A科技有限公司", "stage: initial_contact\n"),
        B: _with(repo, B, "B商贸公司", "stage: initial_contact\n"),
        C: _with(repo, C, "C制造厂"),
        D: _with(repo, D, "D物流公司", "stage: proposal\n"),
    }
    git.commit("Four customers from the fair", date="2025-01-10T09:00:00+08:00")

    def move(who: str, old: str, new: str, day: str) -> None:
        git.edit(paths[who], old, new)
        git.commit(f"{who}: {new}", date=f"{day}T18:00:00+08:00")

    move(D, "stage: proposal", "stage: won", "2025-05-01")
    move(A, "stage: initial_contact", "stage: needs_confirmed", "2025-08-01")
    move(B, "stage: initial_contact", "stage: needs_confirmed", "2025-09-01")
    move(A, "stage: needs_confirmed", "stage: proposal", "2025-09-15")
    move(A, "stage: proposal", "stage: negotiation", "2025-10-15")
    move(A, "stage: negotiation", "stage: won", "2025-11-14")
    move(C, "cooperation: not_started\n", "cooperation: not_started\nstage: proposal\n", "2025-12-01")
    move(C, "stage: proposal", "stage: negotiation", "2026-01-31")
    _with(repo, E, "E餐饮", "stage: initial_contact\n", day="2026-02-01")
    git.commit("E from the website", date="2026-02-01T10:00:00+08:00")
    move(B, "stage: needs_confirmed", "stage: no_interaction", "2026-03-01")
    move(C, "stage: negotiation", "stage: won", "2026-08-01")
    return repo, git


def _figures(repo, today: date) -> dict[str, tuple]:
    views = derive(load_dataset(repo.project), today)
    found = funnel(views)
    assert found.note == ""
    return {
        f.stage: (f.customers, f.in_period, f.moved_on, f.conversion, f.stays_ended, f.median_days)
        for f in found.stages
    }


def test_the_funnels_figures_worked_out_by_hand(pipeline):
    repo, _ = pipeline
    # today 2026-06-30: the period is 2025-07-01 … 2026-06-30. C's move to won (2026-08-01) comes later, so C
    # is in negotiation; A and D are won, B went quiet, E is at its first contact.
    # Stays and whether they touch the period (left after 2025-06-30, or not left):
    #   initial_contact: A 2025-01-10→2025-08-01 (203 days) yes, B 2025-01-10→2025-09-01 (234) yes, E from
    #     2026-02-01 yes. A and B moved on (needs_confirmed), E not: 2 of 3. Ended stays: A, B: median 218.5.
    #   needs_confirmed: A 2025-08-01→09-15 (45) moved on to proposal; B 2025-09-01→2026-03-01 (181) went quiet,
    #     which is no later stage: 1 of 2, median (45 + 181) / 2 = 113.
    #   proposal: A 09-15→10-15 (30) and C 2025-12-01→2026-01-31 (61) both reached negotiation; D left
    #     proposal on 2025-05-01, before the period: 2 of 2, median 45.5.
    #   negotiation: A 10-15→11-14 (30) won; C still negotiating on today: 1 of 2, one stay ended: 30.
    #   won: A and D in it (no later stage); no_interaction: B.
    assert _figures(repo, date(2026, 6, 30)) == {
        "initial_contact": (1, 3, 2, 0.6667, 2, 218.5),
        "needs_confirmed": (0, 2, 1, 0.5, 2, 113),
        "proposal": (0, 2, 2, 1.0, 2, 45.5),
        "negotiation": (1, 2, 1, 0.5, 1, 30),
        "won": (2, 2, None, None, 0, None),
        "no_interaction": (1, 1, None, None, 0, None),
    }


def test_a_today_before_the_last_change_does_not_count_it(pipeline):
    repo, _ = pipeline
    # today 2026-09-30: C won on 2026-08-01 (its negotiation, 2026-01-31→08-01, took 182 days): negotiation
    # converts 2 of 2 (A and C). The period now starts after 2025-09-30: of initial_contact only E is left
    # (A and B left it in August and September), of needs_confirmed only B (A left on 09-15).
    later = _figures(repo, date(2026, 9, 30))
    assert later["negotiation"] == (0, 2, 2, 1.0, 2, 106)  # median of 30 and 182
    assert later["won"][0] == 3 and later["initial_contact"][:4] == (1, 1, 0, 0.0)
    assert later["needs_confirmed"][:4] == (0, 1, 0, 0.0)
    # today 2025-06-30: only D has moved (to won); A and B were at their first contact, C had no stage, and
    # E did not exist in git yet, but its record did: counted in its stage as first committed.
    early = _figures(repo, date(2025, 6, 30))
    assert {stage: figures[0] for stage, figures in early.items()} == {
        "initial_contact": 3,
        "needs_confirmed": 0,
        "proposal": 0,
        "negotiation": 0,
        "won": 1,
        "no_interaction": 0,
    }
    # the period is 2024-07-01 … 2025-06-30: D's proposal (2025-01-10→05-01, 111 days) led to won; A and B are
    # at their first contact since 2025-01-10, E's creation is not dated by today
    assert early["proposal"][1:] == (1, 1, 1.0, 1, 111) and early["initial_contact"][1:] == (2, 0, 0.0, 0, None)


def test_crm_report_funnel_as_json_and_the_site_page_with_its_chart_and_downloads(pipeline):
    from plaincrm.site.build import build_for_site

    repo, _ = pipeline
    code, out, err = _crm(repo.root, "report", "funnel", "--today", "2026-06-30", "--format", "json")
    assert code == 0, err
    (report,) = json.loads(out)
    stages, conversion = report["tables"]
    assert report["report"] == "funnel" and [t["table"] for t in report["tables"]] == ["stages", "conversion"]
    assert stages["rows"][0] == {"stage": "initial_contact", "customers": 1, "share": 0.2}
    assert conversion["rows"][3]["conversion"] == 0.5 and conversion["rows"][4]["conversion"] is None
    code, out, _ = _crm(repo.root, "report", "funnel", "--today", "2026-06-30", "--lang", "zh")
    assert "销售漏斗: 各阶段客户数" in out and "初步接触" in out and "66.7%" in out
    site = build_for_site(repo.root, today=date(2026, 6, 30))[1]
    page = next(p.html for p in site.pages if p.src == "reports/funnel.md")
    assert page.count("<svg") == 1 and "Negotiation" in page and "66.7%" in page
    csv_text = site.files["reports/funnel.csv"]
    csv_text = (csv_text if isinstance(csv_text, bytes) else csv_text.value()).decode("utf-8")
    assert "Sales funnel: Customers per stage" in csv_text and "Needs confirmed,2,1,50.0%,2,113" in csv_text


def test_without_a_whole_history_the_report_says_so_and_shows_only_the_counts(pipeline, repo, tmp_path):
    def tables(root, *extra):
        code, out, err = _crm(root, "report", "funnel", "--today", "2026-06-30", "--format", "json", *extra)
        assert code == 0, err
        return {t["table"]: t["rows"] for t in json.loads(out)[0]["tables"]}

    _with(repo, ID, "A科技有限公司", "stage: won\n")  # not a git repository
    found = tables(repo.root)
    assert set(found) == {"stages", "history"} and found["history"] == [{"note": NOTES["no_repository"]}]
    assert found["stages"][4] == {"stage": "won", "customers": 1, "share": 1.0}
    zh = _crm(repo.root, "report", "funnel", "--today", "2026-06-30", "--lang", "zh")[1]
    assert "不在版本库中：没有阶段变更的日期，因此只显示客户数。" in zh
    source, _ = pipeline
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{source.root}", str(shallow)], check=True)
    assert tables(shallow)["history"] == [{"note": NOTES["partial"]}]
    ScriptedGit(repo.root).run("init", "-q")  # a repository with the records not committed
    assert tables(repo.root)["history"] == [{"note": NOTES["no_commits"]}]
    (repo.root / "README").write_text("x", encoding="utf-8")
    ScriptedGit(repo.root, init=False).run("add", "README")
    ScriptedGit(repo.root, init=False).run("commit", "-q", "-m", "readme")
    assert tables(repo.root)["history"] == [{"note": NOTES["untracked"]}]


def test_an_uncommitted_change_of_stage_counts_from_today(pipeline, tmp_path):
    repo, git = pipeline
    copy = git.copy(tmp_path / "copy")
    copy.edit(f"records/customers/{E}.yaml", "stage: initial_contact", "stage: needs_confirmed")
    views = derive(load_dataset(Repo(copy.root).project), date(2026, 6, 30))
    found = {f.stage: f for f in funnel(views).stages}
    assert found["needs_confirmed"].customers == 1 and found["initial_contact"].customers == 0
    # E's first contact, 2026-02-01 → today, is a stay ended today: 149 days; E moved on
    assert found["initial_contact"].moved_on == 3 and found["initial_contact"].stays_ended == 3
    assert found["initial_contact"].median_days == 203


def test_a_team_without_the_stage_field_has_no_funnel_and_no_stage_facet(repo):
    from plaincrm.reports import all_reports
    from plaincrm.site.pages import SiteOptions, build_site

    from .test_contract import remove_field

    remove_field(repo, "    stage: ")
    repo.good()
    views = derive(load_dataset(repo.project), date(2024, 6, 30))
    assert "funnel" not in [report.name for report in all_reports(views)]
    pages = {page.src for page in build_site(views, SiteOptions(today=date(2024, 6, 30))).pages}
    assert "reports/funnel.md" not in pages and not any(src.startswith("segments/stage/") for src in pages)
    assert "reports/distribution.md" in pages


def test_the_column_kinds_are_the_reports_own():
    assert (funnel_module.SHARE, funnel_module.PHRASE) == (reports.SHARE, reports.PHRASE)
    assert reports.NEEDS["funnel"] == ("stage",) and reports.READS["funnel"] == ("stage", reports.HISTORY)


# --- the history read into stays, for any sequence of changes -----------------------------------

STAGES = ("initial_contact", "needs_confirmed", "proposal", "negotiation", "won", "no_interaction", None)


def _entries(first: str | None, moves: list[tuple[date, str | None]], created: date) -> list[Entry]:
    """The entries `history.audit` would give a record created on `created` with `first` and moved by `moves`
    (newest first), each change as `changes.ChangeWords` says it."""
    out, value = [Entry("0", f"{created}T09:00:00+08:00", "a", "s", None, (("created",),), "x")], first
    for day, new in moves:
        if new == value:
            continue
        change = ("set", ("stage",), new) if value is None else ("removed", ("stage",), value)
        if value is not None and new is not None:
            change = ("changed", ("stage",), value, new, False)
        out.append(Entry("0", f"{day}T09:00:00+08:00", "a", "s", None, (change,), "x"))
        value = new
    return out[::-1]


@settings(max_examples=150, deadline=None)
@given(
    first=st.sampled_from(STAGES),
    moves=st.lists(st.tuples(st.integers(0, 400), st.sampled_from(STAGES)), max_size=8),
    today_offset=st.integers(-30, 450),
)
def test_the_stage_on_any_day_is_the_last_one_set_by_then(first, moves, today_offset):
    created = date(2025, 1, 1)
    dated = sorted(((created + timedelta(days=offset), stage) for offset, stage in moves), key=lambda m: m[0])
    entries = _entries(first, dated, created)
    current = next((new for _, new in reversed(dated)), first) if dated else first
    today = created + timedelta(days=today_offset)
    events = stage_events(entries, current)
    expected = first
    for day, new in dated:
        if day <= today:
            expected = new
    assert stage_on(events, current, today) == expected
    timeline = stays(events, current, today)
    if today >= created:
        assert timeline[0] == Stay(first, created, timeline[0].left) and timeline[-1].stage == expected
        assert timeline[-1].left is None and all(s.entered <= today for s in timeline)
        assert all(a.left == b.entered for a, b in zip(timeline, timeline[1:]))
    else:
        assert timeline == []


# --- payment method and the dates of cooperation ----------------------------------------------------

ORDERS = """\
key_dates:
  - {kind: first_contact, date: 2024-05-01}
  - {kind: contract_signed, date: 2024-04-20}
orders:
  - {date: 2024-03-01, item: 报价, amount: 5000, kind: new, status: quoted}
  - {date: 2024-06-01, item: 年度运维, amount: 36000, kind: new, status: paid, payment_method: bank_transfer}
  - {date: 2024-09-01, item: 增购, amount: 8000, kind: upsell, status: signed, payment_method: alipay}
  - {date: 2024-10-01, item: 取消, amount: 1000, kind: new, status: cancelled}
  - {date: 2025-02-01, item: 续约报价, amount: 30000, kind: renewal, status: quoted}
"""


def test_first_and_latest_cooperation_and_the_quoted_pipeline(repo):
    repo.good(**{"key_dates:\n  - {kind: first_contact, date: 2024-05-01}\n": ORDERS})
    dataset = load_dataset(repo.project)
    customer, settings_ = dataset.customers[ID], repo.project.settings
    assert customer.orders[1].payment_method == "bank_transfer"
    # counted: the contract signed 2024-04-20, the paid 06-01 and signed 09-01 orders (cancelled and quoted not)
    facts = customer_facts(customer, date(2025, 3, 1), settings_)
    assert (facts.first_cooperation, facts.latest_cooperation) == (date(2024, 4, 20), date(2024, 9, 1))
    assert facts.order_total == 44000 and facts.quoted_total == 35000
    before = customer_facts(customer, date(2024, 8, 31), settings_)  # the upsell and the renewal quote later
    assert (before.first_cooperation, before.latest_cooperation, before.quoted_total) == (
        date(2024, 4, 20),
        date(2024, 6, 1),
        5000,
    )
    assert customer_facts(customer, date(2024, 4, 1), settings_).first_cooperation is None
    code, out, err = _crm(repo.root, "export", "--format", "csv", "--lang", "zh", "--today", "2025-03-01")
    assert code == 0, err
    header, row = (line.split(",") for line in out.lstrip("\ufeff").splitlines()[:2])
    assert row[header.index("首次合作时间")] == "2024-04-20" and row[header.index("最近合作时间")] == "2024-09-01"
