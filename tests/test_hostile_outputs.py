"""Hostile record text at every output boundary: CSV/XLSX formulas, vCard and iCalendar lines,
XML the feed readers refuse, bidi overrides on the page, `crm pages` and its folder, site file
names on Windows and macOS, and the terminal."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plaincrm.calendar_feed import calendar, events
from plaincrm.escaping import FORMULA_START, bidi_balanced
from plaincrm.escaping import terminal_safe as terminal_text
from plaincrm.exporting import csv_bytes, xlsx_book
from plaincrm.history.audit import Entry
from plaincrm.problems import ProblemError
from plaincrm.records_export import to_vcards
from plaincrm.reminders import Reminder
from plaincrm.show import RecordText, table_lines
from plaincrm.site.atom import atom_feed
from plaincrm.site.build import build_for_site
from plaincrm.site.export import MANIFEST, write_pages
from plaincrm.site.pages import slug

from .conftest import make_repo

TODAY = date(2026, 11, 23)
# Text a user can paste: every line-break form, controls, bidi controls, XML-forbidden characters.
NASTY = st.text(
    st.one_of(
        st.sampled_from(
            list(
                "=+-@ \t\r\n\x0b\x0c\x1b\x00\x1c\x1e\x7f\x85\u2028\u2029\u202e\u202d\u2066\u2069\u200f"
                "\ufffe\ud800,;:\\\"'<>&"
            )
        ),
        st.characters(),
    ),
    max_size=40,
)
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


# --- 1. CSV and XLSX: one formula guard -------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(NASTY)
@example("\t=1+1")
@example("\r=cmd|' /C calc'!A0")
@example("\n+1")
@example('  =HYPERLINK("x")')
@example("\u3000@SUM(A1)")
@example("#N/A")
def test_no_cell_reaches_a_spreadsheet_as_a_formula(text):
    import openpyxl

    [cell] = list(csv.reader(io.StringIO(csv_bytes([[text]]).decode("utf-8-sig"), newline="")))[0] or [""]
    assert not FORMULA_START.match(cell) or cell.startswith("'")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_book([("t", ["h"], [[text]])])))["t"]
    stored = sheet.cell(2, 1)
    assert stored.data_type not in ("f", "e")  # never a formula, nor an error value
    value = stored.value if isinstance(stored.value, str) else ""
    assert not FORMULA_START.match(value) or value.startswith("'")


# --- 2. vCard: a name cannot add a property line ------------------------------------------------


@pytest.fixture(scope="module")
def customer(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("vcard") / "repo")
    path = repo.good()
    project = repo.project
    from plaincrm.validation import RecordChecker

    check = RecordChecker(project, mask=False).check_file(path, keep_data=True)
    return project, project.customer_adapter.validate_python(check.data)


@settings(max_examples=150, deadline=None)
@given(name=NASTY, title=NASTY, phone=NASTY, org=NASTY)
@example(name="张经理\rTEL:+86 999", title="x", phone="1", org="A")
@example(name="a\u2028EMAIL:x@y", title="\x85NOTE:x", phone="\r\n", org="\nORG:evil")
def test_vcard_has_exactly_its_property_lines(customer, name, title, phone, org):
    _, customer = customer
    contact = type(customer.contacts[0]).model_construct(name=name, title=title, phone=phone)
    model = customer.model_copy(update={"name": org, "contacts": [contact]})
    out = to_vcards(SimpleNamespace(customers={model.id: SimpleNamespace(model=model)}), [model.id]).decode("utf-8")
    expected = ["BEGIN", "VERSION", "FN", "ORG", "UID", "TITLE", *(["TEL"] if phone else []), "NOTE", "END"]
    lines = out.split("\r\n")
    assert lines[-1] == "" and [line.split(":", 1)[0] for line in lines[:-1]] == expected
    assert out.splitlines() == lines[:-1]  # no other line break a reader could split on
    assert not re.search("[\x00-\x08\x0a-\x1f\x7f-\x9f]", out.replace("\r\n", ""))


# --- 3. XML and iCalendar outputs ---------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(subject=NASTY, author=NASTY, name=NASTY, line=NASTY)
@example(subject="fix\x1b[2J\x00", author="eve\x1f", name="A\ud800\ufffe", line="\x0b")
def test_the_atom_feed_parses_whatever_the_commits_and_records_say(subject, author, name, line):
    entry = Entry("0" * 40, "2026-11-01T10:00:00Z", author, subject, None, (line,), "records/customers/C1.yaml")
    feed = atom_feed(
        [entry], title="t", feed_id="urn:x", page_url="changes/", describe=lambda e: (name, "customers/C1.html")
    )
    root = ET.fromstring(feed)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    title = root.find("a:entry/a:title", ns).text or ""
    kept = re.sub(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "", subject)
    assert bidi_balanced(re.sub("\r\n?", "\n", kept)) in title  # XML reads every line end as LF
    assert root.find("a:entry/a:author/a:name", ns) is not None


@settings(max_examples=100, deadline=None)
@given(name=NASTY, note=NASTY)
@example(name="客户\rDTSTART:19700101", note="a\nBEGIN:VEVENT")
@example(name="\u2028x\x85", note="\x00\x1b")
def test_calendar_events_keep_their_lines(name, note):
    import icalendar

    reminder = Reminder("key_date", "C1", name, "li.wei", TODAY, "birthday", note, "k1", yearly=True)
    feed = calendar([events(reminder, TODAY, lambda r: (r.customer_name, r.note))], name=name).decode("utf-8")
    lines = feed.split("\r\n")
    assert feed.splitlines() == lines[:-1]
    assert [line.split(":", 1)[0].split(";")[0] for line in lines if line and not line.startswith(" ")].count(
        "DTSTART"
    ) == 2
    parsed = icalendar.Calendar.from_ical(feed)
    summaries = [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")]
    assert len(summaries) == 2 and summaries[0] == re.sub(
        "[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]",
        "",
        re.sub("\r\n|[\r\n\x85\u2028\u2029]", "\n", name),
    )


# --- 4. bidi: overrides stay inside the record's text ------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(BIDI + "ab"), max_size=30))
def test_bidi_controls_are_balanced(text):
    out = bidi_balanced(text)
    stack = []
    for char in out:
        if char in "\u202a\u202b\u202d\u202e\u2066\u2067\u2068":
            stack.append(char)
        elif char == "\u202c":
            assert stack and stack.pop() in "\u202a\u202b\u202d\u202e"
        elif char == "\u2069":  # closes its isolate and what is open inside it (UAX #9, X6a)
            assert any(o in "\u2066\u2067\u2068" for o in stack)
            while stack.pop() not in "\u2066\u2067\u2068":
                pass
    assert stack == []
    assert re.sub(f"[{BIDI}]", "", out) == re.sub(f"[{BIDI}]", "", text)  # the text itself is kept


RLO_NAME = "阿里\u202e反转\u2069\u202e公司"  # an override, and a stray PDI that would end an isolate early


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("hostile") / "repo")
    team = repo.root / "records" / "team.yaml"
    team.write_text(
        team.read_text(encoding="utf-8").replace("name: 李伟", 'name: "李伟\\u202e\\u2069\\u202e"'), encoding="utf-8"
    )
    repo.good(name=f'"{RLO_NAME}"')
    tags = ["VIP", "vip", "CON", "aux.txt", "a/b", "..", "x.", "y ", "长" * 300, "Index", "index"]
    repo.good("C20240501002", "B公司", **{"tags: [高意向]": "tags: [" + ", ".join(f'"{t}"' for t in tags) + "]"})
    return build_for_site(repo.root, today=TODAY, history=False)[1]


def test_every_site_path_is_unique_and_valid_on_every_file_system(hostile_site):
    paths = (
        [p.src for p in hostile_site.pages] + [p.src for p in hostile_site.customer_pages()] + list(hostile_site.files)
    )
    folded = [unicodedata.normalize("NFC", p).casefold() for p in paths]
    assert len(set(folded)) == len(paths)
    tag_pages = [p for p in paths if p.startswith("segments/tags/")]
    assert len(tag_pages) == 12  # 高意向 and the eleven hostile tags: one page each
    for path in paths:
        for part in path.split("/"):
            assert part and len(part.encode("utf-8")) <= 255 and part[-1] not in ". " and not part.startswith(".")
            assert not re.search(r'[<>:"\\|?*\x00-\x1f]', part)
            assert part.split(".")[0].lower() not in {
                "con",
                "prn",
                "aux",
                "nul",
                *(f"com{i}" for i in range(10)),
                *(f"lpt{i}" for i in range(10)),
            }


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
@example("VIP", "vip")
@example("e\u0301", "\u00e9")
@example("vip", "VIP-" + "0" * 16)
def test_slugs_never_meet_without_case_or_normalisation(a, b):
    for upper in (False, True):
        made = slug(a, upper)
        assert made and "/" not in made and made[-1] not in ". " and not made.startswith(".")
        if a != b:
            assert (
                unicodedata.normalize("NFC", made).casefold() != unicodedata.normalize("NFC", slug(b, upper)).casefold()
            )


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
def test_a_right_to_left_override_does_not_reverse_the_text_after_it(hostile_site):
    if not Path(CHROMIUM).exists():
        if os.environ.get("PLAINCRM_REQUIRE_BROWSER") == "1":
            pytest.fail("no Chromium: apt-get install chromium")
        pytest.skip("no Chromium: install Debian's browser with `apt-get install chromium` (see README)")
    from playwright.sync_api import sync_playwright

    owner = next(p for p in hostile_site.pages if p.src == "owners/li.wei.md")
    home = next(p for p in hostile_site.pages if p.src == "index.md")
    assert "\u202e" in owner.html  # the override is kept (it may be meant), only contained
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.set_content(
                f'<!doctype html><meta charset="utf-8"><body style="font-size:20px">{owner.html}{home.html}</body>'
            )
            # the owner's heading: the name, then the handle and role; with the override leaking, they come first
            name, small = (
                page.locator("h1 > :first-child").first.bounding_box(),
                page.locator("h1 small").first.bounding_box(),
            )
            assert small["x"] >= name["x"] + name["width"] - 1
            # the newest customers: "<name> · 2024-05-01" — the date after the name reads left to right
            order = page.evaluate("""() => {
                const li = [...document.querySelectorAll('li')].find(li => li.textContent.includes('\u516c\u53f8') && li.querySelector('a'));
                const text = li.lastChild;  // " · 2024-05-01"
                const at = i => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1); return r.getBoundingClientRect().x; };
                const s = text.textContent, first = s.indexOf('2'), last = s.lastIndexOf('1');
                return [at(first), at(last), li.querySelector('a').getBoundingClientRect().right, at(first)];
            }""")
            assert order[0] < order[1] and order[2] <= order[3] + 1
        finally:
            browser.close()


# --- 5. crm pages touches only what it wrote inside OUT ----------------------------------------


def test_pages_never_write_through_links_or_delete_outside(hostile_site, tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.txt"
    precious.write_text("keep")
    out.mkdir()
    (out / "customers").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ProblemError) as refused:
        write_pages(hostile_site, out)
    assert "symbolic link" in str(refused.value) and sorted(os.listdir(outside)) == ["precious.txt"]
    assert sorted(os.listdir(out)) == ["customers"]  # refused before anything was written
    (out / "customers").unlink()
    (out / MANIFEST).write_text(f"{precious}\n../outside/precious.txt\ncustomers/../../outside/precious.txt\n")
    assert write_pages(hostile_site, out).files > 10
    assert precious.read_text() == "keep"
    # a page replaced by a link to a file outside: refused, the file outside unchanged
    (out / "index.md").unlink()
    (out / "index.md").symlink_to(precious)
    with pytest.raises(ProblemError):
        write_pages(hostile_site, out)
    assert precious.read_text() == "keep"
    # a manifest that is a link to a file outside is neither followed nor written through
    (out / "index.md").unlink()
    (out / MANIFEST).unlink()
    (out / MANIFEST).symlink_to(precious)
    with pytest.raises(ProblemError):
        write_pages(hostile_site, out)
    assert precious.read_text() == "keep"


# --- 6. the terminal -----------------------------------------------------------------------------


def test_the_terminal_gets_no_control_character_from_a_record(customer):
    project, customer = customer
    model = customer.model_copy(update={"name": "A\x1b[2J\x1b]0;pwned\x07", "needs": "x\u202ey\r\nz\x9b1m"})
    shown = RecordText(project).record(model)
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    assert "A\\x1b[2J" in shown and "x\\u202ey\\x0d\\x0az\\x9b1m" in shown
    assert table_lines(["name"], [["\x1b[31mred"]]) == ["  name", "  \\x1b[31mred"]
    assert terminal_text("第一行\u2028第二行") == "第一行\\u2028第二行"
