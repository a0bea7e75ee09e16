"""Reports as downloadable files: CSV (UTF-8 with BOM, for Excel) and XLSX with typed cells,
and the characters each file format must not carry as they are (one rule per format, shared
by every writer of that format: reports, record exports, calendar feeds, the Atom feed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, time

from .escaping import formula_guarded, xml_text
from .modelkit import ISO_DAY
from .reports import Report


def report_csv(report: Report) -> bytes:
    rows: list[list] = []
    for table in report.tables:
        rows += [[f"{report.title}: {table.title.replace('_', ' ')}"], table.headers, *table.rows, []]
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


def report_xlsx(report: Report, today: date) -> bytes:
    """One sheet per table; numbers as numbers, dates as dates (write-only mode: 10,000 rows in a blink)."""
    return xlsx_book([(table.title, table.headers, table.rows) for table in report.tables], today)


def xlsx_book(sheets: list[tuple[str, list[str], list[list]]], created: date | None = None) -> bytes:
    """A workbook of (title, header, rows) sheets: a bold header row, typed cells, strings made safe."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    if created is not None:  # the same data and day give the same file
        book.properties.created = book.properties.modified = datetime.combine(created, time(0, 0))
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(xml_text(title)[:31])
        header = []
        for text in headers:
            cell = xlsx_cell(sheet, text, WriteOnlyCell)
            cell = cell if isinstance(cell, Cell) else WriteOnlyCell(sheet, value=cell)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([xlsx_cell(sheet, value, WriteOnlyCell) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
