"""The monthly spot check (`crm review sample`, guides A and E): the same month draws the same customers on
any machine and in any order of files, 10% rounded up, merged records never; wrong options are refused in
the reader's language; record text is escaped for each format; --issue keeps one issue per month on the
git host (a stand-in `gh`), edited in place with the reviewers' ticks kept."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.sampling import keep_ticks, pick, sample_size

from .conftest import REPO, make_repo
from .test_history import _crm
from .test_hostile_quick_entry import _outside_markdown_code

TODAY = "2026-06-15"
HOSTILE = "\\e[31mRED\\e[0m [x](javascript:alert(1)) `tick` ``two`` <script>alert(1)</script> @everyone \\u202eevil"
HOSTILE_READ = (
    "\x1b[31mRED\x1b[0m [x](javascript:alert(1)) `tick` ``two`` <script>alert(1)</script> @everyone \u202eevil"
)


def _ids(n: int) -> list[str]:
    return [f"C2024{(i // 999) + 1:02d}01{(i % 999) + 1:03d}" for i in range(n)]


def _repo(root: Path, n: int, *, order=None):
    """A repository of `n` valid customers, their files written in `order` (default: by id)."""
    repo = make_repo(root)
    ids = _ids(n)
    for record_id in order(ids) if order else ids:
        repo.good(record_id)
    return repo


def _run(root: Path, *args: str) -> tuple[int, str, str]:
    return _crm(root, "review", "sample", "--today", TODAY, *args)


def _drawn(root: Path, *args: str) -> list[str]:
    code, out, err = _run(root, "--format", "json", *args)
    assert code == 0, err
    return [c["id"] for c in json.loads(out)["customers"]]


def _sample_copy(root: Path, *, reverse: bool = False) -> Path:
    """The shipped sample repository's schema, team and records, the record files created in id order or
    in reverse."""
    shutil.copytree(REPO / "schema", root / "schema", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "records" / "customers").mkdir(parents=True)
    shutil.copy(REPO / "records" / "team.yaml", root / "records" / "team.yaml")
    files = sorted((REPO / "records" / "customers").glob("*.yaml"), reverse=reverse)
    for path in files:
        shutil.copy(path, root / "records" / "customers" / path.name)
    return root


# --- the draw ------------------------------------------------------------------------------------------


def test_the_same_month_draws_the_same_customers_anywhere(tmp_path):
    root = _sample_copy(tmp_path / "a")
    june = _drawn(root, "--month", "2026-06")
    customers = len(list((root / "records" / "customers").glob("*.yaml")))  # the sample has no merged record
    assert customers > 20 and len(june) == math.ceil(customers / 10) and june == sorted(june)
    assert _drawn(root, "--month", "2026-06") == june  # again (now from the cache)
    # another process with another hash seed, and a copy whose files were created in the other order
    other = _sample_copy(tmp_path / "b", reverse=True)
    for seed, where in (("0", root), ("12345", other), ("random", other)):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "plaincrm", "--root", str(where), "review", "sample", "--month", "2026-06",
             "--today", TODAY, "--format", "json"],
            capture_output=True, text=True, env=env, cwd=where,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert [c["id"] for c in json.loads(done.stdout)["customers"]] == june, seed
    # other months draw others; the default month is --today's
    months = {m: _drawn(root, "--month", m) for m in ("2026-05", "2026-07", "2027-06")}
    assert all(ids != june for ids in months.values()) and len({tuple(v) for v in months.values()}) == 3
    assert _drawn(root) == june and _drawn(root, "--today", "2026-07-01") == months["2026-07"]


@pytest.mark.parametrize(("customers", "percent", "drawn"), [(23, "10", 3), (10, "10", 1), (1, "10", 1),
                                                              (10, "100", 10), (23, "12.5", 3), (0, "10", 0)])  # fmt: skip
def test_ten_percent_is_rounded_up(tmp_path, customers, percent, drawn):
    repo = _repo(tmp_path / "r", customers)
    ids = _drawn(repo.root, "--percent", percent, "--month", "2026-06")
    assert len(ids) == drawn and set(ids) <= set(_ids(customers))
    if not customers:
        assert "There are no customers to sample." in _run(repo.root)[1]


def test_merged_records_are_never_drawn(tmp_path):
    repo = _repo(tmp_path / "r", 10)
    merged = _ids(10)[1::2]
    for record_id in merged:  # as crm merge leaves them: a redirect to the customer they went into
        repo.good(record_id, **{"name: A科技有限公司": f"name: A科技有限公司\nmerged_into: {_ids(10)[0]}"})
    assert _crm(repo.root, "validate")[0] == 0
    code, out, _ = _run(repo.root, "--percent", "100", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["total"] == 5 and [c["id"] for c in data["customers"]] == _ids(10)[0::2]
    for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
        assert not set(_drawn(repo.root, "--month", month, "--percent", "50")) & set(merged)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--month", "2026-13"),
        ("--month", "2026-6"),
        ("--month", "26-06"),
        ("--month", "2026-06-01"),
        ("--month", ""),
        ("--month", "２０２６-06"),  # full-width digits are not YYYY
        ("--percent", "0"),
        ("--percent", "-5"),
        ("--percent", "100.5"),
        ("--percent", "abc"),
        ("--percent", "1e1"),
        ("--percent", "nan"),
        ("--percent", "１０"),
    ],
)
def test_a_wrong_month_or_percent_is_refused_naming_the_option(repo, option, value):
    repo.good()
    code, out, err = _run(repo.root, option, value)
    assert code == 2 and not out and err.startswith(f"crm review sample: {option} must be") and "Traceback" not in err
    code, out, err = _run(repo.root, option, value, "--lang", "zh")
    assert code == 2 and err.startswith(f"crm review sample: {option} 须为") and repr(value) in err


def test_a_hostile_name_is_shown_escaped_in_every_format(repo):
    repo.good(name=f'"{HOSTILE}"')
    repo.good("C20240501002", **{"{name: 张经理": f'{{name: "{HOSTILE}"'})  # a contact named so
    assert _crm(repo.root, "validate")[0] == 0

    code, out, _ = _run(repo.root, "--percent", "100")
    assert code == 0 and "\x1b" not in out and "\u202e" not in out
    assert "C20240501001  \\x1b[31mRED\\x1b[0m [x](javascript:alert(1))" in out and "\\u202eevil" in out

    code, out, _ = _run(repo.root, "--percent", "100", "--format", "markdown")
    plain = _outside_markdown_code(out.split("\n", 1)[1])  # after the hidden marker, which is the engine's
    for acted_on in ("<script>", "](javascript", "@everyone", "\x1b", "\u202e"):
        assert acted_on not in plain, acted_on
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", out)
    assert out.count("<script>alert(1)</script>") == 2  # the name and the contact's, each inside code

    code, out, _ = _run(repo.root, "--percent", "100", "--format", "json")
    assert "\x1b" not in out and "\u202e" not in out and "\\u001b" in out  # escaped, and as data:
    data = json.loads(out)
    assert [c["name"] for c in data["customers"]] == [HOSTILE_READ, "A科技有限公司"]
    assert data["customers"][1]["contacts"][0]["name"] == HOSTILE_READ


def test_the_checklist_says_what_the_guides_check(repo):
    """A contact to check (待核实) with its date, one verified, category and cooperation, the last follow-up,
    the missing recommended fields; all of it in Chinese with --lang zh."""
    repo.good(
        **{
            '  - {name: 张经理, title: 技术总监, phone: "13812345678", email: zhang@example.com}': (
                '  - {name: 张伟, title: 技术总监, phone: "13812345678", verified: to_check, verified_on: 2024-05-12}\n'
                "  - {name: 李娜, email: li@example.com, verified: verified, verified_on: 2024-05-02}"
            ),
            "needs: 需要服务器运维解决方案\n": "",
        }
    )
    code, out, _ = _run(repo.root, "--percent", "100", "--lang", "zh")
    assert code == 0
    assert out.startswith("客户抽查 2026-06 (100%)\n共 1 个客户，抽查 1 个")
    assert "  跟进人：李伟（li.wei）\n" in out
    assert "        - 张伟 · 技术总监 · 138****5678 — 待核实，核实日期 2024-05-12\n" in out
    assert "        - 李娜 · l***@example.com — 已核实，核实日期 2024-05-02\n" in out
    assert "  [ ] 客户分类与合作状态是否仍准确：潜在客户 / 未合作\n" in out
    assert "  [ ] 最近跟进日期：2024-05-10（766 天前）\n" in out and "  [ ] 缺少的建议字段：核心需求\n" in out
    assert not re.findall(r"[A-Za-z]{4,}", out.replace("example.com", "").replace("li.wei", "")), out
    data = json.loads(_run(repo.root, "--percent", "100", "--format", "json")[1])["customers"][0]
    assert [(c["verified"], c["verified_on"], c["to_check"]) for c in data["contacts"]] == [
        ("to_check", "2024-05-12", True),
        ("verified", "2024-05-02", False),
    ]
    assert data["missing"] == ["needs"] and data["last_follow_up"] == "2024-05-10" and data["category"] == "potential"


# --- the issue ---------------------------------------------------------------------------------------

# A stand-in for the gh CLI: issues and labels in $FAKE_GH_STATE, every call in $FAKE_GH_LOG; it refuses
# a label the repository lacks and a body anywhere but on standard input, as GitHub and gh do.
FAKE_GH = """#!{python}
import json, os, sys

args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args, ensure_ascii=False) + "\\n")
path = os.environ["FAKE_GH_STATE"]
state = json.load(open(path, encoding="utf-8")) if os.path.exists(path) else {{"issues": [], "labels": []}}


def opt(name):
    return args[args.index(name) + 1] if name in args else None


def body():
    if "--body" in args or opt("--body-file") != "-":
        sys.exit("a body must come on standard input")
    return sys.stdin.read()


if args[:2] == ["issue", "list"]:
    found = [i for i in state["issues"] if opt("--label") in i["labels"]]
    print(json.dumps([{{k: i[k] for k in opt("--json").split(",")}} for i in found]))
    sys.exit(0)
if args[:2] == ["label", "create"]:
    state["labels"].append(args[2])
elif args[:2] == ["issue", "create"]:
    if opt("--label") not in state["labels"]:
        sys.exit(f"could not add label: {{opt('--label')!r}} not found")
    number = len(state["issues"]) + 1
    state["issues"].append({{"number": number, "title": opt("--title"), "body": body(), "state": "OPEN",
                            "labels": [opt("--label")], "assignees": []}})
    print(f"https://github.com/team/crm/issues/{{number}}")
elif args[:2] == ["issue", "edit"]:
    issue = state["issues"][int(args[2]) - 1]
    issue["title"], issue["body"] = opt("--title"), body()
else:
    sys.exit(f"unknown command {{args}}")
json.dump(state, open(path, "w", encoding="utf-8"), ensure_ascii=False)
"""


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A repository of 12 customers and a git host (the stand-in gh first on PATH) holding no issue."""
    repo = _repo(tmp_path / "crm", 12)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable), encoding="utf-8")
    gh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GH_STATE", str(tmp_path / "issues.json"))
    monkeypatch.setenv("FAKE_GH_LOG", str(tmp_path / "gh.log"))
    return repo, tmp_path / "issues.json", tmp_path / "gh.log"


def _issues(state: Path) -> list[dict]:
    return json.loads(state.read_text(encoding="utf-8"))["issues"]


def _calls(log: Path) -> list[list[str]]:
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    log.write_text("")
    return calls


def test_the_issue_is_opened_once_per_month_and_edited_in_place(host):
    repo, state, log = host
    code, out, err = _run(repo.root, "--issue", "--month", "2026-06", "--lang", "zh")
    assert code == 0, err
    (issue,) = _issues(state)
    assert out == "已新建 Issue #1：客户抽查 2026-06 (10%)\n"
    assert issue["title"] == "客户抽查 2026-06 (10%)" and issue["labels"] == ["crm:review"]
    assert issue["body"].startswith("<!-- plaincrm:review-sample month=2026-06 -->\n## 客户抽查 2026-06 (10%)\n")
    drawn = _drawn(repo.root, "--month", "2026-06")
    assert len(drawn) == 2 and all(f"### `{i}`" in issue["body"] for i in drawn)
    calls = _calls(log)
    assert [c[:2] for c in calls] == [["issue", "list"], ["label", "create"], ["issue", "create"]]
    assert all("--body" not in c for c in calls)  # the body goes on standard input only

    # a reviewer ticks a line; a record changes: the same issue is edited, the tick kept
    ticked = issue["body"].replace("- [ ] 最近跟进日期", "- [x] 最近跟进日期", 1)
    data = json.loads(state.read_text(encoding="utf-8"))
    data["issues"][0]["body"] = ticked.replace("\n", "\r\n")  # as GitHub keeps it
    state.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert _crm(repo.root, "set", drawn[1], "category=existing")[0] == 0
    code, out, _ = _run(repo.root, "--issue", "--month", "2026-06", "--lang", "zh")
    (edited,) = _issues(state)
    assert code == 0 and out == "已更新 Issue #1：客户抽查 2026-06 (10%)\n"
    assert edited["body"].count("- [x] 最近跟进日期") == 1 and edited["body"].count("- [ ] 最近跟进日期") == 1
    assert "老客户" in edited["body"].split(f"### `{drawn[1]}`")[1]
    assert [c[:3] for c in _calls(log)] == [["issue", "list", "--label"], ["issue", "edit", "1"]]

    # nothing new: nothing written; another month: its own issue
    code, out, _ = _run(repo.root, "--issue", "--month", "2026-06", "--lang", "zh")
    assert code == 0 and out == "Issue #1 已是最新：客户抽查 2026-06 (10%)\n" and len(_calls(log)) == 1
    code, out, _ = _run(repo.root, "--issue", "--month", "2026-07")
    assert out == "created issue #2: Customer spot check 2026-07 (10%)\n" and len(_issues(state)) == 2
    assert _issues(state)[0]["body"] == edited["body"]


def test_a_dry_run_changes_nothing_and_without_gh_nothing_starts(host, monkeypatch):
    repo, state, log = host
    code, out, _ = _run(repo.root, "--issue", "--dry-run")
    assert code == 0 and out.startswith("would create an issue: Customer spot check 2026-06 (10%)\n")
    assert "    <!-- plaincrm:review-sample month=2026-06 -->" in out and not state.exists()
    assert [c[:2] for c in _calls(log)] == [["issue", "list"]]
    monkeypatch.setenv("PATH", "/nonexistent")
    code, out, err = _run(repo.root, "--issue")
    assert code == 2 and "gh" in err and not out


# --- the pure part -----------------------------------------------------------------------------------

PERCENTS = st.one_of(
    st.integers(1, 100).map(Fraction),
    st.fractions(min_value=Fraction(1, 1000), max_value=100),
)


@settings(max_examples=150, deadline=None)
@given(st.sets(st.from_regex(r"C20[0-9]{6}[0-9]{3}", fullmatch=True), max_size=300), PERCENTS,
       st.integers(1900, 2199), st.integers(1, 12), st.randoms(use_true_random=False))  # fmt: skip
def test_the_draw_is_its_share_rounded_up_of_the_customers_in_any_order(ids, percent, year, month, rnd):
    name = f"{year}-{month:02d}"
    drawn = pick(ids, name, percent)
    assert len(drawn) == sample_size(percent, len(ids)) == math.ceil(percent * len(ids) / 100)
    assert set(drawn) <= ids and drawn == sorted(set(drawn)) and (len(drawn) >= 1 or not ids)
    shuffled = list(ids)
    rnd.shuffle(shuffled)
    assert pick(shuffled, name, percent) == drawn


def test_ticks_are_kept_per_customer_and_line():
    held = "### `C1`\n- [x] a\n- [ ] b\n### `C2`\n- [ ] a\n- [X] b"
    written = "### `C1`\n- [ ] a\n- [ ] b\n### `C3`\n- [ ] a\n### `C2`\n- [ ] a\n- [ ] b"
    assert keep_ticks(held, written) == "### `C1`\n- [x] a\n- [ ] b\n### `C3`\n- [ ] a\n### `C2`\n- [ ] a\n- [x] b"


def test_a_tick_stays_when_the_line_says_another_day():
    """ "Last follow-up: … (12 days ago)" reads 13 the next day: the reviewer's tick is kept by its place."""
    held = "### `C1`\n- [ ] contacts\n- [x] Last follow-up: 2026-06-01 (12 days ago)\n- [ ] missing"
    written = "### `C1`\n- [ ] contacts\n- [ ] Last follow-up: 2026-06-01 (13 days ago)\n- [ ] missing"
    assert keep_ticks(held, written) == written.replace("- [ ] Last", "- [x] Last")
