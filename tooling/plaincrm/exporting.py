"""Reports as downloadable files: CSV (UTF-8 with BOM, for Excel) and XLSX with typed cells,
and the characters each file format must not carry as they are (one rule per format, shared
by every writer of that format: reports, record exports, calendar feeds, the Atom feed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from .escaping import formula_guarded, xml_text
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


def csv_safe(value):
    if isinstance(value, str):
        return formula_guarded(xml_text(value))  # no escape sequence for whoever shows the file in a terminal
    return "" if value is None else value


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
    (a fourth item): a bold header row, typed cells, strings made safe."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    if created is not None:  # the same data and day give the same file
        book.properties.created = book.properties.modified = datetime.combine(created, time(0, 0))
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
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
