"""How each output format must carry text from a record, a commit or a sheet: one rule per format,
used by every writer of that format (CLI and CI annotations, Markdown summaries and comments,
CSV/XLSX, XML feeds, vCard/iCalendar, HTML pages). Nothing here knows a record; every function
takes text and returns text that format shows as written."""

from __future__ import annotations

import re

# --- terminal and logs ---------------------------------------------------------------------------
# What a terminal or a log viewer would act on instead of showing: C0 and C1 controls
# (escape sequences, carriage returns that overwrite a line), bidirectional overrides and
# isolates that reverse what follows them, line separators, lone surrogates, non-characters.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff]"
)


def terminal_safe(text: str) -> str:
    """`text` with every unsafe character written as a visible escape (\\x1b, \\u202e)."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# --- Markdown (pull-request summaries, issue comments) ----------------------------------------------

_BACKTICKS = re.compile("`+")


def markdown_code(text: str) -> str:
    """`text` as a Markdown code span: shown as written, never read as Markdown or HTML (no link,
    image, heading, emphasis, @mention or autolink), control and bidi characters escaped."""
    text = terminal_safe(text)
    if not text:
        return ""
    fence = "`" * (max(map(len, _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if (text[0] in "` " or text[-1] in "` ") and text.strip(" ") else ""  # the reader strips one each side
    return f"{fence}{pad}{text}{pad}{fence}"


# --- spreadsheets, XML, vCard and iCalendar --------------------------------------------------------

# A spreadsheet reads a cell as a formula when it starts with = + - @, also after leading
# whitespace, and some readers drop a leading TAB, CR or LF first (OWASP, CSV injection).
FORMULA_START = re.compile(r"[\t\r\n]|\s*[=+\-@]")
FORMULA_GUARD = "'"  # `crm import` takes it off again (importing.values)


def formula_guarded(value: str) -> str:
    """The one guard of CSV and XLSX cells: a text a spreadsheet could run as a formula gets an
    apostrophe in front, so it is shown as text (and openpyxl stores it as text, not as a formula)."""
    return FORMULA_GUARD + value if FORMULA_START.match(value) else value


def csv_cell(value):
    """A CSV cell, for every CSV plaincrm writes (downloads, `crm export`, `crm report --format csv`):
    no character a terminal acts on, and no formula."""
    if isinstance(value, str):
        return formula_guarded(xml_text(value))
    return "" if value is None else value


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


# --- right-to-left text -----------------------------------------------------------------------
# A record's text may carry bidi controls (UAX #9): an override (U+202E) reverses what follows it
# until it is closed, which a name could use to make the text after it read backwards. Record text
# is isolated wherever it shares a line with other text (<bdi> in HTML, FSI…PDI in plain text), and
# its own controls are balanced so that nothing it opens stays open and nothing it closes is not
# its own: a stray PDI would otherwise end the isolate around it.
_OPENERS = {
    "\u202a": "\u202c",
    "\u202b": "\u202c",
    "\u202d": "\u202c",
    "\u202e": "\u202c",
    "\u2066": "\u2069",
    "\u2067": "\u2069",
    "\u2068": "\u2069",
}
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_balanced(value: str) -> str:
    """The text with every embedding, override and isolate it opens closed at its end, and every
    closer without its opener dropped (the matching rules of UAX #9, X6a and X7)."""
    if BIDI_CONTROL.search(value) is None:
        return value  # nearly every text: nothing to do
    out: list[str] = []
    open_: list[str] = []  # the openers in force, innermost last
    isolates = 0  # how many of them are isolates (a count, so that a long text stays linear)
    for char in value:
        if char in _OPENERS:
            open_.append(char)
            isolates += _OPENERS[char] == "\u2069"
        elif char == "\u202c":  # PDF: closes an embedding or override, never an isolate
            if not open_ or _OPENERS[open_[-1]] != "\u202c":
                continue
            open_.pop()
        elif char == "\u2069":  # PDI: closes the innermost isolate and whatever is open inside it
            if not isolates:
                continue
            while _OPENERS[open_.pop()] != "\u2069":
                pass
            isolates -= 1
        out.append(char)
    out.extend(_OPENERS[o] for o in reversed(open_))
    return "".join(out)


_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u061c\u200f\u202a-\u202e\u2066-\u2069]")


def isolated(value: str) -> str:
    """Plain text (a title, a feed entry) isolated from the text around it: FSI, the balanced text,
    PDI; only where it holds right-to-left letters or bidi controls, so that an ordinary name is
    copied from a feed reader without invisible characters."""
    return "\u2068" + bidi_balanced(value) + "\u2069" if _RIGHT_TO_LEFT.search(value) else value
