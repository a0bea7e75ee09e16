"""Reports as downloadable files: CSV (UTF-8 with BOM, for Excel) and XLSX with typed cells,
and the characters each file format must not carry as they are (one rule per format, shared
by every writer of that format: reports, record exports, calendar feeds, the Atom feed)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time
from typing import Iterable

from .modelkit import ISO_DAY
from .reports import Report

# A spreadsheet reads a cell as a formula when it starts with = + - @, also after leading
# whitespace, and some readers drop a leading TAB, CR or LF first (OWASP, CSV injection).
FORMULA_START = re.compile(r"[\t\r\n]|\s*[=+\-@]")
FORMULA_GUARD = "'"  # `crm import` takes it off again (importing.values)


def formula_guarded(value: str) -> str:
    """The one guard of CSV and XLSX cells: a text a spreadsheet could run as a formula gets an
    apostrophe in front, so it is shown as text (and openpyxl stores it as text, not as a formula)."""
    return FORMULA_GUARD + value if FORMULA_START.match(value) else value


# XML 1.0 (section 2.2) allows only these characters; XLSX and Atom are XML.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """The text without the characters XML 1.0 forbids (C0 controls, lone surrogates, U+FFFE/FFFF):
    a control character pasted into a record must not make a feed or a workbook unreadable."""
    return _NOT_XML.sub("", value)


# Every way text can break a line: a bare CR or LF, NEL and the Unicode separators too, since
# readers split content lines on any of them (RFC 5545 3.1, RFC 6350 3.2).
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_NOT_CONTENT = re.compile("[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape_text(value: str) -> str:
    """TEXT value escaping of iCalendar (RFC 5545 3.3.11) and vCard (RFC 6350 3.4), which agree:
    backslash, comma and semicolon escaped, every line break written as \\n, control characters
    dropped, so no text can start a property line of its own."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _NOT_CONTENT.sub("", _LINE_BREAK.sub("\\\\n", value))


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
