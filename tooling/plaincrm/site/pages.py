"""Turn the derived views into pages in memory: path -> title + HTML body.

Nothing here knows about MkDocs. Every string from a record reaches HTML through
Jinja2's autoescaping (or `html.escape` for titles the adapter places itself), and
no record text is ever treated as Markdown or as a template. Every string a template prints
has its bidi controls balanced (`escaping.bidi_balanced`, Jinja's `finalize`), and record text
that shares a line with other text is isolated in a `<bdi>` (the `bdi` filter); a table
cell or heading holding only that text is a bidi paragraph of its own.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import BaseModel

from ..audience import reports_for, shown_members
from ..calendar_feed import feeds
from ..comparison import PeriodComparison, change_text, compare_periods, comparison_lines, rule_text
from ..contract import NOT_COUNTED_ORDER, get
from ..escaping import BIDI_CONTROL, FORMULA_START, bidi_balanced
from ..exporting import report_csv, report_xlsx
from ..history.audit import Entry
from ..history.changes import ChangeWords
from ..modelkit import OptionRef, marker
from ..reminders import IDLE_DAYS, Agenda, Reminder, agenda, idle_customers, pending
from ..reports import CUSTOMER, CUSTOMERS, NAME, Report, Table, Wording
from ..segments import SEGMENT_FIELDS, segment_fields
from ..show import RecordText
from ..timeline import timeline
from ..views import CustomerView, Views
from ..write.scaffold import new_record_text, next_free_id
from .atom import atom_feed
from .background import Background, Deferred
from .carrying import Same
from .charts import bar_chart, line_chart, pareto_chart
from .i18n import TEXT, text
from .search import CUSTOMER_SEARCH, Encoded, compact, customer_search, data_script

ASSET_DIR = "assets/plaincrm"
ASSETS = ("plaincrm.css", "plaincrm.js", "search.js")
INDEX_DATA = "customers/index-data.js"  # a script, not JSON: fetch() does not work on a site opened from a folder
INDEX_SRC = "customers/index.md"
SUMMARY_SRC = "reports/summary.md"  # the period summary (本期总结), beside the reports
PAGE_ROWS = 100
CASE_RECORD_FIELDS = ("place", "participants", "steps")  # a case's service record, shown under its table
# A report cell lists at most this many customers and this many characters: a duplicate group of 60 at
# 100,000 customers made a 854 KB page; the downloads keep every value.
CELL_ITEMS, CELL_CHARS = 10, 200
LIST_ROWS = 20  # the most urgent rows of a list on the home and owner pages; a link leads to all of them
URGENCY = ("red", "amber", "green", "grey")  # not contacted within the tier's cadence first; grey: no cadence
RESERVED = {"index", "team", "readme"}  # names of generated pages and feeds (MkDocs reads README as index)


@dataclass(frozen=True)
class SiteOptions:
    today: date
    lang: str = "en"
    repo_url: str | None = None
    branch: str = "main"
    directory_urls: bool = False  # customers/X/ instead of customers/X.html (the latter works from a folder)
    site_url: str | None = None  # where the site is published: absolute links in the Atom feed
    as_of: str | None = None  # built from the records as they were at this point (a date or tag, and its commit)
    pdfs: bool = True  # report PDFs (`pdf`); `mkdocs serve` leaves them out: a preview shows an edit in seconds


@dataclass(frozen=True)
class Page:
    src: str  # "customers/C20240501001.md": the path a Markdown-based engine would read it from
    title: str  # plain text; whoever places it in HTML escapes it
    html: str  # the body, safe HTML


def page_url(src: str, directory_urls: bool) -> str:
    """Where an engine publishes a page, the way MkDocs does it."""
    stem = src[: -len(".md")]
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    return stem[: -len("index")] if stem.endswith("/index") else stem + "/"


def url_file(url: str) -> str:
    """The file a published URL is served from (a folder URL serves its index.html)."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def relative_url(from_url: str, to_url: str) -> str:
    """A link from the page published at `from_url` to `to_url` (both site-relative)."""
    base = from_url if (from_url == "" or from_url.endswith("/")) else posixpath.dirname(from_url)
    if to_url == "" or to_url.endswith("/"):
        return _folder_to_folder(base, to_url.rstrip("/"))
    folder, _, name = to_url.rpartition("/")
    way = _folder_to_folder(base, folder)
    return name if way == "./" else way + name


@functools.lru_cache(maxsize=4096)  # a site has few folders; 100,000 links go between the same pairs
def _folder_to_folder(base: str, folder: str) -> str:
    """'../segments/' from 'customers' to 'segments'; './' for the same folder."""
    way = posixpath.relpath(folder or ".", base or ".")
    return "./" if way == "." else way + "/"


@dataclass
class Site:
    pages: list[Page]  # home, indexes, segments, owners
    customer_ids: list[str]  # one page each, rendered on demand (an adapter may spread them over processes)
    render_customer: Callable[[str], Page]
    customer_key: Callable[[str], tuple]  # everything a customer's page shows; equal keys, equal pages
    files: dict[str, bytes | Deferred] = field(default_factory=dict)  # assets and data, by path (see `background`)
    carry: dict = field(default_factory=dict)  # rendered pieces (rows, events, report files) for the next build

    def customer_pages(self) -> Iterator[Page]:
        return (self.render_customer(customer_id) for customer_id in self.customer_ids)


# A segment readable as it is: word characters, dots only between them (no hidden file, no
# trailing dot, which Windows drops); the hash a changed value gets (below) never ends it.
_PLAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*")
_HASHED = re.compile(r"(?:^|-)[0-9a-f]{16}$", re.IGNORECASE)
_WINDOWS_DEVICES = {
    "con",
    "prn",
    "aux",
    "nul",
    "conin$",
    "conout$",
    *(f"{port}{n}" for port in ("com", "lpt") for n in "0123456789¹²³"),
}
SEGMENT_BYTES = 96  # a readable name's limit, well inside 255 bytes and a shared folder's 260-character paths


@functools.lru_cache(maxsize=200_000)  # every link to a customer goes through here
def slug(value: str, upper: bool = False) -> str:
    """The one path segment for a value (customer ids, segment values, owner handles, calendar feeds):
    valid on Windows, macOS and Linux file systems, and distinct from every other value's even where
    names are compared without case (NTFS, APFS) or Unicode normalisation (APFS). A value is used as it
    is when it is plain: word characters, NFC, in its folder's case (lower by default; `upper` for
    customer ids, which templates write in capitals), not a Windows device name (CON, aux.txt) nor a
    generated page's name, short, and not ending like a hash. Any other value becomes a readable
    part plus 16 hex digits of its hash, so VIP and vip, or CON, never meet a plain name."""
    canonical = value.lower().upper() if upper else value.upper().lower()
    stem = value.partition(".")[0].lower()
    if (
        value == canonical
        and _PLAIN.fullmatch(value)
        and unicodedata.is_normalized("NFC", value)
        and stem not in _WINDOWS_DEVICES
        and stem not in RESERVED
        and len(value.encode("utf-8")) <= SEGMENT_BYTES
        and not _HASHED.search(value)
    ):
        return value
    readable = re.sub(r"\W+", "-", unicodedata.normalize("NFC", value[: SEGMENT_BYTES * 2])).strip("-")[:SEGMENT_BYTES]
    while len(readable.encode("utf-8")) > SEGMENT_BYTES - 17:  # characters of up to 4 bytes: a few steps
        readable = readable[:-1]
    digest = hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{readable.rstrip('-')}-{digest}" if readable else digest


def customer_src(customer_id: str) -> str:
    return f"customers/{slug(customer_id, upper=True)}.md"


def segment_src(name: str, value: str) -> str:
    return f"segments/{name}/{slug(value)}.md"


def owner_src(handle: str) -> str:
    return f"owners/{slug(handle)}.md"


def report_src(name: str) -> str:
    return f"reports/{name}.md"


def report_file(name: str, ext: str) -> str:
    return f"reports/{name}.{ext}"


def calendar_src(handle: str) -> str:
    return f"calendars/owners/{slug(handle)}.ics"


TEAM_CALENDAR = "calendars/team.ics"
CHANGES_SRC, CHANGES_FEED = "changes/index.md", "changes/feed.xml"


@dataclass(frozen=True)
class EventText:
    """A calendar event's summary and description in the site's language, from labels looked up once."""

    labels: dict[str, dict[str, str]]  # reminder kind -> value -> label

    def __call__(self, reminder: Reminder) -> tuple[str, str]:
        what = self.labels.get(reminder.kind, {}).get(reminder.what, reminder.what)
        detail = " · ".join(part for part in (reminder.customer_id, reminder.note) if part)
        return f"{reminder.customer_name} · {what}", detail


class SiteBuilder:
    """Renders every page of the site for one set of views and options."""

    def __init__(
        self,
        views: Views,
        options: SiteOptions,
        carry_before: dict | None = None,
        bytecode_cache: BytecodeCache | None = None,
    ):
        self.views, self.options = views, options
        self.project = views.dataset.project
        self.lang = options.lang
        self.members = {handle: str(member.name) for handle, member in views.dataset.team.items()}
        self.record_text = RecordText(self.project, lang=self.lang, members=self.members)
        self.env = Environment(
            loader=PackageLoader("plaincrm.site", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=bytecode_cache,
            finalize=_balanced,
        )
        self.env.filters["bdi"] = bdi
        self.env.globals.update(
            t=lambda key: text(key, self.lang),
            opt=self.option_label,
            fmt_amount=fmt_amount,
            table_rows=self.table_rows,
            field=get,  # a contract field the team may have removed
            member=lambda handle: self.members.get(handle, handle),  # a team member by name
        )
        self._carry_before = carry_before or {}
        self._compared: PeriodComparison | None = None
        self._carry: dict[tuple, Any] = {}

    def carried(self, key: tuple, make: Callable[[], Any]) -> Any:
        """A piece rendered once per build, and under `mkdocs serve` once until what it shows changes."""
        value = self._carry.get(key)
        if value is None:
            value = self._carry_before.get(key)
            if value is None:
                value = make()
            self._carry[key] = value
        return value

    def table_rows(self, rows: list[CustomerView], link) -> Markup:
        """Table rows for customer lists: one customer's row repeats on many pages (and, under
        `mkdocs serve`, in every rebuild), so it is rendered once."""
        macro = self.env.get_template("macros.html").module.customer_row  # type: ignore[attr-defined]  # a template module's macros are set when it runs
        out = []
        for view in rows:
            href = link(customer_src(view.id))
            owner = self.members.get(view.model.owner)  # the row names the owner: a renamed member shows anew
            key = (Same(view.model), view.tier.name, view.freshness, view.facts.last_contact, href, self.lang, owner)
            out.append(self.carried(key, partial(_rendered, macro, view, href)))
        return Markup("\n".join(out))

    # --- labels -----------------------------------------------------------------

    def option_label(self, list_name: str, value: str | None) -> str:
        """The value's label; "" for no value (an optional field left empty or removed from the models)."""
        if value is None:
            return ""
        options = self.project.options
        return options[list_name].label(value, self.lang) if list_name in options else value

    def segment_label(self, name: str, value: str) -> str:
        if name == "owner":
            return self.members.get(value, value)  # a team member by name (two of one name: see the owner page)
        if name == "tags":
            return value
        option_list = "tier" if name == "tier" else self._option_list_of(name)
        return self.option_label(option_list, value) if option_list else value

    def _option_list_of(self, field_name: str) -> str | None:
        for model in self.project.customer_models.values():
            info = model.model_fields.get(field_name)
            if info is not None:
                found = marker(info, OptionRef)
                return found.name if found else None
        return None

    # --- links --------------------------------------------------------------------

    def edit_url(self, file: str) -> str | None:
        if not self.options.repo_url:
            return None
        return f"{self.options.repo_url.rstrip('/')}/edit/{quote(self.options.branch)}/{quote(file)}"

    def new_customer_url(self) -> str | None:
        if not self.options.repo_url:
            return None
        team = self.views.dataset.team
        record_id = next_free_id(self.project, self.options.today)
        reader = self.views.audience.name if self.views.audience is not None else None
        owner = reader if reader in team else next(iter(team), "owner")  # a reader's new customer is theirs
        template = new_record_text(  # the empty lists show an editor where contacts and interactions go
            self.project,
            record_id,
            {"kind": "company", "name": "…", "owner": owner, "tags": [], "contacts": [], "interactions": []},
            first_contact=self.options.today,
        )
        folder = self.project.layout.customers_dir
        query = urlencode({"filename": f"{record_id}.yaml", "value": template})
        return f"{self.options.repo_url.rstrip('/')}/new/{quote(self.options.branch)}/{quote(folder)}?{query}"

    def url(self, src: str) -> str:
        return page_url(src, self.options.directory_urls)

    def link(self, from_src: str, to_src: str) -> str:
        return relative_url(self.url(from_src), self.url(to_src))

    def render(self, template: str, src: str, **context: Any) -> str:
        here = self.url(src)
        return self.env.get_template(template).render(
            link=lambda target: relative_url(here, self.url(target)),
            link_file=lambda path: relative_url(here, path),
            customer_src=customer_src,
            segment_src=segment_src,
            owner_src=owner_src,
            lang=self.lang,
            **context,
        )

    # --- the pages ------------------------------------------------------------------

    def build(self) -> Site:
        pages = [self.home(), self.customer_index(), self.segments_overview(), self.owners_overview()]
        pages += [self.segment_page(name, value) for name in SEGMENT_FIELDS for value in self.views.groups[name]]
        report_pages, files = self.reports_and_feeds()
        pages += [self.owner_page(handle) for handle in shown_members(self.views)] + report_pages
        changes, files[CHANGES_FEED] = self.recent_changes()
        pages.append(changes)
        files.update(
            {
                f"{ASSET_DIR}/{name}": resources.files("plaincrm.site").joinpath("assets", name).read_bytes()
                for name in ASSETS
            }
        )
        files[INDEX_DATA] = self.index_data()
        files[CUSTOMER_SEARCH] = customer_search(
            self.views, lambda cid: self.url(customer_src(cid)), self._option_list_of, self.lang, self.carried
        )
        files.update(self.merged_redirects())
        customers = self.views.customers
        return Site(
            pages,
            list(customers),
            lambda cid: self.customer_page(customers[cid]),
            lambda cid: self.customer_key(customers[cid]),
            files,
            self._carry,
        )

    def reports_and_feeds(self) -> tuple[list[Page], dict[str, bytes | Deferred]]:
        """The report pages with their CSV, XLSX and PDF downloads, and the calendar feeds.
        Workbooks and PDFs are made in the background (see `background`) and may still be in the making;
        PDFs only where their renderer and a Chinese font are installed (`pdf.unavailable`)."""
        from . import pdf  # here, where it is used: the PDFs are this method's business

        reports = reports_for(self.views)
        wording = self.wording()
        names = sorted((handle, member.name) for handle, member in self.views.dataset.team.items())
        background = Background()
        files: dict[str, bytes | Deferred] = {}
        reader = self.members.get(self.views.audience.name) if self.views.audience is not None else None
        site = " · ".join(filter(None, ("plaincrm", reader)))
        cover = pdf.Cover(site, self.options.today, self.options.as_of, self.reports_note())
        self.env.globals["pdf_of"] = pdf_of = {}  # report.html links a report's PDF where there is one (by its CSV)
        for report in sorted(reports, key=lambda r: -sum(len(t.rows) for t in r.tables)):  # largest first
            digest: str = self.carried(  # a report kept from the last build (`reports.all_reports`) keeps it
                ("report-digest", Same(report), tuple(names)), partial(_digest, (report.tables, names))
            )
            size = sum(len(t.rows) for t in report.tables)
            if (
                self.options.pdfs and not pdf.unavailable()
            ):  # the slowest job first, so that it starts first in the pool
                cells = partial(self.report_cells, wording=wording, src=report_src(report.name))
                make_pdf = partial(
                    pdf.report_pdf, report, wording, cover, rows=PAGE_ROWS, cells=cells, chart=self.chart
                )
                pdf_of[report_file(report.name, "csv")] = report_file(report.name, "pdf")
                files[report_file(report.name, "pdf")] = self.carried(
                    ("report", report.name, "pdf", digest, self.options.today, self.lang, cover, PAGE_ROWS),
                    partial(background.run, pdf.ROWS + size, make_pdf),
                )
            for ext, make, args in (
                ("xlsx", report_xlsx, (report, self.options.today, wording)),
                ("csv", report_csv, (report, wording)),
            ):
                files[report_file(report.name, ext)] = self.carried(
                    ("report", report.name, ext, digest, self.options.today, self.lang),
                    partial(background.run, size, make, *args),
                )
        files.update(self.calendars(background))
        background.start()
        self.period_comparison(reports)  # before the pages, over the reports just made
        pages = [self.reports_index(reports)] + [self.report_page(report, wording) for report in reports]
        pages += [self.summary_page(reports, wording)] if reports else []  # 本期总结: the notable changes
        return pages, files

    def customer_key(self, view: CustomerView) -> tuple:
        """What a customer page depends on besides its own model (compared by identity by the caller).
        Kept between builds while the view is the same object and nothing else it names changed (the
        customers it relates to, its history's commits, the names and options of the whole site): a
        rebuild makes the changed customers' keys, and the others' compare as the same objects."""
        views = self.views
        return self.carried(
            (
                "customer-key",
                Same(view),
                self._key_context,
                views.outside.get(view.id),
                tuple(views.referrals.get(view.id, ())),
                tuple(views.branches.get(view.id, ())),
                self._entries_key(view),  # a commit's pull request is learnt from a later merge, a restricted
                # reader's wording from others' names: new entries
            ),
            partial(self._customer_key, view),
        )

    def _entries_key(self, view: CustomerView) -> object:
        """The customer's history entries in a page key: the list object, which `read_history` keeps while
        they are the same; a reader's cut history (`audience.restrict`) is made anew, so by value there."""
        history = self.views.history
        if history is None:
            return None
        entries = history.of_file(view.file)
        return Same(entries) if self.views.audience is None else tuple(entries)

    @functools.cached_property
    def _key_context(self) -> str:
        """What every customer page shows of the whole site: options, team, every customer's name (a
        relation shows the other's name), as one short text to key by."""
        names = self.views.names()  # the last build's tuple while no name changed: its digest is kept
        return self.carried(
            ("key-context", Same(names), self.options, self.team_names),
            partial(_digest, (self.options, self.team_names, names)),
        )

    def _customer_key(self, view: CustomerView) -> tuple:
        related = tuple((label, tuple(items)) for label, items in self.relations(view))
        label = self._segment_labels
        labels = tuple(
            label.get((name, value)) or label.setdefault((name, value), self.segment_label(name, value))
            for name in SEGMENT_FIELDS
            for value in view.segments[name]
        )
        history = self.views.history
        return (
            Same(view.model),
            view.facts,
            view.tier,
            view.freshness,
            related,
            labels,
            self.options,
            tuple(history.of_file(view.file)) if history is not None else (),  # said in words by `history_words`
            self.team_names,  # the timeline names participants and commit authors
        )

    @functools.cached_property
    def _segment_labels(self) -> dict[tuple[str, str], str]:
        """(segment, value) -> label, filled as 10,000 customer keys ask for the same few hundred."""
        return {}

    @functools.cached_property
    def urgency_rank(self) -> dict[str, int]:
        """Each customer's place in `by_urgency` order: the segment and owner pages list theirs in it. Under
        `mkdocs serve`, the last build's while no changed customer moved in that order."""
        views, changed = self.views, self.views.changed()

        def make() -> dict[str, int]:
            kept = views.before("urgency_rank")
            if kept is not None and changed is not None and all(_urgency(a) == _urgency(b) for a, b in changed):
                return kept
            return {view.id: place for place, view in enumerate(by_urgency(list(views.customers.values())))}

        return views.memo("urgency_rank", make)

    @functools.cached_property
    def team_names(self) -> tuple:
        team = self.views.dataset.team.items()
        return tuple((handle, member.name, getattr(member, "login", None)) for handle, member in team)

    def rows(self, ids: list[str]) -> list[CustomerView]:
        return [self.views.customers[i] for i in ids]

    def home(self) -> Page:
        views, today = self.views, self.options.today
        customers = views.customers.values()
        newest = sorted(customers, key=lambda v: (v.facts.first_contact or date.min, v.id), reverse=True)[:10]
        html = self.render(
            "home.html",
            "index.md",
            total=len(views.customers),
            by_cooperation=self._counts("cooperation"),
            by_tier=self._counts("tier"),
            agenda=self.agenda_sections("index.md", agenda(views), {}),
            idle=self.idle_line("index.md", None),
            newest=newest,
            views=views,
            today=today,
            new_customer=self.new_customer_url(),
            team_calendar=TEAM_CALENDAR,
            as_of=self.options.as_of,
        )
        return Page("index.md", text("home", self.lang), html)

    def _counts(self, name: str) -> list[tuple[str, str, int]]:
        """(value, label, count) for a segment field, in option order where there is one."""
        groups = self.views.groups[name]
        return [(value, self.segment_label(name, value), len(ids)) for value, ids in self._ordered(name, groups)]

    def _ordered(self, name: str, groups: dict[str, list[str]]):
        option_list = "tier" if name == "tier" else self._option_list_of(name)
        if option_list and option_list in self.project.options:
            order = {v: i for i, v in enumerate(self.project.options[option_list].values)}
            return sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
        if name == "owner":
            order = {h: i for i, h in enumerate(self.views.dataset.team)}
            return sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
        return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))

    def customer_index(self) -> Page:
        html = self.render(
            "index.html",
            INDEX_SRC,
            data_url=INDEX_DATA,
            new_customer=self.new_customer_url(),
        )
        return Page(INDEX_SRC, text("customer_index", self.lang), html)

    def segments_overview(self) -> Page:
        sections = [
            (
                name,
                text(f"segment_field.{name}", self.lang),
                [(segment_src(name, value), label, count) for value, label, count in self._counts(name)],
            )
            for name in segment_fields(self.project.contract)
        ]
        src = "segments/index.md"
        return Page(src, text("segments", self.lang), self.render("segments.html", src, sections=sections))

    def segment_page(self, name: str, value: str) -> Page:
        src = segment_src(name, value)
        label, field = self.segment_label(name, value), text(f"segment_field.{name}", self.lang)
        html = self.render(
            "segment.html",
            src,
            field=field,
            label=label,
            **self.fixed_table(src, name, value, self.views.groups[name][value]),
        )
        return Page(src, f"{field}: {bidi_balanced(label)}", html)

    def fixed_table(self, src: str, name: str, value: str, ids: list[str]) -> dict[str, Any]:
        """What segment.html needs for one segment's customers (a segment page's, an owner's): the most
        urgent LIST_ROWS as HTML, for a reader without JavaScript, and the index's table component with
        the segment as its fixed filter, reading the index's data (one cached file for every page, where
        a page's own rows as data would pass 300 KB at 10,000 customers)."""
        rank = self.urgency_rank
        rows = self.rows(sorted(ids, key=rank.__getitem__))  # by_urgency, from one sort of every customer
        index_folder = posixpath.dirname(url_file(self.url(INDEX_SRC))) + "/"
        return {
            "rows": rows[:LIST_ROWS],
            "total_rows": len(rows),
            "more_rows": len(rows) - min(len(rows), LIST_ROWS),
            "all_rows": self.index_link(src, {name: value, "sort": "freshness"}),
            "fixed": urlencode({name: value}),
            "rows_base": relative_url(self.url(src), index_folder),
            "data_url": INDEX_DATA,
            "views": self.views,
        }

    def owners_overview(self) -> Page:
        team = self.views.dataset.team
        members = [
            (owner_src(h), team[h].name, h, len(self.views.groups["owner"].get(h, [])))
            for h in shown_members(self.views)
        ]
        src = "owners/index.md"
        return Page(src, text("owners", self.lang), self.render("owners.html", src, members=members))

    def owner_page(self, handle: str) -> Page:
        src = owner_src(handle)
        member = self.views.dataset.team[handle]
        html = self.render(
            "owner.html",
            src,
            member=member,
            handle=handle,
            agenda=self.agenda_sections(src, agenda(self.views, owner=handle), {"owner": handle}),
            idle=self.idle_line(src, handle),
            calendar=calendar_src(handle),
            **self.fixed_table(src, "owner", handle, self.views.groups["owner"].get(handle, [])),
        )
        return Page(src, bidi_balanced(member.name), html)

    # --- the agenda on the home and owner pages ------------------------------------------

    def agenda_sections(self, src: str, found: Agenda, query: dict[str, str]) -> list[Markup]:
        """Overdue, due within a week and key dates ahead, each the most urgent LIST_ROWS first, with its
        count and a link to all of them: the customer index filtered to the same customers (see
        `index_data`), or for key dates the calendar feed."""
        calendar = calendar_src(query["owner"]) if "owner" in query else TEAM_CALENDAR
        return [
            self.agenda_section(
                src,
                text("agenda.overdue", self.lang),
                found.overdue,
                self.index_link(src, {**query, "agenda": "overdue", "sort": "last_contact"}),
                "show_all_index",
            ),
            self.agenda_section(
                src,
                text("agenda.due", self.lang),
                found.due,
                self.index_link(src, {**query, "agenda": "due"}),
                "show_all_index",
            ),
            self.agenda_section(
                src,
                text("upcoming_dates", self.lang),
                found.dates,
                relative_url(self.url(src), calendar),
                "show_all_calendar",
            ),
        ]

    def agenda_section(self, src: str, title: str, items: list[Reminder], all_url: str, all_text: str) -> Markup:
        """A heading with the count, a table of the first LIST_ROWS and, when there are more, a link to all."""
        labels = self.reminder_labels()
        out = [f"<h2>{escape(title)} ({len(items)})</h2>"]
        if not items:
            out.append(f"<p>{escape(text('none', self.lang))}</p>")
        else:
            head = "".join(f"<th>{escape(text(key, self.lang))}</th>" for key in ("due", "customer", "todo", "note"))
            out.append(f'<table class="pcrm-table"><thead><tr>{head}</tr></thead><tbody>')
            for r in items[:LIST_ROWS]:
                href = escape(self.link(src, customer_src(r.customer_id)))
                what = labels.get(r.kind, {}).get(r.what, r.what)
                cells = (r.due.isoformat(), f'<a href="{href}">{escape(bidi_balanced(r.customer_name))}</a>')
                rest = (escape(bidi_balanced(what)), escape(bidi_balanced(r.note)))
                out.append("<tr><td>" + "</td><td>".join((*cells, *rest)) + "</td></tr>")
            out.append("</tbody></table>")
        if len(items) > LIST_ROWS:
            more = f"{escape(text('more_listed', self.lang))} {len(items) - LIST_ROWS}"
            out.append(
                f'<p class="pcrm-more">{more} · <a href="{escape(all_url)}">{escape(text(all_text, self.lang))}</a></p>'
            )
        return Markup("\n".join(out))

    def idle_line(self, src: str, owner: str | None) -> tuple[str, int, str]:
        """The count of idle customers (the follow-up report lists them), as (words, count, link)."""
        count = len(idle_customers(self.views, owner=owner))
        return text("idle_customers", self.lang).format(days=IDLE_DAYS), count, self.link(src, report_src("follow_up"))

    def index_link(self, src: str, query: dict[str, str]) -> str:
        """The customer index showing one view (its URL holds the filters: see assets/plaincrm.js)."""
        return self.link(src, INDEX_SRC) + "?" + urlencode(query)

    # --- one customer -------------------------------------------------------------------

    def customer_page(self, view: CustomerView) -> Page:
        src = customer_src(view.id)
        model = view.model
        profile, sections = [], []
        for name, info, value in self.record_text.fields(model):
            if name in ("id", "name", "referred_by", "parent"):  # the title and the relations section
                continue
            if isinstance(value, list) and value and isinstance(value[0], BaseModel):
                sections.append(self.list_section(name, info, value))
            else:
                profile.append((self.record_text.label(info, name), self.record_text.value(info, value)))
        relations = self.relations(view)
        history = self.history_of(view)
        html = self.render(
            "customer.html",
            src,
            c=view,
            model=model,
            profile=profile,
            sections=sections,
            relations=relations,
            segments=[
                (name, value, segment_src(name, value), self.segment_label(name, value))
                for name in SEGMENT_FIELDS
                for value in view.segments[name]
            ],
            edit_url=self.edit_url(view.file),
            log_snippet=self.log_snippet(view),
            today=self.options.today,
            history=history,
            pr_url=self.pull_request_url,
            timeline=timeline(model, history, self.options.today, self.record_text, self.views.dataset.team),
        )
        return Page(src, f"{bidi_balanced(model.name)} · {view.id}", html)

    def history_of(self, view: CustomerView) -> list[Entry]:
        """The record's history, said in the site's language."""
        history = self.views.history
        if history is None:
            return []
        return [entry.in_words(self.history_words) for entry in history.of_file(view.file)]

    @functools.cached_property
    def history_words(self) -> ChangeWords:
        """History lines in the site's language: fields and options by their labels, members by name."""
        project = self.project
        return ChangeWords(
            project.customer_models,
            project.settings.mask_fields,
            options=project.options,
            lang=self.lang,
            names={handle: member.name for handle, member in self.views.dataset.team.items()},
        )

    def pull_request_url(self, number: int) -> str | None:
        """A link to a pull request on the git host (GitLab calls them merge requests)."""
        base = (self.options.repo_url or "").rstrip("/")
        if not base:
            return None
        return f"{base}/-/merge_requests/{number}" if "gitlab" in base else f"{base}/pull/{number}"

    def list_section(
        self, name: str, info, items: list[Any]
    ) -> dict:  # the team's item models: fields known at run time
        item_model = type(items[0])
        fields = item_model.model_fields
        if "date" in fields:
            items = sorted(items, key=lambda item: item.date, reverse=True)
        value = self.record_text.value
        shown_below = CASE_RECORD_FIELDS if name == "service_cases" else ()  # customer.html's 服务记录 block
        used = [
            (n, i)
            for n, i in fields.items()
            if n not in shown_below and any(getattr(it, n) not in (None, [], False) for it in items)
        ]
        rows = []  # built here rather than in a template loop: 10,000 pages of timelines add up
        for item in items:
            cells = []
            for n, i in used:
                cell = getattr(item, n)
                cells.append(
                    escape(value(i, cell)) if cell not in (None, [], False) else ""
                )  # a cell: its own bidi paragraph
            rows.append("<tr><td>" + "</td><td>".join(cells) + "</td></tr>")
        totals: dict[str, Decimal] = {}
        if "amount" in fields:
            for item in items:
                if get(item, "status") not in NOT_COUNTED_ORDER:
                    currency = get(item, "currency") or ""
                    totals[currency] = totals.get(currency, Decimal(0)) + item.amount
        return {
            "name": name,
            "title": self.record_text.label(info, name),
            "headers": [self.record_text.label(i, n) for n, i in used],
            "count": len(items),
            "body": Markup("\n".join(rows)),
            "totals": sorted(totals.items()),
        }

    def relations(self, view: CustomerView) -> list[tuple[str, list[tuple[str, str]]]]:
        customers = self.views.customers

        def refs(ids):
            return [(customer_src(i), customers[i].model.name) for i in ids if i in customers]

        model = view.model
        outside = self.views.outside.get(view.id, frozenset())
        elsewhere = [(None, text("another_team_customer", self.lang))]  # neither name nor link

        def one(name: str) -> list:
            return elsewhere if name in outside else refs([get(model, name)] if get(model, name) else [])

        out = [
            ("referred_by", one("referred_by")),
            ("referred", refs(self.views.referrals.get(view.id, []))),
            ("head_office", one("parent")),
            ("branches", refs(self.views.branches.get(view.id, []))),
        ]
        return [(text(key, self.lang), items) for key, items in out if items]

    def log_snippet(self, view: CustomerView) -> str:
        today = self.options.today.isoformat()
        owner = view.model.owner
        return (
            f"  - date: {today}\n    channel: phone\n    topic: …\n    summary: …\n    by: [{owner}]\n"
            f"    next_step: {{action: …, due: {(self.options.today + timedelta(days=7)).isoformat()}}}\n"
        )

    # --- reports ------------------------------------------------------------------------------

    def reports_index(self, reports: list[Report]) -> Page:
        src = "reports/index.md"
        items = [(report_src(r.name), text(f"report.{r.name}", self.lang)) for r in reports]
        items = [(SUMMARY_SRC, text("compare.summary", self.lang))] + items if items else items
        return Page(
            src,
            text("reports", self.lang),
            self.render(
                "reports.html",
                src,
                items=items,
                today=self.wording().cell("", self.options.today),
                note=self.reports_note() or ("" if items else "no_reports"),
            ),
        )

    def reports_note(self) -> str:
        """What the reports of an aggregates-only audience say above them (an i18n key, or "")."""
        audience = self.views.audience
        return "aggregates_only" if audience is not None and audience.rule.reports == "aggregates" else ""

    def wording(self) -> Wording:
        return Wording.of(self.views, self.lang, lambda key, default: text(key, self.lang, default))

    def report_page(self, report: Report, wording: Wording) -> Page:
        """Made again when the report, the comparison above it or anything every page shows changed (a
        report kept from the last build is the same object: `reports.all_reports`)."""
        compared = self.compared_block(report.name, wording)
        key = (Same(report), self._key_context, compared["title"], tuple(compared["lines"]), self.reports_note())
        return self.carried(("report-page", *key), partial(self._report_page, report, wording, compared))

    def _report_page(self, report: Report, wording: Wording, compared: dict[str, Any]) -> Page:
        src = report_src(report.name)
        title = wording.title(report)
        tables = [
            {
                "title": wording.table_title(t),
                "headers": wording.headers(t),
                "rows": [self.report_cells(t, row, wording, src) for row in t.rows[:PAGE_ROWS]],
                "more": max(0, len(t.rows) - PAGE_ROWS),
                "chart": self.chart(t, wording),
            }
            for t in report.tables
        ]
        html = self.render(
            "report.html",
            src,
            title=title,
            tables=tables,
            today=wording.cell("", self.options.today),
            csv=report_file(report.name, "csv"),
            xlsx=report_file(report.name, "xlsx"),
            note=self.reports_note(),
            compared=compared,
        )
        return Page(src, title, html)

    def period_comparison(self, reports: list[Report] | None = None) -> PeriodComparison:
        """This quarter against the previous one, for the summary page and each report page (made once)."""
        if self._compared is None:
            self._compared = compare_periods(self.views, "quarter", reports)
        return self._compared

    def compared_block(self, report: str, wording: Wording) -> dict[str, Any]:
        """The "compared with the previous quarter" lines above a report's tables."""
        found = self.period_comparison()
        return {"title": found.title(wording), "lines": comparison_lines(found, report, wording)}

    def summary_page(self, reports: list[Report], wording: Wording) -> Page:
        """本期总结: the quarter's notable changes, largest first, each linking to its report."""
        found = self.period_comparison(reports)
        items = [
            (change_text(c, wording), report_src(c.measure.report), text(f"report.{c.measure.report}", self.lang))
            for c in found.notable()
        ]
        title = text("compare.summary", self.lang)
        html = self.render(
            "summary.html",
            SUMMARY_SRC,
            title=title,
            lead=found.lead(wording),
            missing=found.note(wording),
            rule=rule_text(wording),
            items=items,
            note=self.reports_note(),
        )
        return Page(SUMMARY_SRC, title, html)

    def report_cells(self, table: Table, row: list, wording: Wording, src: str) -> list[tuple[list, bool]]:
        """A report row as the page shows it: each cell as (text, link or None) parts and whether it is a
        number (aligned right); a customer's id and name link to its page, as does each id of a group."""
        kinds = [table.kind(i) for i in range(len(row))]
        customer = row[kinds.index(CUSTOMER)] if CUSTOMER in kinds else None
        cells = []
        for kind, value in zip(kinds, row):
            if kind == CUSTOMERS:
                ids = value.split(", ")
                parts = [(one, self.customer_link(src, one)) for one in ids[:CELL_ITEMS]]
                if len(ids) > CELL_ITEMS:
                    parts.append((text("more_in_cell", self.lang).format(n=len(ids) - CELL_ITEMS), None))
            elif kind in (CUSTOMER, NAME) and customer is not None:
                parts = [(wording.cell(kind, value), self.customer_link(src, customer))]
            else:
                shown = wording.cell(kind, value)
                if len(shown) > CELL_CHARS:
                    shown = shown[:CELL_CHARS] + "…"
                parts = [(shown, None)]
            cells.append((parts, value is None or isinstance(value, int | float) and not isinstance(value, bool)))
        return cells

    def customer_link(self, from_src: str, customer_id: str) -> str | None:
        return self.link(from_src, customer_src(customer_id)) if customer_id in self.views.customers else None

    def chart(self, table: Table, wording: Wording) -> Markup | None:
        title = wording.table_title(table)
        first, last = table.kind(0), table.kind(len(table.headers) - 1)
        if table.chart in ("bar", "pie") and table.rows:
            return bar_chart(
                [wording.cell(first, r[0]) for r in table.rows[:30]],
                [r[1] or 0 for r in table.rows[:30]],
                title=title,
            )
        if table.chart == "line" and table.rows:
            return line_chart(
                [wording.cell(first, r[0]) for r in table.rows],
                [r[-1] for r in table.rows],
                title=title,
                value_text=lambda value: wording.cell(last, value),
            )
        if table.chart == "pareto" and table.rows:
            return pareto_chart(
                [(r[1], r[2]) for r in table.rows], title=title, cut=self.project.settings.tiers.key_top_share
            )
        return None

    # --- calendar feeds ---------------------------------------------------------------------

    def reminder_labels(self) -> dict[str, dict[str, str]]:
        """What a follow-up and a key date are called, by kind and value (calendars and agenda tables)."""
        return {
            "follow_up": {
                v: f"{text('follow_up', self.lang)} ({self.option_label('tier', v)})" for v in self._options("tier")
            },
            "key_date": {v: self.option_label("key_date_kind", v) for v in self._options("key_date_kind")},
        }

    def calendars(self, background: Background) -> dict[str, Deferred]:
        """One feed per owner and one for the team: every pending reminder in the feeds' window
        (see `calendar_feed.feeds`), not only this week's."""
        every = pending(self.views)
        labels = self.reminder_labels()
        paths: dict[str, tuple[str, str | None]] = {TEAM_CALENDAR: ("plaincrm", None)}
        team = self.views.dataset.team
        paths.update({calendar_src(h): (f"plaincrm · {team[h].name}", h) for h in shown_members(self.views)})
        alarm = self.project.settings.alarm_minutes_before
        made = background.run(len(every), feeds, every, self.options.today, EventText(labels), paths, alarm)
        return {path: made.part(path) for path in paths}

    def _options(self, list_name: str) -> list[str]:
        options = self.project.options
        return list(options[list_name].values) if list_name in options else []

    def merged_redirects(self) -> dict[str, bytes]:
        """A merged record's page sends its old links on to the record it was merged into."""
        out = {}
        for old, target in self.views.dataset.merged.items():
            if target not in self.views.customers:
                continue
            here = page_url(customer_src(old), self.options.directory_urls)
            href = escape(relative_url(here, page_url(customer_src(target), self.options.directory_urls)))
            out[url_file(here)] = (
                f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(old)} → {escape(target)}</title>'
                f'<meta http-equiv="refresh" content="0; url={href}"><link rel="canonical" href="{href}"></head>'
                f'<body><p>{escape(old)} {escape(text("merged_into", self.lang))} <a href="{href}">{escape(target)}</a></p>'
                "</body></html>\n"
            ).encode()
        return out

    # --- the audit trail ---------------------------------------------------------------------

    def recent_changes(self) -> tuple[Page, bytes]:
        """The latest changes across records, as a page and as an Atom feed."""
        history = self.views.history
        entries = [entry.in_words(self.history_words) for entry in history.recent] if history is not None else []
        by_file = {view.file: view for view in self.views.customers.values()}

        def record_src(entry: Entry) -> str | None:
            view = by_file.get(entry.path)
            return customer_src(view.id) if view is not None else None

        def record_name(entry: Entry) -> str:
            view = by_file.get(entry.path)
            return view.model.name if view is not None else posixpath.splitext(posixpath.basename(entry.path))[0]

        html = self.render(
            "changes.html",
            CHANGES_SRC,
            entries=entries,
            pr_url=self.pull_request_url,
            feed=CHANGES_FEED,
            message=history.said(self.history_words) if history is not None else "",
            record_src=record_src,
            record_name=record_name,
        )
        base = (self.options.site_url or "").rstrip("/") + "/" if self.options.site_url else ""

        def href(src: str) -> str:  # absolute when the site's address is known, else from the feed's folder
            url = page_url(src, self.options.directory_urls) if src.endswith(".md") else src
            return base + url if base else relative_url(CHANGES_FEED, url)

        def describe(entry: Entry) -> tuple[str, str | None]:
            src = record_src(entry)
            return record_name(entry), href(src) if src else None

        feed = atom_feed(
            entries,
            title=f"plaincrm · {text('changes', self.lang)}",
            feed_id=href(CHANGES_FEED) if base else "urn:plaincrm:changes",
            describe=describe,
            page_url=href(CHANGES_SRC),
        )
        return Page(CHANGES_SRC, text("changes", self.lang), html), feed

    # --- the index's data ---------------------------------------------------------------

    def index_row_json(self, view: CustomerView, places: list[str]) -> str:
        return compact(self.index_row(view, places))

    def index_row(self, view: CustomerView, places: list[str]) -> list:
        """One customer's row of the index's data (carried between builds: `derive` keeps an unchanged
        customer's view, so its row is made once)."""
        model = view.model
        contacts = " ".join(
            " ".join(filter(None, (c.name, get(c, "title"), get(c, "phone"), get(c, "email"))))
            for c in get(model, "contacts")
        )
        return [
            view.id,
            bidi_balanced(model.name),
            self.link(INDEX_SRC, customer_src(view.id)),
            contacts,
            view.facts.last_contact.isoformat() if view.facts.last_contact else "",
            view.freshness,
            round(view.facts.order_total, 2),
            *[view.segments[name] for name in SEGMENT_FIELDS],
            places,
        ]

    def index_data(self) -> bytes:
        labels = {
            name: {value: bidi_balanced(self.segment_label(name, value)) for value in self.views.groups[name]}
            for name in SEGMENT_FIELDS
        }
        labels["agenda"] = {place: text(f"agenda.{place}", self.lang) for place in ("overdue", "due")}
        places = agenda(self.views).by_customer()  # the home and owner pages link to these views
        rows = Encoded(  # each row's JSON kept: a rebuild encodes the changed customers' alone
            self.carried(
                ("index-row", Same(view), tuple(places.get(view.id, ())), self.options.directory_urls),
                partial(self.index_row_json, view, places.get(view.id, [])),
            )
            for view in self.views.customers.values()
        )
        data = {
            "columns": [
                "id",
                "name",
                "url",
                "contacts",
                "last_contact",
                "freshness",
                "order_total",
                *SEGMENT_FIELDS,
                "agenda",
            ],
            "facets": [*segment_fields(self.project.contract), "agenda"],
            "facet_titles": {
                **{name: text(f"segment_field.{name}", self.lang) for name in SEGMENT_FIELDS},
                "agenda": text("agenda", self.lang),
            },
            "labels": labels,
            "freshness_labels": {v: self.option_label("freshness", v) for v in URGENCY},  # in sort order
            "text": {k: text(k, self.lang) for k in TEXT},
            "rows": rows,
            "formula": FORMULA_START.pattern,  # the CSV of the current view is guarded as every export is
        }
        return data_script("plaincrmIndex", data)


def _balanced(value: Any) -> Any:
    """Jinja's `finalize`: every printed text with its bidi controls balanced (attributes too)."""
    if isinstance(value, str) and BIDI_CONTROL.search(value):  # Markup is a str: only bidi controls change
        return Markup(bidi_balanced(value)) if isinstance(value, Markup) else bidi_balanced(value)
    return value


def bdi(value: Any) -> Markup:
    """Record text isolated from the text beside it on the same line."""
    return Markup(f"<bdi>{escape(bidi_balanced(str(value)))}</bdi>")  # not Markup.format: 20x slower


def by_urgency(rows: list[CustomerView]) -> list[CustomerView]:
    """Most urgent first: by URGENCY, then the longest without contact (never first); the index's
    freshness column sorts the same way (assets/plaincrm.js)."""
    return sorted(rows, key=_urgency)


def _urgency(view: CustomerView) -> tuple:
    return (URGENCY.index(view.freshness), view.facts.last_contact or date.min, view.id)


def fmt_amount(value: Any) -> str:
    return f"{value:,.2f}" if isinstance(value, (int, float, Decimal)) else str(value)


def build_site(
    views: Views, options: SiteOptions, carry_before: dict | None = None, bytecode_cache: BytecodeCache | None = None
) -> Site:
    return SiteBuilder(views, options, carry_before, bytecode_cache).build()


def _digest(value: object) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


def _rendered(macro: Any, *args: Any) -> str:
    """A template macro's output as text (what `Pages.carried` keeps)."""
    return str(macro(*args))
