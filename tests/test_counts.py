"""One definition of each count (overdue, due within a week, key dates ahead, idle): the home page, the
owner pages, the index's filter, the calendar feeds and `crm remind` agree, nothing dated after "today"
counts, and the long lists stay short."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.calendar_feed import PAST_DAYS
from plaincrm.cli import main
from plaincrm.dataset import Dataset, load_dataset
from plaincrm.project import Project
from plaincrm.reminders import agenda, idle_customers, known, pending
from plaincrm.reports import all_reports
from plaincrm.site import pages
from plaincrm.site.background import resolve
from plaincrm.site.build import build_for_site
from plaincrm.views import derive

from .conftest import REPO

TODAY = date(2026, 11, 29)  # the sample's newest records are a few days older


@pytest.fixture(scope="module")
def site():
    return build_for_site(REPO, today=TODAY, history=False)[1]


@pytest.fixture(scope="module")
def views(sample):
    return derive(sample, TODAY)


def _page(site, src: str) -> str:
    return next(p.html for p in site.pages if p.src == src)


def _count(html: str, heading: str) -> int:
    return int(re.search(re.escape(heading) + r" \((\d+)\)</h2>", html).group(1))


def _section(html: str, heading: str) -> str:
    return html.split(heading + " (")[1].split("<h2>")[0]


def _remind(capsys, *args: str) -> list[str]:
    assert main(["--root", str(REPO), "remind", "--today", TODAY.isoformat(), *args]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]


OVERDUE, DUE, DATES = (
    "Overdue follow-ups and next steps",
    "Follow-ups and next steps due within a week",
    "Key dates in the next 30 days",
)


def test_home_owner_pages_and_remind_count_the_same(site, views, capsys):
    home = _page(site, "index.md")
    lines = _remind(capsys)
    overdue = sum(line.startswith("  OVERDUE ") for line in lines)
    assert overdue > 1 and _count(home, OVERDUE) == overdue  # it was 19 next steps against 39 items
    assert _count(home, OVERDUE) + _count(home, DUE) + _count(home, DATES) == len(lines)
    for handle in views.dataset.team:
        owner, mine = _page(site, f"owners/{handle}.md"), _remind(capsys, "--owner", handle)
        assert _count(owner, OVERDUE) == sum(line.startswith("  OVERDUE ") for line in mine)
        assert _count(owner, OVERDUE) + _count(owner, DUE) + _count(owner, DATES) == len(mine)


def test_due_within_a_week_lists_nothing_overdue(site, views):
    for handle in views.dataset.team:
        owner = _page(site, f"owners/{handle}.md")
        due = re.findall(r"<td>(\d{4}-\d\d-\d\d)</td>", _section(owner, DUE))
        overdue = re.findall(r"<td>(\d{4}-\d\d-\d\d)</td>", _section(owner, OVERDUE))
        assert all(TODAY.isoformat() <= d <= (TODAY + timedelta(days=7)).isoformat() for d in due), handle
        assert all(d < TODAY.isoformat() for d in overdue), handle


def test_idle_count_is_the_follow_up_reports(site, views):
    report = next(r for r in all_reports(views) if r.name == "follow_up")
    idle = next(t for t in report.tables if t.title == "idle")
    home = _page(site, "index.md")
    shown = int(re.search(r"not contacted for 30 days</a>: <strong>(\d+)</strong>", home).group(1))
    assert shown == len(idle.rows) == len(idle_customers(views)) > 0


def test_long_lists_show_the_most_urgent_first_and_link_to_the_filtered_index(views, monkeypatch):
    monkeypatch.setattr(pages, "LIST_ROWS", 2)
    site = build_for_site(REPO, today=TODAY, history=False)[1]
    everything = agenda(views)
    home = _section(_page(site, "index.md"), OVERDUE)
    shown = re.findall(r"<td>(\d{4}-\d\d-\d\d)</td>", home)
    assert shown == [r.due.isoformat() for r in everything.overdue[:2]] and shown == sorted(shown)
    assert f"Not listed here: {len(everything.overdue) - 2} · " in home
    assert 'href="customers/index.html?agenda=overdue&amp;sort=last_contact"' in home
    owner = _page(site, "owners/li.wei.md")
    assert 'href="../customers/index.html?owner=li.wei&amp;agenda=overdue&amp;sort=last_contact"' in owner
    customers = owner.split("<h2>Customers (")[1]
    total = len(views.by_owner("li.wei"))
    assert customers.startswith(f"{total})") and customers.count("<tr><td>") == 2
    assert f"Not listed here: {total - 2} · " in customers
    assert 'href="../customers/index.html?owner=li.wei&amp;sort=freshness"' in customers
    # the index's "To do" facet holds exactly the customers the links promise
    script = resolve(site.files[pages.INDEX_DATA]).decode()
    data = json.loads(json.loads(script[script.index("(") + 1 : script.rindex(")")]))
    assert "agenda" in data["facets"]
    column = data["columns"].index("agenda")
    tagged = {row[0] for row in data["rows"] if "overdue" in row[column]}
    assert tagged == {r.customer_id for r in everything.overdue}


def test_calendar_feeds_hold_a_window_of_past_events_and_everything_ahead(site, views):
    since = TODAY - timedelta(days=PAST_DAYS)
    every = pending(views)
    assert any(r.due < since for r in every)  # the window leaves something out
    team = icalendar.Calendar.from_ical(resolve(site.files["calendars/team.ics"]))
    uids = {str(e["uid"]) for e in team.walk("VEVENT") if not str(e["uid"]).endswith("-prepare@plaincrm")}
    assert uids == {f"{r.key}@plaincrm" for r in every if r.due >= since}
    mine = icalendar.Calendar.from_ical(resolve(site.files["calendars/owners/li.wei.ics"]))
    assert {str(e["uid"]) for e in mine.walk("VEVENT")} <= {str(e["uid"]) for e in team.walk("VEVENT")}


# --- nothing dated after "today" counts ------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return load_dataset(Project(REPO), masked=True)


def _as_of(dataset: Dataset, today: date) -> Dataset:
    """The records as they stood on `today`: later interactions, orders and cases gone, a case resolved
    later still open."""

    def case(c):
        return (
            c.model_copy(update={"status": "in_progress", "resolved": None}) if c.resolved and c.resolved > today else c
        )

    customers = {
        cid: model.model_copy(
            update={
                "interactions": [i for i in model.interactions if i.date <= today],
                "orders": [o for o in model.orders if o.date <= today],
                "service_cases": [case(c) for c in model.service_cases if c.opened <= today],
            }
        )
        for cid, model in dataset.customers.items()
    }
    return Dataset(dataset.project, customers, dataset.files, dataset.team, dataset.contact_keys, dataset.merged)


def _counted(views, ids) -> tuple:
    found = agenda(views)
    parts = tuple(
        sorted((r.kind, r.customer_id, r.due, r.what, r.key) for r in part if r.customer_id in ids)
        for part in (found.overdue, found.due, found.dates)
    )
    idle = sorted(v.id for v in idle_customers(views) if v.id in ids)
    facts = {cid: (views.customers[cid].facts.order_total, views.customers[cid].tier.name) for cid in ids}
    return parts, idle, facts


@settings(max_examples=40, deadline=None)
@given(today=st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 6, 30)))
def test_a_record_dated_after_today_changes_no_count(sample, today):
    full = derive(sample, today)
    ids = {cid for cid, view in full.customers.items() if known(view, today)}
    assert _counted(full, ids) == _counted(derive(_as_of(sample, today), today), ids)


def test_a_customer_first_contacted_after_today_has_no_reminder(sample):
    views = derive(sample, date(2024, 1, 1))
    later = [v for v in views.customers.values() if not known(v, views.today)]
    assert later and not any(r.customer_id in {v.id for v in later} for r in pending(views))


def test_a_next_step_logged_after_today_is_not_open(sample, views):
    steps = [s for v in views.customers.values() for s in v.facts.open_next_steps]
    assert steps
    for step in steps:
        before = derive(sample, step.interaction_date - timedelta(days=1))
        assert step not in before.customers[step.customer_id].facts.open_next_steps
        assert not any(r.kind == "next_step" and r.due == step.due and r.what == step.action for r in pending(before))
