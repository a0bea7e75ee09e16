"""The customer timeline: one dated list of interactions, orders, cases, key dates and record changes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.dataset import load_dataset
from plaincrm.history.audit import read_history
from plaincrm.project import Project
from plaincrm.show import RecordText
from plaincrm.site.build import build_for_site
from plaincrm.timeline import KINDS, timeline

from .conftest import GOOD_RECORD, make_repo
from .gitkit import ScriptedGit
from .sitekit import make_site_repo
from .test_browser import browser, page, site_url, site_url_zh  # noqa: F401  # the browser suite's fixtures

TODAY = date(2026, 11, 23)
A = "records/customers/C20240501001.yaml"

EVERY_KIND = GOOD_RECORD.format(id="C20240501001", name="A科技有限公司").replace(
    "key_dates:",
    """  - date: 2026-12-01
    channel: visit
    topic: 年度回访
    summary: 约好上门
    by: [wang.fang, chen.jie]
orders:
  - {date: 2024-06-01, item: 年度运维服务, amount: 36000, kind: renewal, status: paid}
service_cases:
  - {kind: complaint, opened: 2024-06-10, resolved: 2024-06-12, status: resolved, summary: 发票抬头错误, resolution: 已重开发票}
key_dates:
  - {kind: renewal_due, date: 2027-05-01}""",
)


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("timeline") / "repo")
    repo.write("C20240501001.yaml", EVERY_KIND, dedent=False)
    dataset = load_dataset(repo.project, masked=True)
    return repo.project, dataset


def test_every_kind_in_the_readers_words(every_kind):
    project, dataset = every_kind
    line = timeline(dataset.customers["C20240501001"], [], TODAY, RecordText(project, lang="zh"), dataset.team)
    assert [(e.day.isoformat(), e.kind) for e in line.past] == [
        ("2024-06-12", "case_resolved"),
        ("2024-06-10", "case_opened"),
        ("2024-06-01", "order"),
        ("2024-05-10", "interaction"),
        ("2024-05-01", "key_date"),
    ]
    assert [(e.day.isoformat(), e.kind) for e in line.upcoming] == [
        ("2026-12-01", "interaction"),
        ("2027-05-01", "key_date"),
    ]  # apart from the past, soonest first
    by_kind = {e.kind: e for e in line.past}
    assert by_kind["interaction"].summary.startswith("电话 · 方案沟通 · 客户对方案满意")  # the channel by its label
    assert by_kind["interaction"].who == ("李伟",)  # names, not handles
    assert line.upcoming[0].who == ("王芳", "陈杰")
    assert by_kind["order"].summary == "年度运维服务 · 续约 · 已付款 · 36,000.00 CNY"
    assert by_kind["case_opened"].summary == "投诉 · 发票抬头错误"
    assert "已重开发票" in by_kind["case_resolved"].summary
    assert line.counts() == {"interaction": 2, "order": 1, "case_opened": 1, "case_resolved": 1, "key_date": 2}
    assert list(line.counts()) == [k for k in KINDS if k in line.counts()]
    # a record without history: no change entries, nobody named as the last to change it
    assert line.last_change is None and line.last_changed_by == ""


_DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=40, deadline=None)
@given(
    interactions=st.lists(_DAYS, max_size=6),
    orders=st.lists(_DAYS, max_size=4),
    key_dates=st.lists(_DAYS, max_size=4),
    today=_DAYS,
)
def test_every_item_once_past_newest_first_upcoming_soonest_first(every_kind, interactions, orders, key_dates, today):
    project, dataset = every_kind
    data = yaml.safe_load(EVERY_KIND)
    data["interactions"] = [
        {"date": d.isoformat(), "channel": "phone", "topic": "t", "summary": "s", "by": ["li.wei"]}
        for d in interactions
    ]
    data["orders"] = [{"date": d.isoformat(), "item": "x", "amount": 1} for d in orders]
    data["key_dates"] = [{"kind": "other", "date": d.isoformat()} for d in key_dates]
    data["service_cases"] = []
    model = project.customer_adapter.validate_python(data)
    line = timeline(model, [], today, RecordText(project), dataset.team)
    past, upcoming = [e.day for e in line.past], [e.day for e in line.upcoming]
    assert past == sorted(past, reverse=True) and upcoming == sorted(upcoming)
    assert all(d <= today for d in past) and all(d > today for d in upcoming)
    assert sorted(past + upcoming) == sorted(interactions + orders + key_dates)
    assert sum(line.counts().values()) == len(past) + len(upcoming)


# --- with a history: a copy of the sample records in git, then one change by a team member -----------


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory) -> Path:
    root = make_site_repo(tmp_path_factory.mktemp("timeline-site"))
    git = ScriptedGit(root)
    git.commit("Sample records", author="Seed Import", date="2024-05-01T09:00:00+08:00")
    git.edit(A, '"13812345678"', '"13900001111"')
    git.edit(A, "cooperation: not_started", "cooperation: active")
    git.commit("New phone for <b>Zhang</b>", author="liwei-sales", date="2026-07-01T10:00:00+08:00")
    return root


def test_changes_in_the_timeline_masked_and_by_name(history_repo):
    project = Project(history_repo)
    dataset = load_dataset(project, masked=True)
    history = read_history(project, use_cache=False).of_file(A)
    line = timeline(dataset.customers["C20240501001"], history, TODAY, RecordText(project), dataset.team)
    changes = [e for e in line.past if e.kind == "change"]
    assert [e.day.isoformat() for e in changes] == ["2026-07-01", "2024-05-01"]
    assert changes[0].who == ("李伟",)  # the commit author's git host login, shown by name
    assert changes[1].who == ("Seed Import",)  # not in the team: as git has it
    assert "139****1111" in changes[0].summary
    assert line.last_change is not None and line.last_change.subject == "New phone for <b>Zhang</b>"
    assert line.last_changed_by == "李伟"
    every = " ".join(e.summary for e in line.past + line.upcoming)
    assert "13900001111" not in every and "13812345678" not in every
    days = [e.day for e in line.past]
    assert days == sorted(days, reverse=True)


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", ("Timeline", "Last changed by <bdi>李伟</bdi> on 2026-07-01", "Record change (2)", "Upcoming")),
        ("zh", ("客户时间线", "最近由 <bdi>李伟</bdi> 于 2026-07-01 修改", "记录变更 (2)", "即将到来", "互动记录 (5)")),
    ],
)
def test_customer_page_shows_the_timeline(history_repo, lang, words):
    _, site = build_for_site(history_repo, today=TODAY, lang=lang)
    html = next(p.html for p in site.customer_pages() if p.src == "customers/C20240501001.md")
    for word in words:
        assert word in html
    assert "(<bdi>New phone for &lt;b&gt;Zhang&lt;/b&gt;</bdi>)" in html  # the subject escaped, never raw
    timeline_html = html.split('id="timeline"')[1].split("</div>")[0]
    assert "139****1111" in timeline_html and "13900001111" not in html
    days = re.findall(r'<li data-kind="\w+"><time>([\d-]+)</time>', timeline_html.split("<h3>")[-1])
    assert days == sorted(days, reverse=True) and len(days) >= 8  # the past, newest first
    assert 'id="history"' in html and 'id="interactions"' in html  # the full sections stay below


def test_page_of_a_customer_with_300_interactions_stays_small(tmp_path):
    data = yaml.safe_load(GOOD_RECORD.format(id="C20240501009", name="忙碌科技有限公司"))
    start = date(2024, 1, 1)
    data["interactions"] = [
        {
            "date": start + timedelta(days=i),
            "channel": "phone",
            "topic": "例行回访",
            "summary": f"第{i}次电话回访，客户反馈系统运行稳定，提出两个小需求待评估",
            "by": ["li.wei", "wang.fang"],
        }
        for i in range(300)
    ]
    root = make_site_repo(tmp_path, extra={"C20240501009.yaml": yaml.safe_dump(data, allow_unicode=True)})
    _, site = build_for_site(root, today=TODAY, lang="zh", history=False)
    html = next(p.html for p in site.customer_pages() if p.src == "customers/C20240501009.md")
    size = len(html.encode())
    # measured: 151,928 bytes, of which the timeline is 91 KB (about 300 bytes an entry) and the
    # interactions table below it 55 KB; a typical customer (5 to 20 interactions) stays under 20 KB
    assert html.count('<li data-kind="interaction">') == 300
    assert size < 170_000, size


@pytest.mark.browser
@pytest.mark.parametrize(
    "lang, order, key_date", [("en", "Order (1)", "Key date (2)"), ("zh", "订单 (1)", "关键节点 (2)")]
)
def test_filter_buttons_show_one_kind(page, site_url, site_url_zh, lang, order, key_date):  # noqa: F811
    p = page.page
    p.goto((site_url if lang == "en" else site_url_zh) + "customers/C20240501001.html")
    box = p.locator(".pcrm-timeline")
    entries = box.locator("li[data-kind]")
    total = entries.count()
    assert total >= 8 and box.locator(".pcrm-tl-filter").is_visible()
    box.get_by_role("button", name=order).click()
    visible = [li for li in entries.all() if li.is_visible()]
    assert [li.get_attribute("data-kind") for li in visible] == ["order"]
    assert not box.locator("section").first.is_visible()  # no upcoming order: its heading goes too
    assert box.get_by_role("button", name=order).get_attribute("aria-pressed") == "true"
    box.get_by_role("button", name=key_date).click()
    assert [li.get_attribute("data-kind") for li in entries.all() if li.is_visible()] == ["key_date", "key_date"]
    assert box.locator("section").first.is_visible()  # the upcoming renewal
    box.locator(".pcrm-tl-filter button").first.click()  # all
    assert sum(li.is_visible() for li in entries.all()) == total
    assert page.errors == []
