"""Reading the spreadsheet a user hands to `crm import`: the first worksheet of an XLSX/XLSM, XLS or ODS,
or a CSV.

The file comes from someone else's computer and nothing in it is trusted: a few kilobytes must not be able
to take gigabytes of memory or minutes of time, and a CSV that would be read wrong must fail, naming the
line, rather than import a customer with the next three rows in one cell. What is refused, and why:

- Size. The file over `max_file_bytes` (100 MB, far above any customer list). For zip containers (xlsx,
  ods), from the zip directory before anything is inflated: members declaring more than
  `max_uncompressed_bytes` in total (512 MB: a sheet at the cell limit is some 50 bytes of XML a cell,
  250 MB, plus its shared strings), and a member over 8 MB claiming more than 100:1 (real sheets
  compress 5-30:1, zeros 1000:1). Python's zipfile never inflates a member past its declared size, so for
  openpyxl the declared sizes are a real bound.
- Shape. At most 200,000 rows, 1,000 columns and 5,000,000 cells: several times the largest customer
  list a team keeps, and what fits in a few hundred MB of Python objects. They are counted as rows stream
  in, so a sheet is refused when a limit is crossed, not after it has been read. In a spreadsheet they
  apply to where a non-empty cell is (a cell in row 1,048,576 is refused even alone); empty rows and
  trailing empty cells are dropped, not counted. In a CSV a cell over Excel's own 32,767 characters is
  refused too: it means a quote went astray.
- XLSX tricks. The declared `<dimension>` is ignored (openpyxl would pad every row to it and yield every
  empty row up to it). openpyxl parses with defusedxml when it is installed, which refuses entity
  declarations (billion laughs).
- What calamine (xls, ods) would build when it opens a workbook: every sheet as a dense rectangle, and
  each cell's text copied into it. A cell at IV65536 of an .xls is 16 million cells (1 GB); an ODS cell
  with `number-rows-repeated`/`number-columns-repeated` becomes as many cells as they say (calamine stops
  at 100 million: several GB); a shared string in every cell of an .xls, or a long text repeated in an
  ODS, is copied each time; a huge Dimensions record or a looping sector chain in an .xls makes it
  allocate until the process aborts. So before calamine sees a file, the .xls compound file is walked in
  Python with bounds and loop checks, and the ODS content.xml is scanned (defusedxml, streaming), for the
  rectangle of every sheet and for the text all cells would hold, bounded like an unpacked zip (at 4
  bytes a character). The ODS members calamine inflates are read here one byte past their declared size:
  calamine's zip reader notices a member that inflates further only after inflating all of it.
- CSV that would be read wrong: an unclosed quote, a quoted cell that swallows what look like whole rows,
  a row with more or fewer cells than the header, a csv error; each names the line where the row starts,
  which is the line the user's editor shows.
"""

from __future__ import annotations

import codecs
import collections
import copy
import csv
import io
import re
import stat
import struct
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException

from ...messages import Said, said

_EXCEL_ROWS = 1_048_576  # the last row a spreadsheet has: a row past it only comes from a crafted file
_RATIO, _RATIO_FLOOR = 100, 8 * 2**20  # a member over 8 MB claiming more than 100:1 is a zip bomb
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file an .xls is
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


class Worded(Exception):
    """An import's refusal, English as `str(error)` and in any language by `text`: made from a `Said`
    (see `messages`) where the reason is common enough to be read in Chinese, else from an English sentence."""

    said: Said | None

    def __init__(self, message: str | Said):
        self.said = message if isinstance(message, Said) else None
        super().__init__(message.text("en") if isinstance(message, Said) else message)

    def text(self, lang: str = "en") -> str:
        return self.said.text(lang) if self.said is not None else str(self)


class UnreadableSheet(Worded):
    """The file cannot be read as a sheet; str() is one clear line naming the file and, where it applies,
    the line/row and column (`text` says it in the reader's language)."""


@dataclass(frozen=True)
class SheetLimits:
    """What a sheet may cost; the module docstring says how each value was chosen."""

    max_file_bytes: int = 100 * 2**20
    max_uncompressed_bytes: int = 512 * 2**20
    max_rows: int = 200_000
    max_columns: int = 1_000
    max_cells: int = 5_000_000
    max_cell_chars: int = 32_767


DEFAULT_LIMITS = SheetLimits()


@dataclass
class Sheet:
    headers: list[Any]  # the first non-blank row, raw cells, without trailing empty ones
    rows: list[tuple[int, list[Any]]]  # (the spreadsheet row, or the CSV line where the row starts; cells)
    format: str  # "xlsx", "xls", "ods", "csv"
    encoding: str | None = None  # for CSV: utf-8, utf-8-sig, gb18030, utf-16


def read_sheet(path: Path, limits: SheetLimits = DEFAULT_LIMITS) -> Sheet:
    """The first worksheet of `path`, or UnreadableSheet; never another exception, whatever the bytes.

    Zip and compound files are recognised by their content, whatever their suffix (WPS and web systems
    name one as the other); anything else is CSV text, unless its name says spreadsheet."""
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block, a device never end
            raise UnreadableSheet(said("import.sheet-not-file", path=path))
        size = info.st_size
        fmt = _format(path)
    except OSError as error:
        raise UnreadableSheet(said("import.sheet-cannot-read", path=path, error=error.strerror or error)) from None
    if size > limits.max_file_bytes:
        raise UnreadableSheet(
            said("import.sheet-too-large", path=path, size=f"{size:,}", max=f"{limits.max_file_bytes:,}")
        )
    encoding: str | None = None
    rows: Generator[tuple[int, Sequence[Any]], None, None] | None = None
    try:
        if fmt == "csv":
            text, encoding = _decode(path)
            rows = _csv_rows(path, text, limits)
        elif fmt == "xlsx":
            rows = _xlsx_rows(path, limits)
        else:
            rows = _calamine_rows(path, fmt, limits)
        headers, body = _collect(path, fmt, rows, limits)
    except UnreadableSheet:
        raise
    except BaseException as error:  # whatever a parser raises on a corrupt file is "unreadable"
        # pyo3 turns a panic in calamine into PanicException, which is not an Exception
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise
        raise UnreadableSheet(_reason(path, fmt, error)) from error
    finally:
        if rows is not None:
            rows.close()
    return Sheet(headers, body, fmt, encoding)


def _format(path: Path) -> str:
    """Zip and compound files by their content, as WPS and web systems save an XLSX named .xls; but calamine
    picks its reader by the suffix, so an XLS or ODS must be named as one."""
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(84)  # an ODS starts with its "mimetype" member, stored
    if head.startswith(_OLE2):
        fmt = "xls"
    elif head.startswith(b"PK\x03\x04"):
        fmt = "ods" if _ODS_MIME in head or suffix == ".ods" else "xlsx"
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise UnreadableSheet(said("import.sheet-not-spreadsheet", path=path))
    else:
        return "csv"
    if fmt != "xlsx" and suffix != f".{fmt}":
        raise UnreadableSheet(said("import.sheet-wrong-extension", path=path, format=fmt.upper(), suffix=fmt))
    return fmt


def _reason(path: Path, fmt: str, error: BaseException) -> Said:
    """Why a parser refused the file: its own words (a field, left as it says them), or an entity bomb."""
    cause: BaseException | None = error
    while cause is not None:  # openpyxl wraps the refusal in its own "invalid XML" error
        if isinstance(cause, DefusedXmlException):
            return said("import.sheet-entities", path=path, format=fmt.upper())
        cause = cause.__cause__ or cause.__context__
    reason = " ".join(str(error).split()) or type(error).__name__
    return said("import.sheet-unreadable", path=path, format=fmt.upper(), reason=reason)


def _empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _used(cells: Sequence[Any]) -> int:
    """How many cells a row has up to its last non-empty one."""
    width = len(cells)
    while width and _empty(cells[width - 1]):
        width -= 1
    return width


def _letters(column: int) -> str:
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def _collect(
    path: Path, fmt: str, rows: Iterator[tuple[int, Sequence[Any]]], limits: SheetLimits
) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """The header and the body: blank rows left out, trailing empty cells cut, limits checked per row."""
    where = "line" if fmt == "csv" else "row"
    headers: list[Any] | None = None
    body: list[tuple[int, list[Any]]] = []
    count = cells = 0
    for number, row in rows:
        width = _used(row)
        if not width:
            if fmt != "csv" and number > _EXCEL_ROWS:  # openpyxl yields every missing row up to a far one
                raise UnreadableSheet(said("import.sheet-row-past-end", path=path, last=f"{_EXCEL_ROWS:,}"))
            continue
        count += 1
        if (count if fmt == "csv" else number) > limits.max_rows:
            raise UnreadableSheet(
                said("import.sheet-too-many-rows", path=path, max=f"{limits.max_rows:,}", where=where, number=number)
            )
        if width > limits.max_columns:
            if fmt == "csv":
                wide = said("import.sheet-line-cells", width=f"{width:,}")
            else:
                wide = said("import.sheet-row-cells", column=_letters(width))
            raise UnreadableSheet(
                said(
                    "import.sheet-too-many-columns",
                    path=path,
                    where=where,
                    number=number,
                    cells=wide.text("en"),
                    cells_zh=wide.text("zh"),
                    max=f"{limits.max_columns:,}",
                )
            )
        cells += width
        if cells > limits.max_cells:
            raise UnreadableSheet(
                said("import.sheet-too-many-cells", path=path, max=f"{limits.max_cells:,}", where=where, number=number)
            )
        if headers is None:
            headers = list(row[:width])
        else:
            body.append((number, list(row[:width])))
    if headers is None:
        raise UnreadableSheet(said("import.sheet-empty", path=path))
    return headers, body


# --- CSV ---------------------------------------------------------------------------------------


def _decode(path: Path) -> tuple[str, str]:
    """UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), else GB18030 (a superset of
    GBK, what Excel writes as "CSV" on a Chinese Windows)."""
    raw = path.read_bytes()
    encodings: tuple[str, ...]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif raw.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableSheet(said("import.sheet-encoding", path=path))


def _csv_rows(path: Path, text: str, limits: SheetLimits) -> Generator[tuple[int, list[str]], None, None]:
    """(line the row starts on, cells) of each row, refusing what would be read wrong (see the module)."""
    found = re.search(r"[^\r\n]*\S[^\r\n]*", text)  # the first line that is not blank
    first = found.group() if found else ""
    tabs, commas = first.count("\t"), first.count(",")
    delimiter = "\t" if tabs > commas else ";" if ";" in first and not commas else ","
    lines: list[str] = []  # the physical lines of the row being read
    done = []  # [True] once the text has run out

    def feed() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):  # splits at \r\n, \r and \n, as csv does
            lines.append(line)
            yield line
        done.append(True)

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    previous = csv.field_size_limit(len(text) + 1)  # every cell gets through, to be measured below
    try:
        end, width = 0, None  # the last line read; the header's width
        while True:
            lines.clear()
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                start = end + 1
                spans = _quotes(lines, start, delimiter)
                if done and spans and spans[-1][1] is None:
                    raise UnreadableSheet(said("import.csv-unclosed-quote", path=path, line=spans[-1][0])) from None
                raise UnreadableSheet(
                    _swallowed(path, lines, start, delimiter, width, True)
                    or said("import.csv-error", path=path, line=reader.line_num, error=error)
                ) from None
            start, end = end + 1, reader.line_num
            used = _used(cells)
            if not used:
                continue
            if width is None:
                width = used
            else:
                wrong = used > width or len(cells) < width
                if len(lines) > 1 and (problem := _swallowed(path, lines, start, delimiter, width, wrong)):
                    raise UnreadableSheet(problem)
                if wrong:
                    raise UnreadableSheet(
                        said(
                            "import.csv-cell-count",
                            path=path,
                            line=start,
                            cells=used if used > width else len(cells),
                            header=width,
                        )
                    )
            for column, cell in enumerate(cells, 1):
                if len(cell) > limits.max_cell_chars:
                    raise UnreadableSheet(
                        said(
                            "import.csv-cell-too-long",
                            path=path,
                            line=start,
                            column=column,
                            length=f"{len(cell):,}",
                            max=f"{limits.max_cell_chars:,}",
                        )
                    )
            yield start, cells
    finally:
        csv.field_size_limit(previous)


def _quotes(lines: list[str], first: int, delimiter: str) -> list[tuple[int, int | None]]:
    """(line it opens on, line it closes on or None) of each quoted cell in a row's lines, read as csv reads
    them: a quote opens a cell only at its start, and "" inside one is a quote."""
    spans: list[tuple[int, int | None]] = []
    opened: int | None = None
    for number, line in enumerate(lines, first):
        at = line.find('"')
        while at >= 0:
            if opened is None:
                if at == 0 or line[at - 1] == delimiter:
                    opened = number
            elif line.startswith('"', at + 1):
                at += 1
            else:
                spans.append((opened, number))
                opened = None
            at = line.find('"', at + 1)
    if opened is not None:
        spans.append((opened, None))
    return spans


def _swallowed(path: Path, lines: list[str], first: int, delimiter: str, width: int | None, wrong: bool) -> Said | None:
    """The classic broken export: a stray quote makes the following rows one cell. It shows as a quoted cell
    whose continued lines each have the delimiters of a whole row. A genuine multi-line note has none, or
    (in the first column) a single continued line in a row that is otherwise right."""
    if not width or width < 2:
        return None
    for opened, closed in _quotes(lines, first, delimiter):
        if closed is None or closed == opened:
            continue
        continued = lines[opened + 1 - first : closed + 1 - first]
        if (wrong or len(continued) > 1) and all(line.count(delimiter) >= width - 1 for line in continued):
            return said("import.csv-swallowed", path=path, line=opened, closed=closed, next=opened + 1)
    return None


# --- XLSX (openpyxl) ---------------------------------------------------------------------------------


def _open_zip(path: Path, limits: SheetLimits) -> zipfile.ZipFile:
    """The archive, once its directory promises nothing a zip bomb would."""
    archive = zipfile.ZipFile(path)
    members = archive.infolist()
    total = sum(member.file_size for member in members)
    bomb = next(
        (
            member
            for member in members
            if member.file_size > _RATIO_FLOOR and member.file_size > _RATIO * max(member.compress_size, 1)
        ),
        None,
    )
    if total > limits.max_uncompressed_bytes:
        problem = said("import.zip-too-large", path=path, total=f"{total:,}", max=f"{limits.max_uncompressed_bytes:,}")
    elif bomb:
        problem = said(
            "import.zip-bomb",
            path=path,
            member=bomb.filename,
            size=f"{bomb.file_size:,}",
            compressed=f"{bomb.compress_size:,}",
        )
    elif len({member.filename for member in members}) < len(members):
        problem = said("import.zip-same-name", path=path)  # which one would a reader take?
    else:
        return archive
    archive.close()
    raise UnreadableSheet(problem)


def _xlsx_rows(path: Path, limits: SheetLimits) -> Generator[tuple[int, tuple[Any, ...]], None, None]:
    _open_zip(path, limits).close()
    from openpyxl import load_workbook

    with path.open("rb") as handle:  # given a path ending in .xls, openpyxl would refuse it by its name
        book = load_workbook(handle, read_only=True, data_only=True)
        try:
            if not book.worksheets:
                raise UnreadableSheet(said("import.sheet-no-worksheet", path=path))
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # the declared <dimension> would pad every row to it
            # from A1 explicitly: otherwise openpyxl starts at the dimension's top left and skips what is before
            yield from enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), 1)
        finally:
            book.close()


# --- XLS and ODS (calamine) ------------------------------------------------------------------------


def _calamine_rows(path: Path, fmt: str, limits: SheetLimits) -> Generator[tuple[int, list[Any]], None, None]:
    (_check_xls if fmt == "xls" else _check_ods)(path, limits)
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_path(str(path))
    try:
        kinds = [sheet.typ for sheet in book.sheets_metadata]
        index = kinds.index(SheetTypeEnum.WorkSheet) if SheetTypeEnum.WorkSheet in kinds else None
        if index is None:
            raise UnreadableSheet(said("import.sheet-no-worksheet", path=path))
        sheet = book.get_sheet_by_index(index)
        if sheet.start:  # None for an empty sheet, where iter_rows() panics
            # iter_rows() yields the empty rows above the used area too, but starts the rows at its left edge
            left = [""] * sheet.start[1]
            for number, row in enumerate(sheet.iter_rows(), 1):
                yield number, left + row
    finally:
        book.close()


def _refuse_area(path: Path, sheet: str, rows: int, columns: int, limits: SheetLimits) -> None:
    """calamine would hold `rows` x `columns` cells for this sheet."""
    if rows > limits.max_rows or columns > limits.max_columns or rows * columns > limits.max_cells:
        raise UnreadableSheet(
            said(
                "import.sheet-area-too-large",
                path=path,
                sheet=sheet,
                rows=f"{rows:,}",
                columns=f"{columns:,}",
                max_rows=f"{limits.max_rows:,}",
                max_columns=f"{limits.max_columns:,}",
                max_cells=f"{limits.max_cells:,}",
            )
        )


class _OdsArea(ContentHandler):
    """Scans content.xml as calamine reads it, refusing a workbook whose non-empty cells, repeats expanded,
    span more than the limits in a sheet (calamine stores every row from the first to the last non-empty
    one, each as wide as the widest), or whose text, repeats expanded, is over the bound of _refuse_text
    (calamine copies a repeated cell's text into each copy). Element names are matched with their usual
    prefixes, as calamine matches them, not by namespace."""

    def __init__(self, path: Path, limits: SheetLimits):
        super().__init__()
        self.path, self.limits, self.text = path, limits, 0
        self.name, self.row, self.top, self.bottom, self.right = "", 0, None, 0, 0
        self.repeat = self.column = self.span = self.chars = self.row_text = 0
        self.in_cell = self.cell_filled = self.row_filled = False

    def startElement(self, name, attrs):
        if name == "table:table":
            self.name, self.row, self.top, self.bottom, self.right = attrs.get("table:name", ""), 0, None, 0, 0
        elif name == "table:table-row":
            self.repeat = int(attrs.get("table:number-rows-repeated", 1))
            self.column, self.row_text, self.row_filled = 0, 0, False
        elif name in ("table:table-cell", "table:covered-table-cell"):
            self.span, self.in_cell = int(attrs.get("table:number-columns-repeated", 1)), True
            values = [
                attrs.getValue(key) for key in attrs.getNames() if key.startswith("office:") or key == "table:formula"
            ]  # a value, or a type calamine reads
            self.cell_filled, self.chars = bool(values), sum(map(len, values))
        elif self.in_cell:  # text or a note in the cell
            self.cell_filled = True
            if name == "text:s":  # spaces, as many as it says
                self.chars += int(attrs.get("text:c", 1))

    def characters(self, content):
        if self.in_cell:
            self.chars += len(content)

    def endElement(self, name):
        if name in ("table:table-cell", "table:covered-table-cell"):
            self.column += self.span
            if self.cell_filled:
                self.right, self.row_filled = max(self.right, self.column), True
                self.row_text += self.chars * self.span
            self.in_cell = False
        elif name == "table:table-row":
            if self.row_filled:
                self.top = self.row if self.top is None else self.top
                self.bottom = self.row + self.repeat
                _refuse_area(self.path, repr(self.name), self.bottom - self.top, self.right, self.limits)
                self.text += self.row_text * self.repeat
                _refuse_text(self.path, self.text, self.limits)
            self.row += self.repeat


def _check_ods(path: Path, limits: SheetLimits) -> None:
    from defusedxml.sax import parse

    with _open_zip(path, limits) as archive:
        for name in ("META-INF/manifest.xml", "content.xml"):  # what calamine inflates whole
            if name not in archive.NameToInfo:
                continue  # calamine says it is missing
            # one byte past the declared size: a member that inflates further fails its CRC here
            member = copy.copy(archive.getinfo(name))
            member.file_size += 1
            with archive.open(member) as stream:
                if name == "content.xml":
                    parse(stream, _OdsArea(path, limits))
                else:
                    while stream.read(2**20):
                        pass


_END, _MARKERS, _DIFSECT = 0xFFFFFFFE, 0xFFFFFFFA, 0xFFFFFFFC  # end of chain; ids from here are not sectors
_CELL_RECORDS = {0x0006, 0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD}  # Formula, Number, Label, RString,
# BoolErr, RK, LabelSst: the records calamine turns into a cell (row, column first); MulRk (0x00BD) is a run


def _u32s(data: bytes) -> tuple[int, ...]:
    return struct.unpack_from(f"<{len(data) // 4}I", data)


def _workbook_stream(data: bytes) -> bytes:
    """The Workbook stream of a compound file, read as calamine reads it but refusing what would make it
    loop, panic or allocate without bound: counts past the file, chains that loop or leave their table."""
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise ValueError("not a compound file (sector size)")
    size = 1 << shift
    sectors = (len(data) - 1) // size  # after the header, which takes one sector; the last may be short
    fat_count, directory, _, _, minifat_start, minifat_count, difat_next = struct.unpack_from("<7I", data, 44)
    if fat_count > sectors or minifat_count > sectors:
        raise ValueError("the header counts more sectors than the file has")
    # calamine reserves room for as many sector numbers as the u32 at 62 says (it reads the DIFAT count there,
    # not at 72); in real files that is half the mini FAT's start and half its count, well under 2**24
    if struct.unpack_from("<I", data, 62)[0] > 2**24:
        raise ValueError("a header field out of range")

    def sector(number: int) -> bytes:
        if number >= sectors:
            raise ValueError(f"sector {number} is past the end of the file")
        return data[(number + 1) * size : (number + 2) * size]

    def chain(first: int, table: tuple[int, ...]) -> list[int]:
        numbers: list[int] = []
        while first != _END:
            if first >= len(table) or len(numbers) >= len(table):
                raise ValueError("a sector chain leaves its table or loops")
            numbers.append(first)
            first = table[first]
        return numbers

    difat = list(_u32s(data[76:512]))
    for _ in range(sectors + 1):
        if difat_next >= _MARKERS:
            break
        *more, difat_next = _u32s(sector(difat_next))
        difat += more
    else:
        raise ValueError("the sector allocation chain loops")
    fat = _u32s(b"".join(sector(number) for number in difat if number < _DIFSECT))
    listing = b"".join(sector(number) for number in chain(directory, fat))
    entries = [listing[at : at + 128] for at in range(0, len(listing) - 127, 128)]
    if not entries:
        raise ValueError("no directory")

    def length(entry: bytes) -> int:
        return struct.unpack_from("<I" if size == 512 else "<Q", entry, 120)[0]

    def stream(entry: bytes, mini: tuple[bytes, tuple[int, ...]] | None = None) -> bytes:
        first = struct.unpack_from("<I", entry, 116)[0]
        if mini is None:
            return b"".join(sector(number) for number in chain(first, fat))[: length(entry)]
        ministream, minifat = mini
        numbers = chain(first, minifat)
        if any((number + 1) * 64 > len(ministream) for number in numbers):
            raise ValueError("a mini sector past the mini stream")
        return b"".join(ministream[number * 64 : (number + 1) * 64] for number in numbers)[: length(entry)]

    mini = None
    if minifat_count:  # calamine reads the mini stream whenever there is one
        minifat = _u32s(b"".join(sector(number) for number in chain(minifat_start, fat)))
        mini = (stream(entries[0]), minifat)
    names = {entry[:64].decode("utf-16-le", "replace").split("\0")[0]: entry for entry in reversed(entries)}
    for name in ("Workbook", "Book", "WORKBOOK", "BOOK"):
        if name in names:
            entry = names[name]
            small = length(entry) < 4096  # calamine's cut-off, whatever the header says
            if small and mini is None:
                raise ValueError("a small stream and no mini stream")
            return stream(entry, mini if small else None)
    raise ValueError("no Workbook stream")


def _records(stream: bytes, at: int) -> Iterator[tuple[int, memoryview]]:
    """(type, data) of each BIFF record from `at` on."""
    view = memoryview(stream)
    while at + 4 <= len(view):
        kind, length = struct.unpack_from("<HH", view, at)
        yield kind, view[at + 4 : at + 4 + length]
        at += 4 + length


def _check_xls(path: Path, limits: SheetLimits) -> None:
    """Refuses an .xls that calamine would blow up when it opens it, checking every sheet as calamine reads
    them all: a Dimensions record declaring a huge range (calamine reserves it), cells spanning a huge
    rectangle (calamine makes it dense), a shared string in many cells (calamine copies it into each)."""
    stream = _workbook_stream(path.read_bytes())
    starts: list[int] = []
    strings: list[memoryview] = []
    in_strings = False
    for kind, data in _records(stream, 0):
        if kind == 0x000A:  # EOF of the workbook globals
            break
        if kind == 0x0085 and len(data) >= 4:  # BoundSheet: where a sheet's records start
            starts.append(struct.unpack_from("<I", data)[0])
        in_strings = kind == 0x00FC or (in_strings and kind == 0x003C)  # SST and its Continue records
        if kind == 0x00FC:
            strings = []
        if in_strings:
            strings.append(data)
    lengths, text = _string_lengths(strings) if strings else [], 0
    for number, start in enumerate(starts, 1):
        top = left = 1 << 32
        bottom = right = count = depth = 0
        for kind, data in _records(stream, start):
            if kind == 0x0809:  # BOF: the sheet's own, then those of embedded charts, which calamine skips
                depth += 1
            elif kind == 0x000A:
                depth -= 1
                if depth <= 0:
                    break
            elif depth > 1:
                continue
            elif kind == 0x0200 and len(data) in (10, 14):
                _refuse_area(path, str(number), *_declared(data), limits)
            elif (kind in _CELL_RECORDS and len(data) >= 4) or (kind == 0x00BD and len(data) >= 6):
                row, column = struct.unpack_from("<HH", data)
                last = struct.unpack_from("<H", data, len(data) - 2)[0] if kind == 0x00BD else column
                top, bottom = min(top, row), max(bottom, row)
                left, right = min(left, column, last), max(right, column, last)
                count += last - column + 1 if last >= column else 1
                if count > limits.max_cells:  # calamine lists them all before it places them
                    raise UnreadableSheet(
                        said("import.sheet-cells-in-sheet", path=path, sheet=number, max=f"{limits.max_cells:,}")
                    )
                if kind == 0x00FD and len(data) >= 10:  # LabelSst: a shared string, copied into the cell
                    index = struct.unpack_from("<I", data, 6)[0]
                    text += lengths[index] if index < len(lengths) else 0
                    _refuse_text(path, text, limits)
        if count:
            _refuse_area(path, str(number), bottom - top + 1, right - left + 1, limits)


def _declared(data: memoryview) -> tuple[int, int]:
    """The rows and columns of a Dimensions record, computed as calamine does (in u32, wrapping)."""
    first_row, last_row = struct.unpack_from("<HH" if len(data) == 10 else "<II", data)
    first_column, last_column = struct.unpack_from("<HH", data, len(data) - 6)
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    end_row, end_column = (last_row - 1, last_column - 1) if last_row and last_column else (first_row, first_column)
    return (end_row - first_row + 1) % 2**32, (end_column - first_column + 1) % 2**32


def _refuse_text(path: Path, characters: int, limits: SheetLimits) -> None:
    """The text calamine would hold, strings copied into every cell that has them, is bounded like the
    unpacked size of a zip, at 4 bytes a character (the most UTF-8 takes)."""
    if 4 * characters > limits.max_uncompressed_bytes:
        raise UnreadableSheet(
            said("import.sheet-too-much-text", path=path, max=f"{limits.max_uncompressed_bytes // 4:,}")
        )


def _string_lengths(records: list[memoryview]) -> list[int]:
    """The length of each shared string (SST and Continue records, MS-XLS 2.4.265), read as calamine reads
    them: when characters go on into the next record, it starts with a byte saying how wide they are."""
    queue = collections.deque(memoryview(record) for record in records)
    data, lengths = queue.popleft()[8:], []  # after the two string counts

    def following() -> memoryview:
        if not queue:
            raise ValueError("the shared strings run past their records")
        return queue.popleft()

    while data or queue:
        if not data:
            data = queue.popleft()
            if not data:
                lengths.append(0)
                continue
        count, flags = struct.unpack_from("<HB", data)
        data, runs, extra = data[3:], 0, 0
        if flags & 8:  # formatting runs
            runs, data = struct.unpack_from("<H", data)[0], data[2:]
        if flags & 4:  # phonetic data
            extra, data = struct.unpack_from("<i", data)[0], data[4:]
        left, width = count, 2 if flags & 1 else 1
        while True:
            chars = min(left, len(data) // width)
            data, left = data[chars * width :], left - chars
            if not left:
                break
            data = following()
            data, width = data[1:], 2 if data[0] & 1 else 1
        for size in (4 * runs, extra):
            if size < 0:
                raise ValueError("a negative size in the shared strings")
            while size:
                data = data or following()
                used = min(size, len(data))
                data, size = data[used:], size - used
        lengths.append(count)
    return lengths
