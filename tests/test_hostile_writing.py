"""Hostile and careless text at the writers: one quoting rule, no crash on a valid record, no
quadratic cutting, the size limit, locked check-then-rename, nothing lost by a merge."""

from __future__ import annotations

import multiprocessing
import re
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plaincrm.dataset import check_project
from plaincrm.loading import parse_text
from plaincrm.write import editing
from plaincrm.write.scaffold import new_record_text
from plaincrm.yamltext import field_text, inline, item_text

from .conftest import GOOD_RECORD, make_repo
from .test_history import _crm

# What a user can type: any character but those YAML refuses in a file by design (control characters
# other than tab and line breaks, lone surrogates, U+FFFE/U+FFFF; the loader names them, see
# test_a_refused_character_is_refused_not_escaped), and no 13+ digit run (the privacy check refuses
# what may be a bank card or resident ID number, by design).
_REFUSED = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
TYPED = st.text(st.characters(codec="utf-8"), max_size=40).filter(
    lambda t: not _REFUSED.search(t) and not re.search(r"\d{13}", t)
)
WORDS = [
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "10:30",
    "1_000",
    "0x1F",
    ".inf",
    "~",
    "null",
    "NULL",
    "true",
    "2024-05-10 10:00",
    "2024-05-10",
    "190:20:30",
    "0b101",
    "017",
    "1.0e+3",
    "<<",
    "=",
    "a: b",
    "# x",
    " lead",
    "trail ",
    "a\tb",
    "多行\n文本",
    "a\x85b",
    "x\u2028y",
    "it's",
    '"q"',
    "a, b",
    "[x]",
    "{y}",
    "x?y",
    "- x",
    "%x",
    "@x",
    "`x",
    "!x",
    "&x",
    "*x",
    "|",
    ">",
    "\\",
    "a #b",
    "杭州\t# note",
]


def _repo():
    repo = make_repo(Path(tempfile.mkdtemp(prefix="hostile-writing-")))
    repo.good("C20240501001")
    return repo


def _read_back(path: Path) -> dict:
    return parse_text(path.read_text(encoding="utf-8"), path.name).data


def _set(project, record_id: str, dotted: str, text: str, gate=None) -> None:
    def change(data):
        editing.set_field(data, dotted, editing.parse_value(editing.customer_model(project, data), dotted, text))

    editing.save(project, editing.edit_record(project, record_id, change), gate)


def _log(project, record_id: str, summary: str, action: str, gate=None) -> None:
    """What `crm log` does (cli.cmd_log): an interaction with a next step, the action in a flow mapping."""
    item = {
        "date": date(2024, 6, 1),
        "channel": "phone",
        "topic": "回访",
        "summary": summary,
        "by": ["li.wei"],
        "next_step": {"action": action, "due": date(2024, 6, 2)},
    }
    editing.save(
        project,
        editing.edit_record(project, record_id, lambda data: editing.append_item(data, "interactions", item)),
        gate,
    )


# --- 1. one quoting rule: typed text round-trips through every writer ------------------------------


@pytest.mark.parametrize("text", WORDS)
def test_yaml_words_are_written_as_text_by_every_writer(text):
    repo = _repo()
    project, path = repo.project, repo.customers / "C20240501001.yaml"
    _set(project, "C20240501001", "needs", text)
    _log(project, "C20240501001", text, text)
    data = _read_back(path)
    assert data["needs"] == text
    assert data["interactions"][-1]["summary"] == text and data["interactions"][-1]["next_step"]["action"] == text
    text_data = parse_text(
        field_text("needs", text)
        + field_text("tags", [text])
        + "c:\n"
        + item_text({"k": text}, False)
        + item_text({"k": text}, True),
        "t.yaml",
    ).data
    assert text_data == {"needs": text, "tags": [text], "c": [{"k": text}, {"k": text}]}
    new = new_record_text(
        project, "C20240601001", {"kind": "company", "name": text, "owner": "li.wei"}, first_contact=date(2024, 6, 1)
    )
    assert parse_text(new, "new.yaml").data["name"] == text  # crm new, and the site's template record


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=TYPED)
def test_any_typed_text_round_trips_byte_for_byte(text):
    """`crm set ID needs=TEXT`, `crm log --summary TEXT --next TEXT` (the editing API they call) and
    yamltext.field_text / inline (import, issue forms) all write TEXT so that the loader reads TEXT.
    The empty text is left out of set and log: `needs=` removes the field, and a summary is required."""
    assert parse_text(
        field_text("needs", text) + f"tags: {inline([text, 'x'])}\n" + f"m: {inline({'k': text})}\n", "t.yaml"
    ).data == {"needs": text, "tags": [text, "x"], "m": {"k": text}}
    if not text.strip():
        return
    project, path = _PROPERTY_REPO.project, _PROPERTY_REPO.customers / "C20240501001.yaml"
    path.write_text(_BASE, encoding="utf-8")
    _set(project, "C20240501001", "needs", text, _PROPERTY_GATE)
    _log(project, "C20240501001", text, text, _PROPERTY_GATE)
    data = _read_back(path)
    assert data["needs"] == text
    assert data["interactions"][-1]["summary"] == text and data["interactions"][-1]["next_step"]["action"] == text


_PROPERTY_REPO = _repo()
_BASE = (_PROPERTY_REPO.customers / "C20240501001.yaml").read_text(encoding="utf-8")
_PROPERTY_GATE = editing.RecordGate(_PROPERTY_REPO.project)


def test_a_refused_character_is_refused_not_escaped():
    """What the loader refuses in a file no writer smuggles in as an escape: refused, with the character named."""
    repo = _repo()
    with pytest.raises(editing.EditRefused, match="U\\+000B"):
        _set(repo.project, "C20240501001", "needs", "粘贴\x0b文本")
    problems = editing.check_text(
        repo.project,
        repo.customers / "C20240501001.yaml",
        GOOD_RECORD.format(id="C20240501001", name="A") + field_text("needs", "粘贴\x0b文本"),
    )
    assert [p.code for p in problems] == ["yaml.character"]


def test_null_is_text_in_a_text_field_and_removes_elsewhere():
    repo = _repo()
    _set(repo.project, "C20240501001", "needs", "null")
    _set(repo.project, "C20240501001", "satisfaction", "4")
    _set(repo.project, "C20240501001", "satisfaction", "null")
    data = _read_back(repo.customers / "C20240501001.yaml")
    assert data["needs"] == "null" and "satisfaction" not in data


# --- 2. a tab before a comment -----------------------------------------------------------------


def test_a_tab_before_a_comment_is_edited_by_log_set_merge_and_fmt():
    repo = _repo()
    tabbed = GOOD_RECORD.replace(
        "needs: 需要服务器运维解决方案\n", "needs: 需要服务器运维解决方案\t# 原话\ncity: 杭州\t# note\n"
    )
    for record_id in ("C20240501001", "C20240501002"):
        repo.write(f"{record_id}.yaml", tabbed.format(id=record_id, name="A科技有限公司"), dedent=False)
    assert _crm(repo.root, "validate")[0] == 0
    code, out, err = _crm(repo.root, "fmt", "--check")
    assert code == 1 and "not in canonical form" in out and "crm validate" not in err
    assert _crm(repo.root, "log", "C20240501001", "--channel", "phone", "--topic", "回访", "--summary", "好")[0] == 0
    assert _crm(repo.root, "set", "C20240501001", "satisfaction=4")[0] == 0
    assert _crm(repo.root, "merge", "C20240501001", "C20240501002")[0] == 0
    assert _crm(repo.root, "fmt")[0] == 0 and _crm(repo.root, "fmt", "--check")[0] == 0
    text = (repo.customers / "C20240501001.yaml").read_text(encoding="utf-8")
    assert "city: 杭州 # note\n" in text and _crm(repo.root, "validate")[0] == 0


def test_a_layout_ruamel_cannot_read_is_refused_with_its_line():
    repo = _repo()
    path = repo.customers / "C20240501001.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("needs: 需要服务器运维解决方案\n", "needs: 需要\t\n  运维\n"),
        encoding="utf-8",
    )
    assert _crm(repo.root, "validate")[0] == 0  # libyaml folds the two lines
    code, _, err = _crm(repo.root, "set", "C20240501001", "satisfaction=4")
    assert code == 1 and "line 1" in err and "Traceback" not in err


# --- 3. linear cutting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line", ["'a' + ' ' * 200_000", "'a ' * 100_000", "'a' * 200_000", "'k\\n' + ' ' * 200_000", "'- ' * 100_000"]
)
def test_a_200_kb_line_is_cut_in_linear_time(line):
    """A quadratic regex takes about a minute on 200 KB; linear, well under a second. The 5 s bound
    is generous for a slow machine and far below the quadratic cost."""
    program = (
        "from plaincrm.yamltext import NotBlockMapping, top_level_pieces\n"
        f"text = {line} + '\\nb: 1\\n'\n"
        "try:\n    top_level_pieces(text)\nexcept NotBlockMapping:\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=5)


# --- 4. the size limit ------------------------------------------------------------------------------


def test_no_writer_writes_a_record_over_the_size_limit():
    repo = _repo()
    limit = repo.project.limits.max_file_bytes
    path = repo.customers / "C20240501001.yaml"
    before = path.read_bytes()
    with pytest.raises(editing.EditRefused) as refused:
        _set(repo.project, "C20240501001", "needs", "运" * (limit // 3 + 1))
    assert f"{limit:,} bytes" in refused.value.problems[0].message and path.read_bytes() == before
    huge = before.decode() + field_text("notes", "x" * limit)
    assert [p.code for p in editing.RecordGate(repo.project).problems(path, huge)] == ["file.too-large"]


# --- 5. locked check-then-rename ----------------------------------------------------------------------


def _racer(path: str, rounds: int, batch: bool, results) -> None:
    """Read, add a line, write back with the expect-check; the rename is slowed so that an unlocked
    check of the other process would fall between this one's check and rename."""
    import os
    import time

    from plaincrm.write import atomic as writing

    real_replace = os.replace

    def slow_replace(*args):
        time.sleep(0.01)
        real_replace(*args)

    os.replace = slow_replace
    landed = 0
    for n in range(rounds):
        target = Path(path)
        before = target.read_bytes()
        after = before + f"{os.getpid()}-{n}\n".encode()
        if batch:
            job = writing.Batch()
            job.replace(target, after, expect=before)
            landed += job.commit() == [None]
        else:
            try:
                writing.write_atomically(target, after, expect=before)
                landed += 1
            except writing.FileChanged:
                pass
    results.put(landed)


def test_two_writers_racing_lose_no_update(tmp_path):
    target = tmp_path / "C20240501001.yaml"
    target.write_bytes(b"")
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    racers = [context.Process(target=_racer, args=(str(target), 25, batch, results)) for batch in (False, True)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    landed = results.get(timeout=5) + results.get(timeout=5)
    assert len(target.read_bytes().splitlines()) == landed  # each write landed or got FileChanged; none lost
    assert sorted(p.name for p in tmp_path.iterdir()) == ["C20240501001.yaml"]


# --- 6. merge keeps every field; merged records take no writes ------------------------------------------


def test_merge_moves_or_notes_every_profile_field():
    repo = _repo()
    repo.good(
        "C20240501002",
        "A 科技",
        **{
            "needs: 需要服务器运维解决方案\n": "needs: 云迁移\ncity: 杭州\npreferences: 微信沟通\nsatisfaction: 3\n"
            "size: {employees: from_50_to_100}\nexternal_ids: [HubSpot:1201]\n"
        },
    )
    keep, other = editing.merge_records(repo.project, "C20240501001", "C20240501002")
    for edit in (keep, other):
        editing.save(repo.project, edit)
    data = _read_back(repo.customers / "C20240501001.yaml")
    assert data["city"] == "杭州" and data["preferences"] == "微信沟通" and data["satisfaction"] == 3
    assert data["size"] == {"employees": "from_50_to_100"} and data["external_ids"] == ["HubSpot:1201"]
    assert data["needs"] == "需要服务器运维解决方案"  # KEEP's value stays; OTHER's is in the notes
    assert data["notes"] == "from C20240501002: name: A 科技\nfrom C20240501002: needs: 云迁移"
    assert keep.report[0] == "moved from C20240501002: city, preferences, satisfaction, size, external_ids"
    assert keep.report[2] == "kept in C20240501001's notes (they differ): needs: 云迁移"
    assert check_project(repo.project, use_cache=False).ok


def test_a_merged_record_takes_no_more_writes():
    repo = _repo()
    repo.good("C20240501002", "A 科技")
    assert _crm(repo.root, "merge", "C20240501001", "C20240501002")[0] == 0
    before = (repo.customers / "C20240501002.yaml").read_bytes()
    code, _, err = _crm(repo.root, "log", "C20240501002", "--channel", "phone", "--topic", "x", "--summary", "y")
    assert code == 1 and "C20240501002 was merged into C20240501001; write to that one" in err
    assert _crm(repo.root, "set", "C20240501002", "city=杭州")[0] == 1
    assert (repo.customers / "C20240501002.yaml").read_bytes() == before


# --- 7. fuzz: whatever the text, a refusal or a valid file --------------------------------------------------

_FUZZ_REPO = _repo()
_FUZZ_BASE = (_FUZZ_REPO.customers / "C20240501001.yaml").read_text(encoding="utf-8")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    text=st.text(max_size=30),
    field=st.sampled_from(
        ["needs", "city", "name", "owner", "tags", "size.revenue", "satisfaction", "contacts", "summary"]
    ),
)
def test_random_text_to_the_writers_gives_a_refusal_or_a_valid_file(text, field):
    project, path = _FUZZ_REPO.project, _FUZZ_REPO.customers / "C20240501001.yaml"
    path.write_text(_FUZZ_BASE, encoding="utf-8")
    try:
        if field == "summary":
            _log(project, "C20240501001", text, text)
        else:
            _set(project, "C20240501001", field, text)
    except editing.EditRefused as refused:
        assert str(refused)
        assert path.read_text(encoding="utf-8") == _FUZZ_BASE
        return
    assert check_project(project, use_cache=False).ok


def test_an_id_given_to_log_or_set_is_never_a_path(tmp_path):
    from .conftest import make_repo
    from .test_history import _crm

    repo = make_repo(tmp_path / "repo")
    repo.good()
    outside = tmp_path / "C20240501001.yaml"
    outside.write_text(repo.customers.joinpath("C20240501001.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = outside.read_bytes()
    for record_id in ("../../C20240501001", str(outside.with_suffix("")), "C2024050100\n1"):
        code, _, err = _crm(repo.root, "set", record_id, "city=杭州")
        assert code != 0 and "is not a customer id" in err, err
        code, _, err = _crm(repo.root, "log", record_id, "--channel", "phone", "--topic", "t", "--summary", "s")
        assert code != 0
    assert outside.read_bytes() == before
