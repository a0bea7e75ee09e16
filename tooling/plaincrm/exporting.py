"""Reports as downloadable files: CSV (UTF-8 with BOM, for Excel) and XLSX with typed cells."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from typing import Iterable

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
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a spreadsheet must not run a formula from a record
    return "" if value is None else value


def report_xlsx(report: Report, today: date) -> bytes:
    """One sheet per table; numbers as numbers, dates as dates (write-only mode: 10,000 rows in a blink)."""
    return xlsx_book([(table.title, table.headers, table.rows) for table in report.tables], today)


def xlsx_book(sheets: list[tuple[str, list[str], list[list]]], created: date | None = None) -> bytes:
    """A workbook of (title, header, rows) sheets: a bold header row, typed cells, strings made safe."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    if created is not None:  # the same data and day give the same file
        book.properties.created = book.properties.modified = datetime.combine(created, time(0, 0))
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        header = []
        for text in headers:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in rows:
            values = []
            for value in row:
                value = xlsx_safe(value)
                if isinstance(value, date):
                    value = WriteOnlyCell(sheet, value=value)
                    value.number_format = "yyyy-mm-dd"
                values.append(value)
            sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_safe(value):
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters pasted from other programs
        if len(value) == 10 and value[4:5] == "-" and ISO_DAY.match(value):  # cheap test first: many cells
            return date.fromisoformat(value)
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value
    return value
