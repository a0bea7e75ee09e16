"""Quick entry under attack: an issue body is anyone's text. An id answer is never a path, nothing is
touched before every answer is checked, what is posted back shows the answers as code (no link,
image, heading or @mention can start), and a new customer carries its CODEOWNERS line and a warning
when it repeats an existing customer."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.issue_forms import form_by_name, parse_body
from plaincrm.quick_entry import Entry, FormError, apply

from .conftest import make_repo
from .test_workflow import LOG_BODY, NEW_CUSTOMER_BODY, _script_env, team_repo  # noqa: F401 - team_repo: a fixture

TODAY = date(2026, 11, 23)
LOG, NEW = form_by_name("log-interaction"), form_by_name("new-customer")
HOSTILE = "```\n@octocat @everyone [click](http://x.example) ![img](http://x.example/i.png)\n# Heading\n<b>bold</b>"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
    }


def _outside_markdown_code(markdown: str) -> str:
    """What a CommonMark reader takes as Markdown: the text with every code span removed (a run of
    n backticks opens one that the next run of exactly n backticks closes)."""
    out, i = [], 0
    while i < len(markdown):
        if markdown[i] != "`":
            out.append(markdown[i])
            i += 1
            continue
        run = re.match(r"`+", markdown[i:]).group()
        close = re.compile(rf"(?<!`){run}(?!`)").search(markdown, i + len(run))
        if close is None:
            out.append(run)
            i += len(run)
        else:
            i = close.end()
    return "".join(out)


def _assert_inert(markdown: str) -> None:
    plain = _outside_markdown_code(markdown)
    assert not re.search(r"[@\[\]<>!]|https?:|^\s*#", plain, re.M), plain
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", markdown), markdown


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo")
    repo.good()
    return repo


@pytest.mark.parametrize(
    "answer",
    [
        "../../etc/passwd",
        "/tmp/x",
        "C20240501001/../../../outside/C20240501001",
        "records/customers/C20240501001",
        "C20240501001.yaml",
        " C20240501001\nC20240501002",
    ],
)
def test_an_id_answer_is_never_a_path(repo, tmp_path, answer):
    outside = tmp_path / "outside" / "C20240501001.yaml"  # a valid record outside the repository
    outside.parent.mkdir()
    outside.write_bytes(repo.good().read_bytes())
    answer = answer.replace("/tmp/x", str(outside.with_suffix("")))
    before, outside_before = _tree(repo.root), outside.read_bytes()
    with pytest.raises(FormError, match="is not a customer id; ids look like C20240501001"):
        apply(repo.project, LOG, parse_body(LOG_BODY.replace("C20240501001", answer), LOG), today=TODAY)
    assert _tree(repo.root) == before and outside.read_bytes() == outside_before


def test_a_record_file_linked_out_of_the_customers_folder_is_not_read(repo, tmp_path):
    secret = tmp_path / "secret.yaml"  # what the link would copy into a pull request
    secret.write_bytes(repo.good("C20990101001").read_bytes())
    (repo.customers / "C20990101001.yaml").unlink()
    (repo.customers / "C20990101001.yaml").symlink_to(secret)
    before = _tree(repo.root)
    with pytest.raises(FormError, match="symbolic link"):
        apply(repo.project, LOG, parse_body(LOG_BODY.replace("C20240501001", "C20990101001"), LOG), today=TODAY)
    assert _tree(repo.root) == before and (repo.customers / "C20990101001.yaml").is_symlink()


@settings(max_examples=150, deadline=None)
@given(answer=st.text(alphabet=st.sampled_from("C0123./\\~-_ \n\t\u202e%:"), max_size=20) | st.text(max_size=20))
def test_any_id_answer_names_an_existing_record_or_is_refused_with_nothing_written(tmp_path_factory, answer):
    repo = _property_repo(tmp_path_factory)
    before = _tree(repo.root)
    answers = parse_body(LOG_BODY, LOG) | {"id": answer}
    try:
        entry = apply(repo.project, LOG, answers, today=TODAY)
    except FormError as error:
        assert _tree(repo.root) == before
        _assert_inert(error.markdown())
    else:
        assert answer.strip() == "C20240501001" and entry.files == ("records/customers/C20240501001.yaml",)
        (repo.root / entry.files[0]).write_bytes(before[entry.files[0]])


_REPOS: dict[str, object] = {}


def _property_repo(factory):
    if "repo" not in _REPOS:
        _REPOS["repo"] = make_repo(factory.mktemp("property") / "repo")
        _REPOS["repo"].good()
    return _REPOS["repo"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80) | st.sampled_from([HOSTILE, "`", "``a``", " ` ", "\u202eevil", "@x", "a\r\n# b"]))
def test_what_is_posted_back_shows_any_text_as_code(text):
    _assert_inert(FormError(text).markdown())
    _assert_inert(Entry(("records/customers/C20240501001.yaml",), (text,)).markdown())
    if text.strip() and "\n" not in text:
        assert FormError(text).markdown().count("\n- ") == 1  # one line of the message, one item


def test_a_duplicate_new_customer_is_written_with_a_warning_naming_the_existing_one(repo):
    body = NEW_CUSTOMER_BODY.replace("Ｇ精密机械有限公司", "A科技").replace("_No response_", "Zhang@Example.com")
    entry = apply(repo.project, NEW, parse_body(body, NEW), today=TODAY)
    assert entry.warnings == (
        "C20261123001 may be the same customer as C20240501001 A科技有限公司 (same e-mail)",
        "C20261123001 may be the same customer as C20240501001 A科技有限公司 (same name)",
    )
    assert "- `C20261123001 may be the same customer as C20240501001 A科技有限公司 (same name)`" in entry.markdown()
    assert "/records/customers/C20261123001.yaml @wangfang-crm" in (repo.root / ".github/CODEOWNERS").read_text()
    other = NEW_CUSTOMER_BODY.replace("13711112222", "13900001111")  # a different customer
    entry = apply(repo.project, NEW, parse_body(other, NEW), today=TODAY)
    assert entry.warnings == () and entry.files == ("records/customers/C20261123002.yaml", ".github/CODEOWNERS")


# --- through the workflow's script ----------------------------------------------------------------


def _quick_entry(root: Path, form: str, body: str, number: str) -> subprocess.CompletedProcess:
    env = _script_env(
        FORM=form,
        ISSUE_BODY=body,
        ISSUE_NUMBER=number,
        ISSUE_AUTHOR="liwei-sales",
        PLAINCRM_PUSH="0",
        GH_TOKEN="secret-token",
    )
    return subprocess.run(
        [str(root / ".github/scripts/quick-entry.sh")], cwd=root, capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize("answer", ["../../etc/passwd", "/tmp/x", "../../../.github/CODEOWNERS"])
def test_script_refuses_a_path_for_an_id_and_touches_nothing(team_repo, answer):  # noqa: F811
    root, git = team_repo
    done = _quick_entry(root, "log-interaction", LOG_BODY.replace("C20240501001", answer), "21")
    assert done.returncode == 1 and "is not a customer id" in done.stdout, done.stdout + done.stderr
    assert git.run("status", "--porcelain") == "" and git.run("branch", "--show-current") == "main"
    _assert_inert(done.stdout)


@pytest.mark.parametrize(
    "old,new,said",
    [
        (
            "C20240501001",
            "x\n" + HOSTILE + "\n```",
            "is not a customer id",
        ),  # was echoed raw: it closed the comment's fence
        ("2026-11-21", HOSTILE.replace("\n", " "), "is not a date"),
    ],
)
def test_script_comment_cannot_break_out_of_its_code(team_repo, old, new, said):  # noqa: F811
    root, git = team_repo
    done = _quick_entry(root, "log-interaction", LOG_BODY.replace(old, new), "22")
    assert done.returncode == 1 and said in done.stdout, done.stdout + done.stderr
    assert done.stdout.startswith("The form could not be turned into a change:\n\n- `")
    _assert_inert(done.stdout)
    assert git.run("status", "--porcelain") == ""


def test_script_new_customer_carries_codeowners_and_warns_of_a_duplicate(team_repo):  # noqa: F811
    root, git = team_repo
    body = NEW_CUSTOMER_BODY.replace("Ｇ精密机械有限公司", "A\u202e科技有限公司").replace("数控机床的远程运维", HOSTILE)
    done = _quick_entry(root, "new-customer", body, "23")
    if done.returncode == 1:  # a name with a direction override may be refused by validation: said as code
        assert "The form could not be turned into a change" in done.stdout
        body = NEW_CUSTOMER_BODY.replace("Ｇ精密机械有限公司", "A科技")
        done = _quick_entry(root, "new-customer", body, "23")
    assert done.returncode == 0, done.stdout + done.stderr
    _assert_inert(done.stdout.split("\n", 1)[1])  # the first line is the script's own, for the log
    assert "may be the same customer as C20240501001 A科技有限公司 (same name)" in done.stdout
    files = git.run("show", "--format=", "--name-only", "HEAD").splitlines()
    assert files[0] == ".github/CODEOWNERS" and files[1].startswith("records/customers/C") and len(files) == 2
    assert git.run("status", "--porcelain") == ""
    code = subprocess.run(
        ["crm", "codeowners", "--check"], cwd=root, capture_output=True, text=True, env=_script_env()
    ).returncode
    assert code == 0


def test_script_keeps_the_token_from_crm(team_repo, tmp_path):  # noqa: F811
    """crm reads the untrusted body without GH_TOKEN in its environment (only the push and post get it)."""
    root, _ = team_repo
    spy = tmp_path / "bin"
    spy.mkdir()
    real = Path(_script_env()["PATH"].split(os.pathsep)[0]) / "crm"
    (spy / "crm").write_text(f'#!/bin/sh\necho "token:${{GH_TOKEN:-none}}" >&2\nexec "{real}" "$@"\n')
    (spy / "crm").chmod(0o755)
    env = _script_env(
        FORM="log-interaction",
        ISSUE_BODY=LOG_BODY,
        ISSUE_NUMBER="24",
        ISSUE_AUTHOR="liwei-sales",
        PLAINCRM_PUSH="0",
        GH_TOKEN="secret-token",
    )
    env["PATH"] = str(spy) + os.pathsep + env["PATH"]
    done = subprocess.run(
        [str(root / ".github/scripts/quick-entry.sh")], cwd=root, capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0 and "token:none" in done.stderr and "secret-token" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    "number,author", [("12; rm -rf /", "liwei-sales"), ("12", "x <evil@example.com>\nSigned-off-by: y")]
)
def test_script_refuses_an_issue_number_or_author_that_is_not_one(team_repo, number, author):  # noqa: F811
    root, git = team_repo
    env = _script_env(
        FORM="log-interaction", ISSUE_BODY=LOG_BODY, ISSUE_NUMBER=number, ISSUE_AUTHOR=author, PLAINCRM_PUSH="0"
    )
    done = subprocess.run(
        [str(root / ".github/scripts/quick-entry.sh")], cwd=root, capture_output=True, text=True, env=env
    )
    assert done.returncode == 2 and git.run("status", "--porcelain") == ""
