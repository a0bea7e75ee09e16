"""crm log / set / fmt: edits keep comments and layout, are validated first, and never lose data."""

from __future__ import annotations

import pytest

from .test_history import _crm

COMMENTED = """\
# yaml-language-server: $schema=../../schema/customer.schema.json
# 客户档案：A科技
id: C20240501001
kind: company
name: A科技有限公司   # 全称，勿用简称
industry: software_it
source: online_ads
category: potential
cooperation: not_started
owner: li.wei
contacts:
  - {name: 张经理, title: 技术总监, phone: "13812345678"}
interactions:
  - date: 2024-05-10
    channel: phone
    topic: 方案沟通
    summary: 客户对方案满意
    by: [li.wei]
# 满意度由回访确定
satisfaction: 4
tags: [高意向]
"""


@pytest.fixture
def record(repo):
    return repo.write("C20240501001.yaml", COMMENTED, dedent=False)


def test_fmt_orders_keys_keeps_comments_and_check_reports(repo, record):
    code, out, _ = _crm(repo.root, "fmt", "--check")
    assert code == 1 and "C20240501001.yaml: not in canonical form" in out
    assert record.read_text(encoding="utf-8") == COMMENTED  # --check writes nothing
    assert _crm(repo.root, "fmt")[0] == 0
    text = record.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/customer.schema.json\n# 客户档案：A科技\nid:")
    assert "name: A科技有限公司   # 全称，勿用简称\n" in text
    assert text.index("tags:") < text.index("# 满意度由回访确定\nsatisfaction: 4") < text.index("contacts:")
    assert _crm(repo.root, "fmt", "--check")[0] == 0 and _crm(repo.root, "validate")[0] == 0


def test_log_appends_an_interaction_and_keeps_the_rest(repo, record):
    code, out, err = _crm(
        repo.root,
        "log",
        "C20240501001",
        "--channel",
        "visit",
        "--topic",
        "签约",
        "--summary",
        "签约: 年度服务",
        "--next",
        "寄送发票",
        "--due",
        "2024-06-10",
        "--date",
        "2024-06-01",
    )
    assert code == 0, err
    text = record.read_text(encoding="utf-8")
    assert text.endswith(
        "    by: [li.wei]\n  - date: 2024-06-01\n    channel: visit\n    topic: 签约\n    summary: '签约: 年度服务'\n"
        "    by: [li.wei]\n    next_step: {action: 寄送发票, due: 2024-06-10}\n"
    )
    assert "name: A科技有限公司   # 全称，勿用简称\n" in text and "# 满意度由回访确定\n" in text
    assert _crm(repo.root, "validate")[0] == 0


def test_an_invalid_edit_writes_nothing_and_says_why(repo, record):
    before = record.read_bytes()
    code, _, err = _crm(
        repo.root, "log", "C20240501001", "--channel", "carrier-pigeon", "--topic", "x", "--summary", "y"
    )
    assert code == 1 and "channel" in err and "nothing written" in err
    code, _, err = _crm(repo.root, "set", "C20240501001", "owner=nobody")
    assert code == 1 and "'nobody' is not a member of the team" in err
    code, _, err = _crm(repo.root, "set", "C20240501001", "satisfaction=9")
    assert code == 1 and "satisfaction: Input should be less than or equal to 5" in err
    code, _, err = _crm(repo.root, "set", "C20240501001", "id=C20240501009")
    assert code == 1 and "the id never changes" in err
    assert _crm(repo.root, "log", "C20990101001", "--channel", "phone", "--topic", "x", "--summary", "y")[0] == 1
    assert record.read_bytes() == before


def test_set_types_values_by_the_schema(repo, record):
    code, _, err = _crm(
        repo.root,
        "set",
        "C20240501001",
        "satisfaction=5",
        "needs=12345",
        "city=深圳",
        "size.employees=from_50_to_100",
        "tags=[VIP, 高意向]",
        "cooperation=",
    )
    assert code == 1  # cooperation is required: removing it is refused, and nothing else is written either
    assert "cooperation" in err
    code, _, err = _crm(
        repo.root,
        "set",
        "C20240501001",
        "satisfaction=5",
        "needs=12345",
        "city=深圳",
        "size.employees=from_50_to_100",
        "tags=[VIP, 高意向]",
    )
    assert code == 0, err
    text = record.read_text(encoding="utf-8")
    assert "satisfaction: 5\n" in text and "needs: '12345'\n" in text and "tags: [VIP, 高意向]\n" in text
    assert "size: {employees: from_50_to_100}\n" in text and "city: 深圳\n" in text
    assert _crm(repo.root, "validate")[0] == 0


def test_a_file_changed_meanwhile_or_a_crash_leaves_it_intact(repo, record, monkeypatch):
    from plaincrm.write import atomic as writing
    from plaincrm.write import editing

    edit = editing.edit_record(repo.project, "C20240501001", lambda data: data.__setitem__("satisfaction", 5))
    record.write_text(COMMENTED.replace("satisfaction: 4", "satisfaction: 3"), encoding="utf-8")  # someone else
    with pytest.raises(editing.EditRefused, match="changed while it was being edited"):
        editing.save(repo.project, edit)
    assert "satisfaction: 3" in record.read_text(encoding="utf-8")

    edit = editing.edit_record(repo.project, "C20240501001", lambda data: data.__setitem__("satisfaction", 5))
    monkeypatch.setattr(writing.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("power cut")))
    with pytest.raises(OSError):
        editing.save(repo.project, edit)
    assert "satisfaction: 3" in record.read_text(encoding="utf-8")
    assert sorted(p.name for p in repo.customers.iterdir()) == ["C20240501001.yaml"]  # no temporary file left


def test_sample_records_are_canonical():
    from .conftest import REPO

    code, out, _ = _crm(REPO, "fmt", "--check")
    assert code == 0, out


def test_new_asks_in_a_terminal_and_refuses_without_one(repo, monkeypatch):
    import io
    import sys

    assert _crm(repo.root, "new", "--today", "2024-06-01")[0] == 2  # stdin is not a terminal here

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    answers = iter(["", "C制造有限公司", "", "nobody", "li.wei", "fair?", "exhibition", "", "new"])
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    code, out, err = _crm(repo.root, "new", "--today", "2024-06-01")
    assert code == 0, err
    text = (repo.root / out.splitlines()[0]).read_text(encoding="utf-8")
    assert "name: C制造有限公司" in text and "owner: li.wei" in text and "source: exhibition" in text
    assert "category: new" in text and "please choose one of the values listed" in err and "required" in err


@pytest.mark.parametrize(
    "value",
    [
        "li.wei",
        "A科技有限公司",
        "not_started",
        "Yes",
        "NULL",
        "off",
        "~",
        "e1",
        ".inf",
        ".5",
        "a:",
        "a #b",
        "a#b",
        "-a",
        "0x1f",
        "1e3",
        "1_000",
        "12:30",
        "2024-05-10",
        "13812345678",
        "多行\n文本",
        "tab\there",
        "'quoted'",
        '"dq"',
        "[x]",
        "{y}",
        "a, b",
        "&anchor",
        "*alias",
        "!tag",
        "% x",
        "@at",
        "`tick",
        "| pipe",
        "> fold",
        " lead",
        "trail ",
    ],
)
def test_written_values_read_back_as_written(value):
    """What `yamltext` writes (fast path or libyaml) reads back unchanged, in a field, inline and in an item."""
    from plaincrm.loading import parse_text
    from plaincrm.yamltext import field_text, item_text

    text = (
        field_text("a", value)
        + field_text("b", [value, "x"])
        + "c:\n"
        + item_text({"k": value, "m": {"n": value}}, False)
    )
    text += item_text({"k": value}, True)
    data = parse_text(text, "t.yaml").data
    assert data == {"a": value, "b": [value, "x"], "c": [{"k": value, "m": {"n": value}}, {"k": value}]}


def test_dupes_and_merge_leave_a_redirect(repo):
    from datetime import date

    from plaincrm.site.build import build_for_site

    repo.good("C20240501001", "A科技有限公司")
    repo.good(
        "C20240501002", "A 科技", **{"tags: [高意向]": "tags: [VIP]", "客户对方案满意": "第二次沟通", "张经理": "李工"}
    )
    code, out, _ = _crm(repo.root, "dupes")
    assert out.splitlines() == [
        "same e-mail: C20240501001 A科技有限公司  C20240501002 A 科技",
        "same name: C20240501001 A科技有限公司  C20240501002 A 科技",
        "same phone: C20240501001 A科技有限公司  C20240501002 A 科技",
    ]
    assert _crm(repo.root, "merge", "C20240501001", "C20240501001")[0] == 1
    code, _, err = _crm(repo.root, "merge", "C20240501001", "C20240501002")
    assert code == 0, err
    keep = (repo.customers / "C20240501001.yaml").read_text(encoding="utf-8")
    other = (repo.customers / "C20240501002.yaml").read_text(encoding="utf-8")
    assert "tags: [高意向, VIP]\n" in keep and keep.count("  - date: 2024-05-10\n") == 2 and "name: 李工" in keep
    assert keep.count("{kind: first_contact, date: 2024-05-01}") == 1  # an item KEEP has already is not repeated
    assert other.endswith("owner: li.wei\nmerged_into: C20240501001\n") and "contacts" not in other
    assert _crm(repo.root, "validate")[0] == 0 and _crm(repo.root, "dupes")[1] == ""
    assert _crm(repo.root, "merge", "C20240501001", "C20240501002")[0] == 1  # merged already
    site = build_for_site(repo.root, today=date(2024, 6, 1))[1]
    assert site.customer_ids == ["C20240501001"]
    redirect = site.files["customers/C20240501002.html"].decode()
    assert '<meta http-equiv="refresh" content="0; url=C20240501001.html">' in redirect
