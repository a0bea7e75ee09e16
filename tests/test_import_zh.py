"""crm import in Chinese (issue 14): with --lang zh or PLAINCRM_LANG=zh the summary, each rejected row's
reason and the reject file say it in the field guides' words; without either, the English is unchanged."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.project import Project
from plaincrm.write.importing.mapping import Mapping
from plaincrm.write.importing.values import RowError, Values

from .conftest import make_repo
from .sheetkit import GUIDE_HEADERS, records, write_csv
from .test_history import _crm


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo")


def _row(name: str, phone: str, owner: str) -> list[str]:
    cells = dict.fromkeys(GUIDE_HEADERS, "")
    cells.update({"客户名称": name, "联系方式": phone, "所属行业": "软件", "客户来源": "online ads"})
    cells.update({"跟进人": owner, "合作状态": "未合作"})
    return [cells[h] for h in GUIDE_HEADERS]


def _sheet(tmp_path: Path) -> Path:
    """One good row, then a row without a name, an unknown owner, and the good row again."""
    return write_csv(
        tmp_path / "客户信息表.csv",
        [
            GUIDE_HEADERS,
            _row("甲贸易有限公司", "13900001111", "li.wei"),
            _row("", "13900002222", "li.wei"),
            _row("丙科技有限公司", "13900003333", "王五"),
            _row("甲贸易有限公司", "13900001111", "li.wei"),
        ],
    )


def _rejects(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


ZH_REASONS = {
    "3": "没有客户名称（新客户必须填写）",
    "5": "与本文件第 2 行重复（联系电话相同）",
}


def _check_chinese(code: int, out: str, err: str, rejects: list[list[str]]) -> None:
    assert code == 1
    assert "crm import：客户信息表.csv，使用映射" in out
    assert "  新建 1，更新 0，未变 0，拒绝 3" in out
    assert "  被拒绝的行及原因已写入" in out
    assert "  第 3 行：没有客户名称（新客户必须填写）" in err
    assert "  第 4 行：跟进人：'王五' 不是团队中的跟进人；可选：" in err
    assert "  第 5 行：与本文件第 2 行重复（联系电话相同）" in err
    assert rejects[0][:3] == ["行号", "原因", "客户编号"]
    reasons = {row[0]: row[1] for row in rejects[1:]}
    assert {k: reasons[k] for k in ZH_REASONS} == ZH_REASONS
    assert reasons["4"].startswith("跟进人：'王五' 不是团队中的跟进人；可选：")
    assert "created" not in out + err and "rejected" not in out + err and "duplicate" not in err


def test_import_with_lang_zh_says_the_summary_and_every_reason_in_chinese(repo, tmp_path):
    source = _sheet(tmp_path)
    code, out, err = _crm(repo.root, "import", str(source), "--lang", "zh", "--today", "2024-06-01")
    _check_chinese(code, out, err, _rejects(tmp_path / "客户信息表.rejects.csv"))
    assert "C20240601001" in records(repo)


def test_plaincrm_lang_zh_says_it_in_chinese_too(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("PLAINCRM_LANG", "zh")
    source = _sheet(tmp_path)
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    _check_chinese(code, out, err, _rejects(tmp_path / "客户信息表.rejects.csv"))


def test_without_a_language_the_import_stays_english(repo, tmp_path, monkeypatch):
    monkeypatch.delenv("PLAINCRM_LANG", raising=False)
    source = _sheet(tmp_path)
    code, out, err = _crm(repo.root, "import", str(source), "--today", "2024-06-01")
    assert code == 1 and "  created 1, updated 0, unchanged 0, rejected 3" in out
    assert "  row 3: no name (a new customer needs one)" in err
    assert "  row 5: duplicate of row 2 in this file (same phone)" in err
    rejects = _rejects(tmp_path / "客户信息表.rejects.csv")
    assert rejects[0][:2] == ["row", "reason"]
    reasons = {row[0]: row[1] for row in rejects[1:]}
    assert reasons["4"].startswith("跟进人: '王五' is not a known owner; one of ")
    assert not any("没有" in r or "重复" in r for r in reasons.values())


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    """Cells read for a plain repository and an empty mapping (read only: shared by every example)."""
    return Values(Project.find(make_repo(tmp_path_factory.mktemp("repo")).root), Mapping("m", {}), {})


def test_the_english_words_of_an_import_error_are_its_message(values):
    """`str(error)` stays the English sentence callers and earlier tests rely on."""
    with pytest.raises(RowError) as caught:
        values.day("明天", "最近跟进日期")
    assert (
        str(caught.value)
        == caught.value.text("en")
        == ("最近跟进日期: '明天' is not a date (2024-05-10, 2024/5/10, 2024.5.10, 2024年5月10日)")
    )
    assert (
        caught.value.text("zh")
        == "最近跟进日期：'明天' 不是日期（可写作 2024-05-10、2024/5/10、2024.5.10、2024年5月10日）"
    )


@settings(max_examples=150, deadline=None)
@given(cell=st.text(max_size=20))
def test_any_cell_that_is_not_a_date_or_amount_is_refused_in_both_languages(values, cell):
    """Whatever a cell holds, a refusal words it in Chinese and keeps the English as it was."""
    for read in (values.day, values.amount):
        try:
            read(cell, "列")
        except RowError as error:
            assert str(error) == error.text("en") and error.text("en").startswith("列: ")
            zh = error.text("zh")
            assert zh.startswith("列：") and any(w in zh for w in ("不是日期", "不是金额", "既可能是日/月"))


def test_an_ambiguous_match_a_bad_date_and_a_stranger_as_owner_are_said_in_chinese(repo, tmp_path):
    repo.good("C20240501002", "Z咨询有限公司", **{"13812345678": "13900009999"})
    repo.good("C20240501003", "Y咨询有限公司", **{"13812345678": "13900009999"})
    ambiguous = _row("另一公司", "13900009999", "li.wei")  # the phone of two customers
    undated = _row("丁公司", "13900004444", "li.wei")
    undated[GUIDE_HEADERS.index("最近跟进日期")] = "明天"
    source = write_csv(tmp_path / "s.csv", [GUIDE_HEADERS, ambiguous, undated])
    code, _, err = _crm(repo.root, "import", str(source), "--lang", "zh", "--today", "2024-06-01")
    assert code == 1
    assert "  第 2 行：按联系电话同时匹配到 C20240501002, C20240501003：无法确定是哪一个，未合并（见 crm dupes）" in err
    assert "  第 3 行：最近跟进日期：'明天' 不是日期（可写作 2024-05-10、2024/5/10、2024.5.10、2024年5月10日）" in err
    code, _, err = _crm(repo.root, "import", str(source), "--lang", "zh", "--owner", "nobody")
    assert code == 2 and err == "crm import：--owner 'nobody' 不是 records/team.yaml 中的成员账号\n"


def test_the_plan_says_its_frame_and_the_rows_problems_in_chinese(repo, tmp_path):
    undated = _row("丁公司", "13900004444", "li.wei")
    undated[GUIDE_HEADERS.index("最近跟进日期")] = "明天"
    source = write_csv(tmp_path / "s.csv", [GUIDE_HEADERS, _row("甲公司", "13900001111", "王五"), undated])
    code, out, _ = _crm(repo.root, "import", str(source), "--plan", "--lang", "zh")
    assert code == 0
    assert out.startswith("crm import --plan：s.csv，共 2 行，使用映射 ")
    assert "  跟进人 = '王五'（1 行：2）：" in out
    assert "  第 3 行：最近跟进日期：'明天' 不是日期（可写作 2024-05-10、2024/5/10、2024.5.10、2024年5月10日）" in out
    assert "  映射草稿：" in out and "row " not in out and "rows" not in out
    code, out, _ = _crm(repo.root, "import", str(source), "--plan")
    assert "  row 3: 最近跟进日期: '明天' is not a date" in out and "  mapping draft: " in out
