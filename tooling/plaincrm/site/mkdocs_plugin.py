"""The MkDocs adapter: hands the generated pages to MkDocs and Material, and stays thin.

Regular pages (home, indexes, segments, owners) become virtual MkDocs pages whose HTML
is set directly (no Markdown pass: record text must never be read as Markdown). The
thousands of customer pages do not go through the theme one by one: one prototype page
is rendered by the theme, and every customer page is that page with its own title and
content put in, which keeps a 10,000-customer build fast. Titles are placed by markers
replaced after the theme has rendered, because MkDocs' templates do not escape them.
"""

from __future__ import annotations

import html
import logging
import multiprocessing
import os
import posixpath
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, InclusionLevel

from ..gcpause import gc_paused
from ..history.gitlog import GitError
from ..problems import ProblemError, render
from .background import Deferred
from .build import build_for_site
from .pages import Page, customer_src, page_url, url_file
from .i18n import text
from .search import search_entry

log = logging.getLogger("mkdocs.plugins.plaincrm")

SHELL_SRC = "customers/pcrm-shell-page.md"
NAV_PAGES = {
    "index.md": "home", "customers/index.md": "customers", "segments/index.md": "segments",
    "owners/index.md": "owners", "reports/index.md": "reports", "changes/index.md": "changes",
}
SHELL_CONTENT = "<h1>pcrm-shell-content</h1>"
TITLE_MARKER = "pcrm-title-{}-x"
_TITLE_MARKERS = re.compile(r"pcrm-title-(\d+)-x")


class PlaincrmConfig(Config):
    root = c.Type(str, default="")  # the repository; default: the folder of mkdocs.yml
    mask_contacts = c.Type(bool, default=True)
    today = c.Type(str, default="")  # YYYY-MM-DD; default: $PLAINCRM_TODAY or the build date
    branch = c.Type(str, default="main")  # for "Edit this record" links on the git host
    as_of = c.Type(str, default="")  # build from the records as they were: a date or a tag (default: $PLAINCRM_AS_OF)
    trust_revision = c.Type(bool, default=False)  # read them with that revision's own schema (its Python runs)
    history = c.Type(bool, default=True)  # each record's history and the recent changes, read from git


class PlaincrmPlugin(BasePlugin[PlaincrmConfig]):
    supports_multiple_instances = False

    def on_startup(self, *, command, dirty):
        """Defining this keeps the plugin alive across `mkdocs serve` rebuilds, with what it remembers."""
        self.serving = command == "serve"
        self.memo: dict = {}  # file results by content (dataset.load_dataset)
        self.rendered: dict[str, tuple] = {}  # customer id -> (model, page key, search entry), serve only
        self.fingerprint = None

    def on_config(self, config):
        from .search import quiet_jieba

        quiet_jieba()
        root = Path(self.config.root or os.path.dirname(config.config_file_path)).resolve()
        today_text = self.config.today or os.environ.get("PLAINCRM_TODAY")
        try:
            today = date.fromisoformat(today_text) if today_text else None  # None: the build date, or the as-of date
        except ValueError:
            raise PluginError(f"plaincrm: today must be YYYY-MM-DD, got {today_text!r}") from None
        as_of = self.config.as_of or os.environ.get("PLAINCRM_AS_OF") or None
        language = str(config.theme.get("language") or "en")
        self.lang = "zh" if language.startswith("zh") else "en"
        from ..project import Project

        fingerprint = (Project(root).fingerprint, self.config.mask_contacts)
        if getattr(self, "fingerprint", None) != fingerprint:  # engine, schema or masking changed: forget everything
            self.memo, self.rendered, self.fingerprint = {}, {}, fingerprint
            self.site = None
        try:
            self.project, self.site = build_for_site(
                root, today=today, lang=self.lang,
                masked=self.config.mask_contacts, repo_url=config.repo_url, branch=self.config.branch,
                directory_urls=config.use_directory_urls, site_url=config.site_url, history=self.config.history, as_of=as_of, trust_revision=self.config.trust_revision, memo=self.memo if getattr(self, "serving", False) else None,
                carry_before=getattr(self, "site", None) and self.site.carry if getattr(self, "serving", False) else None,
                bytecode_cache=self._bytecode_cache(root),
            )
        except GitError as error:
            raise PluginError(f"plaincrm: as_of {as_of}: {error}") from None
        except ProblemError as error:
            raise PluginError(
                f"plaincrm: {len(error.problems)} problem(s) in the records; nothing was built:\n"
                + render(error.problems)
            ) from None
        self.directory_urls = config.use_directory_urls
        self.pages: dict[str, Page] = {page.src: page for page in self.site.pages}
        self.titles: dict[str, str] = {}
        for name in ("plaincrm.css", "plaincrm.js"):
            path = f"assets/plaincrm/{name}"
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if path not in [str(t) for t in target]:
                target.append(path)
        return config

    def _bytecode_cache(self, root: Path):
        """Compiled templates kept in .cache/: MkDocs compiles the theme's afresh for every build."""
        folder = root / ".cache" / "plaincrm" / "jinja"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        self.bytecode = FileSystemBytecodeCache(str(folder))
        return self.bytecode

    def on_env(self, env, config, files):
        if getattr(self, "bytecode", None) is not None and env.bytecode_cache is None:
            env.bytecode_cache = self.bytecode
        return env

    def on_files(self, files, config):
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

    def on_nav(self, nav, config, files):
        """Generated pages in the navigation are named in the site's language, whatever mkdocs.yml says."""
        for page in nav.pages:
            key = NAV_PAGES.get(page.file.src_uri)
            if key is not None:
                page.title = text(key, self.lang)
        return nav

    def on_page_markdown(self, markdown, page, config, files):
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

    def on_page_content(self, content, page, config, files):
        src = page.file.src_uri
        if src == SHELL_SRC:
            return SHELL_CONTENT
        if src in self.pages:
            return self.pages[src].html
        return content

    def on_page_context(self, context, page, config, nav):
        if page.file.src_uri in self.pages or page.file.src_uri == SHELL_SRC:
            page.edit_url = None  # generated pages have no file to edit; customers carry their own links
        return context

    def on_post_page(self, output, page, config):
        output = _TITLE_MARKERS.sub(lambda m: html.escape(self.titles.get(m.group(0), ""), quote=True), output)
        if page.file.src_uri == SHELL_SRC:
            self.shell = output
        return output

    @event_priority(50)  # before the search plugin writes its index
    def on_post_build(self, config):
        started = time.perf_counter()
        site_dir = Path(config.site_dir)
        shell_url = page_url(SHELL_SRC, self.directory_urls)
        (site_dir / url_file(shell_url)).unlink(missing_ok=True)
        search = _search_index(config)
        parts = _split_shell(self.shell, shell_url)
        if getattr(self, "serving", False):
            entries = self._serve_customer_pages(parts, site_dir, search is not None)
        else:
            entries = _CustomerJob(self.site, parts, site_dir, self.directory_urls, search is not None).run_all(
                self.site.customer_ids
            )
        if search is not None:
            search.entries.extend(e for e in entries if e)
        for src, data in self.site.files.items():  # made in the background meanwhile (XLSX)
            if isinstance(data, Deferred):
                target = site_dir / src
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data.value())
        log.info(f"plaincrm: {len(self.site.customer_ids)} customer pages written in {time.perf_counter() - started:.2f} s")

    def _serve_customer_pages(self, parts: list[str], site_dir: Path, with_search: bool) -> list[dict | None]:
        """Under `mkdocs serve`: render only the pages whose content changed, into a folder that
        survives rebuilds, and link that folder into the site folder MkDocs cleaned."""
        pages_dir = self.project.root / ".cache" / "plaincrm" / "serve-pages"
        folder = posixpath.dirname(customer_src("x"))
        built, kept = site_dir / folder, pages_dir / folder
        if getattr(self, "shell_parts", None) != parts:  # the theme's frame changed: every page is stale
            self.rendered, self.shell_parts = {}, parts
        if not self.rendered:  # a new session: nothing there is known to be current
            shutil.rmtree(kept, ignore_errors=True)
        site = self.site
        keys = {cid: site.customer_key(cid) for cid in site.customer_ids}
        todo = [cid for cid in site.customer_ids if self.rendered.get(cid, (None,))[0] != keys[cid]]
        fresh = _CustomerJob(site, parts, pages_dir, self.directory_urls, with_search).run_all(todo)
        for gone in set(self.rendered) - set(keys):
            (pages_dir / url_file(page_url(customer_src(gone), self.directory_urls))).unlink(missing_ok=True)
        self.rendered = {cid: self.rendered[cid] for cid in site.customer_ids if cid in self.rendered}
        self.rendered.update({cid: (keys[cid], entry) for cid, entry in zip(todo, fresh)})
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
        return [self.rendered[cid][1] for cid in site.customer_ids]

    def on_shutdown(self):
        """Python's exit would otherwise spend seconds collecting the 10,000-customer heap."""
        import gc

        gc.freeze()

    def on_serve(self, server, config, builder):
        for path in (self.project.customers_dir, self.project.team_file, self.project.schema_dir):
            if path.exists():
                server.watch(str(path))
        return server


_TITLE, _CONTENT, _URL = "\0title", "\0content", "\0url"  # placeholders in the cut-up prototype page




_current_job: "_CustomerJob | None" = None  # what forked workers inherit


class _CustomerJob:
    """Render and write every customer page (on all cores when there are many); return search entries."""

    PARALLEL_FROM = 500

    def __init__(self, site, parts: list[str], site_dir: Path, directory_urls: bool, with_search: bool):
        self.site, self.parts, self.site_dir = site, parts, site_dir
        self.directory_urls, self.with_search = directory_urls, with_search

    def run_all(self, ids: list[str]) -> list[dict | None]:
        """The search entry of each page in `ids` order (None without search)."""
        jobs = os.cpu_count() or 1
        if len(ids) < self.PARALLEL_FROM or jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
            return self.run(ids)
        global _current_job
        _current_job = self
        if self.with_search:
            from .search import prepare

            prepare()  # load jieba's dictionary once, before forking
        size = -(-len(ids) // (jobs * 4))
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return [entry for chunk in pool.map(_run_chunk, chunks) for entry in chunk]

    def run(self, ids: list[str]) -> list[dict | None]:
        with gc_paused():
            return self._run(ids)

    def _run(self, ids: list[str]) -> list[dict | None]:
        entries: list[dict | None] = []
        for customer_id in ids:
            page = self.site.render_customer(customer_id)
            url = page_url(page.src, self.directory_urls)
            title = html.escape(page.title, quote=True)
            fill = {_TITLE: title, _CONTENT: page.html, _URL: url}
            target = self.site_dir / url_file(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("".join(fill.get(part, part) for part in self.parts), encoding="utf-8")
            entries.append(search_entry(url, page.title, page.search_text) if self.with_search and page.search_text else None)
        return entries


def _run_chunk(ids: list[str]) -> list[dict | None]:
    return _current_job.run(ids)


def _split_shell(shell: str, shell_url: str) -> list:
    """The prototype page cut into literal parts and the places a customer's own go."""
    if SHELL_CONTENT not in shell:
        raise PluginError("plaincrm: the theme did not render the prototype customer page as expected")
    parts: list = []
    for piece in re.split(r"(pcrm-shell-title|<h1>pcrm-shell-content</h1>|" + re.escape(shell_url) + ")", shell):
        parts.append({"pcrm-shell-title": _TITLE, SHELL_CONTENT: _CONTENT, shell_url: _URL}.get(piece, piece))
    return parts


def _search_index(config):
    """Material's (or MkDocs') search index object, where entries for customer pages go."""
    for plugin in config.plugins.values():
        index = getattr(plugin, "search_index", None)
        if index is not None and hasattr(index, "entries"):
            return index
    return None
