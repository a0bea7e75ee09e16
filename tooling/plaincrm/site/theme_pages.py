"""The generated pages dressed by the MkDocs theme, for the plugin's hooks (`mkdocs_plugin`).

Regular pages (home, indexes, segments, owners) become virtual MkDocs pages whose HTML is set
directly (no Markdown pass: record text must never be read as Markdown). The thousands of
customer pages do not go through the theme one by one: one prototype page is rendered by the
theme, and every customer page is that page with its own title, content and URL put in, on
every core, which keeps a 10,000-customer build fast. Titles are placed by markers replaced
after the theme has rendered, because MkDocs' templates do not escape them.
"""

from __future__ import annotations

import html
import logging
import os
import posixpath
import re
import shutil
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, InclusionLevel

from ..gcpause import gc_paused
from ..parallel import map_chunks, settle
from .background import Deferred
from .i18n import text
from .pages import Page, customer_src, page_url, url_file

log = logging.getLogger("mkdocs.plugins.plaincrm")

SHELL_SRC = "customers/pcrm-shell-page.md"
NAV_PAGES = {
    "index.md": "home",
    "customers/index.md": "customers",
    "segments/index.md": "segments",
    "owners/index.md": "owners",
    "reports/index.md": "reports",
    "changes/index.md": "changes",
}
GUIDE_PAGES = {"guide.md": "guide", "admin.md": "admin_guide"}  # hand-written, one file per language
NAV_TITLES = NAV_PAGES | GUIDE_PAGES  # every page mkdocs.yml's nav names: titled from `i18n`
_LANGUAGE_VERSION = re.compile(r"^(?P<base>.+)\.(?P<lang>en|zh)\.md$")  # guide.zh.md: guide.md in Chinese
SHELL_CONTENT = "<h1>pcrm-shell-content</h1>"
TITLE_MARKER = "pcrm-title-{}-x"
_TITLE_MARKERS = re.compile(r"pcrm-title-(\d+)-x")
_TITLE, _CONTENT, _URL = "\0title", "\0content", "\0url"  # placeholders in the cut-up prototype page
PAGE_SECONDS = 2e-4  # per customer page, as `parallel` counts it: forking was measured to pay from ~500 pages


def bytecode_cache(root: Path) -> FileSystemBytecodeCache | None:
    """Compiled templates kept in .cache/: MkDocs compiles the theme's afresh for every build."""
    folder = root / ".cache" / "plaincrm" / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


class ServedPages:
    """What `mkdocs serve` keeps between rebuilds: the customer pages written and what they showed."""

    def __init__(self) -> None:
        self.rendered: dict[str, tuple] = {}  # customer id -> page key
        self.shell_parts: list | None = None

    def write(self, site, root: Path, parts: list, site_dir: Path, directory_urls: bool) -> None:
        """Render only the pages whose content changed, into a folder that survives rebuilds, and
        link that folder into the site folder MkDocs cleaned."""
        pages_dir = root / ".cache" / "plaincrm" / "serve-pages"
        folder = posixpath.dirname(customer_src("x"))
        built, kept = site_dir / folder, pages_dir / folder
        if self.shell_parts != parts:  # the theme's frame changed: every page is stale
            self.rendered, self.shell_parts = {}, parts
        if not self.rendered:  # a new session: nothing there is known to be current
            shutil.rmtree(kept, ignore_errors=True)
        with gc_paused():  # 10,000 keys of new tuples: the collector's passes over the heap cost more than the keys
            keys = {cid: site.customer_key(cid) for cid in site.customer_ids}
        todo = [cid for cid in site.customer_ids if self.rendered.get(cid) != keys[cid]]
        _CustomerPages(site, parts, pages_dir, directory_urls).write(todo)
        for gone in set(self.rendered) - set(keys):
            (pages_dir / url_file(page_url(customer_src(gone), directory_urls))).unlink(missing_ok=True)
        self.rendered = {cid: self.rendered[cid] for cid in site.customer_ids if cid in self.rendered}
        self.rendered.update({cid: keys[cid] for cid in todo})
        # One link for the whole folder: what MkDocs wrote there this time moves in beside the pages.
        if built.is_dir() and not built.is_symlink():
            for item in built.iterdir():
                target = kept / item.name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                shutil.move(str(item), str(target))
            built.rmdir()
        built.unlink(missing_ok=True)
        os.symlink(kept, built, target_is_directory=True)
        log.info(f"plaincrm: {len(todo)} of {len(keys)} customer pages changed")


class LinkedPages:
    """What `crm sites` keeps between the audiences' builds: each customer page written and what it
    showed. A reader's page that shows the same as one an earlier site wrote (most of a salesperson's
    pages are the all site's) is hard-linked to it instead of rendered again. The folders must stay
    where they are until every site is built (`sites.build_sites` swaps them in at the end)."""

    def __init__(self) -> None:
        self.written: dict[str, tuple[tuple, Path]] = {}  # customer id -> (page key, file written)
        self.shell_parts: list | None = None

    def write(self, site, parts: list, site_dir: Path, directory_urls: bool) -> int:
        """Write every customer page of `site`; returns how many were rendered (not linked)."""
        if self.shell_parts != parts:  # another frame (theme, navigation): nothing can be shared
            self.written, self.shell_parts = {}, parts
        todo = []
        for cid in site.customer_ids:
            key = site.customer_key(cid)
            target = site_dir / url_file(page_url(customer_src(cid), directory_urls))
            before = self.written.get(cid)
            if before is not None and before[0] == key:
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(before[1], target)
                    continue
                except OSError:
                    pass
            todo.append(cid)
            self.written[cid] = (key, target)
        _CustomerPages(site, parts, site_dir, directory_urls).write(todo)
        return len(todo)


def language_versions(files, config, lang: str):
    """Each hand-written page in the build's language: `guide.zh.md` is served as `guide.md` (same URL,
    nav entry and links) in a zh build; no other language's version is published."""
    for file in list(files):
        match = _LANGUAGE_VERSION.match(file.src_uri)
        if match is None:
            continue
        files.remove(file)
        if match["lang"] != lang:
            continue
        base_src = match["base"] + ".md"
        base = files.get_file_from_path(base_src)
        if base is not None:
            files.remove(base)
        served = File(base_src, config.docs_dir, config.site_dir, config.use_directory_urls)
        served.abs_src_path, served.edit_uri = file.abs_src_path, file.edit_uri  # read and edited: the version
        files.append(served)
    return files


class ThemePages:
    """One build's generated pages, as MkDocs sees them: files, page metadata, content, titles."""

    def __init__(self, site, directory_urls: bool):
        self.site, self.directory_urls = site, directory_urls
        self.pages: dict[str, Page] = {page.src: page for page in site.pages}
        self.titles: dict[str, str] = {}  # title marker -> the title it stands for
        self.shell = ""  # the prototype customer page as the theme rendered it

    def add_files(self, files, config):
        """Every generated page and file (workbooks still in the making come at the end), in place of
        any hand-written file of the same name."""
        generated = [(page.src, "") for page in self.site.pages] + [(SHELL_SRC, "")]
        generated += [(src, data) for src, data in self.site.files.items() if not isinstance(data, Deferred)]
        for src, content in generated:
            existing = files.get_file_from_path(src)
            if existing is not None:
                log.warning(f"plaincrm: {src} is generated; the hand-written file of that name is ignored")
                files.remove(existing)
            in_nav = src in NAV_PAGES or not src.endswith(".md")
            inclusion = InclusionLevel.UNDEFINED if in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, src, content=content, inclusion=inclusion))
        return files

    @staticmethod
    def name_navigation(nav, lang: str):
        """Pages in the navigation are named in the site's language, whatever mkdocs.yml says."""
        for page in nav.pages:
            key = NAV_TITLES.get(page.file.src_uri)
            if key is not None:
                page.title = text(key, lang)
        return nav

    def is_generated(self, src: str) -> bool:
        return src in self.pages or src == SHELL_SRC

    def markdown(self, markdown: str, page) -> str:
        """A generated page's metadata (its title as a marker) and no Markdown to convert."""
        src = page.file.src_uri
        if src == SHELL_SRC:
            page.meta["title"] = "pcrm-shell-title"
            page.meta["search"] = {"exclude": True}
            page.meta["hide"] = ["navigation", "toc"]
        elif src in self.pages:
            marker = TITLE_MARKER.format(len(self.titles))
            self.titles[marker] = self.pages[src].title
            page.meta["title"] = marker
            page.meta["search"] = {"exclude": True}
            page.meta["hide"] = ["navigation", "toc"]  # wide tables want the whole width
        else:
            return markdown
        return ""  # no Markdown pass over generated content

    def content(self, content: str, src: str) -> str:
        if src == SHELL_SRC:
            return SHELL_CONTENT
        if src in self.pages:
            return self.pages[src].html
        return content

    def rendered(self, output: str, src: str) -> str:
        """The theme's page with the titles put in, escaped; the prototype is kept for the customer pages."""
        output = _TITLE_MARKERS.sub(lambda m: html.escape(self.titles.get(m.group(0), ""), quote=True), output)
        if src == SHELL_SRC:
            self.shell = output
        return output

    def write_customer_pages(
        self, config, served: ServedPages | None, root: Path, linked: LinkedPages | None = None
    ) -> None:
        """Every customer page into the site folder (under `mkdocs serve`, only the changed ones, via
        `served`; for several audiences, those an earlier site showed the same linked, via `linked`),
        and the background files."""
        site_dir = Path(config.site_dir)
        shell_url = page_url(SHELL_SRC, self.directory_urls)
        (site_dir / url_file(shell_url)).unlink(missing_ok=True)
        parts = _split_shell(self.shell, shell_url)
        if served is not None:
            served.write(self.site, root, parts, site_dir, self.directory_urls)
        elif linked is not None:
            rendered = linked.write(self.site, parts, site_dir, self.directory_urls)
            log.info(f"plaincrm: {rendered} of {len(self.site.customer_ids)} customer pages rendered, the rest linked")
        else:
            _CustomerPages(self.site, parts, site_dir, self.directory_urls).write(self.site.customer_ids)
        for src, data in self.site.files.items():  # made in the background meanwhile (XLSX)
            if isinstance(data, Deferred):
                target = site_dir / src
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data.value())
        settle()  # every background result is read: the pools' threads must not reach the interpreter's exit


class _CustomerPages:
    """Render and write customer pages into the prototype (on all cores when there are many)."""

    def __init__(self, site, parts: list, site_dir: Path, directory_urls: bool):
        self.site, self.parts, self.site_dir = site, parts, site_dir
        self.directory_urls = directory_urls

    def write(self, ids: list[str]) -> None:
        list(map_chunks(self._write, ids, seconds_each=PAGE_SECONDS))

    def _write(self, ids: list[str]) -> list[None]:
        with gc_paused():
            for customer_id in ids:
                page = self.site.render_customer(customer_id)
                url = page_url(page.src, self.directory_urls)
                title = html.escape(page.title, quote=True)
                fill = {_TITLE: title, _CONTENT: page.html, _URL: url}
                target = self.site_dir / url_file(url)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("".join(fill.get(part, part) for part in self.parts), encoding="utf-8")
        return []


def _split_shell(shell: str, shell_url: str) -> list:
    """The prototype page cut into literal parts and the places a customer's own go."""
    if SHELL_CONTENT not in shell:
        raise PluginError("plaincrm: the theme did not render the prototype customer page as expected")
    parts: list = []
    for piece in re.split(r"(pcrm-shell-title|<h1>pcrm-shell-content</h1>|" + re.escape(shell_url) + ")", shell):
        parts.append({"pcrm-shell-title": _TITLE, SHELL_CONTENT: _CONTENT, shell_url: _URL}.get(piece, piece))
    return parts
