"""The field guides' consistency rules: each warning where it belongs (file, line, column of the field), silent
where it does not, never failing `crm validate` or a site build unless the team makes the rule an error."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm import consistency
from plaincrm.consistency import is_placeholder_name, unreachable_word
from plaincrm.dataset import check_project, load_dataset
from plaincrm.history.audit import read_history
from plaincrm.problems import ProblemError

from .conftest import make_repo
from .gitkit import ScriptedGit
from .sitekit import make_site_repo, mkdocs_build
from .test_history import _crm

ID = "C20240501001"
FILE = f"records/customers/{ID}.yaml"
SOON = date(2024, 5, 20)  # ten days after the good record's interaction: not idle yet
REAL_NAME = {"name: 张经理": "name: 张伟"}  # the good record's contact with a real name


def warnings(repo, *, today: date = SOON, history=None) -> list[tuple[str, int, int, str, str]]:
    """(file name, line, column, field, code) of each consistency problem, in order."""
    report = check_project(repo.project, use_cache=False, warnings=True, today=today, history=history)
    return [
        (p.file.rsplit("/", 1)[-1], p.line, p.col, p.field, p.code)
        for p in report.problems
        if p.code.startswith("consistency.")
    ]


def rule_levels(repo, **levels: str) -> None:
    settings_file = repo.root / "schema" / "settings.yaml"
    lines = "".join(f"  {name}: {level}\n" for name, level in levels.items())
    settings_file.write_text(settings_file.read_text(encoding="utf-8") + f"warnings:\n{lines}", encoding="utf-8")


# --- 1. category and cooperation ------------------------------------------------------------------------------

ACTIVE = {"cooperation: not_started": "cooperation: active", **REAL_NAME}


def test_a_potential_customer_cooperating_without_a_first_order_is_a_warning_at_its_category(repo):
    repo.good(**ACTIVE)
    assert warnings(repo) == [(f"{ID}.yaml", 7, 11, "category", "consistency.category_cooperation")]


@pytest.mark.parametrize(
    "extra",
    [
        "orders:\n  - {date: 2024-05-12, item: 年度运维, amount: 36000, status: paid}\n",
        "  - {kind: contract_signed, date: 2024-05-12}\n",
    ],
    ids=["an order", "a contract signed"],
)
def test_a_first_order_or_a_signed_contract_settles_it(repo, extra):
    path = repo.good(**ACTIVE)
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    assert warnings(repo) == []


def test_a_quoted_order_is_no_cooperation_yet_and_other_categories_are_not_judged(repo):
    path = repo.good(**ACTIVE)
    quoted = "orders:\n  - {date: 2024-05-12, item: 年度运维, amount: 36000, status: quoted}\n"
    path.write_text(path.read_text(encoding="utf-8") + quoted, encoding="utf-8")
    assert [w[3] for w in warnings(repo)] == ["category"]
    repo.good(**ACTIVE, **{"category: potential": "category: new"})
    assert warnings(repo) == []


def test_the_orders_that_count_are_the_facts_ones():
    from plaincrm.facts import NOT_COUNTED_ORDER
    from plaincrm.reports import POTENTIAL_IDLE_DAYS

    assert consistency.COUNTED_ORDER_EXCLUDED == NOT_COUNTED_ORDER
    assert consistency.POTENTIAL_IDLE_DAYS == POTENTIAL_IDLE_DAYS


# --- 2. contacts' real names ---------------------------------------------------------------------------------


def test_a_placeholder_contact_name_is_a_warning_at_the_name(repo):
    repo.good()  # 张经理
    assert warnings(repo) == [(f"{ID}.yaml", 13, 12, "contacts[0].name", "consistency.placeholder_contact_name")]
    repo.good(**REAL_NAME)
    assert warnings(repo) == []


PLACEHOLDERS = [
    "王先生",
    "李总",
    "张经理",
    "王主任",
    "赵女士",
    "钱小姐",
    "孙老师",
    "周工",
    "吴总监",
    "欧阳女士",
    "司马先生",
    "某先生",
    "某女士",
    "王某",
    "李某某",
    "*先生",
    "王**",
    "张＊",
    "X先生",
    "经理",
    "老板",
    "Mr Wang",
    "Ms. Li",
    "mrs chen",
    " 王 先生 ",
    "王\u3000先生",
]
NAMES = [
    "王先生华",
    "王华先生",
    "王振华",
    "欧阳娜娜",
    "李总华",
    "张经纬",
    "Sophie Laurent",
    "Mr Wang Wei",
    "Daniel Whitaker",
    "司马光",
    "王工程",
    "邱少华",
    "Misha",
    "Drew Li",
    "先生华",
]


@pytest.mark.parametrize("name", PLACEHOLDERS)
def test_forms_of_address_are_placeholders(name):
    assert is_placeholder_name(name)


@pytest.mark.parametrize("name", NAMES)
def test_real_names_are_not(name):
    assert not is_placeholder_name(name)


SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘") + ["欧阳", "诸葛"]
TITLES = ["先生", "女士", "小姐", "总", "经理", "主任", "老师", "工", "总监"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超华") + ["秀英", "建华", "志强", "晓东"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SURNAMES), st.sampled_from(TITLES), st.sampled_from(GIVEN))
def test_a_surname_with_a_title_alone_is_a_placeholder_and_with_a_given_name_is_not(surname, title, given_name):
    assert is_placeholder_name(surname + title)
    assert not is_placeholder_name(surname + given_name)
    assert not is_placeholder_name(surname + title + given_name)  # 王先生华: the name goes on
    assert not is_placeholder_name(surname + given_name + title)  # 王华先生: a name, then the title


# --- 3. unreachable numbers ------------------------------------------------------------------------------------


def test_the_words_of_an_unreachable_number():
    for text in (
        "电话是空号",
        "拨打后提示无法接通",
        "一直打不通",
        "手机已停机",
        "打过去停机了，换号了吗",
        "Wrong number",
        "number not in service",
    ):
        assert unreachable_word(text), text
    for text in (
        "询问云主机迁移的停机窗口和回退方案",  # a server's downtime (the sample record's own words)
        "生产线停机检修，电话沟通改期",  # another clause holds the phone
        "确认不是空号",
        "号码已更新",
        "the number of servers",
        None,
    ):
        assert unreachable_word(text) is None, text


FRAGMENTS = [
    "空号",
    "不是空号",
    "无法接通",
    "打不通",
    "停机",
    "手机",
    "电话",
    "主机",
    "，",
    "。",
    "\n",
    "Number",
    "WRONG NUMBER",
    "disconnected",
    "phone",
    "is",
    " ",
    "not in service",
    "客户",
    "张伟",
    "a",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join))
def test_the_first_look_never_hides_a_match(text):
    """`unreachable_word` skips the expression when no hint is in the text: it finds exactly what the expression finds."""
    found = consistency.UNREACHABLE.search(text)
    assert unreachable_word(text) == (found.group(0) if found else None)


def _contact(repo, line: str, **replace: str):
    return repo.good(
        **REAL_NAME,
        **{"email: zhang@example.com}": f"email: zhang@example.com{line}}}"},
        **replace,
    )


def test_a_contact_whose_notes_say_the_number_is_empty_is_a_warning_until_marked_to_check(repo):
    _contact(repo, ", notes: 电话是空号")
    assert warnings(repo) == [(f"{ID}.yaml", 13, 84, "contacts[0].notes", "consistency.unreachable_unverified")]
    _contact(repo, ", notes: 电话是空号, verified: to_check")
    assert warnings(repo) == []
    _contact(repo, ", notes: 电话是空号, verified: verified")  # verified, but not when: the note stands
    assert [w[3] for w in warnings(repo)] == ["contacts[0].notes"]


def test_an_interaction_naming_the_contact_counts_until_they_are_verified_again(repo):
    summary = {"summary: 客户对方案满意": "summary: 张伟的手机已停机"}
    _contact(repo, "", **summary)
    assert warnings(repo) == [(f"{ID}.yaml", 18, 14, "interactions[0].summary", "consistency.unreachable_unverified")]
    _contact(repo, ", verified: verified, verified_on: 2024-05-09", **summary)  # checked before: still unreachable
    assert [w[3] for w in warnings(repo)] == ["interactions[0].summary"]
    _contact(repo, ", verified: verified, verified_on: 2024-05-11", **summary)  # checked since
    assert warnings(repo) == []
    _contact(repo, "", **{"summary: 客户对方案满意": "summary: 讨论云主机迁移的停机窗口"})
    assert warnings(repo) == []


def test_an_interaction_naming_no_contact_of_several_asks_whose_number_it_was(repo):
    def second(extra: str = "") -> dict[str, str]:
        return {
            "summary: 客户对方案满意": "summary: 电话一直打不通",
            "\ninteractions:": f"\n  - {{name: 李娜, title: 采购经理{extra}}}\ninteractions:",
        }

    _contact(repo, "", **second())
    assert warnings(repo) == [(f"{ID}.yaml", 19, 14, "interactions[0].summary", "consistency.unreachable_unverified")]
    (problem,) = check_project(repo.project, use_cache=False, warnings=True, today=SOON).problems
    assert problem.key == "consistency.unreachable-unnamed" and "'打不通'" in problem.text("zh")
    _contact(repo, "", **second(", verified: to_check"))  # someone marked the one it was
    assert warnings(repo) == []


# --- 4. potential customers idle ---------------------------------------------------------------------------------


def test_a_potential_customer_idle_for_90_days_is_a_warning_at_the_last_follow_up(repo):
    repo.good(**REAL_NAME)  # its one interaction: 2024-05-10
    assert warnings(repo, today=date(2024, 8, 7)) == []  # 89 days
    assert warnings(repo, today=date(2024, 8, 8)) == [
        (f"{ID}.yaml", 15, 11, "interactions[0].date", "consistency.idle_potential")
    ]
    repo.good(**REAL_NAME, **{"category: potential": "category: new"})
    assert warnings(repo, today=date(2026, 1, 1)) == []


def test_without_interactions_the_first_contact_date_counts(repo):
    path = repo.good(**REAL_NAME)
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"interactions:\n(  .*\n|    .*\n)*", "", text), encoding="utf-8")
    assert warnings(repo, today=date(2024, 7, 30)) == [
        (f"{ID}.yaml", 15, 33, "key_dates[0].date", "consistency.idle_potential")
    ]


def test_the_cache_keeps_the_candidate_and_each_day_settles_it(repo):
    repo.good(**REAL_NAME)
    code, out, err = _crm(repo.root, "validate", "--today", "2024-05-20")
    assert code == 0 and out == "" and "all 1 record(s) valid" in err
    code, out, err = _crm(repo.root, "validate", "--today", "2024-09-01")
    assert code == 0 and "(1 from cache)" in err and "1 warning(s) in 1 file(s)" in err
    assert out.startswith(f"{FILE}:15:11: interactions[0].date: warning: a potential customer not followed up since")


# --- 5. interactions logged late, from git -----------------------------------------------------------------------

LATE = """\
  - date: {day}
    channel: phone
    topic: {topic}
    summary: 回访
    by: [li.wei]
"""


def _log(git, day: str, topic: str, committed: str) -> None:
    git.edit(FILE, "key_dates:", LATE.format(day=day, topic=topic) + "key_dates:")
    git.commit(f"Log {topic}", date=committed)


@pytest.fixture
def logged(tmp_path):
    """Created on 2024-05-01 (its interaction of 2024-05-10 came with it: not judged), then three calls logged:
    on time (the next day, 23:59), late (two days on, 00:30 in the author's time) and late again in UTC terms
    only (Beijing's next day, still within 24 hours)."""
    repo = make_repo(tmp_path / "repo")
    git = ScriptedGit(repo.root)
    repo.good(**REAL_NAME)
    git.commit("Add the customer", date="2024-05-01T09:00:00+08:00")
    _log(git, "2024-05-12", "准时", "2024-05-13T23:59:00+08:00")
    _log(git, "2024-05-14", "迟了", "2024-05-16T00:30:00+08:00")
    _log(git, "2024-05-20", "时区", "2024-05-21T20:00:00-08:00")  # 2024-05-22 12:00 in Beijing, 05-21 for the author
    return repo, git


def test_an_interaction_committed_more_than_24_hours_after_it_is_a_warning_at_its_date(logged):
    repo, _ = logged
    history = read_history(repo.project, use_cache=False)
    found = warnings(repo, history=history)
    assert found == [(f"{ID}.yaml", 26, 11, "interactions[2].date", "consistency.late_interaction")]
    report = check_project(repo.project, use_cache=False, warnings=True, today=SOON, history=history)
    (late,) = [p for p in report.problems if p.code == "consistency.late_interaction"]
    assert late.message.startswith("the interaction of 2024-05-14 was recorded 2024-05-16 00:30 (commit ")
    assert "2024-05-14 的互动在 2024-05-16 00:30 才登记" in late.text("zh")


def test_no_history_no_warning(logged):
    repo, _ = logged
    assert warnings(repo) == []  # no history given
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-25")
    assert code == 0 and "late" not in out and "24 hours" not in out
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-25", "--history")
    assert code == 0 and f"{FILE}:26:11: interactions[2].date: warning: the interaction of 2024-05-14" in out


def test_outside_a_git_repository_there_is_no_history_and_no_warning(repo):
    repo.good(**REAL_NAME)
    code, out, err = _crm(repo.root, "validate", "--today", "2024-05-25", "--history")
    assert code == 0 and out == "" and "not a git repository" in err


def test_a_re_dated_interaction_and_an_uncommitted_one_are_not_judged(logged):
    repo, git = logged
    git.edit(FILE, "date: 2024-05-12", "date: 2024-05-11")  # a correction, committed days later
    git.commit("Fix a date", date="2024-06-01T09:00:00+08:00")
    path = repo.root / FILE
    path.write_text(
        path.read_text(encoding="utf-8").replace("key_dates:", LATE.format(day="2024-01-01", topic="旧") + "key_dates:")
    )
    found = warnings(repo, history=read_history(repo.project, use_cache=False))
    assert [w[3] for w in found] == ["interactions[2].date"]  # the late one only


def test_an_interaction_removed_since_is_not_judged(logged):
    repo, git = logged
    git.edit(FILE, LATE.format(day="2024-05-14", topic="迟了"), "")
    git.commit("Remove a duplicate", date="2024-05-17T09:00:00+08:00")
    assert warnings(repo, history=read_history(repo.project, use_cache=False)) == []


# --- levels: warning, error, off ------------------------------------------------------------------------------------


def _several(repo) -> None:
    repo.good()  # 张经理: a placeholder
    repo.good("C20240501002", "B商贸公司", **ACTIVE)  # category against cooperation


def test_warnings_do_not_fail_validate_in_any_format(repo):
    _several(repo)
    code, out, err = _crm(repo.root, "validate", "--today", "2024-05-20")
    assert code == 0
    assert out.splitlines() == [
        f"{FILE}:13:12: contacts[0].name: warning: '张经理' is a form of address, not a name (a surname with Mr, Ms, "
        "boss, manager… or a masked name): write the contact's real full name (guide E)",
        "records/customers/C20240501002.yaml:7:11: category: warning: category is potential but cooperation is "
        "active, with no first order: a customer turning from potential to active gets its category and its first "
        "cooperation (an order, or the contract_signed date) updated together (guide E)",
    ]
    assert err.strip() == "all 2 record(s) valid; 2 warning(s) in 2 file(s)"
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-20", "--format", "github")
    assert code == 0 and out.startswith(
        f"::warning file={FILE},line=13,col=12,title=contacts[0].name::'张经理' is a form of address"
    )
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-20", "--format", "json")
    data = json.loads(out)
    assert code == 0 and [(d["severity"], d["code"], d["line"]) for d in data] == [
        ("warning", "consistency.placeholder_contact_name", 13),
        ("warning", "consistency.category_cooperation", 7),
    ]
    code, out, err = _crm(repo.root, "validate", "--today", "2024-05-20", "--errors-only")
    assert code == 0 and out == "" and err.startswith("all 2 record(s) valid")


def test_the_chinese_words(repo):
    _several(repo)
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-20", "--lang", "zh")
    assert code == 0
    assert f"{FILE}:13:12: contacts[0].name: 警告：'张经理' 是称呼而不是姓名" in out
    assert "从潜在客户转为合作中，需同步修改客户分类与首次合作时间（指南 E）" in out
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-20", "--format", "markdown", "--lang", "zh")
    assert out.startswith("**crm validate 的 2 条警告**")


def test_a_rule_the_team_makes_an_error_fails_and_off_is_silent(repo):
    _several(repo)
    rule_levels(repo, placeholder_contact_name="error", category_cooperation="off")
    code, out, err = _crm(repo.root, "validate", "--today", "2024-05-20")
    assert code == 1
    assert out == (
        f"{FILE}:13:12: contacts[0].name: '张经理' is a form of address, not a name (a surname with Mr, Ms, boss, "
        "manager… or a masked name): write the contact's real full name (guide E)\n"
    )
    assert "1 problem(s) in 1 file(s); 2 record(s) checked" in err
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-20", "--format", "github", "--errors-only")
    assert code == 1 and out.startswith(f"::error file={FILE},line=13,col=12,")
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-20", "--warnings-only")
    assert code == 1 and out == ""  # what is shown is chosen; whether the records are valid is not


def test_an_unknown_rule_name_is_refused_clearly(repo):
    repo.good()
    rule_levels(repo, placeholder_name="off")
    code, _, err = _crm(repo.root, "validate")
    assert code == 2 and "warnings: no rule named 'placeholder_name'; the rules are category_cooperation" in err
    settings_file = repo.root / "schema" / "settings.yaml"
    settings_file.write_text(settings_file.read_text().replace("placeholder_name: off", "idle_potential: loud"))
    code, _, err = _crm(repo.root, "validate")
    assert code == 2 and "warnings.idle_potential" in err and "Traceback" not in err


def test_every_rule_has_its_words_its_guide_and_its_code():
    from plaincrm.messages import MESSAGES

    assert set(consistency.RULES) == {
        "category_cooperation",
        "placeholder_contact_name",
        "unreachable_unverified",
        "idle_potential",
        "late_interaction",
    }
    for name, spec in consistency.RULES.items():
        assert spec.key in MESSAGES and spec.guide and spec.code == f"consistency.{name}"


def test_the_settings_document_every_rule():
    from plaincrm.modelkit import Settings

    described = Settings.model_fields["warnings"].description or ""
    assert all(name in described for name in consistency.RULES)


# --- the site build -------------------------------------------------------------------------------------------------


def test_warnings_never_stop_a_build_and_an_error_rule_does(repo, tmp_path):
    _several(repo)
    assert load_dataset(repo.project).customers  # warnings: the dataset loads
    code, _, err = _crm(repo.root, "pages", str(tmp_path / "out"), "--today", "2024-05-20")
    assert code == 0, err
    rule_levels(repo, placeholder_contact_name="error", idle_potential="error")
    with pytest.raises(ProblemError) as raised:
        load_dataset(repo.project)
    assert [(p.file, p.line, p.col, p.code) for p in raised.value.problems] == [
        (FILE, 13, 12, "consistency.placeholder_contact_name")
    ]  # the date's rule never stops a build: a site that built yesterday builds today


def test_a_real_mkdocs_build_of_the_sample_passes_with_its_warnings_and_stops_on_an_error_rule(tmp_path):
    root = make_site_repo(tmp_path / "site")
    settings_file = root / "schema" / "settings.yaml"
    settings_file.write_text(
        settings_file.read_text(encoding="utf-8") + "warnings: {placeholder_contact_name: error}\n", encoding="utf-8"
    )
    done = mkdocs_build(root)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert re.search(
        r"records/customers/C\d+\.yaml:\d+:\d+: contacts\[\d\]\.name: '张经理' is a form of address", done.stderr
    )


# --- the pull request's summary -------------------------------------------------------------------------------------


def test_the_pull_request_script_annotates_warnings_and_summarises_them_after_the_changes(tmp_path):
    """The sample (with warnings of its own) and a branch logging a call ten days late: the check passes, the
    branch's record gets its warning as an annotation and in the job summary after the change summary, the
    records it leaves alone get none (a team's old warnings would drown the new), and the site is built."""
    from .test_workflow import _script_env

    root = make_site_repo(tmp_path / "crm")
    shutil.copytree(Path(__file__).resolve().parents[1] / ".github", root / ".github")
    (root / ".gitignore").write_text("build/\n.cache/\nout/\n")
    git = ScriptedGit(root)
    assert _crm(root, "codeowners")[0] == 0 and _crm(root, "forms")[0] == 0
    git.commit("The team's customers", date="2026-11-01T09:00:00+08:00")
    git.run("branch", "-f", "base")  # stands for origin/main
    git.run("switch", "-q", "-c", "feature")
    record = "records/customers/C20250217001.yaml"
    git.edit(record, "interactions:\n", "interactions:\n" + LATE.format(day="2026-11-10", topic="补录"))
    git.commit("Log last week's call", author="Bob Builder", date="2026-11-20T18:00:00+08:00")
    summary = tmp_path / "summary.md"
    assert _crm(root, "validate", "--today", "2026-11-23")[1].count(": warning: ") > 0  # the sample's own
    done = subprocess.run(
        [str(root / ".github/scripts/pull-request.sh"), "base"],
        cwd=root,
        capture_output=True,
        text=True,
        env=_script_env(GITHUB_STEP_SUMMARY=str(summary), SITE_DIR=str(tmp_path / "site")),
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (annotation,) = [line for line in done.stdout.splitlines() if line.startswith("::warning file=")]
    late = re.fullmatch(
        rf"::warning file={record},line=(\d+),col=11,title=interactions\[0\]\.date::the interaction of "
        r"2026-11-10 was recorded 2026-11-20 18:00 \(commit [0-9a-f]{10}\), more than 24 hours after it: .*",
        annotation,
    )
    assert late, annotation
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### Customer records: 1 changed")
    changes, _, found = text.partition("\n**")
    assert "interaction added: 2026-11-10 phone 补录" in changes
    assert found.startswith("1 warning(s) from crm validate**")
    assert f"- `{record}:{late.group(1)}:11` `interactions[0].date`: `the interaction of 2026-11-10" in found
    assert (tmp_path / "site" / "index.html").exists()


def test_markdown_shows_what_a_record_wrote_as_code(repo):
    from plaincrm.escaping import markdown_code

    repo.good(**{"name: 张经理": 'name: "[某](javascript:x) <b>先生</b> `@team`"'})
    code, out, _ = _crm(repo.root, "validate", "--today", "2024-05-20", "--format", "markdown")
    (problem,) = check_project(repo.project, use_cache=False, warnings=True, today=SOON).problems
    assert (
        code == 0 and out.splitlines()[-1] == f"- `{FILE}:13:12` `contacts[0].name`: {markdown_code(problem.message)}"
    )
    assert "<b>" not in out.replace(markdown_code(problem.message), "")
