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
    git.edit(A, "key_dates:", "  - date: 2024-06-01\n    channel: visit\n    topic: 签约\n    summary: 签约成功\n    by: [wang.fang]\nkey_dates:")
    git.commit("Log the signing visit (#3)", author="Bob Builder", date="2024-06-01T18:30:00+08:00")
    git.run("checkout", "-q", "-b", "carol/phone")
    git.edit(A, '"13812345678"', '"13900001111"')
    git.edit(A, "tags: [高意向]", "tags: [VIP]")
    git.commit("New phone for Zhang", author="Carol Chen", date="2024-06-02T10:00:00+08:00")
    git.run("checkout", "-q", "main")
    git.run("merge", "-q", "--no-ff", "carol/phone", "-m", "Merge pull request #7 from carol/phone",
            author="Alice Admin", date="2024-06-03T09:00:00+08:00")
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
    repo, _ = scripted
    copy = tmp_path / "copy"
    shutil.copytree(repo.root, copy)
    from plaincrm.project import Project

    first = read_history(Project(copy))
    assert (copy / ".cache/plaincrm/history.marshal").exists()
    assert read_history(Project(copy)) == first
    git = ScriptedGit.__new__(ScriptedGit)
    git.root = copy
    git.edit(A_MOVED, "needs: 需要服务器运维解决方案", "needs: 需要混合云方案")
    git.commit("Update needs", author="Bob Builder", date="2024-07-01T09:00:00+08:00")
    later = read_history(Project(copy))
    assert later.of_file(A_MOVED)[0].lines == ("needs: 需要服务器运维解决方案 → 需要混合云方案",)
    assert later.of_file(A_MOVED)[1:] == first.of_file(A_MOVED)
    assert later == read_history(Project(copy), use_cache=False)


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
    old = {"name": "A", "contacts": [{"name": "张", "title": "经理"}], "orders": [{"date": "2024-01-01", "amount": 5}],
           "size": {"employees": "small"}, "notes": "x" * 80}
    new = {"name": "A", "contacts": [{"name": "张", "title": "总监"}, {"name": "李"}], "orders": [],
           "size": {"employees": "large"}, "notes": "y" * 80, "city": "深圳"}
    assert words.record(old, new) == [
        "contact 张 title: 经理 → 总监", "contact added: 李", "order removed: 2024-01-01 5",
        "size.employees: small → large", "notes changed", "city set: 深圳",
    ]
    assert words.record(None, new) == ["created"] and words.record(old, None) == ["deleted"]
    assert words.record(old, old) == []
