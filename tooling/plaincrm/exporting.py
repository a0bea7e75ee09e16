"""Reports as downloadable files: CSV (UTF-8 with BOM, for Excel) and XLSX with typed cells."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

from .modelkit import ISO_DAY
from .reports import Report


def report_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for table in report.tables:
        writer.writerow([f"{report.title}: {table.title.replace('_', ' ')}"])
        writer.writerow(table.headers)
        writer.writerows([[_csv_cell(v) for v in row] for row in table.rows])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a spreadsheet must not run a formula from a record
    return "" if value is None else value


def report_xlsx(report: Report, today: date) -> bytes:
    """One sheet per table; numbers as numbers, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    stamp = datetime.combine(today, time(0, 0))
    book.properties.created = book.properties.modified = stamp
    for table in report.tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_cell(v) for v in row])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, (date, datetime)):
                    cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value):
    if isinstance(value, str) and ISO_DAY.match(value):
        return date.fromisoformat(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
