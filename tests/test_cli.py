"""The `crm` command as a user runs it: exit codes, output formats, new and show."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plaincrm.cli import main

from .conftest import REPO


def crm(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "plaincrm", *args], capture_output=True, text=True, cwd=cwd)


def test_shipped_sample_records_are_valid():
    result = crm("validate", "--no-cache", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "record(s) valid" in result.stderr


def test_validate_text_github_and_json(repo):
    repo.good(**{"source: online_ads": "source: tv"})
    text = crm("validate", cwd=repo.root)
    assert text.returncode == 1
    assert text.stdout.startswith(
        "records/customers/C20240501001.yaml:6:9: source: 'tv' is not one of the source options"
    )
    assert "1 problem(s) in 1 file(s); 1 record(s) checked" in text.stderr

    github = crm("validate", "--format", "github", cwd=repo.root)
    assert github.stdout.startswith(
        "::error file=records/customers/C20240501001.yaml,line=6,col=9,title=source::'tv' is not one of"
    )
    data = json.loads(crm("validate", "--format", "json", cwd=repo.root).stdout)
    assert data[0] | {"message": ""} == {
        "file": "records/customers/C20240501001.yaml",
        "line": 6,
        "col": 9,
        "field": "source",
        "message": "",
        "code": "schema.literal_error",
        "severity": "error",
    }


def test_validate_paths_limit_the_report_but_cross_checks_still_run(repo):
    repo.good("C20240501001", **{"source: online_ads": "source: tv"})
    repo.good("C20240501002", **{"tags:": "referred_by: C20240501001\ntags:"})
    only_second = crm("validate", "records/customers/C20240501002.yaml", cwd=repo.root)
    assert only_second.returncode == 0, only_second.stdout
    (repo.customers / "C20240501001.yaml").unlink()
    gone = crm("validate", "records/customers/C20240501002.yaml", cwd=repo.root)
    assert gone.returncode == 1 and "no customer has the id 'C20240501001'" in gone.stdout


def test_validate_missing_path_is_a_usage_error(repo):
    assert crm("validate", "nope.yaml", cwd=repo.root).returncode == 2


def test_outside_a_repository(tmp_path):
    result = crm("validate", cwd=tmp_path)
    assert result.returncode == 2 and "no plaincrm repository" in result.stderr


def test_new_takes_the_next_free_id_and_never_overwrites(repo, capsys):
    repo.good("C20261123001")
    args = [
        "--root",
        str(repo.root),
        "new",
        "--name",
        "Müller Werkzeugmaschinen GmbH",
        "--owner",
        "emma.hu",
        "--today",
        "2026-11-23",
    ]
    assert main(args) == 0
    # the record, and CODEOWNERS brought up to date (so the pull request passes `crm codeowners --check`)
    assert capsys.readouterr().out.splitlines() == ["records/customers/C20261123002.yaml", ".github/CODEOWNERS"]
    created = repo.customers / "C20261123002.yaml"
    text = created.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schema/customer.schema.json\nid: C20261123002\n")
    assert "name: Müller Werkzeugmaschinen GmbH\n" in text and "{kind: first_contact, date: 2026-11-23}" in text
    assert main(args) == 0 and (repo.customers / "C20261123003.yaml").exists()
    assert crm("validate", cwd=repo.root).returncode == 0


def test_new_quotes_names_yaml_would_misread(repo, capsys):
    assert (
        main(["--root", str(repo.root), "new", "--name", "yes: #1 <b>", "--owner", "li.wei", "--today", "2026-01-02"])
        == 0
    )
    assert "name: 'yes: #1 <b>'" in (repo.customers / "C20260102001.yaml").read_text()


def test_new_refuses_unknown_owner_and_bad_options(repo, capsys):
    assert (
        main(["--root", str(repo.root), "new", "--name", "x", "--owner", "ghost"]) == 1
    )  # the gate's rule, as validate's
    assert "'ghost' is not a member of the team" in capsys.readouterr().err
    assert main(["--root", str(repo.root), "new", "--name", "x", "--owner", "li.wei", "--source", "tv"]) == 1
    assert "source options" in capsys.readouterr().err
    assert list(repo.customers.iterdir()) == []


def test_show_labels_and_masks(repo, capsys):
    repo.good()
    assert main(["--root", str(repo.root), "show", "C20240501001", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("C20240501001  A科技有限公司\n客户类型: 企业客户\n所属行业: 信息传输、软件和信息技术服务业\n")
    assert "138****5678" in out and "z***@example.com" in out and "13812345678" not in out
    assert main(["--root", str(repo.root), "show", "C20240501001", "--unmasked"]) == 0
    assert "13812345678" in capsys.readouterr().out


def test_show_unknown_or_invalid(repo, capsys):
    assert main(["--root", str(repo.root), "show", "C20240501009"]) == 1
    repo.good(**{"owner: li.wei": "owner: Li"})
    assert main(["--root", str(repo.root), "show", "C20240501001"]) == 1
    assert "owner" in capsys.readouterr().err


COMMANDS = [
    "validate",
    "schema",
    "new",
    "show",
    "report",
    "history",
    "diff",
    "remind",
    "remind-issues",
    "review",
    "log",
    "set",
    "import",
    "dupes",
    "merge",
    "codeowners",
    "forms",
    "from-issue",
    "fmt",
    "export",
    "pages",
    "sites",
    "serve-config",
    "order",
    "case",
    "date",
    "contact",
    "step",
    "completion",
]


def test_the_parser_has_every_command_in_the_order_help_lists_them():
    from plaincrm.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert list(sub.choices) == COMMANDS


def test_crm_runs_as_a_module_and_lists_every_command():
    result = crm("--help")
    assert result.returncode == 0 and all(f"\n    {name}" in result.stdout for name in COMMANDS)


GROUPS = {
    "review": ["sample"],
    "order": ["add"],
    "case": ["open", "update", "resolve"],
    "date": ["add"],
    "contact": ["add"],
    "step": ["done"],
}


NO_REPOSITORY = {"completion"}  # needs no repository: a shell's completion script is made from the parser


@pytest.mark.parametrize(
    "command",
    [c for c in COMMANDS if c not in GROUPS]
    + [f"{group} {action}" for group, actions in GROUPS.items() for action in actions],
)
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command.split(), "--help"])
    out = capsys.readouterr().out
    usage = f"usage: crm {command} [-h]" if command in NO_REPOSITORY else f"usage: crm {command} [-h] [--root ROOT]"
    assert done.value.code == 0 and out.startswith(usage) and len(out) > 200
    if command.split()[0] in GROUPS:  # every write command checks first and can show the change instead
        assert "--dry-run" in out and "--lang {en,zh}" in out


def test_schema_check_detects_stale_files(repo):
    assert crm("schema", "--check", cwd=repo.root).returncode == 0
    path = repo.root / "schema" / "customer.schema.json"
    path.write_text(path.read_text().replace("客户编号", "编号"))
    stale = crm("schema", "--check", cwd=repo.root)
    assert stale.returncode == 1 and stale.stderr == "schema/customer.schema.json: out of date; run `crm schema`\n"
    written = crm("schema", cwd=repo.root)
    assert written.returncode == 0 and written.stdout == "wrote schema/customer.schema.json\n"
    assert crm("schema", "--check", cwd=repo.root).returncode == 0


def test_codeowners_and_forms_say_what_is_stale_and_what_they_wrote(repo):
    stale = crm("codeowners", "--check", cwd=repo.root)
    assert stale.returncode == 1 and "crm codeowners: .github/CODEOWNERS is stale" in stale.stderr
    written = crm("codeowners", cwd=repo.root)
    assert (written.returncode, written.stdout) == (0, "wrote .github/CODEOWNERS\n")
    assert crm("codeowners", cwd=repo.root).stdout == "" and crm("codeowners", "--check", cwd=repo.root).returncode == 0

    stale = crm("forms", "--check", cwd=repo.root)
    assert (
        stale.returncode == 1
        and "new-customer.yml" in stale.stderr
        and "stale (the option lists changed)" in stale.stderr
    )
    written = crm("forms", cwd=repo.root)
    assert written.returncode == 0 and "wrote .github/ISSUE_TEMPLATE/new-customer.yml\n" in written.stdout
    assert all(line.startswith("wrote .github/ISSUE_TEMPLATE/") for line in written.stdout.splitlines())
    assert crm("forms", cwd=repo.root).stdout == "" and crm("forms", "--check", cwd=repo.root).returncode == 0


def test_codeowners_of_invalid_records_names_the_problem_and_writes_nothing(repo):
    repo.good(**{"owner: li.wei": "owner: nobody"})
    result = crm("codeowners", cwd=repo.root)
    assert result.returncode == 1 and "owner" in result.stderr and not (repo.root / ".github/CODEOWNERS").exists()


def test_validate_dot_means_everything(repo):
    repo.good(**{"owner: li.wei": "owner: nobody"})
    result = crm("validate", ".", cwd=repo.root)
    assert result.returncode == 1 and "owner" in result.stdout


@pytest.mark.parametrize(("blocked", "command"), [("jinja2", "pages"), ("mkdocs", "sites")])
def test_the_site_commands_without_the_site_extra_say_which_extra(repo, tmp_path, blocked, command):
    """The core install (what a pre-commit hook gets) has no Jinja2 or MkDocs: a sentence, not a traceback."""
    repo.good()
    script = (
        f"import sys; sys.modules[{blocked!r}] = None; from plaincrm.cli import main; "
        f"sys.exit(main(['--root', {str(repo.root)!r}, {command!r}, {str(tmp_path / 'out')!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"crm {command}: needs the site extra ({blocked} is missing): pip install 'plaincrm[site]'" in done.stderr
