"""The audit trail from git: every summary line checked on a scripted repository."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from plaincrm.history.audit import SHALLOW_NOTE, read_history
from plaincrm.history.changes import ChangeWords

from .conftest import make_repo
from .gitkit import ScriptedGit

A = "records/customers/C20240501001.yaml"
B = "records/customers/C20240501002.yaml"
A_MOVED = "records/customers/2024/C20240501001.yaml"


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    """Alice creates two customers; Bob logs a call (squash-merged PR #3); Carol changes a phone on a
    branch merged as PR #7; Alice moves a file into a folder, deletes one, and adds a comment."""
    repo = make_repo(tmp_path_factory.mktemp("history") / "repo")
    git = ScriptedGit(repo.root)
    repo.good()
    repo.good("C20240501002", "B商贸公司")
    git.commit("Add two customers from the fair", date="2024-05-01T09:00:00+08:00")
    git.edit(A, "cooperation: not_started", "cooperation: active")
    git.edit(
        A,
        "key_dates:",
        "  - date: 2024-06-01\n    channel: visit\n    topic: 签约\n    summary: 签约成功\n    by: [wang.fang]\nkey_dates:",
    )
    git.commit("Log the signing visit (#3)", author="Bob Builder", date="2024-06-01T18:30:00+08:00")
    git.run("checkout", "-q", "-b", "carol/phone")
    git.edit(A, '"13812345678"', '"13900001111"')
    git.edit(A, "tags: [高意向]", "tags: [VIP]")
    git.commit("New phone for Zhang", author="Carol Chen", date="2024-06-02T10:00:00+08:00")
    git.run("checkout", "-q", "main")
    git.run(
        "merge",
        "-q",
        "--no-ff",
        "carol/phone",
        "-m",
        "Merge pull request #7 from carol/phone",
        author="Alice Admin",
        date="2024-06-03T09:00:00+08:00",
    )
    (repo.root / "records/customers/2024").mkdir()
    git.run("mv", A, A_MOVED)
    git.commit("File 2024 customers in a folder", date="2024-06-04T09:00:00+08:00")
    git.run("rm", "-q", B)
    git.commit("Remove the test customer", date="2024-06-05T09:00:00+08:00")
    git.edit(A_MOVED, "needs:", "# reviewed by Alice\nneeds:")
    git.commit("A comment only", date="2024-06-06T09:00:00+08:00")
    return repo, git


def test_each_commit_of_a_record_in_words(scripted):
    repo, _ = scripted
    history = read_history(repo.project, use_cache=False)
    entries = history.of_file(A_MOVED)
    assert [(e.day, e.author, e.subject, e.pull_request) for e in entries] == [
        ("2024-06-04", "Alice Admin", "File 2024 customers in a folder", None),
        ("2024-06-02", "Carol Chen", "New phone for Zhang", 7),
        ("2024-06-01", "Bob Builder", "Log the signing visit (#3)", 3),
        ("2024-05-01", "Alice Admin", "Add two customers from the fair", None),
    ]  # the comment-only commit says nothing, and the record's creation is the first entry
    assert [list(e.lines) for e in entries] == [
        [f"file renamed: {A} → {A_MOVED}"],
        ["tags: +VIP −高意向", "contact 张经理 phone changed: 138****5678 → 139****1111"],
        ["cooperation: not_started → active", "interaction added: 2024-06-01 visit 签约"],
        ["created"],
    ]
    assert not history.partial and history.message == ""


def test_recent_changes_cover_deleted_records(scripted):
    repo, _ = scripted
    recent = read_history(repo.project, use_cache=False).recent
    assert [(e.day, e.path, e.lines[0]) for e in recent] == [
        ("2024-06-05", B, "deleted"),
        ("2024-06-04", A_MOVED, f"file renamed: {A} → {A_MOVED}"),
        ("2024-06-02", A, "tags: +VIP −高意向"),
        ("2024-06-01", A, "cooperation: not_started → active"),
        ("2024-05-01", A, "created"),
        ("2024-05-01", B, "created"),
    ]


def test_cache_by_commit_reads_only_new_commits(scripted, tmp_path):
    from plaincrm.project import Project

    git = scripted[1].copy(tmp_path / "copy")
    copy = git.root

    first = read_history(Project(copy))
    assert (copy / ".cache/plaincrm/history.marshal").exists()
    assert read_history(Project(copy)) == first
    git.edit(A_MOVED, "needs: 需要服务器运维解决方案", "needs: 需要混合云方案")
    git.commit("Update needs", author="Bob Builder", date="2024-07-01T09:00:00+08:00")
    later = read_history(Project(copy))
    assert later.of_file(A_MOVED)[0].lines == ("needs: 需要服务器运维解决方案 → 需要混合云方案",)
    assert later.of_file(A_MOVED)[1:] == first.of_file(A_MOVED)
    assert later == read_history(Project(copy), use_cache=False)


def test_a_history_read_again_keeps_what_did_not_change_as_the_same_objects(scripted, tmp_path):
    """`mkdocs serve` keys each customer page by its entries' list object (`History.of_file`): an edit that
    is not committed gives back the very history; a commit gives new lists to the records it touched only."""
    from plaincrm.project import Project

    git = scripted[1].copy(tmp_path / "copy")
    other = "records/customers/C20240501003.yaml"
    (git.root / other).write_text(
        (git.root / A_MOVED).read_text(encoding="utf-8").replace("C20240501001", "C20240501003"), encoding="utf-8"
    )
    git.run("add", other)
    git.commit("Add a third customer", date="2024-06-07T09:00:00+08:00")
    first = read_history(Project(git.root))
    git.edit(A_MOVED, "needs: 需要服务器运维解决方案", "needs: 需要混合云方案")  # saved, not committed
    assert read_history(Project(git.root), before=first) is first
    git.commit("Update needs", author="Bob Builder", date="2024-07-01T09:00:00+08:00")
    later = read_history(Project(git.root), before=first)
    assert later is not first and later.head != first.head
    assert later.of_file(A_MOVED) is not first.of_file(A_MOVED)
    assert later.of_file(A_MOVED)[1:] == first.of_file(A_MOVED)
    assert later.of_file("records/customers/C20990101001.yaml") is first.of_file("records/customers/C20990101001.yaml")
    assert first.of_file(other) and later.of_file(other) is first.of_file(other)
    assert later == read_history(Project(git.root), use_cache=False)  # the same as read afresh
    uncached = read_history(Project(git.root), use_cache=False, before=later)
    assert uncached is later


def test_shallow_clone_gives_a_partial_history(scripted, tmp_path):
    repo, _ = scripted
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo.root}", str(clone)], check=True)
    from plaincrm.project import Project

    history = read_history(Project(clone), use_cache=False)
    assert history.partial and "shallow clone" in history.message
    entries = history.of_file(A_MOVED)
    assert [e.lines for e in entries] == [(SHALLOW_NOTE,)]  # the boundary commit is not called a creation


def test_not_a_repository_is_no_history(repo):
    history = read_history(repo.project)
    assert history.records == {} and "not a git repository" in history.message


def test_change_words_on_plain_data():
    words = ChangeWords()
    old = {
        "name": "A",
        "contacts": [{"name": "张", "title": "经理"}],
        "orders": [{"date": "2024-01-01", "amount": 5}],
        "size": {"employees": "small"},
        "notes": "x" * 80,
    }
    new = {
        "name": "A",
        "contacts": [{"name": "张", "title": "总监"}, {"name": "李"}],
        "orders": [],
        "size": {"employees": "large"},
        "notes": "y" * 80,
        "city": "深圳",
    }
    assert words.record(old, new) == [
        "contact 张 title: 经理 → 总监",
        "contact added: 李",
        "order removed: 2024-01-01 5",
        "size.employees: small → large",
        "notes changed",
        "city set: 深圳",
    ]
    assert words.record(None, new) == ["created"] and words.record(old, None) == ["deleted"]
    assert words.record(old, old) == []


def test_site_shows_history_recent_changes_and_an_atom_feed(scripted, tmp_path):
    import xml.etree.ElementTree as ET
    from datetime import date

    from plaincrm.site.build import build_for_site

    git = scripted[1].copy(tmp_path / "copy")
    copy = git.root
    git.edit(A_MOVED, "needs: 需要服务器运维解决方案", "needs: <img src=x onerror=alert(1)>")
    git.commit("<script>alert(2)</script> & more", author="Eve &amp Mallory", date="2024-07-01T09:00:00+08:00")
    site = build_for_site(copy, today=date(2024, 7, 2), repo_url="https://github.com/team/crm")[1]
    page = site.render_customer("C20240501001").html
    history = page[page.index('id="history"') :]
    assert history.count("<li><span") == 5
    assert "Carol Chen" in history and '<a href="https://github.com/team/crm/pull/7">#7</a>' in history
    assert "contact 张经理 phone changed: 138****5678 → 139****1111" in history and "13900001111" not in history
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; more" in history and "<script>" not in history
    assert "needs: 需要服务器运维解决方案 → &lt;img src=x onerror=alert(1)&gt;" in history
    changes = next(p.html for p in site.pages if p.src == "changes/index.md")
    assert changes.count("<li><span") == 7 and "<s><bdi>C20240501002</bdi></s>" in changes
    assert 'href="../customers/C20240501001.html"' in changes
    feed = ET.fromstring(site.files["changes/feed.xml"])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 7 and len({e.find("a:id", ns).text for e in entries}) == 7
    assert entries[0].find("a:title", ns).text == "A科技有限公司: <script>alert(2)</script> & more"
    assert entries[0].find("a:author/a:name", ns).text == "Eve &amp Mallory"
    assert entries[0].find("a:link", ns).get("href") == "../customers/C20240501001.html"
    assert feed.find("a:updated", ns).text == "2024-07-01T09:00:00+08:00"


def _crm(root, *args):
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from plaincrm.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--root", str(root), *args])
    return code, out.getvalue(), err.getvalue()


def test_crm_history_in_the_terminal(scripted):
    repo, _ = scripted
    code, out, _ = _crm(repo.root, "history", "C20240501001")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("2024-06-04  ") and lines[0].endswith("Alice Admin: File 2024 customers in a folder")
    assert (
        "Carol Chen: New phone for Zhang (#7)" in out
        and "    contact 张经理 phone changed: 138****5678 → 139****1111" in lines
    )
    assert lines[-2].endswith("Add two customers from the fair") and lines[-1] == "    created"
    assert _crm(repo.root, "history", "C20991231001")[0] == 1


@pytest.fixture
def branch_repo(scripted, tmp_path):
    """A copy of the scripted repository, tagged 2024Q2, on a new branch "feature"."""
    git = scripted[1].copy(tmp_path / "branch")
    git.run("tag", "2024Q2")
    git.run("checkout", "-q", "-b", "feature")
    return git.root, git


def test_crm_diff_names_added_changed_and_derived_effects(branch_repo):
    root, git = branch_repo
    from .conftest import Repo

    repo = Repo(root)
    repo.good("C20240601001", "新客户", **{"cooperation: not_started": "cooperation: active"})
    git.edit(
        A_MOVED,
        "  - {kind: first_contact, date: 2024-05-01}",
        "  - {kind: first_contact, date: 2024-05-01}\n  - {kind: complaint_opened, date: 2024-06-20, note: 投诉}",
    )
    git.edit(A_MOVED, "needs:", "satisfaction: 2\nneeds:")
    code, out, err = _crm(root, "diff", "--today", "2024-07-01")
    assert code == 0, err
    assert out.splitlines()[:4] == [
        f"Changes from merge base {git.run('rev-parse', 'main')[:12]} to the working tree:",
        "  C20240601001 新客户: added",
        "  C20240501001 A科技有限公司: changed",
        "      key date added: complaint_opened 2024-06-20 投诉",
    ]
    assert "      satisfaction set: 2" in out
    assert out.endswith(
        "Effects:\n  moves C20240501001 from Growth potential to Risk warning\n  1 follow-up becomes overdue\n"
    )
    code, markdown, _ = _crm(root, "diff", "--today", "2024-07-01", "--format", "markdown")
    assert (
        markdown.startswith("### Customer records: 1 added, 1 changed") and "- `C20240601001 新客户: added`" in markdown
    )


def test_crm_diff_refuses_an_id_changed_inside_a_file(branch_repo):
    root, git = branch_repo
    git.edit(A_MOVED, "id: C20240501001", "id: C20240501009")
    code, out, _ = _crm(root, "diff", "2024Q2", "--today", "2024-07-01")
    assert code == 1
    assert "error: records/customers/2024/C20240501001.yaml: the id changed from C20240501001 to C20240501009" in out


def test_crm_diff_between_revisions_names_renames_and_removals(scripted):
    repo, git = scripted
    first = git.run("rev-list", "--max-parents=0", "HEAD")
    code, out, _ = _crm(repo.root, "diff", first, "HEAD", "--today", "2024-07-01")
    assert code == 0
    assert "  C20240501002 B商贸公司: removed" in out
    assert f"  C20240501001 A科技有限公司: renamed {A} → {A_MOVED}" in out
    assert "      cooperation: not_started → active" in out


def test_reports_as_of_a_date_and_a_tag(branch_repo):
    root, git = branch_repo
    code, out, err = _crm(root, "report", "distribution", "--as-of", "2024-05-31", "--format", "csv")
    assert code == 0, err
    assert "as of 2024-05-31" in err and "reports for 2024-05-31" in err
    rows = out.splitlines()
    cooperation = rows[rows.index("distribution.cooperation") + 2 :]
    assert cooperation[0].startswith("not_started,") or "Not started" in cooperation[0]
    assert "2," in cooperation[0]  # both customers were still not started on May 31
    code, out, err = _crm(root, "report", "distribution", "--as-of", "2024Q2", "--format", "csv")
    assert code == 0 and "reports for 2024-06-06" in err
    assert _crm(root, "report", "--as-of", "2023-01-01")[0] == 2


def test_site_built_as_of_a_date_with_mkdocs(scripted, tmp_path):
    from .sitekit import make_site_repo, mkdocs_build

    repo, _ = scripted
    root = tmp_path / "site-repo"
    shutil.copytree(repo.root, root)
    make_site_repo(root / "_")  # the site configuration and pages of this repository...
    for name in ("site", "mkdocs.yml"):
        shutil.move(str(root / "_" / name), str(root / name))  # ...next to the scripted records
    shutil.rmtree(root / "_")
    (root / ".gitignore").write_text("out/\n.cache/\n_/\n")
    result = mkdocs_build(root, today="", env={"PLAINCRM_AS_OF": "2024-05-31"})
    assert result.returncode == 0, result.stderr
    home = (root / "out" / "index.html").read_text(encoding="utf-8")
    assert "Records as of 2024-05-31" in home
    page = (root / "out" / "customers" / "C20240501001.html").read_text(encoding="utf-8")
    assert "not_started" in page or "Not started" in page
    assert page.count("<li><span") == 1 and "Add two customers from the fair" in page  # history up to that point
    assert (root / "out" / "customers" / "C20240501002.html").exists()  # deleted later, still there on May 31


EDITS = [
    lambda t: t.replace("cooperation: ", "cooperation: x", 1),
    lambda t: t.replace(
        "interactions:\n",
        "interactions:\n  - date: 2026-11-01\n    channel: phone\n    topic: 回访\n"
        "    summary: 新增\n    by: [li.wei]\n",
        1,
    ),
    lambda t: t.replace("status: done", "status: open", 1),
    lambda t: t.replace("contacts:\n  - ", "contacts:\n  - {name: 新人}\n  - ", 1),
    lambda t: "\n".join(line for line in t.split("\n") if not line.startswith("notes:")),
    lambda t: t + "city: 苏州\n" if "\ncity:" not in t else t.replace("\ncity: ", "\ncity: 新", 1),
    lambda t: t.replace("tags: [", "tags: [新标签, ", 1),
]


@pytest.mark.parametrize("edit", range(len(EDITS)))
def test_changed_parts_say_what_whole_files_say(edit):
    """Parsing only the changed pieces describes every sample record's edit as parsing both files does."""
    import yaml

    from plaincrm.history.blocks import changed_parts

    from .conftest import REPO

    words = ChangeWords()
    checked = 0
    for path in sorted((REPO / "records" / "customers").glob("*.yaml")):
        old = path.read_text(encoding="utf-8")
        new = EDITS[edit](old)
        if new == old:
            continue
        whole = words.record(yaml.load(old, Loader=yaml.CSafeLoader), yaml.load(new, Loader=yaml.CSafeLoader))
        assert words.record(*changed_parts(old, new, {})) == whole, path.name
        checked += 1
    assert checked >= 10


def test_changed_parts_leave_anchors_and_odd_files_to_the_whole_parser():
    from plaincrm.history.blocks import Unsure, changed_parts

    for odd in ("a: &x 1\nb: *x\n", "---\na: 1\n", "a: 1\n  - broken\n: x\n", "a: 1\na: 2\n"):
        with pytest.raises(Unsure):
            changed_parts("a: 0\n", odd, {})
