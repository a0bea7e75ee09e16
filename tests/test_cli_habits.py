"""What a command line is expected to do: --version, shell completion made from the parser (run in real
bash, zsh and fish), --format json on the reading commands, tables aligned with Chinese text, colour
only on a terminal, reproducible XLSX files, and the editor settings that map the JSON Schemas."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
import unicodedata
import zipfile
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.cli import build_parser
from plaincrm.escaping import terminal_safe
from plaincrm.show import display_width, json_text, table_lines

from .conftest import REPO
from .gitkit import ScriptedGit

SGR = re.compile(r"\x1b\[[0-9;]*m")  # the only escape sequences crm writes itself
TODAY = "2026-06-30"


def crm(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "plaincrm", *args], capture_output=True, text=True, cwd=cwd, env=environment
    )


# --- --version ----------------------------------------------------------------------------------


def test_version_is_the_installed_distributions():
    done = crm("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"crm (plaincrm) {version('plaincrm')}\n"


# --- shell completion ---------------------------------------------------------------------------


def _commands(parser, path=()):
    """Every command path of the parser and its option strings (what the scripts must know)."""
    import argparse

    options = [s for a in parser._actions for s in a.option_strings if a.help != argparse.SUPPRESS]
    yield path, options
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("completion")
    found = {}
    for shell in ("bash", "zsh", "fish"):
        done = crm("completion", shell)
        assert done.returncode == 0, done.stderr
        found[shell] = folder / f"crm.{shell}"
        found[shell].write_text(done.stdout, encoding="utf-8")
    return found


def _bash_complete(script: Path, lines: list[list[str]]) -> list[str]:
    """Each command line completed by the script's function in a real bash, as readline would call it."""
    calls = "\n".join(
        "COMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + f"); COMP_CWORD={len(words) - 1}; COMPREPLY=(); "
        '"$fn" crm "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; echo "${COMPREPLY[*]}"'
        for words in lines
    )
    program = f"""source {script}
spec=$(complete -p crm) || exit 3
echo "$spec"
fn=$(sed -E 's/.*-F ([^ ]+) .*/\\1/' <<< "$spec")
{calls}
"""
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_bash_completes_commands_options_and_choices_from_the_parser(scripts):
    spec, *answers = _bash_complete(
        scripts["bash"],
        [
            ["crm", "rem"],
            ["crm", "report", "--for"],
            ["crm", "report", "--format", ""],
            ["crm", "--root", "/tmp", "rem"],  # an option's value is not taken for a command
            ["crm", "order", "a"],  # nested commands
            ["crm", "order", "add", "C20240501001", "--da"],
            ["crm", "completion", ""],  # an argument's choices
            ["crm", "validate", "--color", "n"],  # an option every command takes
            ["crm", "diff", "--format", "=", "j"],  # --format=j, as bash splits it
        ],
    )
    assert spec.startswith("complete ") and spec.endswith(" crm")
    for words in (answers[0], answers[3]):  # remind, and any other command starting so (remind-issues)
        assert "remind" in words.split() and all(w.startswith("rem") for w in words.split())
    assert answers[:1] + answers[1:3] + answers[4:] == [
        answers[0],
        "--format",
        "text csv json",
        "add",
        "--date",
        "bash fish zsh",
        "never",
        "json",
    ]


def test_bash_knows_every_command_and_every_option(scripts):
    """Not a list kept by hand: every command path of the parser lists its subcommands and options."""
    every = list(_commands(build_parser()))
    answers = _bash_complete(scripts["bash"], [["crm", *path, "-"] for path, _ in every])[1:]
    for (path, options), answer in zip(every, answers):
        assert sorted(answer.split()) == sorted(options), path
    parser_commands = [path[0] for path, _ in every if len(path) == 1]
    assert _bash_complete(scripts["bash"], [["crm", ""]])[1].split() == parser_commands


def _needs(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (apt-get install -y zsh fish)")


def test_zsh_script_parses_and_registers(scripts):
    _needs("zsh")
    assert subprocess.run(["zsh", "-n", str(scripts["zsh"])], capture_output=True, text=True).returncode == 0
    done = subprocess.run(
        [
            "zsh",
            "-f",
            "-c",
            f"autoload -Uz compinit && compinit -u -D && source {scripts['zsh']} && print $_comps[crm]",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.strip() == "_crm", done.stdout + done.stderr


def test_zsh_completes_in_an_interactive_shell(scripts):
    """Tab pressed in a real interactive zsh (on a pseudo-terminal) after loading the script."""
    _needs("zsh")
    pid, terminal = pty.fork()
    if pid == 0:  # the child: an interactive zsh without the user's configuration
        try:
            os.environ.update(PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", TERM="dumb")
            os.execvp("zsh", ["zsh", "-f", "-i"])
        finally:
            os._exit(127)  # never back into pytest
    seen = ""

    def wait_for(text: str) -> bool:
        nonlocal seen
        end = time.monotonic() + 20
        while text not in seen and time.monotonic() < end:
            if select.select([terminal], [], [], 0.2)[0]:
                try:
                    seen += os.read(terminal, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        return text in seen

    try:
        os.write(
            terminal,
            f"PS1='%% '; autoload -Uz compinit; compinit -u -D; source {scripts['zsh']}; echo ready\n".encode(),
        )
        assert wait_for("ready\r\n"), seen
        for typed, shown in [
            ("crm remi\t", "crm remind"),
            ("crm report --for\t", "crm report --format="),
            ("crm report --format \t", "csv   json  text"),
            ("crm order add C1 --da\t", "crm order add C1 --date="),
            ("crm completion \t", "bash  fish  zsh"),
        ]:
            seen = ""
            os.write(terminal, typed.encode())
            assert wait_for(shown), (typed, seen)
            os.write(terminal, b"\x15")  # ^U: the line is wiped for the next one
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(terminal)


def test_fish_completes_from_the_script(scripts):
    _needs("fish")
    assert subprocess.run(["fish", "-n", str(scripts["fish"])], capture_output=True, text=True).returncode == 0

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source {scripts['fish']}; complete -C '{line}'"],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return [entry.split("\t")[0] for entry in done.stdout.splitlines()]

    assert "remind" in complete("crm rem") and all(c.startswith("rem") for c in complete("crm rem"))
    assert "--format" in complete("crm report --for")
    assert sorted(complete("crm report --format ")) == ["csv", "json", "text"]
    assert "remind" in complete("crm --root /tmp rem")
    assert "--date" in complete("crm order add C20240501001 --da")
    assert sorted(complete("crm completion ")) == ["bash", "fish", "zsh"]


# --- --format json -------------------------------------------------------------------------------

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _json(*args: str, cwd: Path = REPO) -> object:
    done = crm(*args, "--format", "json", cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    assert "\x1b" not in done.stdout and not SGR.search(done.stdout)
    return json.loads(done.stdout)


def test_report_json_is_the_tables_typed():
    reports = _json("report", "--today", TODAY)
    names = [r["report"] for r in reports]
    assert "distribution" in names and "high_value" in names
    text = crm("report", "--today", TODAY).stdout
    for report in reports:
        for table in report["tables"]:
            columns = [c["name"] for c in table["columns"]]
            assert len(set(columns)) == len(columns)  # the rows' keys
            assert f": {table['title']}\n" in text  # the same tables, titled as the text titles them
            for row in table["rows"]:
                assert list(row) == columns
                for column in table["columns"]:
                    value = row[column["name"]]
                    if column["kind"] == "share":
                        assert value is None or isinstance(value, float) and 0 <= value <= 1  # None: no one to convert
                    elif column["kind"] == "money":
                        assert value is None or isinstance(value, int | float) and not isinstance(value, bool)
                    elif column["kind"] == "date" and value is not None:
                        assert ISO_DAY.match(value)
                    elif column["kind"] == "customers":
                        assert isinstance(value, list) and all(v.startswith("C") for v in value)
    distribution = next(r for r in reports if r["report"] == "distribution")["tables"][0]
    counts = [row["customers"] for row in distribution["rows"]]
    assert all(isinstance(n, int) for n in counts) and sum(counts) == 41  # every sample customer, once


def test_remind_json_has_the_texts_reminders():
    data = _json("remind", "--today", TODAY)
    text = crm("remind", "--today", TODAY).stdout
    assert data["today"] == TODAY
    entries = data["reminders"]
    assert len(entries) == sum(1 for line in text.splitlines() if line.startswith("  "))
    assert sum(e["overdue"] for e in entries) == text.count("OVERDUE") > 0
    first = entries[0]
    assert set(first) == {
        "owner",
        "owner_name",
        "kind",
        "due",
        "overdue",
        "customer_id",
        "customer_name",
        "what",
        "text",
        "note",
        "yearly",
    }
    assert all(ISO_DAY.match(e["due"]) and isinstance(e["overdue"], bool) for e in entries)
    assert f"{first['due']}  {first['customer_id']} {first['customer_name']}: {first['text']}" in text
    zh = _json("remind", "--today", TODAY, "--lang", "zh")["reminders"]
    assert [e["what"] for e in zh] == [e["what"] for e in entries]  # the engine's values, not words
    assert any("跟进" in e["text"] for e in zh)


def test_show_json_is_typed_and_masked():
    data = _json("show", "C20240501001", "--lang", "zh")
    assert data["id"] == "C20240501001" and data["name"] == "A科技有限公司"
    fields = {f["field"]: f for f in data["fields"]}
    assert fields["cooperation"]["value"] == "not_started" and fields["cooperation"]["text"] == "未合作"
    contacts = fields["contacts"]["value"]
    assert contacts[0]["phone"] == "138****5678" and contacts[0]["email"].startswith("z***@")
    interactions = fields["interactions"]["value"]
    assert all(ISO_DAY.match(i["date"]) for i in interactions)
    assert [i["date"] for i in interactions] == sorted((i["date"] for i in interactions), reverse=True)
    assert len(fields["interactions"]["text"]) == len(interactions)
    assert isinstance(fields["orders"]["value"][0]["amount"], int)  # a Decimal amount as a number
    assert isinstance(fields["satisfaction"]["value"], int)
    text = crm("show", "C20240501001", "--lang", "zh").stdout
    for item in fields["interactions"]["text"]:
        assert f"  - {item}\n" in text


def test_dupes_json(repo):
    repo.good("C20240501001")
    repo.good("C20240501002", name="B贸易有限公司")  # the same contact phone and e-mail
    both = [{"id": "C20240501001", "name": "A科技有限公司"}, {"id": "C20240501002", "name": "B贸易有限公司"}]
    assert _json("dupes", cwd=repo.root) == [
        {"reason": "same e-mail", "customers": both},
        {"reason": "same phone", "customers": both},
    ]


@pytest.fixture
def history_repo(repo):
    git = ScriptedGit(repo.root)
    repo.good()
    git.commit("New customer A")
    git.edit("records/customers/C20240501001.yaml", "cooperation: not_started", "cooperation: active")
    git.edit("records/customers/C20240501001.yaml", '"13812345678"', '"13900001111"')
    git.edit("records/customers/C20240501001.yaml", "tags: [高意向]", "tags: [高意向, VIP]")
    git.commit("A signs (#12)", author="Li Wei", date="2024-06-03T10:00:00+08:00")
    return repo


def test_history_json_says_each_change_as_data(history_repo):
    data = _json("history", "C20240501001", "--lang", "zh", cwd=history_repo.root)
    assert data["id"] == "C20240501001" and data["note"] is None
    newest, created = data["entries"]
    assert (newest["date"], newest["author"], newest["pull_request"]) == ("2024-06-03", "Li Wei", 12)
    assert len(newest["commit"]) == 40 and created["changes"][0]["kind"] == "created"
    changes = {c["field"]: c for c in newest["changes"]}
    assert changes["cooperation"] | {"text": ""} == {
        "kind": "changed",
        "field": "cooperation",
        "where": {},
        "old": "not_started",
        "new": "active",
        "masked": False,
        "text": "",
    }
    assert changes["cooperation"]["text"] == "合作状态：未合作 → 合作中"  # as the text says it
    phone = changes["contacts.phone"]
    assert phone["where"] == {"contacts": "张经理"} and phone["masked"]
    assert (phone["old"], phone["new"]) == ("138****5678", "139****1111")
    assert changes["tags"]["added"] == ["VIP"] and changes["tags"]["removed"] == []
    assert "13900001111" not in json.dumps(data)


def test_diff_json(history_repo):
    data = _json("diff", "HEAD~1", "HEAD", "--today", "2024-06-10", cwd=history_repo.root)
    assert (data["base"], data["head"]) == ("HEAD~1", "HEAD")
    (record,) = data["records"]
    assert record | {"changes": []} == {
        "id": "C20240501001",
        "kind": "changed",
        "name": "A科技有限公司",
        "path": "records/customers/C20240501001.yaml",
        "old_path": None,
        "changes": [],
    }
    assert {c["field"] for c in record["changes"]} == {"cooperation", "contacts.phone", "tags"}
    assert isinstance(data["effects"], list) and data["errors"] == [] and data["notes"] == []
    text = crm("diff", "HEAD~1", "HEAD", "--today", "2024-06-10", cwd=history_repo.root).stdout
    for change in record["changes"]:
        assert f"      {change['text']}\n" in text


def test_json_of_hostile_text_is_escaped_and_reads_back(repo):
    """A name carrying a bidi override, a C1 control and an escape sequence (YAML escapes let them in):
    the JSON carries them as \\u escapes, never raw, and reads back as the record has it."""
    name = "A\u202e科技\x85有限\x1b[31m公司"
    repo.good(name='"A\\u202e科技\\x85有限\\e[31m公司"')
    done = crm("show", "C20240501001", "--format", "json", cwd=repo.root)
    assert done.returncode == 0, done.stderr
    assert all(terminal_safe(ch) == ch for ch in done.stdout.replace("\n", ""))
    assert json.loads(done.stdout)["name"] == name


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(st.sampled_from('\x1b\x07\x7f\x85\x9b\u202e\u2066\u2028\ufeff\ud800科a"\\')))
def test_json_text_round_trips_and_never_carries_what_a_terminal_acts_on(value):
    out = json_text({"v": value})
    assert json.loads(out) == {"v": value}
    assert all(terminal_safe(ch) == ch for ch in out.replace("\n", ""))


# --- tables and display width --------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns as a terminal counts them, said independently of show.display_width."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


CELL = st.text(
    st.sampled_from("ab XYZ019.-")
    | st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
    | st.sampled_from("ＡＢ１２０（）　한국ｶﾅ\u0301"),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.lists(st.lists(CELL, min_size=n, max_size=n), min_size=1, max_size=6)))
def test_every_line_of_a_table_has_the_same_display_width(table):
    """A last column of "|" makes every line end where the table ends: all at one display column."""
    headers, *rows = table
    lines = table_lines([*headers, "|"], [[*row, "|"] for row in rows])
    assert len({_width(line) for line in lines}) == 1, lines


def test_display_width():
    assert display_width("A科技") == 5 and display_width("ＡＢ") == 4 and display_width("e\u0301") == 1
    assert display_width("abc") == 3 and display_width("") == 0


def test_report_text_aligns_chinese_columns():
    """The last column (share) starts at one display column on every line of a table of Chinese labels."""
    done = crm("report", "distribution", "--today", TODAY, "--lang", "zh")
    for block in done.stdout.split("\n\n")[:3]:
        table = block.splitlines()[1:]
        starts = {_width(line[: line.rindex(line.split()[-1])]) for line in table}
        assert len(starts) == 1 and any(_width(line) > len(line) for line in table), table


# --- colour --------------------------------------------------------------------------------------


def _in_a_terminal(*args: str, env: dict | None = None) -> str:
    """What crm writes when its standard output is a real pseudo-terminal."""
    controller, terminal = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    environment |= {"TERM": "xterm"} | (env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "plaincrm", *args], stdout=terminal, stderr=subprocess.DEVNULL, cwd=REPO, env=environment
    )
    os.close(terminal)
    out = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        out += chunk
    process.wait(timeout=30)
    os.close(controller)
    return out.decode("utf-8").replace("\r\n", "\n")


def test_colour_in_a_terminal_only_and_never_with_no_color():
    plain = crm("remind", "--today", TODAY).stdout
    assert "\x1b" not in plain  # a pipe
    coloured = _in_a_terminal("remind", "--today", TODAY)
    assert "\x1b[1;31mOVERDUE\x1b[0m" in coloured  # overdue in red
    assert SGR.sub("", coloured) == plain  # colour is added around the same text, nothing else changes
    assert "\x1b" not in _in_a_terminal("remind", "--today", TODAY, env={"NO_COLOR": "1"})
    assert "\x1b" not in _in_a_terminal("remind", "--today", TODAY, "--color", "never")
    assert "\x1b" not in _in_a_terminal("remind", "--today", TODAY, env={"TERM": "dumb"})


def test_force_color_and_color_always():
    assert "\x1b[1;31m" in crm("remind", "--today", TODAY, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[1;31m" in crm("--color", "always", "remind", "--today", TODAY).stdout
    assert "\x1b" not in crm("remind", "--today", TODAY, "--color", "never", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b" not in crm("remind", "--today", TODAY, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b" in crm("remind", "--today", TODAY, "--color", "always", env={"NO_COLOR": "1"}).stdout
    assert "\x1b" not in crm("remind", "--today", TODAY, "--format", "json", "--color", "always").stdout


def test_validate_paints_the_location_around_escaped_text(repo):
    repo.good(**{"source: online_ads": "source: tv", "name: A科技有限公司": 'name: "A\\e[2J\\u202e公司"'})
    plain = crm("validate", cwd=repo.root)
    coloured = crm("validate", "--color", "always", cwd=repo.root)
    assert plain.returncode == coloured.returncode == 1
    assert coloured.stdout.startswith("\x1b[36mrecords/customers/C20240501001.yaml:6:9\x1b[0m: \x1b[1msource\x1b[0m: ")
    assert SGR.sub("", coloured.stdout) == plain.stdout


def test_colour_codes_come_only_from_crm(repo):
    """A record's own escape sequence stays escaped in colour output: every ESC printed starts one of crm's
    SGR codes, and taking those away leaves the plain output."""
    repo.good(name='"A\\e[2J\\e]0;title\\a\\u202e公司"')
    for args in (["show", "C20240501001"], ["remind", "--today", TODAY], ["report", "--today", TODAY]):
        coloured = crm(*args, "--color", "always", cwd=repo.root).stdout
        plain = crm(*args, cwd=repo.root).stdout
        assert "\x1b" in coloured and "\\x1b[2J" in plain
        assert "\x1b" not in SGR.sub("", coloured) and "\u202e" not in coloured
        assert SGR.sub("", coloured) == plain


# --- reproducible XLSX ---------------------------------------------------------------------------


def test_xlsx_files_are_byte_identical_whenever_they_are_made(tmp_path):
    from plaincrm.dataset import load_dataset
    from plaincrm.exporting import report_xlsx
    from plaincrm.project import Project
    from plaincrm.reports import Wording, all_reports
    from plaincrm.views import derive

    views = derive(load_dataset(Project(REPO)), date.fromisoformat(TODAY))
    report, wording = all_reports(views)[0], Wording.of(views, "zh")

    def make(n: int) -> tuple[bytes, bytes]:
        out = tmp_path / f"export{n}.xlsx"
        done = crm("export", "--format", "xlsx", "--out", str(out), "--today", TODAY)
        assert done.returncode == 0, done.stderr
        return out.read_bytes(), report_xlsx(report, views.today, wording)

    first = make(1)
    time.sleep(2.1)  # a zip entry's time has a resolution of two seconds
    second = make(2)
    assert first[0] == second[0] and first[1] == second[1]
    with zipfile.ZipFile(io.BytesIO(first[1])) as book:
        assert {info.date_time for info in book.infolist()} == {(2026, 6, 30, 0, 0, 0)}  # the report's today
        core = book.read("docProps/core.xml").decode()
        assert core.count("2026-06-30T00:00:00Z") == 2  # created and modified
    with zipfile.ZipFile(io.BytesIO(first[0])) as book:
        assert {info.date_time for info in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}  # no day given: the epoch
        assert book.testzip() is None


# --- editor settings -----------------------------------------------------------------------------


def _yaml_ls_matches(pattern: str, path: Path) -> bool:
    """How the YAML language server (redhat.vscode-yaml) matches a `yaml.schemas` pattern: `*` is any text,
    the rest literal, tested against the end of the file's URI (FilePatternAssociation)."""
    regex = re.sub(r"[-\\{}+?|^$.,\[\]()#\s]", lambda m: "\\" + m.group(), pattern).replace("*", ".*") + "$"
    return re.search(regex, path.resolve().as_uri()) is not None


def test_vscode_maps_the_schemas_onto_the_records():
    settings_ = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    extensions = json.loads((REPO / ".vscode" / "extensions.json").read_text(encoding="utf-8"))
    assert "redhat.vscode-yaml" in extensions["recommendations"]
    schemas = settings_["yaml.schemas"]
    customers = sorted((REPO / "records" / "customers").glob("*.yaml"))
    team = REPO / "records" / "team.yaml"
    assert len(customers) > 10
    expected = {"schema/customer.schema.json": customers, "schema/team.schema.json": [team]}
    for schema, patterns in schemas.items():
        file = (REPO / schema).resolve()
        assert file.is_file() and file.relative_to(REPO).as_posix() in expected, schema
        json.loads(file.read_text(encoding="utf-8"))
        matched = [p for p in [*customers, team] if any(_yaml_ls_matches(g, p) for g in patterns)]
        assert matched == expected[file.relative_to(REPO).as_posix()], schema
    assert len(schemas) == 2
