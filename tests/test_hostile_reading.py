"""Hostile input at the reading boundary (issue 12): every file read safely, every parser
failure a Problem with a position, privacy checked on what YAML reads, masking that agrees
with validation, terminal output that shows what a record holds instead of obeying it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from plaincrm.dataset import check_project
from plaincrm.layout import SchemaConfigError
from plaincrm.loading import Limits, decode_record, parse_text
from plaincrm.masking import Masker, mask_email, mask_phone
from plaincrm.modelkit import Email
from plaincrm.privacy import luhn_valid
from plaincrm.problems import Problem, ProblemError, render
from plaincrm.validation import RecordChecker

from .conftest import GOOD_RECORD

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def crm_bounded(*args, cwd, timeout=60):
    """`crm` in a subprocess with a memory limit (1.5 GB) and a timeout: a hang or a runaway read fails the test."""

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))

    return subprocess.run(
        [sys.executable, "-m", "plaincrm", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        preexec_fn=limit,
    )


def codes(problems, file=None):
    return [p.code for p in problems if file is None or p.file.endswith(file)]


# --- 1. every parser failure is a Problem with a position ------------------------------


@pytest.mark.parametrize("char", ["\x0b", "\x00", "\x1b", "\x9b", "\ufffe", "\ud800"])
def test_a_character_yaml_refuses_is_a_problem_at_its_place(char):
    text = "id: C1\nname: 客户\nneeds: 名字" + char + "x\n"
    with pytest.raises(ProblemError) as caught:
        parse_text(text, "C1.yaml")
    (problem,) = caught.value.problems
    assert (problem.code, problem.line, problem.col) == ("yaml.character", 3, 10)
    assert f"U+{ord(char):04X}" in problem.message


def test_nesting_beyond_the_limit_is_refused_by_its_own_rule():
    def nested(depth):
        return "id: C1\nnotes: " + "[" * depth + "]" * depth + "\n"

    assert parse_text(nested(63), "C1.yaml").data["id"] == "C1"  # the root mapping is the 64th level
    for depth in (64, 900):
        with pytest.raises(ProblemError) as caught:
            parse_text(nested(depth), "C1.yaml")
        (problem,) = caught.value.problems
        assert problem.code == "yaml.too-deep" and (problem.line, problem.col) == (2, 71)
    with pytest.raises(ProblemError, match="nested more than 5 levels"):
        parse_text("a: {b: {c: {d: {e: {f: 1}}}}}\n", "x.yaml", Limits(max_depth=5))


def test_one_broken_file_does_not_hide_the_others(repo):
    repo.good("C20240501001", **{"需要服务器运维解决方案": "a\x0bb"})
    repo.good("C20240501002", **{"source: online_ads": "source: tv"})
    repo.write("C20240501003.yaml", "id: C20240501003\nnotes: " + "[" * 900 + "]" * 900 + "\n", dedent=False)
    result = crm_bounded("validate", cwd=repo.root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "C20240501001.yaml:11:9: the file holds a vertical tab" in result.stdout
    assert "C20240501002.yaml:6:9: source: 'tv' is not one of" in result.stdout
    assert "C20240501003.yaml:2:71: lists and mappings are nested more than 64 levels" in result.stdout


yamlish = st.lists(
    st.sampled_from(
        [
            "id: C1\n",
            "a: ",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ", ",
            ": ",
            "&x ",
            "*x ",
            "<<: ",
            "!!str ",
            "!foo ",
            '"',
            "'",
            "\\x31",
            "\\",
            "\n",
            "  ",
            "#",
            "---\n",
            "...\n",
            "|",
            ">",
            "?",
            "yes",
            "1e9",
            "0x",
            "2024-02-30",
            "\t",
            "\x0b",
            "\x00",
            "\x85",
            "\u202e",
            "\ufeff",
            "\ud800",
            "名",
        ]
    )
    | st.text(max_size=5),
    max_size=40,
).map("".join)


@FUZZ
@given(data=st.binary(max_size=300) | yamlish.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fuzz_bytes_and_yaml_give_data_or_problems(repo, data):
    checker = RecordChecker(repo.project)
    try:
        raw = decode_record(data, "C1.yaml", Limits(max_file_bytes=1000, max_alias_nodes=20))
    except ProblemError as error:
        assert error.problems and all(p.line >= 1 and p.col >= 1 for p in error.problems)
        return
    check = checker.check_raw(raw, expected_id="C1")
    assert all(isinstance(p, Problem) for p in check.problems)
    render(check.problems)


@FUZZ
@given(text=yamlish)
def test_fuzz_text_with_lone_surrogates_gives_data_or_problems(text):
    try:
        parse_text(text, "C1.yaml")
    except ProblemError as error:
        assert error.problems


# --- 2. only regular files inside the repository are read --------------------------------


def test_links_fifos_and_devices_are_refused_without_reading_them(repo):
    repo.good("C20240501001")
    os.symlink("/dev/zero", repo.customers / "C20240501002.yaml")
    os.mkfifo(repo.customers / "C20240501003.yaml")
    os.symlink("/etc/passwd", repo.customers / "C20240501004.yaml")
    result = crm_bounded("validate", cwd=repo.root, timeout=30)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stdout.splitlines() if ": warning: " not in line]  # the fixture is still valid
    assert (
        "records/customers/C20240501002.yaml:1:1: the file is a symbolic link (to /dev/zero); records are plain files, not links"
        in lines
    )
    assert (
        "records/customers/C20240501003.yaml:1:1: this is a named pipe (FIFO), not a file; plaincrm reads only plain files"
        in lines
    )
    assert (
        "records/customers/C20240501004.yaml:1:1: the file is a symbolic link (to /etc/passwd); records are plain files, not links"
        in lines
    )
    assert len(lines) == 3  # the regular record is fine, and a second run (cache) says the same
    again = crm_bounded("validate", cwd=repo.root, timeout=30).stdout.splitlines()
    assert [line for line in again if ": warning: " not in line] == lines


def test_a_linked_folder_leading_out_of_the_repository_is_refused(repo, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "C20240501001.yaml").write_text(GOOD_RECORD.format(id="C20240501001", name="X"))
    os.rmdir(repo.customers)
    os.symlink(outside, repo.customers)
    report = check_project(repo.project, use_cache=False)
    assert codes(report.problems) == ["file.outside"]


def test_the_team_file_and_settings_are_read_the_same_way(repo):
    from plaincrm.layout import Layout, read_layout
    from plaincrm.modelkit import Options, Settings

    repo.good()
    team = repo.root / "records" / "team.yaml"
    team.unlink()
    os.mkfifo(team)
    result = crm_bounded("validate", cwd=repo.root, timeout=30)
    assert "records/team.yaml:1:1: this is a named pipe (FIFO), not a file" in result.stdout
    for name in ("settings.yaml", "options.yaml"):
        (repo.root / "schema" / name).unlink()
        os.symlink("/dev/zero", repo.root / "schema" / name)
    assert read_layout(repo.root / "schema" / "settings.yaml") == Layout()
    with pytest.raises(SchemaConfigError, match=r"settings.yaml: the file is a symbolic link \(to /dev/zero\)"):
        Settings.from_yaml(repo.root / "schema" / "settings.yaml")
    with pytest.raises(SchemaConfigError, match=r"options.yaml: the file is a symbolic link"):
        Options.from_yaml(repo.root / "schema" / "options.yaml")


def test_a_file_is_read_no_further_than_its_limit_whatever_its_size_says(monkeypatch):
    from plaincrm.loading import read_bounded

    reads = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    assert os.stat("/proc/self/maps").st_size == 0  # a regular file whose size says nothing
    with pytest.raises(ProblemError, match="the file is over 100 bytes"):
        read_bounded("/proc/self/maps", "maps", 100)
    assert sum(reads) <= 101


# --- 3. the cache serves a result only for the bytes it was found for ---------------------


def test_a_file_edited_while_it_is_checked_never_lends_its_result_to_its_old_bytes(repo, monkeypatch):
    from plaincrm import cache

    path = repo.good()
    good = path.read_text()
    bad = good.replace("source: online_ads", "source: tv")
    real_lookup = cache.CheckCache.lookup

    def lookup_then_edit(self, paths):
        found = real_lookup(self, paths)  # hashes the good bytes
        path.write_text(bad)  # ... and the file changes before it is checked
        return found

    monkeypatch.setattr(cache.CheckCache, "lookup", lookup_then_edit)
    assert codes(check_project(repo.project).problems) == ["schema.literal_error"]
    monkeypatch.setattr(cache.CheckCache, "lookup", real_lookup)
    path.write_text(good)
    report = check_project(repo.project)
    assert report.ok and report.cached == 0


@pytest.mark.parametrize(
    "old, new, code",
    [
        ("max_file_bytes: 1048576", "max_file_bytes: 500", "file.too-large"),
        (
            'id_template: "C{date:%Y%m%d}{seq:03d}"',
            'id_template: "KH{date:%Y%m%d}{seq:03d}"',
            "schema.string_pattern_mismatch",
        ),
    ],
)
def test_a_settings_change_is_never_answered_from_the_cache(repo, old, new, code):
    repo.good()
    assert check_project(repo.project).ok
    settings_file = repo.root / "schema" / "settings.yaml"
    settings_file.write_text(settings_file.read_text().replace(old, new))
    fresh = type(repo.project)(repo.root)
    report = check_project(fresh)
    assert report.cached == 0 and code in codes(report.problems)


def test_a_new_parser_or_phone_library_is_never_answered_from_the_cache(repo, monkeypatch):
    from plaincrm import cache

    repo.good()
    assert check_project(repo.project).cached == 0 and check_project(repo.project).cached == 1
    monkeypatch.setattr(cache, "_version", lambda *names: "99.0")  # phonenumbers judges +86… numbers
    assert check_project(repo.project).cached == 0
    monkeypatch.setattr(cache.yaml, "__version__", "99.0")
    assert check_project(repo.project).cached == 0


# --- 4. privacy on the values YAML reads, not only on the text ----------------------------


RESIDENT_ID = "11010519491231002X"
CARD = "6222021234567890128"  # 19 digits, Luhn-valid
assert luhn_valid(CARD)


@pytest.mark.parametrize(
    "written",
    [
        '"' + "".join(f"\\x{ord(c):02x}" for c in RESIDENT_ID) + '"',
        '"\\u0031\\u0031' + RESIDENT_ID[2:] + '"',
        '"110105\\\n    19491231002X"',
        '"' + CARD[:4] + f"\\U{ord(CARD[4]):08x}" + CARD[5:] + '"',
        CARD[:4] + " " + CARD[4:8] + "\n    " + CARD[8:12] + " " + CARD[12:16] + " " + CARD[16:],
    ],
)
def test_escaped_or_folded_numbers_are_found_at_their_value(repo, written):
    repo.good(**{"needs: 需要服务器运维解决方案": f"needs: {written}"})
    (problem,) = check_project(repo.project).problems
    assert problem.code in ("privacy.resident-id", "privacy.bank-card")
    assert (problem.line, problem.col, problem.field) == (11, 8, "needs")


def test_a_number_in_a_comment_is_still_found_and_reported_once(repo):
    repo.good(**{"tags:": f"# {RESIDENT_ID}\nnotes: {RESIDENT_ID}\ntags:"})
    problems = check_project(repo.project).problems
    assert [(p.line, p.code) for p in problems] == [(10, "privacy.resident-id"), (11, "privacy.resident-id")]


@FUZZ
@given(digits=st.text("0123456789", min_size=17, max_size=17), escape=st.lists(st.integers(0, 17), max_size=5))
def test_property_any_escaped_resident_id_is_found(digits, escape):
    number = (
        digits
        + "10X98765432"[
            sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2))) % 11
        ]
    )
    if not (
        "1" <= number[0]
        and "18" <= number[6:8] <= "20"
        and "01" <= number[10:12] <= "12"
        and "01" <= number[12:14] <= "31"
    ):
        return
    written = "".join(f"\\x{ord(c):02x}" if i in escape else c for i, c in enumerate(number))
    from plaincrm.validation import privacy_problems

    raw = parse_text(f'id: C1\nnotes: "{written}"\n', "C1.yaml")
    assert [p.code for p in privacy_problems(raw)] == ["privacy.resident-id"]


# --- 5-7. masking agrees with validation, covers IM ids, is idempotent ---------------------


@FUZZ
@given(text=st.text(st.characters(codec="utf-8"), max_size=12).map(lambda t: t + "@example.com") | st.text(max_size=20))
def test_property_masking_and_validation_agree_on_what_an_address_is(text):
    try:
        TypeAdapter(Email).validate_python(text)
        valid = True
    except Exception:
        valid = False
    masked = mask_email(text)
    if valid:
        assert masked == text[:1] + "***@" + text.partition("@")[2]
    else:
        assert masked == "***"


def test_an_address_with_a_control_character_is_refused_and_never_shown(repo):
    repo.good(**{"zhang@example.com": "zh\\x1fang@example.com"})
    repo.good("C20240501002", **{"email: zhang@example.com": 'email: "zh\\x1fang@example.com"'})
    assert codes(check_project(repo.project).problems) == ["schema.string_pattern_mismatch"]
    assert mask_email("zh\x1fang@example.com") == "***"


def test_im_ids_are_masked_as_the_settings_say(repo):
    repo.good(**{"title: 技术总监": "title: 技术总监, im: wxid_secret88"})
    shown = crm_bounded("show", "C20240501001", cwd=repo.root)
    assert "wxid_secret88" not in shown.stdout and "w***" in shown.stdout
    assert "wxid_secret88" in crm_bounded("show", "C20240501001", "--unmasked", cwd=repo.root).stdout
    models = repo.project.customer_models
    assert Masker(models, fields=[]).mask({"kind": "company", "contacts": [{"im": "wx"}]})["contacts"][0]["im"] == "wx"
    with pytest.raises(SchemaConfigError, match="'contacts.wechat' is not a field"):
        Masker(models, fields=["contacts.wechat"])


phones = st.from_regex(r"\A\+?[0-9*][0-9* ()-]{4,24}\Z")


@FUZZ
@given(phone=phones)
def test_property_phone_masking_is_idempotent_and_never_reveals_more(phone):
    once = mask_phone(phone)
    assert mask_phone(once) == once
    assert all(m == "*" or m == p for m, p in zip(once, phone)) and len(once) == len(phone)
    assert mask_phone("135****2716") == "135****2716"


# --- 8. what reaches a terminal is shown, not obeyed --------------------------------------


def test_control_and_bidi_characters_reach_the_terminal_escaped(repo):
    repo.good(**{"title: 技术总监": 'title: 技术总监, "\\e[2J\\u202eevil\\r": 1'})
    result = crm_bounded("validate", cwd=repo.root)
    assert result.returncode == 1
    assert "contacts[0].\\x1b[2J\\u202eevil\\x0d: unknown field" in result.stdout
    for unsafe in ("\x1b", "\u202e", "\r"):
        assert unsafe not in result.stdout
        assert unsafe not in render([Problem("f\x1b", 1, 1, "a\u202e", "m\r")], "github")


def test_a_link_to_a_device_in_schema_is_refused_not_read(tmp_path):
    import subprocess
    import sys

    from .conftest import make_repo

    repo = make_repo(tmp_path / "repo")
    (repo.root / "schema" / "notes.txt").symlink_to("/dev/zero")
    limit = "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            limit + "from plaincrm.cli import main; sys.exit(main(sys.argv[1:]))",
            "--root",
            str(repo.root),
            "validate",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "notes.txt" in run.stderr and "symbolic link" in run.stderr
