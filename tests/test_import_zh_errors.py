"""`crm import --lang zh` says every refusal in Chinese: the sheet's own (a file it cannot read as a sheet,
`sheets.UnreadableSheet`) and the mapping's (`mapping.CannotImport`), not only a row's reasons; without
--lang zh the English is what it always was, word for word."""

from __future__ import annotations

import ast
import os
import re
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from plaincrm.cli import main
from plaincrm.messages import MESSAGES, Said
from plaincrm.write.importing import apply
from plaincrm.write.importing.mapping import CannotImport, Mapping, check_targets, choose_mapping, read_mapping
from plaincrm.write.importing.sheets import SheetLimits, UnreadableSheet, Worded, read_sheet

from .conftest import make_repo
from .sheetkit import write_xlsx

CJK = re.compile(r"[\u4e00-\u9fff]")
CRM = Path(sys.executable).with_name("crm")
IMPORTING = Path(__file__).resolve().parents[1] / "tooling" / "plaincrm" / "write" / "importing"
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")  # how an .xls starts
UNKNOWN_FIELD = (
    "is not a field of a customer (nor contact.X, interaction.X, order.X, key_date:KIND, person, company, "
    "notes+, ignore)"
)


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo")


def crm(root: Path, *args: object) -> subprocess.CompletedProcess:
    """The installed `crm`, as a user runs it: neither PLAINCRM_LANG nor a terminal."""
    env = {name: value for name, value in os.environ.items() if name != "PLAINCRM_LANG"}
    return subprocess.run(
        [str(CRM), "--root", str(root), *map(str, args)], capture_output=True, text=True, env=env, timeout=300
    )


def _write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


GOOD_CSV = "客户名称,跟进人\n甲贸易有限公司,li.wei\n"


def _sheet(name: str, data: str | bytes) -> Callable[[Path], tuple[list[Path | str], dict[str, str]]]:
    def make(folder: Path) -> tuple[list[Path | str], dict[str, str]]:
        path = _write(folder / name, data)
        return [path], {"path": str(path)}

    return make


def _mapping(text: str | bytes) -> Callable[[Path], tuple[list[Path | str], dict[str, str]]]:
    def make(folder: Path) -> tuple[list[Path | str], dict[str, str]]:
        sheet, mapping = _write(folder / "客户.csv", GOOD_CSV), _write(folder / "m.yaml", text)
        return [sheet, "--mapping", mapping], {"path": str(sheet), "mapping": str(mapping)}

    return make


# (what the file is, the English reason as `crm import` has always said it, a piece of the Chinese one)
CASES = {
    "empty sheet": (_sheet("空.csv", "\n , ,\n\t\n"), "{path}: the sheet is empty", "表格是空的"),
    "unclosed quote": (
        _sheet("q.csv", '客户名称,跟进人\n"甲公司,li.wei\n'),
        "{path}: line 2: a quote opened here is never closed",
        "第 2 行：这里开始的引号一直没有闭合",
    ),
    "cell count": (
        _sheet("n.csv", "客户名称,跟进人\n甲公司,li.wei,3\n"),
        "{path}: line 2 has 3 cells, the header has 2",
        "第 2 行有 3 个单元格，而表头有 2 个",
    ),
    "swallowed rows": (
        _sheet("s.csv", '客户名称,联系人,电话\nA公司,"张经理,138\nB公司,李总,139"\nC公司,王总,137\n'),
        "{path}: line 2: a quote opened here closes only at line 3, reading lines 3-3 "
        "(which look like rows of their own) into one cell",
        "直到第 3 行才闭合",
    ),
    "encoding": (
        _sheet("b.csv", b"\x80\xff\xfe\x00garbage\xff"),
        '{path}: not text in UTF-8, UTF-16 or GB18030/GBK; save it as "CSV UTF-8"',
        "请另存为“CSV UTF-8”格式",
    ),
    "wrong extension": (
        _sheet("w.csv", OLE2 + bytes(600)),
        "{path}: an XLS file by its content: name it .xls to import it",
        "请把文件扩展名改为 .xls 再导入",
    ),
    "not a spreadsheet": (
        _sheet("t.xlsx", GOOD_CSV),
        "{path}: not a spreadsheet file: neither a zip archive (XLSX, ODS) nor a compound file (XLS)",
        "不是表格文件",
    ),
    "mapping not UTF-8": (_mapping(b"columns:\n  \xe5\xae: name\n"), "{mapping}: not UTF-8 text", "不是 UTF-8 编码"),
    "mapping unknown field": (
        _mapping("columns:\n  客户名称: nonsense\n"),
        "mapping '{mapping}': 'nonsense' " + UNKNOWN_FIELD,
        "'nonsense' 不是客户的字段",
    ),
    "mapping duplicate key": (
        _mapping("columns:\n  客户名称: name\n  客户名称: name\n"),
        "{mapping}:3:3: duplicate key '客户名称': the field is written twice",
        "映射文件 {mapping} 第 3 行第 3 列：重复的键 '客户名称'",
    ),
    "mapping unknown key": (
        _mapping("columns: {客户名称: name}\nfoo: 1\n"),
        "{mapping}:2:6: unknown key 'foo'; a mapping has name, system, columns, defaults, aliases, dates, reviewed",
        "不认识的键 'foo'",
    ),
    "mapping dates": (
        _mapping("columns: {客户名称: name}\ndates: ydm\n"),
        "{mapping}:2:8: dates: one of ymd, mdy, dmy",
        "dates 只能是 ymd, mdy, dmy 之一",
    ),
    "no mapping fits": (_sheet("f.csv", "foo,bar\n1,2\n"), "no shipped mapping fits these columns; run crm import "
                        "FILE --plan to write one", "没有现成的映射能对应这些列"),
}  # fmt: skip


def _english_left(sentence: str, fields: dict[str, str]) -> str:
    """The English words of a reason, the paths (the user's own, said as given) taken out."""
    for value in sorted(fields.values(), key=len, reverse=True):
        sentence = sentence.replace(value, "")
    return sentence


@pytest.mark.parametrize(
    ("case", "plan"),
    [
        pytest.param(case, plan, id=f"{case}-{'plan' if plan else 'import'}")
        for case in CASES
        for plan in (False, True)
        if not (plan and case == "no mapping fits")  # --plan starts from a blank mapping when none fits
    ],
)
def test_the_real_cli_refuses_in_chinese_with_lang_zh_and_in_the_same_english_without(repo, tmp_path, case, plan):
    make, english, chinese = CASES[case]
    args, fields = make(tmp_path)
    command = ["import", *args, *(["--plan"] if plan else [])]
    sentence = english.format(**fields)

    en = crm(repo.root, *command)
    assert (en.returncode, en.stderr) == (2, f"crm import: {sentence}\n")

    zh = crm(repo.root, *command, "--lang", "zh")
    assert zh.returncode == 2 and zh.stdout == ""
    assert zh.stderr.startswith("crm import：") and CJK.search(zh.stderr.removeprefix("crm import"))
    assert chinese.format(**fields) in zh.stderr
    assert _english_left(sentence, fields) not in zh.stderr
    assert not list(tmp_path.glob("*.mapping.yaml"))  # a refused plan writes no draft


def test_a_sheet_over_the_size_limit_is_refused_in_chinese(repo, tmp_path, monkeypatch, capsys):
    """The limits are SheetLimits (100 MB by default): made small here, through the CLI in this process."""
    path = _write(tmp_path / "客户.csv", GOOD_CSV)
    size = f"{path.stat().st_size:,}"
    with pytest.raises(UnreadableSheet) as caught:
        read_sheet(path, SheetLimits(max_file_bytes=10))
    assert str(caught.value) == f"{path}: {size} bytes, more than the 10 allowed"
    assert caught.value.text("zh") == f"{path}：文件有 {size} 字节，超过了允许的 10 字节"

    monkeypatch.setattr(apply, "read_sheet", lambda source: read_sheet(source, SheetLimits(max_file_bytes=10)))
    for plan in ([], ["--plan"]):
        assert main(["--root", str(repo.root), "import", str(path), *plan]) == 2
        assert capsys.readouterr().err == f"crm import: {path}: {size} bytes, more than the 10 allowed\n"
        assert main(["--root", str(repo.root), "import", str(path), *plan, "--lang", "zh"]) == 2
        assert capsys.readouterr().err == f"crm import：{path}：文件有 {size} 字节，超过了允许的 10 字节\n"


# --- every key, with the fields its raise site gives it ------------------------------------------------


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _said_calls() -> list[tuple[str, str, set[str]]]:
    """(file, key, the fields given) of each `said("import.…", …)` in the sheet and mapping modules."""
    found = []
    for name in ("sheets.py", "mapping.py"):
        for node in ast.walk(ast.parse((IMPORTING / name).read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "said"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                assert all(k.arg for k in node.keywords), f"{name}: said({node.args[0].value!r}, **…)"
                found.append((name, node.args[0].value, {str(k.arg) for k in node.keywords}))
    return found


def test_every_raise_site_gives_its_message_the_fields_both_languages_use():
    calls = _said_calls()
    assert len({key for _, key, _ in calls}) >= 40
    for name, key, given in calls:
        assert key in MESSAGES, (name, key)
        english, chinese = MESSAGES[key]
        assert not CJK.search(english) and CJK.search(chinese), key
        assert _names(english) <= given and _names(chinese) <= given, (key, given)
        assert _names(english) | _names(chinese) == given, (key, "a field neither language says")
        for template in (english, chinese):
            template.format_map({field: "x" for field in given})
    # every message of the sheet and the mapping is said somewhere (none left behind)
    ours = {k for k in MESSAGES if re.match(r"import\.(sheet|csv|zip|mapping)-|import\.no-mapping-fits$", k)}
    assert ours <= {key for _, key, _ in calls}


def _triggered(tmp_path: Path, project) -> list[Worded]:
    """The refusals themselves, raised by the code that raises them."""
    from .test_sheets import write_xls

    caught: list[Worded] = []

    def refused(action: Callable[[], object]) -> None:
        with pytest.raises(Worded) as error:
            action()
        caught.append(error.value)

    many = _write(tmp_path / "many.csv", "名称,电话\n" + "".join(f"公司{n},{n}\n" for n in range(30)))
    for limits in (
        SheetLimits(max_rows=20),
        SheetLimits(max_columns=1),
        SheetLimits(max_cells=9),
        SheetLimits(max_file_bytes=100),
        SheetLimits(max_cell_chars=2),
    ):
        refused(lambda limits=limits: read_sheet(many, limits))
    book = write_xlsx(tmp_path / "客户.xlsx", [["名称", "电话"], ["A公司", "138"]])
    refused(lambda: read_sheet(book, SheetLimits(max_columns=1)))
    refused(lambda: read_sheet(book, SheetLimits(max_uncompressed_bytes=100)))
    refused(lambda: read_sheet(_write(tmp_path / "坏.xlsx", b"PK\x03\x04" + bytes(100))))
    refused(lambda: read_sheet(write_xls(tmp_path / "far.xls", {(0, 0): "名称", (65535, 255): "far"})))
    refused(lambda: read_sheet(tmp_path))
    refused(lambda: read_sheet(tmp_path / "missing.csv"))
    for case, (make, _, _) in CASES.items():
        args, _ = make(tmp_path)
        if case == "mapping unknown field":  # checked against the models below, not when read
            continue
        if case.startswith("mapping"):
            refused(lambda args=args: choose_mapping(project, ["客户名称"], Path(args[2])))
        elif case == "no mapping fits":
            refused(lambda: choose_mapping(project, ["foo", "bar"], None))
        else:
            refused(lambda args=args: read_sheet(Path(args[0])))
    for text in (
        "columns: {}\n",
        "columns: {客户名称: 1}\n",
        "columns: {客户名称: name}\ndefaults: [1]\n",
        "columns: {客户名称: name}\naliases: {status: [1]}\n",
        "columns: {客户名称: name}\naliases: {status: {a: [1]}}\n",
        "columns: {客户名称: name}\nreviewed: maybe\n",
        "columns: {客户名称: name}\nsystem: '<x>'\n",
        "columns: {客户名称: name}\nnotes: \x07\n",
    ):
        refused(lambda text=text: read_mapping(text, "m.yaml", project))
    refused(lambda: check_targets(project, Mapping("m", {"客户名称": "nonsense"})))
    return caught


def test_each_refusal_raised_carries_its_words_in_both_languages(repo, tmp_path):
    caught = _triggered(tmp_path, repo.project)
    keys = set()
    for error in caught:
        assert isinstance(error.said, Said), str(error)
        keys.add(error.said.key)
        assert error.text("en") == str(error) == error.said.text("en")
        chinese = error.text("zh")
        assert CJK.search(chinese) and chinese != str(error), chinese
    assert len(keys) >= 20, sorted(keys)
    assert {"import.sheet-too-large", "import.sheet-empty", "import.csv-unclosed-quote"} <= keys
    assert {"import.csv-cell-count", "import.mapping-not-utf8", "import.mapping-unknown-field"} <= keys
    # what is wrong inside a mapping file is said at its line and column, each in its own words
    inside = [e.text("zh") for e in caught if e.said is not None and e.said.key == "import.mapping-problem"]
    assert len(inside) == len(set(inside)) >= 10


def test_a_sheet_refusal_passed_on_by_open_sheet_keeps_its_words(repo, tmp_path):
    """`open_sheet` passes an UnreadableSheet on as a CannotImport with the same words."""
    from plaincrm.project import Project
    from plaincrm.write.importing.apply import open_sheet

    repo.good()
    empty = tmp_path / "客户.csv"
    empty.write_bytes(b"")
    with pytest.raises(CannotImport) as caught:
        open_sheet(Project(repo.root), empty, None, None)
    assert caught.value.said is not None and caught.value.said.key == "import.sheet-empty"
    assert "表格是空的" in caught.value.text("zh") and "the sheet is empty" in str(caught.value)
