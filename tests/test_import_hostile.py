"""crm import as a careless user or an attacker uses it: hostile headers and cells, privacy, matching,
round trips through crm export, broken files. Each failing test is a defect found by running the CLI;
each passing one is something that held and is cheap to keep checking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import make_repo
from .sheetkit import GUIDE_HEADERS, data, write_csv, write_xlsx
from .test_history import _crm

RESIDENT_ID = "11010519491231002X"  # valid check digit
CARD = "6222020200112345604"  # 19 digits, Luhn-valid


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo")


def records(repo) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted(repo.customers.glob("*.yaml"))}


def crm(repo, *args):
    """The CLI in-process; an exception escaping main() is what a user sees as a traceback."""
    try:
        return _crm(repo.root, *map(str, args))
    except Exception as error:
        pytest.fail(f"crm {' '.join(map(str, args))} raised {type(error).__name__}: {error} (a traceback for the user)")


def plan_then_import(repo, source: Path, *extra):
    """--plan, then the draft with reviewed: true, as the README's first hour says."""
    code, out, err = crm(repo, "import", source, "--plan")
    assert code == 0, err
    draft = source.with_name(source.stem + ".mapping.yaml")
    draft.write_text(draft.read_text(encoding="utf-8").replace("reviewed: false", "reviewed: true"), encoding="utf-8")
    return crm(repo, "import", source, "--mapping", draft, "--today", "2024-06-01", *extra)


def raw_controls(text: str) -> list[str]:
    return sorted({hex(ord(ch)) for ch in text if not ch.isprintable() and ch not in "\n "})


# === defects =========================================================================================


@pytest.mark.parametrize("headers", [["备注", "备注"], ["客户名称", "客户名称"]], ids=["unknown", "known"])
def test_a_draft_for_a_sheet_with_duplicate_headers_reads_back(repo, tmp_path, headers):
    """A sheet with two columns of the same header (common in hand-made sheets): --plan writes the header
    twice under `columns:`, and `crm import F --mapping DRAFT` then exits 2 with "duplicate key '备注': the
    field is written twice" in the draft crm itself wrote. The draft must read back as a valid mapping."""
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人", *headers], ["甲公司", "li.wei", "v1", "v2"]])
    code, out, err = plan_then_import(repo, source)
    assert code == 0, err
    assert "created 1" in out


@pytest.mark.parametrize("bad", ["a\x7fb", "c\x9bd", "a\ufffeb"], ids=["DEL", "C1-CSI", "U+FFFE"])
def test_a_draft_for_a_header_with_a_control_character_reads_back(repo, tmp_path, bad):
    """A header with DEL, a C1 control (0x9b is CSI, an escape sequence introducer) or U+FFFE: the draft
    writes the character raw inside "…" (json.dumps leaves it), YAML does not allow it, and
    `crm import F --mapping DRAFT` dies with a Python traceback (yaml.reader.ReaderError: unacceptable
    character). The draft should escape it (\\x7f, \\x9b, \\ufffe) so it reads back with exactly that header."""
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人", bad], ["甲公司", "li.wei", "v"]])
    code, out, err = plan_then_import(repo, source)
    assert code == 0, err
    assert "created 1" in out


def test_a_mapping_file_with_a_raw_control_character_is_refused_not_a_traceback(repo, tmp_path):
    """A hand-edited mapping holding a raw ESC (pasted from a terminal): `crm import F --mapping M` raises
    yaml.reader.ReaderError out of main() (a traceback, no exit code). It should exit 2 naming the file."""
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人"], ["甲公司", "li.wei"]])
    mapping = tmp_path / "m.yaml"
    mapping.write_text('columns: {客户名称: name, 跟进人: owner}\nname: "x\x1by"\n', encoding="utf-8")
    code, _, err = crm(repo, "import", source, "--mapping", mapping)
    assert code == 2 and "m.yaml" in err


@pytest.mark.parametrize(
    "header", [f"身份证{RESIDENT_ID}", RESIDENT_ID, CARD], ids=["id-in-header", "id-header", "card-header"]
)
def test_a_forbidden_number_in_a_header_is_never_repeated(repo, tmp_path, header):
    """A resident ID or bank card number as (part of) a header: the import prints it in "columns the mapping
    does not know … : 身份证11010519491231002X", --plan prints it in "column …" and writes it into the
    draft's columns. The number must never appear on stdout/stderr or in the draft."""
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人", header], ["甲公司", "li.wei", "x"]])
    code, out, err = crm(repo, "import", source, "--today", "2024-06-01")
    assert code == 2 and "header of column C" in err and records(repo) == {}  # refused whole, nothing written
    _, plan_out, plan_err = crm(repo, "import", source, "--plan")
    draft_path = tmp_path / "s.mapping.yaml"
    draft = draft_path.read_text(encoding="utf-8") if draft_path.exists() else ""
    number = RESIDENT_ID if RESIDENT_ID in header else CARD
    assert number not in out + err, "import output"
    assert number not in plan_out + plan_err, "plan output"
    assert number not in draft, "draft"


def test_a_resident_id_in_the_owner_column_rejects_the_row_even_with_owner(repo, tmp_path):
    """README: "a resident ID or bank card number rejects its row". With --owner li.wei, a row whose 跟进人
    cell is 11010519491231002X is imported (exit 0, created 1) with li.wei as owner and the notes
    "跟进人: [number removed]": the row is silently altered instead of rejected (exit 1, reject file)."""
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人", "联系方式"], ["甲公司", RESIDENT_ID, "13812345678"]])
    code, out, err = crm(repo, "import", source, "--owner", "li.wei", "--today", "2024-06-01")
    assert RESIDENT_ID not in out + err
    assert code == 1 and "rejected 1" in out and records(repo) == {}


def test_a_phone_number_in_an_owner_text_kept_in_the_notes_is_masked(repo, tmp_path):
    """With --owner, an owner cell nobody matches ("李经理 13812345678") is kept in the notes as it is:
    notes: '跟进人: 李经理 13812345678'. Text that goes to the notes has its phone numbers masked
    (as columns the mapping does not know): expected 138****5678."""
    source = write_csv(
        tmp_path / "s.csv", [["客户名称", "跟进人", "联系方式"], ["甲公司", "李经理 13812345678", "13900001111"]]
    )
    code, out, err = crm(repo, "import", source, "--owner", "li.wei", "--today", "2024-06-01")
    assert code == 0, err
    notes = data(repo, "C20240601001")["notes"]
    assert "13812345678" not in notes and "138****5678" in notes


def test_a_phone_number_in_a_header_is_masked_in_the_notes(repo, tmp_path):
    """A column headed 电话13812345678 (the number written in the header cell) goes to the notes as
    '电话13812345678: x', the number whole; unknown columns' phone numbers are masked."""
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人", "电话13812345678"], ["甲公司", "li.wei", "x"]])
    code, _, err = crm(repo, "import", source, "--today", "2024-06-01")
    assert code == 0, err
    assert "13812345678" not in data(repo, "C20240601001")["notes"]


@pytest.mark.parametrize("phone", ["+86 138 1234 5678", "+8613812345678", "008613812345678"])
def test_a_mobile_number_with_its_country_code_is_not_a_bank_card(repo, tmp_path, phone):
    """联系方式 +86 138 1234 5678 (how HubSpot and Excel's phone format write it) is rejected:
    "contacts[0].phone: looks like a bank card number (13 digits passing the Luhn check)"; about one
    mobile number in ten passes Luhn with 86 in front. A phone number with + or 00 and a country code
    is a phone number: the row should be created."""
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人", "联系方式"], ["甲公司", "li.wei", phone]])
    code, out, err = crm(repo, "import", source, "--today", "2024-06-01")
    assert code == 0, err
    assert "created 1" in out


def test_an_export_imported_back_keeps_full_width_punctuation(repo, tmp_path):
    """A record whose needs/notes are written with Chinese punctuation (，；：（）), as 32 of the 41
    sample records in records/customers are: `crm export` then `crm import` reports "updated 1" and
    rewrites `needs: 降低成本，提升效率` as `needs: 降低成本,提升效率` (NFKC of free text). An export
    imported back must change nothing."""
    repo.good("C20240501001", "A科技有限公司", **{"needs: 需要服务器运维解决方案": "needs: 降低成本，提升效率（一期）"})
    before = records(repo)
    target = tmp_path / "e.csv"
    assert crm(repo, "export", "--format", "csv", "--lang", "zh", "--out", target, "--unmasked")[0] == 0
    code, out, err = crm(repo, "import", target, "--today", "2024-06-01")
    assert code == 0, err
    assert "created 0, updated 0, unchanged 1" in out and records(repo) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_back_keeps_a_tag_with_a_comma(repo, tmp_path, fmt):
    """A tag "a,b" (or "c、d"): the export writes the tags cell as "高意向, a,b", the import splits it
    at every comma and 、 and adds tags a and b: tags: [高意向, 'a,b', a, b], "updated 1". An export
    imported back must change nothing."""
    repo.good("C20240501001", "A科技有限公司", **{"tags: [高意向]": "tags: [高意向, 'a,b']"})
    before = records(repo)
    target = tmp_path / f"e.{fmt}"
    assert crm(repo, "export", "--format", fmt, "--lang", "en", "--out", target, "--unmasked")[0] == 0
    code, out, err = crm(repo, "import", target, "--today", "2024-06-01")
    assert code == 0, err
    assert "created 0, updated 0, unchanged 1" in out and records(repo) == before


def test_a_row_whose_phone_is_one_customer_and_whose_email_is_another_is_rejected(repo, tmp_path):
    """A's phone and B's e-mail in one row: matching stops at the first rule that finds anyone, so the
    row updates A: A is renamed to the row's name and gets a contact with B's e-mail (crm dupes then
    reports A and B as "same e-mail"). README: an ambiguous match is rejected, never merged."""
    repo.good("C20240501001", "A科技有限公司")
    repo.good("C20240501002", "B咨询有限公司", **{"13812345678": "13900009999", "zhang@example.com": "b@example.com"})
    before = records(repo)
    source = write_csv(
        tmp_path / "s.csv",
        [["Account Name", "Phone", "Email", "Account Owner"], ["New Co", "13812345678", "b@example.com", "li.wei"]],
    )
    code, out, err = crm(repo, "import", source, "--today", "2024-06-02")
    assert code == 1 and "rejected 1" in out and "ambiguous" in err
    assert records(repo) == before


def test_a_row_for_an_existing_id_may_leave_the_name_empty(repo, tmp_path):
    """A follow-up sheet keyed by 客户编号 without the name: the row for the existing C20240501001 is
    rejected with "no name". README: "an empty cell leaves a field as it is"; the record exists and
    has a name, so the follow-up should be added (updated 1)."""
    repo.good("C20240501001", "A科技有限公司")
    source = write_csv(
        tmp_path / "s.csv",
        [
            ["客户编号", "客户名称", "沟通内容摘要", "最近跟进日期", "跟进人"],
            ["C20240501001", "", "电话回访", "2024-06-01", "li.wei"],
        ],
    )
    code, out, err = crm(repo, "import", source, "--today", "2024-06-02")
    assert code == 0, err
    assert "updated 1" in out and "电话回访" in data(repo, "C20240501001")["interactions"][-1]["summary"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_values_under_an_empty_header_are_not_silently_dropped(repo, tmp_path, fmt):
    """A column whose header cell is empty (or only spaces) but which holds values: the values vanish:
    exit 0, "created 1", no word in the summary or in --plan, nothing in the notes. README: never lost;
    the column should at least be reported (or its values kept in the notes, or the row rejected)."""
    rows = [["客户名称", "", "跟进人"], ["甲公司", "重要信息", "li.wei"]]
    source = (write_xlsx if fmt == "xlsx" else write_csv)(tmp_path / f"s.{fmt}", rows)
    code, out, err = crm(repo, "import", source, "--today", "2024-06-01")
    kept = any("重要信息" in text.decode("utf-8") for text in records(repo).values())
    assert kept or code != 0 or "重要信息" in out + err or "header" in out + err


def test_a_nul_byte_in_a_cell_is_not_stored(repo, tmp_path):
    """A NUL byte inside a cell (甲<NUL>公司, from a broken export) is written into the record as
    name: "甲\\0公司" (crm validate accepts it); the next sheet's 甲公司 is then another customer.
    Control characters should be taken out of a value, or the row rejected with the reason."""
    source = tmp_path / "s.csv"
    source.write_bytes("客户名称,跟进人\n甲\x00公司,li.wei\n".encode())
    crm(repo, "import", source, "--today", "2024-06-01")
    for text in records(repo).values():
        assert b"\\0" not in text and b"\x00" not in text


def test_a_file_name_with_an_escape_sequence_is_shown_escaped(repo, tmp_path):
    """A file named x<ESC>[2J.csv: --plan prints "mapping draft: …/x<ESC>[2J.mapping.yaml; … crm import
    …/x<ESC>[2J.csv --mapping …" with the ESC raw (the terminal clears the screen), and so does
    "rejected rows, with the reason, in …/x<ESC>[2J.rejects.csv". Everything else is shown as \\x1b."""
    source = write_csv(tmp_path / "x\x1b[2J.csv", [["客户名称", "跟进人"], ["甲公司", "nobody"]])
    _, out, err = crm(repo, "import", source, "--plan")
    assert raw_controls(out + err) == [], out + err
    _, out, err = crm(repo, "import", source, "--today", "2024-06-01")
    assert raw_controls(out + err) == [], out + err


# === what held ======================================================================================


def test_held_the_guides_rows_with_owner_and_plan_then_draft(repo, tmp_path):
    rows = [
        [
            "C20240501001",
            "A科技有限公司",
            "张经理",
            "138****5678",
            "IT服务",
            "线上推广",
            "需要服务器运维解决方案",
            "2024-05-10",
            "销售经理王",
            "客户对方案满意,下周提供合同",
            "潜在客户",
            "高意向、技术型",
        ],
        [
            "C20240501002",
            "B商贸公司",
            "李总",
            "1395678",
            "零售",
            "转介绍",
            "降低仓储物流成本",
            "2024/5/8",
            "客户经理赵",
            "已报价,等待客户内部审批",
            "合作中",
            "价格敏感",
        ],
        [
            "C20240501003",
            "C制造厂",
            "王主任",
            "1379012",
            "制造业",
            "陌生拜访",
            "提升生产设备自动化率",
            "2024-04-15",
            "*主管",
            "客户预算有限,暂缓合作",
            "暂停合作",
            "预算不足",
        ],
    ]
    source = write_xlsx(tmp_path / "客户信息表.xlsx", [GUIDE_HEADERS, *rows])
    code, out, _ = crm(repo, "import", source, "--owner", "li.wei", "--dry-run", "--today", "2024-06-01")
    assert code == 0 and "would be created 3" in out
    crm(repo, "import", source, "--plan")
    draft = tmp_path / "客户信息表.mapping.yaml"
    draft.write_text(
        draft.read_text(encoding="utf-8")
        .replace("reviewed: false", "reviewed: true")
        .replace('"客户经理赵": ~', '"客户经理赵": "li.wei"'),
        encoding="utf-8",
    )
    code, out, err = crm(repo, "import", source, "--mapping", draft, "--today", "2024-06-01")
    assert code == 0 and "created 3" in out, err
    assert data(repo, "C20240501001")["contacts"][0]["phone"] == "138****5678"
    assert str(data(repo, "C20240501002")["interactions"][0]["date"]) == "2024-05-08"
    assert [data(repo, f"C2024050100{i}")["owner"] for i in (1, 2, 3)] == ["wang.fang", "li.wei", "chen.jie"]


def test_held_yaml_syntax_headers_read_back_from_the_draft(repo, tmp_path):
    weird = [
        "a: b #c",
        "- x",
        "&a",
        "*a",
        "!!python/object",
        "? q",
        "%YAML",
        "'q",
        '"dq',
        "[x]",
        "{y}",
        "|",
        "~",
        "null",
        "x\x1b[2Jy",
    ]
    source = write_csv(
        tmp_path / "s.csv",
        [["客户名称", "跟进人", *weird], ["甲公司", "li.wei", *[f"v{i}" for i in range(len(weird))]]],
    )
    code, out, err = plan_then_import(repo, source)
    assert code == 0 and "created 1" in out, err
    notes = data(repo, "C20240601001")["notes"].splitlines()
    # a control character in a header is not part of its name: removed (shown as a space), the rest kept
    assert notes == [f"{h.replace(chr(27), ' ')}: v{i}" for i, h in enumerate(weird)]


def test_held_escape_sequences_in_cells_are_shown_escaped(repo, tmp_path):
    esc = "\x1b[2J"
    source = write_csv(
        tmp_path / "s.csv",
        [
            ["客户名称", "跟进人", "联系方式", "合作状态", "备注" + esc, "最近跟进日期"],
            ["甲" + esc, "li" + esc, "138" + esc, "合作中" + esc, "v" + esc, "2024" + esc],
        ],
    )
    for args in ([], ["--owner", "li.wei"], ["--plan"]):
        _, out, err = crm(repo, "import", source, "--today", "2024-06-01", *args)
        assert raw_controls(out + err) == []


@pytest.mark.parametrize(
    "phone", ["+86 138 1234 5678", "0086 138 1234 5678", "138 1234 5678", "１３８１２３４５６７８", "(+86)13812345678"]
)
def test_held_phone_spellings_match_the_record(repo, tmp_path, phone):
    repo.good("C20240501001", "A科技有限公司")
    source = write_csv(
        tmp_path / "s.csv",
        [
            ["客户名称", "联系方式", "跟进人", "沟通内容摘要", "最近跟进日期"],
            ["新名字", phone, "li.wei", "s", "2024-06-01"],
        ],
    )
    code, out, _ = crm(repo, "import", source, "--today", "2024-06-02", "--dry-run")
    assert code == 0 and "would be created 0, would be updated 1" in out


def test_held_a_short_name_inside_another_and_email_case(repo, tmp_path):
    repo.good("C20240501001", "Saturn Co., Ltd")
    source = write_csv(
        tmp_path / "s.csv",
        [
            ["Account Name", "Email", "Account Owner"],
            ["Turn Ltd", "", "emma.hu"],
            ["Other", "ZHANG@Example.COM", "emma.hu"],
        ],
    )
    code, out, _ = crm(repo, "import", source, "--today", "2024-06-02", "--dry-run")
    assert code == 0 and "would be created 1, would be updated 1" in out


def test_held_forbidden_numbers_in_cells_reject_the_row_and_are_not_repeated(repo, tmp_path):
    headers = ["客户名称", "跟进人", "联系方式", "合作状态", "客户标签", "最近跟进日期", "备注x"]
    rows = [
        ["甲公司", RESIDENT_ID, "13812345678", "", "", "", ""],
        [RESIDENT_ID, "li.wei", "", "", "", "", ""],
        ["丙公司", "li.wei", CARD, "", "", "", ""],
        ["丁公司", "li.wei", "", RESIDENT_ID, "", "", ""],
        ["戊公司", "li.wei", "", "", "x、" + CARD, "", ""],
        ["己公司", "li.wei", "", "", "", CARD, ""],
        ["庚公司", "li.wei", "", "", "", "", " ".join(CARD[i : i + 4] for i in range(0, 19, 4))],
    ]
    source = write_csv(tmp_path / "s.csv", [headers, *rows])
    code, out, err = crm(repo, "import", source, "--today", "2024-06-01")
    assert code == 1 and f"rejected {len(rows)}" in out and records(repo) == {}
    _, plan_out, plan_err = crm(repo, "import", source, "--plan")
    draft = (tmp_path / "s.mapping.yaml").read_text(encoding="utf-8")
    for text in (out, err, plan_out, plan_err, draft):
        assert RESIDENT_ID not in text and CARD not in text


def test_held_broken_files_exit_2_without_a_traceback(repo, tmp_path):
    good = write_xlsx(tmp_path / "g.xlsx", [["客户名称", "跟进人"], ["甲公司", "li.wei"]]).read_bytes()
    (tmp_path / "trunc.xlsx").write_bytes(good[: len(good) // 2])
    write_csv(tmp_path / "csv.xlsx", [["客户名称", "跟进人"], ["甲公司", "li.wei"]])
    (tmp_path / "quote.csv").write_text(
        '客户名称,跟进人\n甲公司,li.wei\n"乙公司,li.wei\n丙公司,li.wei\n', encoding="utf-8"
    )
    (tmp_path / "more.csv").write_text("客户名称,跟进人\n甲公司,li.wei,x\n", encoding="utf-8")
    (tmp_path / "fewer.csv").write_text("客户名称,跟进人,联系方式\n甲公司,li.wei\n", encoding="utf-8")
    (tmp_path / "zero.csv").write_bytes(b"")
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "mixed.csv").write_bytes("客户名称,跟进人\n甲公司,li.wei\n".encode() + "乙公司,li.wei\n".encode("gbk"))
    (tmp_path / "long.csv").write_text("客户名称,跟进人\n" + "甲" * 40_000 + ",li.wei\n", encoding="utf-8")
    for name in (
        "trunc.xlsx",
        "csv.xlsx",
        "quote.csv",
        "more.csv",
        "fewer.csv",
        "zero.csv",
        "dir.csv",
        "mixed.csv",
        "long.csv",
        "missing.csv",
    ):
        code, _, err = crm(repo, "import", tmp_path / name, "--owner", "li.wei")
        assert code == 2 and name in err, (name, err)
    assert records(repo) == {}


def test_held_a_sheet_with_only_a_header_is_nothing_to_do(repo, tmp_path):
    source = write_xlsx(tmp_path / "h.xlsx", [GUIDE_HEADERS])
    code, out, _ = crm(repo, "import", source)
    assert code == 0 and "created 0, updated 0, unchanged 0, rejected 0" in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file without read permission")
def test_held_an_unreadable_file_exits_2(repo, tmp_path):
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人"], ["甲公司", "li.wei"]])
    source.chmod(0)
    code, _, err = crm(repo, "import", source)
    assert code == 2 and "s.csv" in err
