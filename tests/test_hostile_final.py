"""Final hostile pass: each test is a defect reproduced against the CLI (see the docstrings)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import make_repo

ID_NUMBER = "11010519491231002X"  # valid check digit
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/tmp",
    "PATH": "/usr/bin:/bin",
}


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def crm(root: Path, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    """`crm --root ROOT ARGS` in a bounded subprocess (2 GB, timeout)."""
    return subprocess.run(
        [sys.executable, "-m", "plaincrm", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit,
        errors="replace",
    )


def git(root: Path, *args: str) -> str:
    import os

    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True, env=env, timeout=60
    ).stdout


def git_repo(tmp_path: Path):
    repo = make_repo(tmp_path / "repo")
    repo.good()
    repo.good("C20240501002", name="B公司")
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "init")
    return repo


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def everything(run: subprocess.CompletedProcess) -> str:
    return run.stdout + run.stderr


# --- resident ID numbers repeated ---------------------------------------------------------------------------------


def test_validate_never_repeats_an_id_number_written_as_a_field_name(tmp_path):
    """A record with the line `11010519491231002X: x` (an ID number as a key): `crm validate` (text, json, github)
    and `crm show` print the number back in the "unknown field '11010519491231002X'" message. The privacy rule
    says an ID number is never repeated in any message: the unknown-field problem should not quote it."""
    repo = make_repo(tmp_path / "repo")
    path = repo.good()
    edit(path, "tags: [高意向]\n", f"tags: [高意向]\n{ID_NUMBER}: x\n")
    for args in (
        ["validate"],
        ["validate", "--format", "json"],
        ["validate", "--format", "github"],
        ["show", "C20240501001"],
    ):
        run = crm(repo.root, *args)
        assert ID_NUMBER not in everything(run), args


def test_diff_of_a_branch_never_repeats_an_id_number(tmp_path):
    """A branch under review puts `needs: "身份证 11010519491231002X"` in a record. `crm diff main feat` (and
    `--format markdown`, which goes into the public job summary) prints
    `needs: 需要服务器运维解决方案 → 身份证 11010519491231002X`. An ID number must never be repeated in any output;
    the diff should show the value withheld (the validation note already names the problem)."""
    repo = git_repo(tmp_path)
    git(repo.root, "checkout", "-qb", "feat")
    edit(repo.customers / "C20240501001.yaml", "needs: 需要服务器运维解决方案", f'needs: "身份证 {ID_NUMBER}"')
    git(repo.root, "commit", "-qam", "needs")
    for fmt in ("text", "markdown"):
        run = crm(repo.root, "diff", "main", "feat", "--format", fmt)
        assert ID_NUMBER not in everything(run), fmt


def id_number_in_the_history(tmp_path):
    """A repository one of whose commits wrote an ID number into a value, and the next removed it."""
    repo = git_repo(tmp_path)
    path = repo.customers / "C20240501001.yaml"
    edit(path, "needs: 需要服务器运维解决方案", f'needs: "身份证 {ID_NUMBER}"')
    git(repo.root, "commit", "-qam", "oops")
    edit(path, f'needs: "身份证 {ID_NUMBER}"', "needs: 需要服务器运维解决方案")
    git(repo.root, "commit", "-qam", "fix")
    return repo


def test_history_never_repeats_an_id_number_committed_in_a_value(tmp_path):
    """A commit wrote `needs: "身份证 11010519491231002X"` (then the number was removed). `crm history C20240501001`
    prints the value with the number in full. It should be withheld like in every other output."""
    repo = id_number_in_the_history(tmp_path)
    run = crm(repo.root, "history", "C20240501001")
    assert run.returncode == 0, run.stderr
    assert ID_NUMBER not in everything(run)


def test_an_id_number_written_in_its_usual_groups_is_refused(tmp_path):
    """`needs: "110105 1949 1231 002X"` (the 6-4-4-4 grouping forms and phones display) and
    `needs: "ID11010519491231002X"` (a label typed against the number) validate clean, while a bank card written
    `4111 1111 1111 1111` is refused and `110105 19491231 002X` / `ID:11010519491231002X` are refused. Each is a
    resident ID number with a valid check digit and should be refused."""
    repo = make_repo(tmp_path / "repo")
    for i, text in enumerate(("110105 1949 1231 002X", "ID11010519491231002X"), start=1):
        repo.good(f"C2024050100{i}", name=f"公司{i}", **{"needs: 需要服务器运维解决方案": f'needs: "{text}"'})
    run = crm(repo.root, "validate", "--no-cache")
    assert run.returncode == 1
    assert run.stdout.count("resident ID") == 2, run.stdout


def test_pages_never_repeat_an_id_number_from_the_history(tmp_path):
    """Same history as above: `crm pages OUT` writes the number in full into customers/C20240501001.md,
    changes/index.md and changes/feed.xml (the published site and its Atom feed). It should be withheld."""
    repo = id_number_in_the_history(tmp_path)
    out = tmp_path / "out"
    run = crm(repo.root, "pages", str(out))
    assert run.returncode == 0, run.stderr
    leaking = sorted(
        str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and ID_NUMBER.encode() in p.read_bytes()
    )
    assert leaking == []


def test_import_rejects_file_does_not_repeat_the_id_number_it_rejected(tmp_path):
    """A sheet row whose 备用信息 cell holds `证件 11010519491231002X`: the summary says "the value is not repeated
    here", but s.rejects.csv, written next to the sheet (inside the repository, ready for `git add -A`), holds the
    row as read with the number in full (and the row's phone and e-mail unmasked). The rejected cell should be
    withheld there too."""
    repo = make_repo(tmp_path / "repo")
    repo.good()
    sheet = repo.root / "s.csv"
    sheet.write_text(f"客户名称,跟进人,客户来源,备用信息\nC公司,li.wei,转介绍,证件 {ID_NUMBER}\n", encoding="utf-8")
    crm(repo.root, "import", str(sheet), "--plan")
    mapping = repo.root / "s.mapping.yaml"
    edit(mapping, "reviewed: false", "reviewed: true")
    run = crm(repo.root, "import", str(sheet), "--mapping", str(mapping))
    assert run.returncode == 1
    assert ID_NUMBER not in everything(run)
    assert ID_NUMBER not in (repo.root / "s.rejects.csv").read_text(encoding="utf-8-sig")


def test_import_refuses_an_id_number_written_in_groups(tmp_path):
    """A sheet cell `证件号110105 19491231 002X` in an unknown column is imported into the new record's notes and
    the record validates: the grouped number is stored. The row should be rejected like the ungrouped number."""
    repo = make_repo(tmp_path / "repo")
    repo.good()
    sheet = repo.root / "s.csv"
    sheet.write_text(
        "客户名称,跟进人,客户来源,备用信息\nD公司,li.wei,转介绍,证件号110105 19491231 002X\n", encoding="utf-8"
    )
    crm(repo.root, "import", str(sheet), "--plan")
    mapping = repo.root / "s.mapping.yaml"
    edit(mapping, "reviewed: false", "reviewed: true")
    crm(repo.root, "import", str(sheet), "--mapping", str(mapping))
    stored = [p.name for p in repo.customers.glob("*.yaml") if "19491231" in p.read_text(encoding="utf-8")]
    assert stored == []


# --- careless use -------------------------------------------------------------------------------------------------


def test_export_of_an_unknown_option_value_is_an_error_not_an_empty_file(tmp_path):
    """`crm export --segment cooperation=Active` (the label, not the value `active`) or `--segment tier=Growth`
    prints only the header row and exits 0, so the user gets an empty export and no hint. An unknown field is
    refused with the list of fields; an unknown value of an option field should be refused the same way."""
    repo = make_repo(tmp_path / "repo")
    repo.good()
    for segment in ("cooperation=Active", "tier=Growth", "owner=Li.Wei"):
        run = crm(repo.root, "export", "--segment", segment)
        assert run.returncode != 0, (segment, run.stdout)


def test_pages_do_not_overwrite_a_file_they_did_not_write(tmp_path):
    """`crm pages OUT` into a folder that already holds the user's own `index.md` (say a docs folder) replaces it
    with the generated home page, silently. The README promises pages remove only files their own manifest lists;
    a file that is not in it should be left alone (or the run refused), not overwritten."""
    repo = make_repo(tmp_path / "repo")
    repo.good()
    out = tmp_path / "docs"
    out.mkdir()
    (out / "index.md").write_text("# my own page\n", encoding="utf-8")
    crm(repo.root, "pages", str(out))
    assert (out / "index.md").read_text(encoding="utf-8") == "# my own page\n"


def test_from_issue_refusal_reads_as_lines_not_escaped_newlines(tmp_path):
    """`crm from-issue` with a form whose answer is refused prints on standard error
    `crm from-issue: the new record would not be valid:\\x0a\\x0arecords/…`: its own line breaks are escaped as if
    they were hostile text. The message should arrive as lines (only the record's text needs escaping)."""
    repo = make_repo(tmp_path / "repo")
    repo.good()
    body = tmp_path / "body.md"
    body.write_text(
        "### Name / 客户名称\n\n新客户X有限公司\n\n### Kind / 客户类型\n\ncompany — Company / 企业\n\n"
        "### Owner / 跟进人\n\nli.wei\n\n### Source / 客户来源\n\nreferral\n\n### Industry / 所属行业\n\n"
        "software_it\n\n### Category / 客户分类\n\nnew\n\n### Core needs / 核心需求\n\n"
        f"身份证 {ID_NUMBER}\n",
        encoding="utf-8",
    )
    run = crm(repo.root, "from-issue", "--form", "new-customer", "--body-file", str(body), "--today", "2026-11-01")
    assert run.returncode == 1
    assert "\\x0a" not in run.stderr, run.stderr


# --- export imported back -----------------------------------------------------------------------------------------


def _export_then_import(tmp_path, tags_line: str, fmt: str = "csv"):
    repo = make_repo(tmp_path / "repo")
    path = repo.good(**{"tags: [高意向]": tags_line})
    assert crm(repo.root, "validate", "--no-cache").returncode == 0
    before = path.read_bytes()
    out = repo.root / f"e.{fmt}"
    assert crm(repo.root, "export", "--format", fmt, "--unmasked", "--out", str(out)).returncode == 0
    run = crm(repo.root, "import", str(out))
    return run, before, path.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_tag_with_a_comma_survives_export_and_import(tmp_path, fmt):
    """A record with `tags: [高意向, "大客户, 重点"]`; `crm export --unmasked` then `crm import` of that file reports
    `updated 1` and rewrites the line as `tags: [高意向, '大客户, 重点', 大客户, 重点]`: the one tag comes back as
    three. The README says an export imported back changes nothing."""
    run, before, after = _export_then_import(tmp_path, 'tags: [高意向, "大客户, 重点"]', fmt)
    assert run.returncode == 0, run.stdout + run.stderr
    assert after == before


def test_a_tag_with_a_leading_space_survives_export_and_import(tmp_path):
    """`tags: [" 高意向"]` (valid: `crm validate` accepts it): export then import adds a second tag `高意向`
    (`tags: [' 高意向', 高意向]`). The import should either match the tag it exported or leave the record alone."""
    run, before, after = _export_then_import(tmp_path, 'tags: [" 高意向"]')
    assert run.returncode == 0, run.stdout + run.stderr
    assert after == before


def test_a_tag_holding_an_escape_is_not_rejected_on_reimport(tmp_path):
    """`tags: [高意向, "t\\e[31mx"]` is valid (`crm validate` accepts the YAML escape; the same escape in `needs`
    or `name` round-trips). `crm export --unmasked` then `crm import` rejects the row: "record: the file holds an
    escape character, U+001B, which YAML does not allow; delete it" — about a file the user never wrote that way.
    The import should find the record unchanged."""
    run, before, after = _export_then_import(tmp_path, 'tags: [高意向, "t\\e[31mx"]')
    assert run.returncode == 0, run.stdout + run.stderr
    assert after == before


# --- tracebacks ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_date", ["{kind: renewal_due, date: 9999-12-31}", "{kind: other, date: 0001-01-01}"])
def test_pages_survive_a_key_date_at_the_end_of_the_calendar(tmp_path, key_date):
    """A record with the key date `{kind: renewal_due, date: 9999-12-31}` (or `other` on 0001-01-01) passes
    `crm validate`, but `crm pages OUT` dies with a Python traceback (calendar_feed.py: OverflowError: date value
    out of range, making the 30-day "prepare" event). A branch can break every build this way. The date should
    be refused by validation or the event skipped; never a traceback."""
    repo = make_repo(tmp_path / "repo")
    repo.good(
        **{
            "  - {kind: first_contact, date: 2024-05-01}": f"  - {{kind: first_contact, date: 2024-05-01}}\n  - {key_date}"
        }
    )
    valid = crm(repo.root, "validate", "--no-cache")
    run = crm(repo.root, "pages", str(tmp_path / "out"))
    assert "Traceback" not in run.stderr, run.stderr[-600:]
    assert valid.returncode == 1 or run.returncode == 0


@pytest.mark.parametrize(
    "args",
    [["remind", "--today", "9999-12-31"], ["remind", "--today", "0001-01-01"], ["report", "--today", "9999-12-31"]],
)
def test_an_extreme_today_is_a_usage_error_not_a_traceback(tmp_path, args):
    """`crm remind --today 9999-12-31` (or 0001-01-01) and `crm report --today 9999-12-31` print a Python
    traceback (OverflowError / ValueError: year 10000 is out of range). `--today 2024-02-30` is already refused as
    a usage error (exit 2); a date the commands cannot compute with should be refused the same way."""
    repo = make_repo(tmp_path / "repo")
    repo.good()
    run = crm(repo.root, *args)
    assert "Traceback" not in run.stderr, run.stderr[-600:]
    assert run.returncode == 2


def test_mkdocs_build_survives_a_key_date_at_the_end_of_the_calendar(tmp_path):
    """`mkdocs build` of a repository with one valid record holding `{kind: renewal_due, date: 9999-12-31}` ends in
    a Python traceback from calendar_feed.py (OverflowError: date value out of range) instead of a site or a
    FILE:LINE:COL problem."""
    from .conftest import GOOD_RECORD
    from .sitekit import make_site_repo

    record = GOOD_RECORD.format(id="C20240501099", name="Z公司").replace(
        "  - {kind: first_contact, date: 2024-05-01}",
        "  - {kind: first_contact, date: 2024-05-01}\n  - {kind: renewal_due, date: 9999-12-31}",
    )
    root = make_site_repo(tmp_path / "site", extra={"C20240501099.yaml": record})
    env = {
        "PLAINCRM_TODAY": "2026-11-23",
        "NO_MKDOCS_2_WARNING": "1",
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
    }
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), "-d", str(root / "out")],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=300,
        preexec_fn=_limit,
    )
    assert "Traceback" not in run.stderr, run.stderr[-600:]


# --- writers ------------------------------------------------------------------------------------------------------


def test_set_on_a_file_with_windows_line_endings_does_not_mix_them(tmp_path):
    """A record saved by a Windows editor (CRLF line endings; `crm validate` accepts it). `crm set ID
    satisfaction=4` rewrites it with the first line (the schema comment) still ending in CRLF and every other line in
    LF: mixed line endings, and a pull request where every line of the file changed. The file should keep one
    line-ending style (its own)."""
    repo = make_repo(tmp_path / "repo")
    path = repo.good()
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert crm(repo.root, "validate", "--no-cache").returncode == 0
    run = crm(repo.root, "set", "C20240501001", "satisfaction=4")
    assert run.returncode == 0, run.stderr
    data = path.read_bytes()
    crlf, lf = data.count(b"\r\n"), data.count(b"\n")
    assert crlf in (0, lf), (crlf, lf)
    assert crlf == lf  # its own style kept
