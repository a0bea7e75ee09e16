"""This period against the previous one (issue 18): figures worked out by hand on a scripted git history."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm import comparison
from plaincrm.comparison import COUNT, Change, Measure, compare_periods, notable
from plaincrm.reports import SHARE, Wording
from plaincrm.site.i18n import text

from .conftest import make_repo
from .gitkit import ScriptedGit
from .sitekit import make_site_repo, mkdocs_build

RECORD = """\
id: {id}
kind: company
name: {name}
industry: software_it
source: referral
category: {category}
cooperation: active
owner: {owner}
interactions:
  - {{date: 2026-04-10, channel: phone, topic: 回访, summary: 确认需求, by: [{owner}]}}
key_dates:
  - {{kind: first_contact, date: 2026-04-01}}
orders:
  - {{date: 2026-05-01, item: 年度服务, amount: {amount}, kind: new, status: paid}}
"""
# Q2 (records of 2026-05-01): A 500, B 200, C D E 100 each: the top 20% (one customer, A) hold 500 of 1,000.
CUSTOMERS = [
    ("C20260401001", "A科技有限公司", "existing", "li.wei", 500),
    ("C20260401002", "B商贸公司", "existing", "li.wei", 200),
    ("C20260401003", "C制造厂", "potential", "wang.fang", 100),
    ("C20260401004", "D物流公司", "potential", "wang.fang", 100),
    ("C20260401005", "E餐饮公司", "potential", "wang.fang", 100),
]
A, B = (f"records/customers/{c[0]}.yaml" for c in CUSTOMERS[:2])
TODAY = date(2026, 9, 30)  # the end of Q3: compared with the end of Q2


def _write(root: Path, record_id: str, name: str, category: str, owner: str, amount: int) -> None:
    text_ = RECORD.format(id=record_id, name=name, category=category, owner=owner, amount=amount)
    (root / "records" / "customers" / f"{record_id}.yaml").write_text(text_, encoding="utf-8")


def _script(root: Path) -> tuple[ScriptedGit, str, str]:
    """Q2: the five customers. Q3: A orders 250 more (750 of 1,250: 60%), B complains (resolved in 4 days),
    and wang.fang's C becomes an existing customer."""
    settings = root / "schema" / "settings.yaml"  # salespeople read their own customers' full reports
    settings.write_text(
        settings.read_text(encoding="utf-8") + "\naudiences:\n  sales: {customers: own, reports: full}\n",
        encoding="utf-8",
    )
    for row in CUSTOMERS:
        _write(root, *row)
    git = ScriptedGit(root)
    q2 = git.commit("Customers from the spring fair", date="2026-05-01T09:00:00+08:00")
    git.edit(
        A, "orders:\n", "orders:\n  - {date: 2026-08-05, item: 增购模块, amount: 250, kind: upsell, status: paid}\n"
    )
    (root / B).write_text(
        (root / B).read_text(encoding="utf-8")
        + "service_cases:\n  - {kind: complaint, opened: 2026-08-10, resolved: 2026-08-14, status: resolved,"
        " summary: 发票抬头错误, resolution: 已重开发票}\n",
        encoding="utf-8",
    )
    git.edit("records/customers/C20260401003.yaml", "category: potential", "category: existing")
    q3 = git.commit("Q3: an upsell, a complaint, a new customer", date="2026-08-20T09:00:00+08:00")
    return git, q2, q3


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    root = tmp_path_factory.mktemp("comparison") / "repo"
    make_site_repo(root)
    for path in (root / "records" / "customers").iterdir():
        path.unlink()
    _, q2, q3 = _script(root)
    return root, q2, q3


def _views(root: Path, today: date = TODAY, audience: str | None = None):
    from plaincrm.audience import audience_of, restrict
    from plaincrm.dataset import load_dataset
    from plaincrm.project import Project
    from plaincrm.views import derive

    project = Project(root)
    views = derive(load_dataset(project, masked=True), today)
    if audience is not None:
        views = restrict(views, audience_of(project.settings.audiences, views.dataset.team, audience), "…")
    return views


def _wording(views, lang: str) -> Wording:
    return Wording.of(views, lang, lambda key, default: text(key, lang, default))


def _by_key(found) -> dict[str, Change]:
    return {c.measure.key: c for c in found.changes}


def test_figures_against_the_end_of_the_previous_quarter(scripted):
    root, q2, _ = scripted
    views = _views(root)
    found = compare_periods(views, "quarter")
    assert (found.missing, found.sha, found.day) == ("", q2, date(2026, 6, 30))
    changes = _by_key(found)
    share = changes["high_value.revenue_share"]
    assert (share.old, share.new, share.direction) == (0.5, 0.6, "up")
    assert share.size == pytest.approx(0.1)
    complained = changes["complaints.complained"]
    assert (complained.old, complained.new) == (0, 1)
    assert (changes["complaints.complaint_rate"].old, changes["complaints.complaint_rate"].new) == (0.0, 0.2)
    assert (changes["complaints.resolve_days"].old, changes["complaints.resolve_days"].new) == (None, 4.0)
    assert (changes["distribution.customers"].old, changes["distribution.customers"].new) == (5, 5)
    existing = changes["distribution.category.existing"]
    assert (existing.old, existing.new) == (2, 3)
    assert (changes["high_value.total_revenue"].old, changes["high_value.total_revenue"].new) == (1000, 1250)

    en, zh = _wording(views, "en"), _wording(views, "zh")
    assert comparison.change_text(share, en) == "High-value customers' share of revenue from 50.0% to 60.0%"
    assert comparison.change_text(share, zh) == "高价值客户占比 从 50.0% 升至 60.0%"
    assert comparison.change_text(complained, zh) == "本季度有投诉的客户 从 0 升至 1"
    assert comparison.change_text(changes["complaints.resolve_days"], zh) == "投诉平均解决天数：4 天（此前无）"
    assert comparison.change_text(existing, zh) == "老客户数 从 2 升至 3"
    assert comparison.change_text(existing, en) == "Customers: Existing from 2 to 3"
    assert comparison.change_text(changes["distribution.customers"], zh) == "客户总数 保持 5"
    assert found.title(zh) == "与上季度相比（2026Q2，截至2026年6月30日的记录）"
    assert found.title(en) == "Compared with the previous quarter (2026Q2, the records as of 2026-06-30)"

    listed = [c.measure.key for c in found.notable()]
    assert {"high_value.revenue_share", "complaints.complained", "high_value.total_revenue"} <= set(listed)
    assert "distribution.category.existing" not in listed  # 2 -> 3: one more is not notable
    assert listed[0] in ("complaints.complained", "complaints.complaint_rate", "complaints.resolve_days")


def test_previous_month_is_the_records_at_the_same_point(scripted):
    root, _, q3 = scripted
    found = compare_periods(_views(root, date(2026, 9, 25)), "month")
    assert (found.sha, found.day) == (q3, date(2026, 8, 25))
    changes = _by_key(found)
    assert changes["high_value.revenue_share"].direction == "same"
    assert comparison.change_text(changes["high_value.revenue_share"], _wording(_views(root), "zh")) == (
        "高价值客户占比 保持 60.0%"
    )


def _change(key: str, kind: str, old, new) -> Change:
    report, name = key.split(".", 1)
    return Change(Measure(report, name, kind, new), old, new)


@pytest.mark.parametrize(
    ("key", "kind", "old", "new", "expected"),
    [
        ("high_value.revenue_share", SHARE, 0.18, 0.22, True),  # 4 points
        ("high_value.revenue_share", SHARE, 0.18, 0.20, True),  # 2 points
        ("high_value.revenue_share", SHARE, 0.18, 0.195, False),  # 1.5 points
        ("distribution.customers", COUNT, 10, 12, True),  # 20% and 2
        ("distribution.customers", COUNT, 10, 11, False),  # one more
        ("distribution.customers", COUNT, 30, 32, False),  # 2, but under 10%
        ("distribution.customers", COUNT, 0, 2, True),
        ("complaints.complained", COUNT, 0, 1, True),  # any new complaint
        ("complaints.open", COUNT, 3, 4, True),
        ("complaints.open", COUNT, 4, 3, False),
        ("follow_up.overdue", COUNT, 5, 6, True),  # overdue grew
        ("follow_up.overdue", COUNT, 6, 5, False),
        ("satisfaction.satisfaction", "average", 3.6, 3.9, True),
        ("satisfaction.satisfaction", "average", 3.6, 3.7, False),
        ("complaints.resolve_days", "days", 10.0, 10.5, False),
        ("complaints.resolve_days", "days", 10.0, 12.0, True),
        ("distribution.category.lost", COUNT, None, 3, True),  # a figure that appeared
        ("distribution.category.lost", COUNT, None, 0, False),
    ],
)
def test_the_notable_change_rule(key, kind, old, new, expected):
    assert notable(_change(key, kind, old, new)) is expected


def test_notable_changes_are_sorted_by_size():
    found = comparison.PeriodComparison("quarter", TODAY, date(2026, 6, 30), "x")
    found.changes = [
        _change("high_value.revenue_share", SHARE, 0.18, 0.21),  # 1.5 thresholds
        _change("distribution.customers", COUNT, 10, 20),  # 10 thresholds
        _change("follow_up.idle", COUNT, 10, 13),  # 3 thresholds
        _change("follow_up.overdue", COUNT, 6, 5),  # not notable
    ]
    assert [c.measure.key for c in found.notable()] == [
        "distribution.customers",
        "follow_up.idle",
        "high_value.revenue_share",
    ]


def test_no_earlier_records_is_said_not_invented(tmp_path):
    repo = make_repo(tmp_path / "plain")  # not a git repository
    for row in CUSTOMERS:
        _write(repo.root, *row)
    views = _views(repo.root)
    found = compare_periods(views, "quarter")
    assert (found.missing, found.changes) == ("no_history", [])
    assert comparison.comparison_lines(found, "high_value", _wording(views, "zh")) == [
        "没有更早的记录可供比较：这些记录没有版本历史。"
    ]
    ScriptedGit(repo.root).commit("first records", date="2026-08-01T09:00:00+08:00")  # after the end of Q2
    found = compare_periods(_views(repo.root), "quarter")
    assert (found.missing, found.changes) == ("no_commit", [])
    assert found.note(_wording(views, "en")) == "No earlier records to compare with: no commit on or before 2026-06-30."


def test_a_restricted_reader_never_counts_hidden_customers(scripted):
    root, _, _ = scripted
    views = _views(root, audience="li.wei")  # A and B; C, D and E are wang.fang's
    found = compare_periods(views, "quarter")
    changes = _by_key(found)
    assert (changes["distribution.customers"].old, changes["distribution.customers"].new) == (2, 2)
    assert (changes["high_value.total_revenue"].old, changes["high_value.total_revenue"].new) == (700, 950)
    share = changes["high_value.revenue_share"]  # A's 500 of 700, then 750 of 950
    assert (share.old, share.new) == (0.7143, 0.7895)
    assert "distribution.category.potential" not in changes
    existing = changes["distribution.category.existing"]  # C became existing, but C is not li.wei's
    assert (existing.old, existing.new) == (2, 2)
    whole = _by_key(compare_periods(_views(root), "quarter"))
    assert whole["distribution.customers"].old == 5  # the whole team's side, cached apart


def test_the_previous_side_is_computed_once_per_process(scripted, monkeypatch):
    root, _, _ = scripted
    views = _views(root)
    first = compare_periods(views, "quarter")

    def no_loading(*args, **kwargs):
        raise AssertionError("the previous period was derived again")

    monkeypatch.setattr("plaincrm.dataset.load_dataset", no_loading)
    again = compare_periods(views, "quarter")
    assert [(c.measure.key, c.old, c.new) for c in again.changes] == [
        (c.measure.key, c.old, c.new) for c in first.changes
    ]


def _crm(root: Path, *args: str) -> tuple[int, str]:
    from plaincrm.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--root", str(root), *args])
    return code, out.getvalue()


def test_crm_report_compare_in_text_json_and_csv(scripted):
    root, q2, _ = scripted
    code, out = _crm(root, "report", "high_value", "--compare", "quarter", "--today", "2026-09-30", "--lang", "zh")
    assert code == 0
    assert "与上季度相比（2026Q2，截至2026年6月30日的记录）" in out
    assert "  高价值客户占比 从 50.0% 升至 60.0%" in out
    code, out = _crm(root, "report", "complaints", "--compare", "quarter", "--today", "2026-09-30", "--format", "json")
    [report] = json.loads(out)
    compared = report["comparison"]
    assert (compared["previous"], compared["as_of"], compared["commit"]) == ("2026Q2", "2026-06-30", q2)
    complained = next(c for c in compared["changes"] if c["measure"] == "complaints.complained")
    assert complained | {"text": ""} == {
        "measure": "complaints.complained",
        "report": "complaints",
        "kind": "count",
        "option": None,
        "old": 0,
        "new": 1,
        "direction": "up",
        "notable": True,
        "text": "",
    }
    assert complained["text"] == "Customers with a complaint this quarter from 0 to 1"
    code, out = _crm(root, "report", "high_value", "--compare", "month", "--today", "2026-09-30", "--format", "csv")
    assert "high_value.comparison" in out and "high_value.revenue_share,60.0%,60.0%" in out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_built_site_has_a_period_summary_and_comparisons_on_report_pages(scripted, tmp_path, lang):
    root, _, _ = scripted
    site = tmp_path / "site"
    shutil.copytree(root, site, ignore=shutil.ignore_patterns(".cache", "out"))
    if lang == "zh":
        config = site / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8").replace("  language: en ", "  language: zh "), "utf-8")
    done = mkdocs_build(site, today="2026-09-30")
    assert done.returncode == 0, done.stderr
    summary = (site / "out" / "reports" / "summary.html").read_text(encoding="utf-8")
    page = (site / "out" / "reports" / "high_value.html").read_text(encoding="utf-8")
    index = (site / "out" / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="summary.html"' in index
    if lang == "zh":
        assert "本期总结" in summary and "高价值客户占比 从 50.0% 升至 60.0% · " in summary
        assert '<a href="high_value.html">高价值客户</a>' in summary
        assert "本季度有投诉的客户 从 0 升至 1" in summary
        assert "客户总数" not in summary and "老客户数" not in summary  # unchanged, one more: not notable
        assert "与上季度相比（2026Q2，截至2026年6月30日的记录）" in page
        assert "<li>高价值客户占比 从 50.0% 升至 60.0%</li>" in page
    else:
        assert "Period summary" in summary
        assert "High-value customers&#39; share of revenue from 50.0% to 60.0%" in summary
        assert "Compared with the previous quarter (2026Q2, the records as of 2026-06-30)" in page


def test_a_site_without_history_says_so(tmp_path):
    root = make_site_repo(tmp_path / "plain")
    done = mkdocs_build(root, today="2026-09-30")
    assert done.returncode == 0, done.stderr
    summary = (root / "out" / "reports" / "summary.html").read_text(encoding="utf-8")
    page = (root / "out" / "reports" / "complaints.html").read_text(encoding="utf-8")
    message = "No earlier records to compare with: the records have no git history."
    assert message in summary and message in page


def test_invalid_earlier_records_are_said_not_compared(tmp_path):
    repo = make_repo(tmp_path / "broken")
    for row in CUSTOMERS:
        _write(repo.root, *row)
    path = repo.customers / f"{CUSTOMERS[0][0]}.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("category: existing", "category: 老客户"), encoding="utf-8")
    git = ScriptedGit(repo.root)
    sha = git.commit("an option written as its label", date="2026-05-01T09:00:00+08:00")
    path.write_text(good, encoding="utf-8")
    git.commit("fixed", date="2026-08-01T09:00:00+08:00")
    views = _views(repo.root)
    found = compare_periods(views, "quarter")
    assert (found.missing, found.sha, found.changes) == ("invalid", sha, [])
    assert found.problems >= 1
    assert found.note(_wording(views, "en")) == (
        f"No comparison: the records as of 2026-06-30 (commit {sha[:12]}) have {found.problems} problems "
        "under today's schema."
    )


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(comparison.PERIODS))
def test_the_previous_period_is_taken_at_the_same_point(today, period):
    """A period so far against the previous one as far: the same day of the month, or its last day."""
    day = comparison.same_point_before(today, period)
    months = 3 if period == "quarter" else 1
    assert (day.year * 12 + day.month) == (today.year * 12 + today.month) - months
    assert day.day == today.day or (day.day < today.day and (day + timedelta(days=1)).day == 1)
