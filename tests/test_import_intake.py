"""crm import with what teams really have: the field guides' own example rows, the register and the
CRM tables, other CRMs' exports, plaincrm's own exports, .xls and .ods, and hostile files.
Each ends in the expected records or a complete reject report, and importing twice changes nothing."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from .conftest import make_repo
from .sheetkit import GUIDE_HEADERS, data, records, write_csv, write_xlsx
from .test_history import _crm

# The guides' example rows as the guides write them: roles for people, a category in the status column.
GUIDE_ROWS = [
    [
        "C20240501001",
        "A科技有限公司",
        "张经理",
        "13812345678",
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
        "展会推荐",
        "提升生产设备自动化率",
        "2024.4.15",
        "*主管",
        "客户预算有限,暂缓合作",
        "暂停合作",
        "预算不足",
    ],
]


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo")


def rejects(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig") as handle:
        return {row[0]: row[1] for row in list(csv.reader(handle))[1:]}


# --- the guides' own sheet: plan, draft, import ------------------------------------------------------


def test_the_guides_rows_as_written_are_planned_then_imported_after_one_edit(repo, tmp_path):
    source = write_xlsx(tmp_path / "客户信息表.xlsx", [GUIDE_HEADERS, *GUIDE_ROWS])
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 1 and records(repo) == {}  # no owner anyone knows: rejected, nothing guessed
    assert "crm import --plan" in err

    code, out, err = _crm(repo.root, "import", str(source), "--plan")
    assert code == 0, err
    draft_path = tmp_path / "客户信息表.mapping.yaml"
    draft = draft_path.read_text(encoding="utf-8")
    assert records(repo) == {}  # a plan writes nothing but the draft
    assert "reviewed: false" in draft and "逐条检查" in draft  # the sheet is Chinese: so is the draft
    mapping = yaml.safe_load(draft)
    owners = mapping["aliases"]["owner"]
    assert owners["销售经理王"] == "wang.fang"  # role word 销售 + surname 王 → 王芳, a salesperson
    assert owners["*主管"] == "chen.jie"  # the team's only 主管
    assert owners["客户经理赵"] is None  # nobody fits: left for the user
    assert re.search(r'"客户经理赵": ~ +# 待定 \(1 行: 3\)', draft)
    assert "销售经理王" in out and "wang.fang" in out

    code, _, err = _crm(repo.root, "import", str(source), "--mapping", str(draft_path))
    assert code == 2 and "reviewed: true" in err and records(repo) == {}  # a draft nobody checked is refused

    edited = draft.replace("reviewed: false", "reviewed: true").replace('"客户经理赵": ~', '"客户经理赵": "li.wei"')
    draft_path.write_text(edited, encoding="utf-8")
    code, out, err = _crm(repo.root, "import", str(source), "--mapping", str(draft_path), "--today", "2024-06-01")
    assert code == 0, err + out
    assert "created 3, updated 0, unchanged 0, rejected 0" in out
    a, b, c = (data(repo, f"C2024050100{i}") for i in (1, 2, 3))
    assert (a["owner"], b["owner"], c["owner"]) == ("wang.fang", "li.wei", "chen.jie")
    assert a["category"] == "potential" and a["cooperation"] == "not_started"  # 潜在客户 is a category
    assert (
        c["source"] == "exhibition"
        and c["cooperation"] == "paused"
        and b["interactions"][0]["date"].isoformat() == "2024-05-08"
    )
    assert _crm(repo.root, "validate")[0] == 0 and _crm(repo.root, "fmt", "--check")[0] == 0
    before = records(repo)
    code, out, _ = _crm(repo.root, "import", str(source), "--mapping", str(draft_path), "--today", "2024-06-02")
    assert code == 0 and "created 0, updated 0, unchanged 3, rejected 0" in out and records(repo) == before


def test_with_owner_an_unknown_owner_falls_back_and_the_text_is_kept(repo, tmp_path):
    source = write_xlsx(tmp_path / "sheet.xlsx", [GUIDE_HEADERS, *GUIDE_ROWS])
    code, out, err = _crm(repo.root, "import", str(source), "--owner", "li.wei", "--today", "2024-06-01")
    assert code == 0, err + out
    assert "created 3" in out and "--owner li.wei stands in" in out
    a = data(repo, "C20240501001")
    assert a["owner"] == "li.wei" and "跟进人: 销售经理王" in a["notes"]  # a suggestion is not a decision
    assert _crm(repo.root, "import", str(source), "--owner", "nobody")[0] == 2


# --- legacy ids, the register, the CRM table, the detail ledger ------------------------------------


def test_the_register_with_legacy_ids_keeps_them_and_matches_them_again(repo, tmp_path):
    headers = [
        "客户ID",
        "客户类型",
        "客户名称",
        "联系方式",
        "所在城市",
        "职业/行业",
        "企业规模",
        "需求与偏好",
        "互动记录",
        "满意度评分",
        "维护状态",
        "维护人",
        "备注",
    ]
    rows = [
        [
            "A001",
            "个人客户",
            "*先生",
            "138****5678",
            "杭州",
            "互联网, 中层管理",
            "",
            "偏好高效便捷服务",
            "2023-10-20 电话 询问新品上线时间",
            4,
            "活跃",
            "li.wei",
            "可推荐高端套餐",
        ],
        [
            "B002",
            "企业客户",
            "*科技有限公司",
            "010-8888 8888",
            "北京",
            "智能制造",
            "100-500人",
            "关注售后响应速度",
            "2023-10-18 上门拜访 投诉物流配送延迟",
            2,
            "风险预警",
            "zhang.min",
            "需跟进满意度回访",
        ],
        [
            "C003",
            "个人客户",
            "*女士",
            "139****3456",
            "上海",
            "教育, 自由职业",
            "",
            "需要行业解决方案",
            "2023-10-22 邮件 索取产品案例集",
            3,
            "潜在",
            "wang.fang",
            "下月安排产品演示",
        ],
    ]
    source = write_xlsx(tmp_path / "登记表.xlsx", [headers, *rows])
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 0, err + out
    assert "客户关系维护登记表" in out and "created 3" in out
    assert "3 ids from another system kept as external ids" in out and "A001 → C20240601001" in out
    person, company, other = (data(repo, f"C2024060100{i}") for i in (1, 2, 3))
    assert (
        person["kind"] == "individual"
        and person["external_ids"] == ["A001"]
        and person["occupation"] == "互联网, 中层管理"
    )
    assert "活跃" in person["tags"] and person["satisfaction"] == 4 and person["contacts"][0]["phone"] == "138****5678"
    assert company["kind"] == "company" and company["size"] == {"employees": "from_100_to_500"}
    assert "职业/行业: 智能制造" in company["notes"]  # a company has no occupation: kept, not dropped
    assert "风险预警" in company["tags"] and other["category"] == "potential"
    before = records(repo)
    code, out, _ = _crm(repo.root, "import", str(source), "--today", "2024-06-09")
    assert "created 0, updated 0, unchanged 3" in out and records(repo) == before  # matched by A001, B002, C003


def test_the_crm_table_keeps_the_customer_type_and_the_detail_ledger_its_contract(repo, tmp_path):
    source = write_csv(
        tmp_path / "crm.csv",
        [
            [
                "客户编号",
                "客户名称",
                "客户类型",
                "联系人",
                "联系电话",
                "所属行业",
                "客户来源",
                "跟进人",
                "跟进状态",
                "最近跟进时间",
            ],
            [
                "C001",
                "A科技有限公司",
                "潜在客户",
                "张经理",
                "13812345678",
                "IT服务",
                "线上推广",
                "li.wei",
                "跟进中",
                "2024-05-10",
            ],
            [
                "C002",
                "王先生",
                "个人客户",
                "王先生",
                "13900001111",
                "教育",
                "转介绍",
                "wang.fang",
                "已成交",
                "2024-05-12",
            ],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 0, err + out
    a, w = data(repo, "C20240601001"), data(repo, "C20240601002")
    assert a["category"] == "potential" and "跟进中" in a["tags"] and a["external_ids"] == ["C001"]
    assert w["kind"] == "individual" and w["cooperation"] == "active" and "已成交" in w["tags"]
    ledger = write_csv(
        tmp_path / "台账.csv",
        [
            [
                "客户编号",
                "客户名称",
                "联系人",
                "职务",
                "联系电话",
                "合作产品/服务名称",
                "合同金额",
                "首次合作时间",
                "最近合作时间",
                "跟进人",
            ],
            [
                "C001",
                "A科技有限公司",
                "张经理",
                "技术总监",
                "13812345678",
                "服务器运维服务",
                "120000",
                "2023-08-15",
                "2024-05-20",
                "li.wei",
            ],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(ledger), "--today", "2024-06-01")
    assert code == 0 and "updated 1" in out, err + out
    a = data(repo, "C20240601001")
    assert a["orders"][0]["item"] == "服务器运维服务" and float(a["orders"][0]["amount"]) == 120000
    assert {"kind": "contract_signed", "date": a["key_dates"][-1]["date"]} == a["key_dates"][-1]


# --- other CRMs --------------------------------------------------------------------------------------


def test_a_hubspot_export_with_display_names_and_datetimes(repo, tmp_path):
    source = write_csv(
        tmp_path / "hubspot-contacts.csv",
        [
            [
                "Record ID",
                "First Name",
                "Last Name",
                "Company Name",
                "Email",
                "Phone Number",
                "Contact owner",
                "Create Date",
                "Last Activity Date",
                "Lifecycle Stage",
                "Lead Status",
            ],
            [
                "1201",
                "Jonas",
                "Hoffmann",
                "Hoffmann GmbH",
                "J.Hoffmann@Hoffmann.de",
                "+49 30 1234567",
                "Emma Hu",
                "2024-05-20 16:40",
                "2024-05-28 09:05",
                "Lead",
                "In Progress",
            ],
            [
                "1202",
                "Ana",
                "Silva",
                "",
                "ana@example.com",
                "+1 415 555 0100",
                "李伟",
                "2024-05-21 10:00",
                "",
                "Customer",
                "",
            ],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 0, err + out
    assert "HubSpot" in out and "created 2, updated 0, unchanged 0, rejected 0" in out
    h, a = data(repo, "C20240601001"), data(repo, "C20240601002")
    assert h["name"] == "Hoffmann GmbH" and h["owner"] == "emma.hu" and h["contacts"][0]["name"] == "Jonas Hoffmann"
    assert h["external_ids"] == ["HubSpot:1201"] and h["category"] == "potential" and h["tags"] == ["In Progress"]
    assert [str(k["date"]) for k in h["key_dates"]] == ["2024-05-20"] and str(
        h["interactions"][0]["date"]
    ) == "2024-05-28"
    assert (
        a["kind"] == "individual"
        and a["name"] == "Ana Silva"
        and a["owner"] == "li.wei"
        and a["cooperation"] == "active"
    )
    before = records(repo)
    code, out, _ = _crm(repo.root, "import", str(source), "--today", "2024-06-02")
    assert "unchanged 2" in out and records(repo) == before


def test_salesforce_dates_are_month_first(repo, tmp_path):
    source = write_csv(
        tmp_path / "sf.csv",
        [
            [
                "Contact ID",
                "First Name",
                "Last Name",
                "Account Name",
                "Email",
                "Lead Source",
                "Contact Owner",
                "Created Date",
            ],
            [
                "0035g00000AbCdE",
                "Mei",
                "Lin",
                "Lin Trading Ltd",
                "mei@lin.example",
                "Trade Show",
                "Emma Hu",
                "5/20/2024",
            ],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 0, err + out
    record = data(repo, "C20240601001")
    assert str(record["key_dates"][0]["date"]) == "2024-05-20" and record["source"] == "exhibition"


# --- plaincrm's own exports ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_back_changes_nothing(repo, tmp_path, lang, fmt):
    repo.good("C20240501001", "A科技有限公司")
    repo.good(
        "C20240501002",
        '=HYPERLINK("x")',
        **{
            "13812345678": "13900009999",
            "zhang@": "li@",
            "tags: [高意向]": "tags: [高意向, 技术型]\nsize: {employees: from_50_to_100}",
        },
    )
    before = records(repo)
    target = tmp_path / f"export.{fmt}"
    code, _, err = _crm(
        repo.root, "export", "--format", fmt, "--lang", lang, "--out", str(target), "--today", "2024-06-01"
    )
    assert code == 0, err
    code, out, err = _crm(repo.root, "import", str(target), "--today", "2024-06-01")
    assert code == 0, err + out
    assert f"plaincrm export ({lang})" in out and "created 0, updated 0, unchanged 2, rejected 0" in out
    assert "columns the mapping does not know" not in out and records(repo) == before


# --- matching ---------------------------------------------------------------------------------------------


def test_a_short_name_inside_a_longer_one_is_another_customer(repo, tmp_path):
    repo.good("C20240501001", "Saturn Co., Ltd")
    before = records(repo)
    source = write_csv(
        tmp_path / "s.csv",
        [
            ["Account Name", "Account Owner", "City", "Notes"],
            ["Turn Ltd", "emma.hu", "Berlin", "new lead"],
            ["Vi Corp", "emma.hu", "Paris", ""],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 0, err + out
    assert "created 2, updated 0" in out and records(repo)["C20240501001"] == before["C20240501001"]


def test_phones_match_as_numbers_not_as_their_last_digits(repo, tmp_path):
    repo.good("C20240501001", "A科技有限公司", **{"13812345678": "+86 10 8888 8888"})
    repo.good("C20240501002", "B咨询有限公司", **{"13812345678": "+1 415 555 0100", "zhang@": "b@"})
    source = write_csv(
        tmp_path / "s.csv",
        [
            GUIDE_HEADERS,
            [
                "",
                "甲公司",
                "张经理",
                "010-8888 8888",
                "软件",
                "线上推广",
                "",
                "2024-06-01",
                "li.wei",
                "电话回访",
                "合作中",
                "",
            ],
            ["", "乙公司", "Mr Li", "+44 1415 555 0100", "软件", "线上推广", "", "", "li.wei", "", "未合作", ""],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-02")
    assert code == 0, err + out
    assert "created 1, updated 1" in out
    assert "summary: 电话回访" in records(repo)["C20240501001"] and "乙公司" not in records(repo)["C20240501002"]


def test_a_merged_record_is_followed_to_the_one_it_went_into(repo, tmp_path):
    repo.good("C20240501001", "A科技有限公司", **{"13812345678": "13700000000", "zhang@": "a@"})
    repo.good("C20240501002", "A科技", **{"owner: li.wei\n": "owner: li.wei\nmerged_into: C20240501001\n"})
    source = write_csv(
        tmp_path / "s.csv",
        [
            GUIDE_HEADERS,
            [
                "",
                "甲",
                "张经理",
                "13812345678",
                "软件",
                "线上推广",
                "",
                "2024-06-01",
                "li.wei",
                "电话回访",
                "合作中",
                "",
            ],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-02")
    assert code == 0, err + out
    assert "updated 1" in out and "summary: 电话回访" in records(repo)["C20240501001"]
    assert "电话回访" not in records(repo)["C20240501002"]


# --- never leak, never lose -----------------------------------------------------------------------------


def test_numbers_in_unknown_columns_are_masked_and_forbidden_ones_reject_the_row(repo, tmp_path):
    source = write_csv(
        tmp_path / "s.csv",
        [
            GUIDE_HEADERS + ["备用电话", "身份证"],
            [
                "",
                "甲公司",
                "张经理",
                "13812345678",
                "软件",
                "线上推广",
                "",
                "",
                "li.wei",
                "",
                "未合作",
                "",
                "手机 13900001111 / a.b@example.com",
                "",
            ],
            [
                "",
                "乙公司",
                "李总",
                "13812340000",
                "软件",
                "线上推广",
                "",
                "",
                "li.wei",
                "",
                "未合作",
                "",
                "",
                "11010519491231002X",
            ],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 1
    text = records(repo)["C20240601001"]
    assert "13900001111" not in text and "139****1111" in text and "a***@example.com" in text
    assert "were masked" in out
    assert "11010519491231002X" not in out + err and "resident ID" in err
    assert list(records(repo)) == ["C20240601001"]
    code, out, _ = _crm(repo.root, "show", "C20240601001")
    assert "13900001111" not in out


def test_an_unclosed_quote_is_an_error_and_nothing_is_written(repo, tmp_path):
    source = tmp_path / "s.csv"
    source.write_text(
        "客户名称,联系人,联系方式,跟进人,合作状态\n"
        'A科技有限公司,"张经理,13812345678,li.wei,合作中\n'
        "B商贸公司,李总,13900002222,li.wei,合作中\n"
        "C制造厂,王主任,13700003333,li.wei,暂停合作\n",
        encoding="utf-8",
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 2 and "line 2" in err and records(repo) == {}


def test_a_hostile_mapping_is_refused_with_its_line(repo, tmp_path):
    source = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人"], ["A公司", "li.wei"]])
    bad = {
        "tag.yaml": "columns: !!python/object/apply:os.system [echo hi]\n",
        "bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ncolumns: {客户名称: name}\n",
        "shape.yaml": "columns:\n  客户名称: name\n  跟进人: [owner]\n",
        "field.yaml": "columns:\n  客户名称: name\n  跟进人: owners\n",
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        code, _, err = _crm(repo.root, "import", str(source), "--mapping", str(tmp_path / name))
        assert code == 2 and "Traceback" not in err and (name in err or "owners" in err), (name, err)
        assert records(repo) == {}
    assert ":3:" in _crm(repo.root, "import", str(source), "--mapping", str(tmp_path / "shape.yaml"))[2]


def test_xls_and_ods_from_wps_and_old_excel(repo, tmp_path):
    import xlwt
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    rows = [
        GUIDE_HEADERS,
        [
            "",
            "D贸易有限公司",
            "孙经理",
            "13900002222",
            "批发和零售业",
            "展会",
            "稳定供货",
            "2024-05-20",
            "li.wei",
            "展会上交换名片",
            "未合作",
            "新客户",
        ],
    ]
    book = xlwt.Workbook()
    sheet = book.add_sheet("客户")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(tmp_path / "old.xls"))
    doc = OpenDocumentSpreadsheet()
    table = Table(name="客户")
    for row in rows:
        tr = TableRow()
        for value in row:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(tmp_path / "wps.ods"))
    code, out, err = _crm(repo.root, "import", str(tmp_path / "old.xls"), "--today", "2024-06-01")
    assert code == 0 and "created 1" in out, err + out
    code, out, err = _crm(repo.root, "import", str(tmp_path / "wps.ods"), "--today", "2024-06-01")
    assert code == 0 and "unchanged 1" in out, err + out  # the same customer again: matched by phone and name


def test_a_dimension_bomb_is_refused_quickly(repo, tmp_path):
    import zipfile

    plain = write_xlsx(tmp_path / "plain.xlsx", [GUIDE_HEADERS, GUIDE_ROWS[0]])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb"<dimension ref=\"[^\"]+\"/>", b'<dimension ref="A1:XFD1048576"/>', body)
                body = body.replace(
                    b"</sheetData>",
                    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
                )
            out.writestr(item, body)
    code, _, err = _crm(repo.root, "import", str(bomb), "--owner", "li.wei")
    assert code == 2 and "bomb.xlsx" in err and records(repo) == {}


# --- no input makes it crash ---------------------------------------------------------------------------------


def test_arbitrary_cells_never_crash_the_import(repo, tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    cell = st.one_of(
        st.text(max_size=30),
        st.sampled_from(
            [
                "2024/5/8",
                "潜在客户",
                "销售经理王",
                "13812345678",
                "=1+1",
                "'=x",
                "a@b.c",
                "11010519491231002X",
                "~",
                "null",
            ]
        ),
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.lists(st.lists(cell, min_size=len(GUIDE_HEADERS), max_size=len(GUIDE_HEADERS)), min_size=1, max_size=4))
    def run(rows):
        source = write_csv(tmp_path / "fuzz.csv", [GUIDE_HEADERS, *rows])
        for args in (["--plan"], ["--dry-run", "--owner", "li.wei"]):
            code, out, err = _crm(repo.root, "import", str(source), *args, "--today", "2024-06-01")
            assert code in (0, 1, 2) and "Traceback" not in err, err
            assert "11010519491231002X" not in out + err

    run()


def test_a_second_phone_column_is_a_second_number_not_a_masked_note(repo, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns: {客户名称: name, 联系人: contact.name, 联系方式: contact.phone, 备用手机: contact.phone, 跟进人: owner}\n",
        encoding="utf-8",
    )
    source = write_csv(
        tmp_path / "s.csv",
        [
            ["客户名称", "联系人", "联系方式", "备用手机", "跟进人"],
            ["甲公司", "张经理", "13812345678", "13900001111", "li.wei"],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--mapping", str(mapping), "--today", "2024-06-01")
    assert code == 0, err + out
    contacts = data(repo, "C20240601001")["contacts"]
    assert contacts == [{"name": "张经理", "phone": "13812345678"}, {"name": "张经理", "phone": "13900001111"}]
    assert (
        "unchanged 1" in _crm(repo.root, "import", str(source), "--mapping", str(mapping), "--today", "2024-06-01")[1]
    )


def test_a_header_that_is_one_fields_label_is_read_as_that_field(repo, tmp_path):
    source = write_csv(
        tmp_path / "s.csv",
        [
            GUIDE_HEADERS + ["所在城市", "日期"],
            [
                "",
                "甲公司",
                "张经理",
                "13812345678",
                "软件",
                "线上推广",
                "",
                "",
                "li.wei",
                "",
                "未合作",
                "",
                "杭州",
                "2024-05-01",
            ],
        ],
    )
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 0, err + out
    assert "columns read as the one field their header names: 所在城市 → city" in out
    record = data(repo, "C20240601001")
    assert (
        record["city"] == "杭州" and "日期: 2024-05-01" in record["notes"]
    )  # 日期 names several fields: kept, reported
    assert "columns the mapping does not know (their values were added to the notes): 日期" in out


def test_a_sheet_no_mapping_knows_gets_a_draft_from_its_headers_and_values(repo, tmp_path):
    source = tmp_path / "de.csv"
    source.write_text(
        "Kundenname,Telefon,E-Mail,Betreuer,Notiz\nMüller GmbH,+49 30 1234567,info@mueller.de,Emma Hu,wichtig\n",
        encoding="utf-8",
    )
    assert _crm(repo.root, "import", str(source))[0] == 2  # no shipped mapping fits: nothing guessed
    code, out, _ = _crm(repo.root, "import", str(source), "--plan")
    assert code == 0 and "no shipped mapping" in out
    draft = yaml.safe_load((tmp_path / "de.mapping.yaml").read_text(encoding="utf-8"))
    assert draft["reviewed"] is False and "based_on" not in draft
    assert draft["columns"] == {
        "Kundenname": "name",
        "Telefon": "contact.phone",
        "E-Mail": "contact.email",
        "Betreuer": "owner",
        "Notiz": "notes+",
    }
    nameless = tmp_path / "x.csv"
    nameless.write_text("Telefon,Notiz\n13812345678,x\n", encoding="utf-8")
    _, out, _ = _crm(repo.root, "import", str(nameless), "--plan")
    assert "no column gives the customer's name" in out and "no column gives the owner" in out


def test_a_pipe_or_a_device_is_refused_not_waited_for(repo, tmp_path):
    import os

    os.mkfifo(tmp_path / "sheet.csv")
    os.mkfifo(tmp_path / "mapping.yaml")
    sheet = write_csv(tmp_path / "s.csv", [["客户名称", "跟进人"], ["甲公司", "li.wei"]])
    for args in (
        [str(tmp_path / "sheet.csv")],
        ["/dev/zero"],
        [str(sheet), "--mapping", str(tmp_path / "mapping.yaml")],
    ):
        code, _, err = _crm(repo.root, "import", *args)
        assert code == 2 and ("not a file" in err or "named pipe" in err), err
    assert records(repo) == {}
