"""Hostile input at the history's boundaries: commits, blobs, clones, branches and the outputs
that show them (issue 12). Each test fails without its fix."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plaincrm import project as project_module
from plaincrm.escaping import markdown_code, terminal_safe
from plaincrm.history.audit import read_history
from plaincrm.history.blocks import _ANCHOR
from plaincrm.history.gitlog import _PR_PATTERNS, read_blobs, read_log, tree_files
from plaincrm.project import Project

from .conftest import GOOD_RECORD, make_repo
from .gitkit import ScriptedGit

A = "records/customers/C20240501001.yaml"
HOSTILE = "[x](http://evil) ![i](http://t) # H @someone \x1b[2J\u202eevil\n# heading"


def _crm(root: Path, *args: str) -> tuple[int, str, str]:
    from plaincrm.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--root", str(root), *args])
    return code, out.getvalue(), err.getvalue()


def _commit(root: Path, message: str, author: str, *, date: str = "2024-05-01T09:00:00+08:00") -> str:
    """A commit of everything, with any message and author name git accepts, taken verbatim."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": "CI",
        "GIT_COMMITTER_EMAIL": "ci@example.com",
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(root),
    }
    for args in (["add", "-A"], ["commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-"]):
        subprocess.run(
            ["git", "-C", str(root), *args], input=message.encode(), env=env, check=True, capture_output=True
        )
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo")
    ScriptedGit(repo.root)
    repo.good()
    _commit(repo.root, "Add a customer", "Alice Admin")
    return repo


# --- 1. git output read NUL-separated -----------------------------------------------------


def test_separator_bytes_in_a_subject_and_an_author_name_are_read_as_text(repo):
    repo.good(**{"cooperation: not_started": "cooperation: active"})
    _commit(
        repo.root,
        "Signed\x1e\x1f today (#5)\n\nbody \x1e with\x1f separators\n:100644 100644 a b M",
        "Eve\x1f \x1eMallory",
    )
    history = read_history(repo.project, use_cache=False)
    newest = history.of_file(A)[0]
    assert (newest.author, newest.subject, newest.pull_request) == (
        "Eve\x1f \x1eMallory",
        "Signed\x1e\x1f today (#5)",
        5,
    )
    assert newest.lines == ("cooperation: not_started → active",)
    code, out, _ = _crm(repo.root, "history", "C20240501001")
    assert code == 0 and "Eve\\x1f \\x1eMallory: Signed\\x1e\\x1f today (#5)" in out


_TEXT = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=30)
_CRUD = "".join(map(chr, range(33))) + ".,:;<>\"\\'"  # what git trims from the ends of a name
_NAME = st.text(
    st.characters(blacklist_characters="\0\n<>", blacklist_categories=("Cs",)), min_size=1, max_size=12
).filter(lambda n: n.strip(_CRUD) == n)
_PATH = st.text(
    st.characters(blacklist_characters="\0/", blacklist_categories=("Cs",)), min_size=1, max_size=12
).filter(lambda n: n not in (".", "..") and not n.startswith(".") and len(n.encode()) < 200)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(st.tuples(_TEXT.map(lambda t: t.replace("\n", " ")), _TEXT, _NAME, _PATH), min_size=1, max_size=3))
def test_any_subject_body_author_and_path_is_read_back_as_written(tmp_path_factory, commits):
    """Three commits per example, each with a random subject, body, author name and file name."""
    root = tmp_path_factory.mktemp("fuzz")
    ScriptedGit(root)
    made = []
    for index, (subject, body, author, name) in enumerate(commits):
        folder = root / "records" / "customers"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{index}{name}.yaml").write_text(f"id: X{index}\n", encoding="utf-8")
        message = subject.strip() + "\n\n" + body if subject.strip() else "s\n\n" + body
        made.append(
            (_commit(root, message, author), message.split("\n", 1)[0], author, f"records/customers/{index}{name}.yaml")
        )
    read = read_log(root)
    assert [(c.sha, c.subject, c.author, [ch.path for ch in c.changes]) for c in read] == [
        (sha, subject, author, [path]) for sha, subject, author, path in reversed(made)
    ]


# --- 2. long lines and large blobs ----------------------------------------------------------

ADVERSARIAL = [
    "a" + " " * 200_000 + "x",
    "a" + " \n" * 100_000,
    "(#1)" + " " * 200_000 + "x",
    "Merge branch '" + "' into \n" * 2_000,
    "See merge request " * 10_000,
    " &" * 100_000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_the_history_regexes_are_linear_on_200_kb(text):
    started = time.perf_counter()
    for pattern in (*_PR_PATTERNS, _ANCHOR):
        pattern.search(text)
    assert time.perf_counter() - started < 0.5


def test_a_200_kb_line_in_an_old_version_does_not_stall_the_history(repo):
    """The text-level cut (yamltext.KEY) went quadratic on a long run of blanks: minutes for 200 KB."""
    repo.good(**{"needs: 需要服务器运维解决方案": "needs: 需要服务器运维解决方案\nnotes" + " " * 200_000 + "x: y"})
    _commit(repo.root, "A long line", "Alice Admin")
    repo.good()
    _commit(repo.root, "Back again", "Alice Admin")
    code = (
        "import sys, time; from pathlib import Path; from plaincrm.project import Project; "
        "from plaincrm.history.audit import read_history; t = time.perf_counter(); "
        f"h = read_history(Project(Path({str(repo.root)!r})), use_cache=False); print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 5


def test_a_version_over_the_size_limit_is_too_large_to_compare_and_never_read_whole(repo):
    settings_file = repo.root / "schema" / "settings.yaml"
    settings_file.write_text(re.sub(r"max_file_bytes: \d+", "max_file_bytes: 4000", settings_file.read_text()))
    _commit(repo.root, "Smaller files", "Alice Admin")
    big = GOOD_RECORD.format(id="C20240501001", name="A科技有限公司") + "notes: " + "x" * 5000 + "\n"
    repo.write("C20240501001.yaml", big, dedent=False)
    _commit(repo.root, "A huge note", "Alice Admin")
    repo.good()
    _commit(repo.root, "Back again", "Alice Admin")
    lines = [e.lines for e in read_history(Project(repo.root), use_cache=False).of_file(A)]
    assert lines[:2] == [
        ("changed (the version before is too large to compare)",),
        ("the file is too large to compare at this commit (over 4,000 bytes)",),
    ]
    blob = tree_files(repo.root, "HEAD~1", "records")[A]
    assert len(read_blobs(repo.root, [blob], 4000)[blob]) == 4001


# --- 3. cache keys ---------------------------------------------------------------------------


def test_unshallowing_a_clone_reads_the_whole_history_again(repo, tmp_path):
    repo.good(**{"cooperation: not_started": "cooperation: active"})
    _commit(repo.root, "Active", "Bob Builder")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True)
    assert read_history(Project(clone)).partial
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True)
    history = read_history(Project(clone))
    assert not history.partial
    assert [e.lines for e in history.of_file(A)] == [("cooperation: not_started → active",), ("created",)]


def test_the_fingerprint_covers_schema_sub_packages_and_every_file_of_the_engine(repo, tmp_path, monkeypatch):
    before = Project(repo.root).fingerprint
    (repo.root / "schema" / "rules").mkdir()
    (repo.root / "schema" / "rules" / "__init__.py").write_text("LIMIT = 1\n")
    with_package = Project(repo.root).fingerprint
    (repo.root / "schema" / "rules" / "__init__.py").write_text("LIMIT = 2\n")
    assert len({before, with_package, Project(repo.root).fingerprint}) == 3

    engine = tmp_path / "engine"
    (engine / "site").mkdir(parents=True)
    (engine / "site" / "pages.py").write_text("A = 1\n")
    monkeypatch.setattr(project_module, "ENGINE_DIR", engine)
    first = project_module.engine_digest()
    (engine / "site" / "pages.py").write_text("A = 22\n")
    assert project_module.engine_digest() != first
    edited = project_module.engine_digest()
    (engine / "site" / "__pycache__").mkdir()
    (engine / "site" / "__pycache__" / "pages.cpython-311.pyc").write_bytes(b"compiled")
    assert project_module.engine_digest() == edited  # compiled caches are not the engine


# --- 4. another revision's code is never run -------------------------------------------------


@pytest.fixture
def hostile_branch(repo, tmp_path):
    """A branch whose schema/customer.py writes a marker file when imported, and whose record
    holds a field today's schema does not know."""
    marker = tmp_path / "pwned"
    git = ScriptedGit(repo.root, init=False)
    git.run("checkout", "-q", "-b", "theirs")
    customer = repo.root / "schema" / "customer.py"
    customer.write_text(
        customer.read_text(encoding="utf-8") + f"\nopen({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8"
    )
    repo.good(
        **{
            "needs: 需要服务器运维解决方案": "needs: 需要服务器运维解决方案\nloyalty_points: 5",
            "cooperation: not_started": "cooperation: active",
        }
    )
    _commit(repo.root, "Their change", "Mallory")
    git.run("checkout", "-q", "main")
    return repo, marker


def test_diff_report_and_pages_of_a_branch_do_not_import_its_schema(hostile_branch):
    repo, marker = hostile_branch
    code, out, err = _crm(repo.root, "diff", "main", "theirs", "--today", "2024-07-01")
    assert code == 0, err
    assert "cooperation: not_started → active" in out and "loyalty_points set: 5" in out
    assert "theirs has 1 validation problem(s) under today's schema" in out and "loyalty_points" in out
    code, out, err = _crm(repo.root, "report", "distribution", "--as-of", "theirs")
    assert code == 1 and "loyalty_points" in err and "today's schema" in err and "Traceback" not in err
    from plaincrm.problems import ProblemError
    from plaincrm.site.build import build_for_site

    with pytest.raises(ProblemError):  # the unknown field, judged by today's schema
        build_for_site(repo.root, today=None, as_of="theirs", history=False)
    assert not marker.exists()
    _crm(repo.root, "diff", "main", "theirs", "--today", "2024-07-01", "--trust-revision")
    assert marker.exists()  # asked to trust it: the branch's own schema is imported


# --- 5. and 6. Markdown and the terminal -----------------------------------------------------


def test_diff_as_markdown_shows_record_text_as_code_and_the_terminal_sees_no_escape(repo):
    repo.good(name=json.dumps(HOSTILE))  # YAML reads JSON's escapes: the file itself holds no control character
    code, markdown, err = _crm(repo.root, "diff", "HEAD", "--today", "2024-07-01", "--format", "markdown")
    assert code == 0, err
    line = next(line for line in markdown.splitlines() if "evil" in line)
    assert line.startswith("- `") and line.endswith("`") and line.count("`") == 2
    assert "\n# heading" not in markdown and "\x1b" not in markdown and "\u202e" not in markdown
    code, text, _ = _crm(repo.root, "diff", "HEAD", "--today", "2024-07-01")
    assert "\\x1b[2J\\u202eevil" in text and "\x1b" not in text and "\u202e" not in text


def test_history_in_the_terminal_shows_control_characters_escaped(repo):
    repo.good(name=json.dumps("\x1b]0;owned\x07A"))
    _commit(repo.root, "Rename \x1b[31mred\u202e", "Eve \x1b[2J")
    code, out, _ = _crm(repo.root, "history", "C20240501001")
    assert code == 0
    assert "Eve \\x1b[2J: Rename \\x1b[31mred\\u202e" in out and "name: A科技有限公司 → \\x1b]0;owned\\x07A" in out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e]", out)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_one_literal_markdown_code_span(text):
    span = markdown_code(text)
    if not terminal_safe(text):
        assert span == ""
        return
    fence = re.match("`+", span).group()
    inner = span[len(fence) : -len(fence)]
    assert span.endswith(fence) and "\n" not in span and "\r" not in span and terminal_safe(span) == span
    assert fence not in re.findall("`+", inner)  # no backtick run inside can close the span early
    shown = inner[1:-1] if inner.startswith(" ") and inner.endswith(" ") and inner.strip(" ") else inner
    assert shown == terminal_safe(text)  # what CommonMark shows: the text, escaped, nothing dropped


def test_pull_requests_are_still_found_in_github_and_gitlab_messages():
    from plaincrm.history.gitlog import Commit

    def pull_request(subject: str, body: str = "") -> int | None:
        return Commit("0" * 40, (), "a", "e", "2024-05-01", subject, body).own_pull_request

    assert pull_request("Merge pull request #7 from carol/phone") == 7
    assert pull_request("Log the signing visit (#3)") == 3
    assert pull_request("Merge branch 'phone' into 'main'", "New phone\n\nSee merge request team/crm!12") == 12


def test_pages_as_of_a_branch_run_its_schema_only_when_trusted(hostile_branch, tmp_path):
    repo, marker = hostile_branch
    code, _, err = _crm(repo.root, "pages", str(tmp_path / "out"), "--as-of", "theirs", "--today", "2024-07-01")
    assert code != 0 and "loyalty_points" in err and not marker.exists()
    _crm(repo.root, "pages", str(tmp_path / "out2"), "--as-of", "theirs", "--trust-revision", "--today", "2024-07-01")
    assert marker.exists()


def test_history_masks_the_fields_the_team_masks(tmp_path):
    from plaincrm.history.changes import ChangeWords

    from .conftest import make_repo

    project = make_repo(tmp_path / "repo").project
    words = ChangeWords(project.customer_models, project.settings.mask_fields)
    old = {"contacts": [{"name": "张经理", "im": "wx_zhang_2024"}]}
    new = {"contacts": [{"name": "张经理", "im": "wx_zhang_2025"}]}
    said = "\n".join(words.record(old, new))
    assert "contacts.im" in project.settings.mask_fields and "wx_zhang" not in said and "w***" in said
