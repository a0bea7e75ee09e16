"""Reminders and calendar feeds, checked against dates worked out by hand."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest

from plaincrm.calendar_feed import calendar, escape_text, events, fold
from plaincrm.cli import main
from plaincrm.dataset import load_dataset
from plaincrm.reminders import customer_reminders, reminders
from plaincrm.site.background import resolve
from plaincrm.views import derive

TODAY = date(2024, 6, 1)


@pytest.fixture
def fixture_repo(repo):
    # 001: potential, intent tag, contacted 2024-05-10 -> growth potential (cadence 90: due 08-08, not listed);
    #      its next step was due 2024-05-17 -> overdue. A second step due exactly a week ahead is listed,
    #      a third due eight days ahead is not.
    repo.good(
        "C20240501001",
        **{
            "    next_step: {action: 提供合同, due: 2024-05-17}": (
                "    next_step: {action: 提供合同, due: 2024-05-17}\n"
                "  - {date: 2024-05-10, channel: email, topic: 报价, summary: 已报价, by: [li.wei], next_step: {action: 跟进报价, due: 2024-06-08}}\n"
                "  - {date: 2024-05-10, channel: email, topic: 方案, summary: 已发方案, by: [li.wei], next_step: {action: 约演示, due: 2024-06-09}}"
            ),
        },
    )
    # 002: active, satisfaction 2 -> risk warning (cadence 7): last contact 05-10 -> follow-up due 05-17, overdue.
    #      Company anniversary 2019-06-20 -> announced for 2024-06-20; one on 07-01 is exactly 30 days ahead
    #      (listed), one on 07-02 is 31 days ahead (not listed).
    repo.good(
        "C20240501002",
        name="B商贸公司",
        **{
            "cooperation: not_started": "cooperation: active",
            "tags: [高意向]": "tags: []\nsatisfaction: 2",
            "    next_step: {action: 提供合同, due: 2024-05-17}\n": "",
            "  - {kind: first_contact, date: 2024-05-01}": (
                "  - {kind: first_contact, date: 2024-05-01}\n"
                "  - {kind: anniversary, date: 2019-06-20, note: 公司成立}\n"
                "  - {kind: renewal_due, date: 2024-07-01}\n"
                "  - {kind: renewal_due, date: 2024-07-02}"
            ),
        },
    )
    # 003: lost -> not tiered, so no follow-up at all; no next step.
    repo.good(
        "C20240501003",
        name="C制造厂",
        **{
            "category: potential": "category: lost",
            "    next_step: {action: 提供合同, due: 2024-05-17}\n": "",
        },
    )
    return repo


def test_reminders_match_the_hand_worked_dates(fixture_repo):
    views = derive(load_dataset(fixture_repo.project), TODAY)
    found = [(r.kind, r.customer_id[-3:], r.due.isoformat(), r.what) for r in reminders(views)]
    assert found == [
        ("next_step", "001", "2024-05-17", "提供合同"),
        ("follow_up", "002", "2024-05-17", "risk_warning"),
        ("next_step", "001", "2024-06-08", "跟进报价"),
        ("key_date", "002", "2024-06-20", "anniversary"),
        ("key_date", "002", "2024-07-01", "renewal_due"),
    ]
    assert [r.customer_id[-3:] for r in reminders(views, owner="li.wei")] == ["001", "002", "001", "002", "002"]
    assert reminders(views, owner="wang.fang") == []


def test_any_interaction_resets_the_follow_up(fixture_repo):
    path = fixture_repo.customers / "C20240501002.yaml"
    path.write_text(
        path.read_text().replace(
            "interactions:\n",
            "interactions:\n  - {date: 2024-05-30, channel: im, topic: 问候, summary: 节日问候, by: [li.wei]}\n",
        )
    )
    views = derive(load_dataset(fixture_repo.project), TODAY)
    follow = [r for r in reminders(views) if r.kind == "follow_up"]
    assert [(r.customer_id[-3:], r.due.isoformat()) for r in follow] == [("002", "2024-06-06")]


def _feed(views):
    every = [
        r
        for view in views.customers.values()
        for r in customer_reminders(view, TODAY, views.dataset.project.settings.tiers.cadence_days)
    ]
    text = calendar((events(r, TODAY, lambda r: (f"{r.customer_name} {r.what}", r.note)) for r in every), name="test")
    return icalendar.Calendar.from_ical(text), text


def test_calendar_feed_is_valid_and_complete(fixture_repo):
    parsed, text = _feed(derive(load_dataset(fixture_repo.project), TODAY))
    assert text.startswith(b"BEGIN:VCALENDAR\r\n") and b"VERSION:2.0" in text and b"PRODID:" in text
    events = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    assert len(events) == len(list(parsed.walk("VEVENT")))  # unique UIDs
    summaries = {str(e["summary"]): e for e in events.values()}
    anniversary = summaries["B商贸公司 anniversary"]
    assert anniversary["dtstart"].dt == date(2024, 6, 20) and anniversary["dtend"].dt == date(2024, 6, 21)
    assert anniversary["rrule"]["FREQ"] == ["YEARLY"]
    prepare = summaries["▶ B商贸公司 anniversary"]
    assert prepare["dtstart"].dt == date(2024, 5, 21)
    renewal = [e for e in events.values() if str(e["summary"]) == "B商贸公司 renewal_due"]
    assert sorted(e["dtstart"].dt for e in renewal) == [date(2024, 7, 1), date(2024, 7, 2)]
    assert all(e["dtstamp"].dt.date() == TODAY for e in events.values())
    # follow-ups of 001 (growth, due 08-08) and 002, three next steps, three key dates with their prepare events
    assert len(events) == 2 + 3 + 3 * 2


def test_uids_survive_edits_of_text_and_dates(fixture_repo):
    before, _ = _feed(derive(load_dataset(fixture_repo.project), TODAY))
    path = fixture_repo.customers / "C20240501001.yaml"
    path.write_text(path.read_text().replace("跟进报价, due: 2024-06-08", "电话跟进报价, due: 2024-06-05"))
    after, _ = _feed(derive(load_dataset(fixture_repo.project), TODAY))
    uids = lambda cal: {str(e["uid"]): str(e["summary"]) for e in cal.walk("VEVENT")}  # noqa: E731
    assert set(uids(before)) == set(uids(after))
    changed = [uid for uid in uids(before) if uids(before)[uid] != uids(after)[uid]]
    assert len(changed) == 1 and "电话跟进报价" in uids(after)[changed[0]]


def test_site_publishes_one_feed_per_owner_and_one_for_the_team(fixture_repo):
    from plaincrm.site.build import build_for_site

    site = build_for_site(fixture_repo.root, today=TODAY)[1]
    team = icalendar.Calendar.from_ical(resolve(site.files["calendars/team.ics"]))
    mine = icalendar.Calendar.from_ical(resolve(site.files["calendars/owners/li.wei.ics"]))
    assert len(list(team.walk("VEVENT"))) == len(list(mine.walk("VEVENT"))) == 11
    assert (
        list(icalendar.Calendar.from_ical(resolve(site.files["calendars/owners/wang.fang.ics"])).walk("VEVENT")) == []
    )
    owner = next(p.html for p in site.pages if p.src == "owners/li.wei.md")
    assert 'href="../calendars/owners/li.wei.ics"' in owner and "2024-06-20" in owner


def test_crm_remind(fixture_repo, capsys):
    assert main(["--root", str(fixture_repo.root), "remind", "--today", "2024-06-01"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "李伟 (li.wei)"
    assert out[1] == "  OVERDUE 2024-05-17  C20240501001 A科技有限公司: 提供合同 (李伟)"
    assert out[2] == "  OVERDUE 2024-05-17  C20240501002 B商贸公司: follow-up, Risk warning"
    assert "  2024-06-20  C20240501002 B商贸公司: Company anniversary (公司成立)" in out
    assert main(["--root", str(fixture_repo.root), "remind", "--owner", "ghost"]) == 2


def test_text_is_escaped_and_long_lines_folded_for_any_script():
    line = "SUMMARY:" + escape_text("客户;A,B\\C\n第二行 " + "长" * 40)
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.rstrip("\r\n").split("\r\n"))
    assert folded.replace("\r\n ", "").rstrip("\r\n") == line
    event = icalendar.Calendar.from_ical(
        calendar(
            [
                folded.replace("SUMMARY", "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY", 1)
                + "END:VEVENT\r\n"
            ],
            name="t",
        )
    ).walk("VEVENT")[0]
    assert str(event["summary"]) == "客户;A,B\\C\n第二行 " + "长" * 40


def test_owner_page_lists_the_first_reminders_and_points_to_the_index(fixture_repo, monkeypatch):
    from plaincrm.site import pages
    from plaincrm.site.build import build_for_site

    monkeypatch.setattr(pages, "LIST_ROWS", 0)
    site = build_for_site(fixture_repo.root, today=TODAY)[1]
    owner = next(p.html for p in site.pages if p.src == "owners/li.wei.md")
    assert "Not listed here: 2 ·" in owner
    assert 'href="../customers/index.html?owner=li.wei&amp;agenda=overdue&amp;sort=last_contact"' in owner


def test_the_sites_calendar_feeds_carry_the_alarm_the_settings_ask_for(tmp_path):
    from plaincrm.site.background import resolve
    from plaincrm.site.build import build_for_site

    from .sitekit import make_site_repo

    root = make_site_repo(tmp_path)
    with (root / "schema" / "settings.yaml").open("a", encoding="utf-8") as settings:
        settings.write("alarm_minutes_before: 90\n")
    _, site = build_for_site(root, today=date(2026, 11, 23), history=False)
    feed = resolve(site.files["calendars/team.ics"]).decode()
    assert feed.count("BEGIN:VALARM") == feed.count("BEGIN:VEVENT") > 10
    assert "TRIGGER:-PT1H30M" in feed and "TRIGGER:-PT15H" not in feed
