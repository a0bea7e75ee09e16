"""crm import: real XLSX and CSV files, the field guides' layouts, matching, rejects, idempotence."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from .conftest import make_repo
from .sheetkit import GUIDE_HEADERS as LEDGER_HEADERS
from .sheetkit import records, write_csv
from .test_history import _crm

DATA = Path(__file__).parent / "data"


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo")


def test_the_field_guides_ledger_xlsx_imports_and_reimports_as_nothing(repo):
    code, out, err = _crm(repo.root, "import", str(DATA / "field-guide-ledger.xlsx"), "--today", "2024-06-01")
    assert code == 0, err
    assert "客户信息表" in out and "created 3, updated 0, unchanged 0, rejected 0" in out
    made = records(repo)
    assert list(made) == ["C20240501001", "C20240501002", "C20240501003"]
    b = made["C20240501002"]
    assert "industry: wholesale_retail\n" in b and "source: referral\n" in b and "cooperation: active\n" in b
    assert "  - date: 2024-05-08\n" in b  # an Excel serial number
    assert "  - {name: 李总, phone: '1395678'}\n" in b and "tags: [价格敏感]\n" in b
    assert "  - date: 2024-04-15\n" in made["C20240501003"]  # 2024.4.15
    assert "tags: [高意向, 技术型]\n" in made["C20240501001"] and "phone: '13812345678'" in made["C20240501001"]
    assert _crm(repo.root, "validate")[0] == 0 and _crm(repo.root, "fmt", "--check")[0] == 0
    code, out, _ = _crm(repo.root, "import", str(DATA / "field-guide-ledger.xlsx"), "--today", "2024-06-02")
    assert "created 0, updated 0, unchanged 3, rejected 0" in out and records(repo) == made


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_and_without_bom_and_in_gbk(repo, tmp_path, encoding):
    source = write_csv(
        tmp_path / "sheet.csv",
        [
            LEDGER_HEADERS,
            [
                "",
                "Ｄ贸易有限公司",
                "孙经理",
                "139 0000 2222",
                "批发和零售业",
                "exhibition",
                "稳定供货",
                "2024年5月20日",
                "li.wei",
                "展会上交换名片",
                "not started",
                "新客户",
            ],
        ],
        encoding,
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 0, err
    text = records(repo)["C20240601001"]
    assert "name: D贸易有限公司\n" in text and "source: exhibition\n" in text and "cooperation: not_started\n" in text
    assert "phone: '13900002222'" in text and "  - date: 2024-05-20\n" in text


def test_matching_updates_by_phone_and_refuses_ambiguity_and_duplicates(repo, tmp_path):
    repo.good("C20240501001", "A科技有限公司")
    repo.good("C20240501002", "Z咨询有限公司", **{"13812345678": "13900009999"})
    repo.good("C20240501003", "Y咨询有限公司", **{"13812345678": "13900009999"})
    before = records(repo)
    source = write_csv(
        tmp_path / "sheet.csv",
        [
            LEDGER_HEADERS + ["微信"],
            [
                "",
                "A 科技",
                "张经理",
                "138-1234-5678",
                "软件",
                "online ads",
                "",
                "2024-06-01",
                "li.wei",
                "电话回访",
                "合作中",
                "",
                "zhang_wx",
            ],
            ["", "新公司", "某人", "13900009999", "软件", "online ads", "", "", "li.wei", "", "未合作", "", ""],
            ["", "另一公司", "张经理", "13812345678", "软件", "online ads", "", "", "li.wei", "", "未合作", "", ""],
            ["", "火星公司", "", "", "火星业", "online ads", "", "", "li.wei", "", "未合作", "", ""],
        ],
    )
    code, out, err = _crm(
        repo.root,
        "import",
        str(source),
        "--mapping",
        str(Path(__file__).parents[1] / "tooling/plaincrm/write/importing/mappings/field_guide_ledger.yaml"),
        "--today",
        "2024-06-02",
    )
    assert code == 1
    assert "columns the mapping does not know (their values were added to the notes): 微信" in out
    assert "created 0, updated 1, unchanged 0, rejected 3" in out
    a = records(repo)["C20240501001"]
    assert "cooperation: active\n" in a and "summary: 电话回访\n" in a and "notes: '微信: zhang_wx'\n" in a
    assert "category: potential\n" in a  # the mapping's default (new) is for new records, not a change to this one
    assert "name: A科技有限公司\n" in a  # the same name spelt shorter does not replace the full one
    assert (
        records(repo)["C20240501002"] == before["C20240501002"]
        and records(repo)["C20240501003"] == before["C20240501003"]
    )
    with (tmp_path / "sheet.rejects.csv").open(encoding="utf-8-sig") as handle:
        rejects = list(csv.reader(handle))
    assert rejects[0][:3] == ["row", "reason", "客户编号"]
    reasons = {row[0]: row[1] for row in rejects[1:]}
    assert reasons["3"] == "matches C20240501002, C20240501003 by phone: ambiguous, not merged (crm dupes)"
    assert reasons["4"] == "duplicate of row 2 in this file (both are C20240501001)"
    assert reasons["5"].startswith("所属行业: '火星业' is not a known industry; one of")
    assert rejects[1][2:6] == ["", "新公司", "某人", "13900009999"]  # the row as it was, to fix and import again


def test_modes_dry_run_and_the_english_mapping(repo, tmp_path):
    repo.good("C20240501001", "A科技有限公司")
    source = write_csv(
        tmp_path / "export.csv",
        [
            [
                "Account Name",
                "Type",
                "Industry",
                "Lead Source",
                "Status",
                "Account Owner",
                "Contact Name",
                "Email",
                "Company",
            ],
            [
                "A科技有限公司",
                "Business",
                "Information, software and IT services",
                "Web",
                "Customer",
                "li.wei",
                "Zhang",
                "zhang@example.com",
                "",
            ],
            [
                "Hoffmann GmbH",
                "Business",
                "Manufacturing",
                "Trade Show",
                "Prospect",
                "emma.hu",
                "Jonas Hoffmann",
                "j@hoffmann.de",
                "Hoffmann Holding",
            ],
        ],
    )
    before = records(repo)
    code, out, _ = _crm(repo.root, "import", str(source), "--dry-run", "--today", "2024-06-01")
    assert code == 0 and "English CRM export" in out and "would be created 1, would be updated 1" in out
    assert records(repo) == before and not (tmp_path / "export.rejects.csv").exists()
    code, out, _ = _crm(repo.root, "import", str(source), "--mode", "create", "--today", "2024-06-01")
    assert "created 1, updated 0, unchanged 0, rejected 1" in out
    assert records(repo)["C20240501001"] == before["C20240501001"]
    assert (
        "name: Hoffmann GmbH\n" in records(repo)["C20240601001"]
        and "source: exhibition\n" in records(repo)["C20240601001"]
    )
    assert "notes: 'Company: Hoffmann Holding'\n" in records(repo)["C20240601001"]  # a second name column is kept
    code, out, _ = _crm(repo.root, "import", str(source), "--mode", "update", "--today", "2024-06-01")
    assert "created 0, updated 1, unchanged 1, rejected 0" in out
    assert "cooperation: active\n" in records(repo)["C20240501001"]


def test_the_register_layout_people_and_companies(repo, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(
        [
            "客户ID",
            "姓名",
            "公司名称",
            "客户来源",
            "购买历史",
            "满意度评分",
            "关键需求",
            "互动记录",
            "状态",
            "备注",
            "跟进人",
        ]
    )
    book.active.append(
        [
            "",
            "王先生",
            "",
            "转介绍",
            "累计 12000 元",
            4,
            "偏好高效便捷服务",
            "2023-10-20 电话 询问新品上线时间",
            "活跃",
            "可推荐高端套餐",
            "li.wei",
        ]
    )
    book.active.append(
        ["", "刘女士", "博远科技有限公司", "展会", "", "5", "关注售后响应速度", "", "风险预警", "", "li.wei"]
    )
    book.save(tmp_path / "register.xlsx")
    code, out, err = _crm(repo.root, "import", str(tmp_path / "register.xlsx"), "--today", "2024-06-01")
    assert code == 0, err
    person, company = records(repo).values()
    assert "kind: individual\n" in person and "name: 王先生\n" in person and "satisfaction: 4\n" in person
    assert "购买历史: 累计 12000 元" in person and "互动记录: 2023-10-20 电话 询问新品上线时间" in person
    assert "kind: company\n" in company and "name: 博远科技有限公司\n" in company and "  - {name: 刘女士}\n" in company
    assert "tags: [风险预警]\n" in company and "satisfaction: 5\n" in company


def test_a_mapping_that_names_no_field_is_refused(repo, tmp_path):
    (tmp_path / "map.yaml").write_text("columns: {客户名称: name, 电话: contact.fone}\n", encoding="utf-8")
    source = write_csv(tmp_path / "s.csv", [["客户名称", "电话"], ["A公司", "1"]])
    code, _, err = _crm(repo.root, "import", str(source), "--mapping", str(tmp_path / "map.yaml"), "--owner", "li.wei")
    assert code == 2 and "'contact.fone' is not a field of a customer" in err and records(repo) == {}


def test_two_new_rows_for_one_customer_are_one_too_many(repo, tmp_path):
    source = write_csv(
        tmp_path / "s.csv",
        [
            LEDGER_HEADERS,
            ["", "E物流有限公司", "周经理", "13600001111", "物流", "展会", "", "", "li.wei", "", "未合作", ""],
            ["", "E 物流", "周经理", "", "物流", "展会", "", "", "li.wei", "", "未合作", ""],
            ["C20240601009", "F物流有限公司", "", "", "物流", "展会", "", "", "li.wei", "", "未合作", ""],
            ["C20240601010", "F物流有限公司", "", "", "物流", "展会", "", "", "li.wei", "", "未合作", ""],
        ],
    )
    code, out, _ = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert "created 2, updated 0, unchanged 0, rejected 2" in out
    rejects = (tmp_path / "s.rejects.csv").read_text(encoding="utf-8-sig")
    assert (
        "duplicate of row 2 in this file (same name)" in rejects
        and "duplicate of row 4 in this file (same name)" in rejects
    )


def test_progress_is_reported_on_large_files(repo, tmp_path):
    from plaincrm.write.importing.apply import run_import

    rows = [LEDGER_HEADERS] + [
        ["", f"客户{i}有限公司", "", f"(010) 8888 {i:04d}", "物流", "展会", "", "", "li.wei", "", "未合作", ""]
        for i in range(320)
    ]
    seen = []
    outcome = run_import(
        repo.project, write_csv(tmp_path / "big.csv", rows), dry_run=True, progress=lambda d, t: seen.append((d, t))
    )
    assert len(outcome.created) == 320 and seen[-1] == (320, 320) and len(seen) > 1
    assert records(repo) == {}  # a dry run
