"""Reports as downloadable files: CSV (UTF-8 with BOM, for Excel) and XLSX with typed cells,
and the characters each file format must not carry as they are (one rule per format, shared
by every writer of that format: reports, record exports, calendar feeds, the Atom feed)."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from .escaping import csv_cell, formula_guarded, xml_text
from .modelkit import ISO_DAY
from .reports import CUSTOMER, CUSTOMERS, DAY, MONEY, NAME, SHARE, Report, Wording


def report_csv(report: Report, wording: Wording) -> bytes:
    """Each table under its title, headers and values as the reader's language writes them."""
    rows: list[list] = []
    for table in report.tables:
        title = f"{wording.title(report)}: {wording.table_title(table)}"
        rows += [[title], wording.headers(table), *(wording.row(table, row) for row in table.rows), []]
    return csv_bytes(rows)


def csv_bytes(rows: Iterable[list]) -> bytes:
    """CSV as Excel opens it (UTF-8 with a BOM), every cell made safe (see `csv_safe`)."""
    out = io.StringIO()
    csv.writer(out).writerows([csv_safe(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


csv_safe = csv_cell  # the one rule, in escaping


# How a column's numbers are shown in a workbook (they stay numbers); other kinds' texts are labels.
XLSX_FORMATS = {SHARE: "0.0%", MONEY: '#,##0.00 "{currency}"'}
XLSX_TYPED = ("", SHARE, MONEY, DAY, CUSTOMER, CUSTOMERS, NAME)  # written as they are


def report_xlsx(report: Report, today: date, wording: Wording) -> bytes:
    """One sheet per table, named and headed in the reader's language; numbers as numbers (shares and
    amounts formatted as such), dates as dates, option values, members and engine words as labels
    (write-only mode: 10,000 rows in a blink)."""
    sheets = []
    for table in report.tables:
        kinds = [table.kind(i) for i in range(len(table.headers))]
        rows = [
            [
                value if kind in XLSX_TYPED and not isinstance(value, list) else wording.cell(kind, value)
                for kind, value in zip(kinds, row)
            ]
            for row in table.rows
        ]
        formats = [
            XLSX_FORMATS.get(kind, "").replace("{currency}", wording.currency.replace('"', "")) for kind in kinds
        ]
        sheets.append((wording.table_title(table), wording.headers(table), rows, formats))
    return xlsx_book(sheets, today)


def xlsx_book(sheets: Sequence[tuple], created: date | None = None) -> bytes:
    """A workbook of (title, header, rows) sheets, each with an optional number format per column
    (a fourth item): a bold header row, typed cells, strings made safe. Dated `created` (a report's
    "today"; EPOCH when none), so the same sheets give the same bytes (`reproducible_save`)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    stamp = datetime.combine(created or EPOCH, time(0, 0))
    book.properties.created = book.properties.modified = stamp
    bold = Font(bold=True)
    names: set[str] = set()
    for title, headers, rows, *formatted in sheets:
        sheet = book.create_sheet(sheet_name(title, names))
        formats = formatted[0] if formatted else []
        header = []
        for text in headers:
            cell = xlsx_cell(sheet, text, WriteOnlyCell)
            cell = cell if isinstance(cell, Cell) else WriteOnlyCell(sheet, value=cell)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            cells = [xlsx_cell(sheet, value, WriteOnlyCell) for value in row]
            for column, number_format in enumerate(formats):
                if number_format and isinstance(cells[column], int | float) and not isinstance(cells[column], bool):
                    cells[column] = WriteOnlyCell(sheet, value=cells[column])
                    cells[column].number_format = number_format
            sheet.append(cells)
    return reproducible_save(book, stamp)


# A workbook's date when no day is given: the first a zip entry can carry (1980-01-01 to 2107-12-31).
EPOCH, ZIP_LAST = date(1980, 1, 1), date(2107, 12, 31)


def reproducible_save(book, stamp: datetime) -> bytes:
    """The workbook's bytes, the same for the same content whenever it is saved: openpyxl's `save` puts the
    current time into docProps/core.xml (`modified`) and into each zip entry (the worksheets' from their
    temporary files, with those files' permissions), so two downloads of one report for one day differed.
    Here the document's dates are `stamp` (set by the caller) and every entry has `stamp` and one mode."""
    from openpyxl.writer.excel import ExcelWriter

    out = io.BytesIO()
    with _StampedZip(out, stamp) as archive:
        if not book.worksheets:
            book.create_sheet()
        ExcelWriter(book, archive).write_data()
    return out.getvalue()


class _StampedZip(zipfile.ZipFile):
    """A zip being written whose every entry gets one date and the mode 0600, however it is added."""

    def __init__(self, file, stamp: datetime):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._stamp = (min(max(stamp.date(), EPOCH), ZIP_LAST).timetuple()[:3]) + (0, 0, 0)

    def _entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None) -> None:
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, zipfile.ZipInfo) else zinfo_or_arcname
        super().writestr(self._entry(name), data)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:
        """A file (a write-only worksheet's temporary file) copied in as a stream, not read whole."""
        with open(filename, "rb") as source, self.open(self._entry(str(arcname or filename)), "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\) and no other sheet of the book has."""
    base = "".join(" " if c in "[]:*?/\\" else c for c in xml_text(title)).strip()[:31] or "sheet"
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base[: 30 - len(str(number))]}~{number}"
    taken.add(name)
    return name


def xlsx_cell(sheet, value, make_cell):
    """A value as openpyxl should store it (`make_cell`: its WriteOnlyCell, imported once per book):
    ISO day texts as dates, every other text as text (guarded; "#N/A" would become an error cell)."""
    if isinstance(value, str):
        value = xml_text(value)
        if len(value) == 10 and value[4:5] == "-" and ISO_DAY.match(value):  # cheap test first: many cells
            value = date.fromisoformat(value)
        elif value[:1] == "#":
            cell = make_cell(sheet, value=value)
            cell.data_type = "s"
            return cell
        else:
            return formula_guarded(value)
    if isinstance(value, date):
        cell = make_cell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value
