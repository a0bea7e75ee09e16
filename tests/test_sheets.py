"""read_sheet: every format with its types and row numbers, every refusal with its exact message, what the
hostile files cost measured in a fresh interpreter, and arbitrary or damaged files never giving a traceback."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plaincrm.write.importing.sheets import DEFAULT_LIMITS, Sheet, SheetLimits, UnreadableSheet, read_sheet

from .sheetkit import write_xlsx

SHEET_XML = "xl/worksheets/sheet1.xml"
ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
AREA_LIMITS = ", more than allowed (200,000 rows, 1,000 columns, 5,000,000 cells)"
TOO_MUCH_TEXT = "its cells would hold more than 134,217,728 characters of text (one text repeated into many cells?)"


# --- builders and probes ---------------------------------------------------------------------------


def rewrite_zip(source: Path, target: Path, change: dict[str, object]) -> Path:
    """A copy of a zip with members changed (a function of the old text) or added (a text)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            data = old.read(member.filename)
            edit = change.get(member.filename)
            new.writestr(member, edit(data.decode()) if callable(edit) else data)
        for name, text in change.items():
            if not callable(text):
                new.writestr(name, text)
    return target


def ods_content(rows_xml: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="客户">{rows_xml}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )


def write_ods(path: Path, rows_xml: str = "", content: str | None = None) -> Path:
    """An ODS written by hand, for what odfpy would not write: huge repeats."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("content.xml", ods_content(rows_xml) if content is None else content)
    return path


def ods_cell(text: str, repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def ods_row(*cells: str, repeat: int = 1) -> str:
    return f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(cells)}</table:table-row>'


def write_xls(path: Path, cells: dict[tuple[int, int], object]) -> Path:
    """An .xls from xlwt, with a second sheet that is not read."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("客户")
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for (row, column), value in cells.items():
        sheet.write(row, column, value, dated if isinstance(value, dt.date) else xlwt.Style.default_style)
    book.add_sheet("第二页").write(0, 0, "不读")
    book.save(path)
    return path


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def refusal(path: Path, limits: SheetLimits = DEFAULT_LIMITS) -> str:
    """What read_sheet says about `path`, after the file name it always starts with."""
    with pytest.raises(UnreadableSheet) as caught:
        read_sheet(path, limits)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


MEASURE = r"""
import json, re, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))  # a regression fails here, not on the machine
from pathlib import Path
from plaincrm.write.importing.sheets import UnreadableSheet, read_sheet
start = time.perf_counter()
try:
    read_sheet(Path(sys.argv[1]))
    error = None
except UnreadableSheet as refused:
    error = str(refused)
seconds = time.perf_counter() - start
try:  # this process's own peak: on Linux ru_maxrss also counts pytest's, from before the exec
    peak_kb = int(re.search(r"VmHWM:\s*(\d+)", open("/proc/self/status").read()).group(1))
except OSError:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"error": error, "seconds": round(seconds, 3), "peak_mb": peak_kb // 1024}))
"""


def measured(path: Path) -> dict:
    """read_sheet in a fresh interpreter: its time (printed, never asserted), its peak memory (imports
    included, asserted generously) and its refusal."""
    run = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)
    print(f"{path.name}: {result}")
    assert result["peak_mb"] < 200, result
    return result


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_cells_keep_their_types_and_rows_their_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "客户.xlsx",
        [
            [None, None],
            ["客户名称", "电话", "金额", "首次联系", "已签约", None, "  "],
            ["A公司", 13812345678, 12.5, dt.datetime(2024, 5, 10, 9, 30), True],
            [None, "   ", None],
            ["B公司", "010-88888888", None, dt.date(2024, 4, 1), False, None],
        ],
    )
    assert read_sheet(path) == Sheet(
        ["客户名称", "电话", "金额", "首次联系", "已签约"],
        [
            (3, ["A公司", 13812345678, 12.5, dt.datetime(2024, 5, 10, 9, 30), True]),
            (5, ["B公司", "010-88888888", None, dt.datetime(2024, 4, 1), False]),
        ],
        "xlsx",
    )


def test_xlsx_declared_dimension_is_ignored(tmp_path):
    """openpyxl would pad every row to XFD and yield a million rows; and a dimension starting at C3 would
    make it skip what is above and left of it."""
    plain = write_xlsx(tmp_path / "plain.xlsx", [["名称", "电话"], ["A公司", 13812345678]])
    for ref in ("A1:XFD1048576", "C3:D4"):
        path = rewrite_zip(
            plain,
            tmp_path / "dimension.xlsx",
            {SHEET_XML: lambda xml, ref=ref: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)},
        )
        assert f'<dimension ref="{ref}"' in zipfile.ZipFile(path).read(SHEET_XML).decode()
        assert read_sheet(path) == Sheet(["名称", "电话"], [(2, ["A公司", 13812345678])], "xlsx")
    assert measured(path)["error"] is None


@pytest.mark.parametrize(
    "cell, message",
    [
        ("XFD1048576", "more than the 200,000 rows allowed (row 1048576)"),
        ("A1048576", "more than the 200,000 rows allowed (row 1048576)"),
        ("XFD5", "row 5 has cells up to column XFD, more than the 1,000 columns allowed"),
    ],
)
def test_xlsx_a_real_cell_far_away_is_refused_cheaply(tmp_path, cell, message):
    row = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    far = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>far</t></is></c></row>'
    path = rewrite_zip(
        write_xlsx(tmp_path / "plain.xlsx", [["名称"], ["A公司"]]),
        tmp_path / "far.xlsx",
        {SHEET_XML: lambda xml: xml.replace("</sheetData>", far + "</sheetData>")},
    )
    assert refusal(path) == message
    assert measured(path)["error"].endswith(message)


def test_xlsx_row_numbered_past_the_last_row_is_refused(tmp_path):
    """openpyxl yields every missing row up to it: two billion of them would take minutes."""
    path = rewrite_zip(
        write_xlsx(tmp_path / "plain.xlsx", [["名称"], ["A公司"]]),
        tmp_path / "past.xlsx",
        {SHEET_XML: lambda xml: xml.replace("</sheetData>", '<row r="2000000000"/></sheetData>')},
    )
    assert refusal(path) == "a row numbered past 1,048,576, the last a spreadsheet has"


def test_xlsx_rows_and_cells_are_counted_as_they_stream(tmp_path):
    path = write_xlsx(tmp_path / "many.xlsx", [["名称", "电话", "备注"]] + [[f"公司{n}", n, None] for n in range(30)])
    assert refusal(path, SheetLimits(max_rows=20)) == "more than the 20 rows allowed (row 21)"
    assert refusal(path, SheetLimits(max_columns=1)) == (
        "row 1 has cells up to column C, more than the 1 columns allowed"
    )
    assert refusal(path, SheetLimits(max_cells=10)) == "more than the 10 cells allowed (row 5)"


def test_zip_bomb_is_refused_from_the_zip_directory(tmp_path):
    """A small sheet and a GB of zeros (4 MB on disk, written as a stream): refused before a byte of it is
    inflated."""
    path = write_xlsx(tmp_path / "bomb.xlsx", [["名称"], ["A公司"]])
    chunk = bytes(2**20)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/media/zeros.bin", "w", force_zip64=True) as member:
            for _ in range(1024):
                member.write(chunk)
    message = refusal(path)
    assert re.fullmatch(
        r"refused: its members would unpack to 1,07\d,\d{3},\d{3} bytes, "
        r"more than the 536,870,912 allowed \(a zip bomb\?\)",
        message,
    ), message
    assert measured(path)["error"].endswith(message)


def test_a_member_compressed_beyond_reason_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "ratio.xlsx", [["名称"], ["A公司"]])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/media/zeros.bin", bytes(64 * 2**20))
    assert re.fullmatch(
        r"refused: xl/media/zeros\.bin would unpack to 67,108,864 bytes from [\d,]+ \(a zip bomb\?\)", refusal(path)
    )


def test_entity_bomb_in_shared_strings_is_refused(tmp_path):
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    strings = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]><sst xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    override = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    path = rewrite_zip(
        write_xlsx(tmp_path / "plain.xlsx", [["名称"], ["A公司"]]),
        tmp_path / "laughs.xlsx",
        {
            "[Content_Types].xml": lambda xml: xml.replace("</Types>", override),
            "xl/sharedStrings.xml": strings,
        },
    )
    message = "not a readable XLSX file: its XML declares entities (refused: a possible entity bomb)"
    assert refusal(path) == message
    assert measured(path)["error"].endswith(message)


def test_what_is_not_an_xlsx_is_refused_clearly(tmp_path):
    text = write_csv(tmp_path / "导出.xlsx", "名称,电话\nA公司,138\n")
    assert refusal(text) == "not a spreadsheet file: neither a zip archive (XLSX, ODS) nor a compound file (XLS)"
    good = write_xlsx(tmp_path / "good.xlsx", [["名称"], ["A公司"]]).read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(good[: len(good) // 2])
    assert refusal(tmp_path / "cut.xlsx").startswith("not a readable XLSX file: ")
    with zipfile.ZipFile(tmp_path / "other.xlsx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal(tmp_path / "other.xlsx").startswith("not a readable XLSX file: ")


def test_a_spreadsheet_is_read_by_its_content_whatever_its_suffix(tmp_path):
    """WPS and web systems save XLSX named .xls; calamine picks its reader by the suffix, so an XLS or ODS
    by another name is refused, saying what to name it."""
    path = write_xlsx(tmp_path / "named.xls", [["名称"], ["A公司"]])
    assert read_sheet(path) == Sheet(["名称"], [(2, ["A公司"])], "xlsx")
    xls = write_xls(tmp_path / "plain.xls", {(0, 0): "名称"}).rename(tmp_path / "named.xlsx")
    assert refusal(xls) == "an XLS file by its content: name it .xls to import it"
    ods = write_ods(tmp_path / "named.csv", ods_row(ods_cell("名称")))
    assert refusal(ods) == "an ODS file by its content: name it .ods to import it"


# --- XLS ---------------------------------------------------------------------------------------


def test_xls_is_read_with_calamine(tmp_path):
    """Row numbers count the empty rows on top; an empty column on the left stays, as in the sheet."""
    path = write_xls(
        tmp_path / "客户.xls",
        {
            (1, 1): "客户名称",
            (1, 2): "电话",
            (1, 3): "首次联系",
            (1, 4): "已签约",
            (2, 1): "A公司",
            (2, 2): 13812345678,
            (2, 3): dt.date(2024, 5, 10),
            (2, 4): True,
            (4, 1): "B公司",
            (4, 2): "",
            (4, 3): "  ",
        },
    )
    assert read_sheet(path) == Sheet(
        ["", "客户名称", "电话", "首次联系", "已签约"],
        [
            (3, ["", "A公司", 13812345678.0, dt.date(2024, 5, 10), True]),  # calamine's float: the importer tidies it
            (5, ["", "B公司"]),
        ],
        "xls",
    )


def test_xls_cell_at_the_far_corner_is_refused_before_calamine_makes_it_dense(tmp_path):
    """calamine would hold 65,536 x 256 cells (1 GB) for this 6 KB file."""
    path = write_xls(tmp_path / "far.xls", {(0, 0): "名称", (1, 0): "A公司", (65535, 255): "far"})
    message = "sheet 1 spans 65,536 rows x 256 columns" + AREA_LIMITS
    assert refusal(path) == message
    assert measured(path)["error"].endswith(message)


def test_xls_shared_string_in_many_cells_is_refused(tmp_path):
    """calamine copies a shared string into every cell that has it: 5,000 cells of 30,000 characters are
    450 MB of UTF-8 from a 130 KB file."""
    path = write_xls(tmp_path / "strings.xls", {(0, 0): "名称", **{(row, 0): "长" * 30_000 for row in range(1, 5_000)}})
    assert refusal(path) == TOO_MUCH_TEXT
    assert measured(path)["error"].endswith(TOO_MUCH_TEXT)


def test_xls_declaring_a_huge_range_is_refused(tmp_path):
    """calamine reserves what the Dimensions record says: four billion rows abort the process."""
    data = bytearray(write_xls(tmp_path / "plain.xls", {(0, 0): "名称", (1, 0): "A公司"}).read_bytes())
    at = data.index(b"\x00\x02\x0e\x00")  # Dimensions, BIFF8: first row, last row + 1 (u32), columns (u16)
    struct.pack_into("<I", data, at + 8, 0xFFFFFFFF)
    (tmp_path / "dimension.xls").write_bytes(data)
    assert measured(tmp_path / "dimension.xls")["error"].endswith(
        "sheet 1 spans 4,294,967,295 rows x 1 columns" + AREA_LIMITS
    )


def test_xls_whose_sector_chain_loops_is_refused(tmp_path):
    """calamine follows a looping directory chain until the process aborts (a 5 KB file, tens of GB)."""
    data = bytearray(write_xls(tmp_path / "plain.xls", {(0, 0): "名称", (1, 0): "A公司"}).read_bytes())
    fat_sector, directory = struct.unpack_from("<I", data, 76)[0], struct.unpack_from("<I", data, 48)[0]
    struct.pack_into("<I", data, 512 + fat_sector * 512 + 4 * directory, directory)  # the directory's next: itself
    (tmp_path / "loop.xls").write_bytes(data)
    assert measured(tmp_path / "loop.xls")["error"].endswith(
        "not a readable XLS file: a sector chain leaves its table or loops"
    )


# --- ODS ---------------------------------------------------------------------------------------


def test_ods_is_read_with_calamine(tmp_path):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="客户")
    for values in [[], ["客户名称", "电话", "首次联系"], ["A公司", 13812345678, dt.date(2024, 5, 10)], [], ["B公司"]]:
        row = TableRow()
        for value in values:
            if isinstance(value, str):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            elif isinstance(value, dt.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
            else:
                cell = TableCell(valuetype="float", value=value)
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(tmp_path / "客户.ods"))
    assert read_sheet(tmp_path / "客户.ods") == Sheet(
        ["客户名称", "电话", "首次联系"],
        [
            (3, ["A公司", 13812345678.0, dt.date(2024, 5, 10)]),
            (5, ["B公司"]),
        ],
        "ods",
    )


def test_ods_empty_repeats_to_the_sheet_edge_are_fine(tmp_path):
    """LibreOffice ends a sheet with empty rows and columns repeated to its edge."""
    empty = '<table:table-cell table:number-columns-repeated="{}"/>'
    path = write_ods(
        tmp_path / "edge.ods",
        ods_row(ods_cell("名称"), empty.format(16383))
        + ods_row(ods_cell("A公司"))
        + ods_row(empty.format(16384), repeat=1048574),
    )
    assert read_sheet(path) == Sheet(["名称"], [(2, ["A公司"])], "ods")


@pytest.mark.parametrize(
    "rows, columns, message",
    [
        (1_048_576, 16_384, "sheet '客户' spans 1,048,576 rows x 16,384 columns"),
        (6_000, 16_384, "sheet '客户' spans 6,000 rows x 16,384 columns"),  # under calamine's own cap: 5 GB
        (1_048_575, 1, "sheet '客户' spans 1,048,576 rows x 1 columns"),
    ],
)
def test_ods_repeating_a_cell_hugely_is_refused_before_calamine_expands_it(tmp_path, rows, columns, message):
    header = ods_row(ods_cell("名称")) if columns == 1 else ""
    path = write_ods(tmp_path / "repeat.ods", header + ods_row(ods_cell("x", columns), repeat=rows))
    assert refusal(path) == message + AREA_LIMITS
    assert measured(path)["error"].endswith(message + AREA_LIMITS)


@pytest.mark.parametrize(
    "cell",
    [
        ods_cell("长" * 10_000, 1_000),  # 100 rows x 1,000 cells x 10,000 characters
        '<table:table-cell office:value-type="string"><text:p><text:s text:c="2000000000"/></text:p></table:table-cell>',
    ],
)
def test_ods_text_that_calamine_would_multiply_is_refused(tmp_path, cell):
    path = write_ods(tmp_path / "text.ods", ods_row(cell, repeat=100))
    assert refusal(path) == TOO_MUCH_TEXT
    assert measured(path)["error"].endswith(TOO_MUCH_TEXT)


def test_ods_member_inflating_past_its_declared_size_is_refused(tmp_path):
    """calamine's zip reader notices only after inflating all of it, here 16 MB of spaces after the document."""
    document = ods_content(ods_row(ods_cell("名称"))).encode()
    lying = write_ods(tmp_path / "lying.ods", content=document.decode() + " " * 2**24)
    data = bytearray(lying.read_bytes())
    for signature, crc_at, name_at in ((b"PK\x03\x04", 14, 30), (b"PK\x01\x02", 16, 46)):  # local, central
        for at in (found.start() for found in re.finditer(re.escape(signature), data)):
            if data[at + name_at : at + name_at + 11] == b"content.xml":  # the CRC and size of the document alone
                struct.pack_into("<I", data, at + crc_at, zlib.crc32(document))
                struct.pack_into("<I", data, at + crc_at + 8, len(document))
    lying.write_bytes(data)
    assert zipfile.ZipFile(lying).read("content.xml") == document  # Python's zipfile stops at the declared size
    assert refusal(lying) == "not a readable ODS file: Bad CRC-32 for file 'content.xml'"


# --- CSV ---------------------------------------------------------------------------------------

LEDGER = "客户名称,联系人,电话\nA公司,张经理,13800001111\nB公司,李总,13900002222\n"


@pytest.mark.parametrize(
    "text, encoding, read_as",
    [
        (LEDGER, "utf-8", "utf-8"),
        (LEDGER, "utf-8-sig", "utf-8-sig"),
        (LEDGER, "gbk", "gb18030"),
        (LEDGER.replace(",", "\t"), "utf-16", "utf-16"),  # Excel's "Unicode text"
        (LEDGER.replace(",", ";").replace("\n", "\r\n"), "utf-8", "utf-8"),
        ("\n" + LEDGER.replace(",", "\t").replace("\n", "\r"), "gb18030", "gb18030"),
    ],
)
def test_csv_encodings_and_delimiters(tmp_path, text, encoding, read_as):
    path = write_csv(tmp_path / "客户.csv", text, encoding)
    first = 2 if text.startswith("\n") else 1
    assert read_sheet(path) == Sheet(
        ["客户名称", "联系人", "电话"],
        [(first + 1, ["A公司", "张经理", "13800001111"]), (first + 2, ["B公司", "李总", "13900002222"])],
        "csv",
        read_as,
    )


def test_csv_rows_are_numbered_by_the_line_they_start_on(tmp_path):
    path = write_csv(
        tmp_path / "notes.csv",
        '\n客户名称,备注,电话\r\n\r\nA公司,"第一行\n第二行\n""第三行""",138\n,,\nB公司,,139,,,\n   \nC公司,"",137\n',
    )
    assert read_sheet(path) == Sheet(
        ["客户名称", "备注", "电话"],
        [
            (4, ["A公司", '第一行\n第二行\n"第三行"', "138"]),
            (8, ["B公司", "", "139"]),  # trailing empty cells, as Excel writes them, are cut
            (10, ["C公司", "", "137"]),
        ],
        "csv",
        "utf-8",
    )


def test_csv_multi_line_note_in_the_first_column_is_fine(tmp_path):
    path = write_csv(tmp_path / "notes.csv", '备注,联系人,电话\n"第一行\n第二行",张,138\n')
    assert read_sheet(path).rows == [(2, ["第一行\n第二行", "张", "138"])]


def swallowed(opened: int, closed: int) -> str:
    return (
        f"line {opened}: a quote opened here closes only at line {closed}, reading lines {opened + 1}-{closed} "
        "(which look like rows of their own) into one cell"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '客户名称,联系人,电话\nA公司,张经理,138\n\n\n\n\nB公司,"李总,139\nC公司,王总,137\n',
            "line 7: a quote opened here is never closed",
        ),
        (
            '客户名称,联系人,电话\nA公司,"张经理,13800001111\nB公司,李总,13900002222\nC公司,"王总",13700003333\n',
            swallowed(2, 4),
        ),
        ('客户名称,联系人,电话\nA公司,"张经理,138\nB公司,李总,139"\nC公司,王总,137\n', swallowed(2, 3)),
        ('客户名称,联系人,电话\nA公司,"张经理,138\nB公司,李总,139\nC公司,王总",137\n', swallowed(2, 4)),
        (
            "客户名称,联系人,电话,行业,来源\nA公司,张经理,138,IT,展会\nB公司,李总,139\n",
            "line 3 has 3 cells, the header has 5",
        ),
        ("客户名称,联系人,电话\nA公司,张经理,138\nB公司,李总,139,VIP\n", "line 3 has 4 cells, the header has 3"),
        ('客户名称,联系人,电话\nA公司,"张经理" ,138\n', "line 2: ',' expected after '\"'"),
    ],
)
def test_csv_that_would_be_read_wrong_is_refused_naming_the_line(tmp_path, text, message):
    assert refusal(write_csv(tmp_path / "broken.csv", text)) == message


def test_csv_limits(tmp_path):
    previous = csv.field_size_limit()
    path = write_csv(tmp_path / "long.csv", f"客户名称,备注\nA公司,{'长' * 40_000}\n")
    assert refusal(path) == (
        "line 2, column 2: a cell of 40,000 characters, more than the 32,767 a spreadsheet cell holds"
    )
    assert csv.field_size_limit() == previous
    path = write_csv(tmp_path / "many.csv", "名称,电话\n" + "".join(f"公司{n},{n}\n" for n in range(30)))
    assert refusal(path, SheetLimits(max_rows=20)) == "more than the 20 rows allowed (line 21)"
    assert refusal(path, SheetLimits(max_columns=1)) == "line 1 has 2 cells, more than the 1 columns allowed"
    assert refusal(path, SheetLimits(max_cells=9)) == "more than the 9 cells allowed (line 5)"
    assert refusal(path, SheetLimits(max_file_bytes=100)) == f"{path.stat().st_size:,} bytes, more than the 100 allowed"


def test_csv_undecodable_empty_or_missing(tmp_path):
    (tmp_path / "binary.csv").write_bytes(b"\x80\xff\xfe\x00garbage\xff")
    assert refusal(tmp_path / "binary.csv") == 'not text in UTF-8, UTF-16 or GB18030/GBK; save it as "CSV UTF-8"'
    assert refusal(write_csv(tmp_path / "blank.csv", "\n , ,\n\t\n")) == "the sheet is empty"
    assert refusal(tmp_path / "missing.csv") == "cannot read it: No such file or directory"


# --- never a traceback -------------------------------------------------------------------------

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def read_or_refuse(path: Path) -> None:
    try:
        assert isinstance(read_sheet(path), Sheet)
    except UnreadableSheet as refused:
        assert "\n" not in str(refused)


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_arbitrary_bytes_never_give_a_traceback(tmp_path, data, suffix):
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    read_or_refuse(path)


@FUZZ
@given(
    text=st.text(st.sampled_from('ab张,;\t"\r\n \x00') | st.characters(), max_size=400),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]),
)
def test_arbitrary_text_never_gives_a_traceback(tmp_path, text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # a lone surrogate
        return
    (tmp_path / "any.csv").write_bytes(data)
    read_or_refuse(tmp_path / "any.csv")


@FUZZ
@given(rows=st.lists(st.lists(st.text(st.sampled_from('ab张 "\n;\t'), max_size=5), min_size=3, max_size=3), max_size=8))
def test_csv_as_excel_writes_it_reads_back_with_its_line_numbers(tmp_path, rows):
    """Quotes and line breaks in cells, blank rows, trailing empty cells: every row comes back, numbered by
    the line it starts on (cells without commas: a row of them inside a quote is what a swallowed row is)."""
    text, expected = "客户名称,备注,电话\r\n", []
    for cells in rows:
        line = text.count("\n") + 1
        out = io.StringIO()
        csv.writer(out).writerow(cells)
        text += out.getvalue()
        used = len(cells)
        while used and not cells[used - 1].strip():
            used -= 1
        if used:
            expected.append((line, cells[:used]))
    assert read_sheet(write_csv(tmp_path / "any.csv", text)).rows == expected


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("seeds")
    return {
        ".xlsx": write_xlsx(folder / "seed.xlsx", [["名称", "日期"], ["A公司", dt.date(2024, 5, 10)], [1, 2.5]]),
        ".xls": write_xls(folder / "seed.xls", {(0, 0): "名称", (0, 1): "电话", (1, 0): "A公司", (1, 1): 138}),
        ".ods": write_ods(
            folder / "seed.ods", ods_row(ods_cell("名称"), ods_cell("电话")) + ods_row(ods_cell("A公司"))
        ),
    }


def damage(data: bytes, changes: list[tuple[float, bytes]]) -> bytes:
    damaged = bytearray(data)
    for where, new in changes:
        at = int(where * len(damaged))
        damaged[at : at + len(new)] = new
    return bytes(damaged)


CHANGES = st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=4)), min_size=1, max_size=8
)


@FUZZ
@given(suffix=st.sampled_from([".xlsx", ".xls", ".ods"]), changes=CHANGES)
def test_damaged_spreadsheets_never_give_a_traceback(tmp_path, seeds, suffix, changes):
    (tmp_path / f"damaged{suffix}").write_bytes(damage(seeds[suffix].read_bytes(), changes))
    read_or_refuse(tmp_path / f"damaged{suffix}")


@FUZZ
@given(suffix=st.sampled_from([".xlsx", ".ods"]), changes=CHANGES)
def test_damaged_sheet_xml_never_gives_a_traceback(tmp_path, seeds, suffix, changes):
    """The same inside the zip, where the parsers see it."""
    name = SHEET_XML if suffix == ".xlsx" else "content.xml"
    with zipfile.ZipFile(seeds[suffix]) as archive:
        xml = archive.read(name)
    with zipfile.ZipFile(seeds[suffix]) as old, zipfile.ZipFile(tmp_path / f"damaged{suffix}", "w") as new:
        for member in old.infolist():
            new.writestr(member, damage(xml, changes) if member.filename == name else old.read(member.filename))
    read_or_refuse(tmp_path / f"damaged{suffix}")
