"""The MkDocs adapter: only hooks, each handing over to the code that does the work.

`build.build_for_site` makes the site's pages in memory; `theme_pages` puts them through
the theme (virtual pages, escaped titles, customer pages filled into one prototype page).

The same class is the plugin of ProperDocs (`make site`), the maintained fork of MkDocs 1.6,
which runs it under both entry points (pyproject.toml) and answers its `mkdocs.*` imports with
its own modules; of MkDocs 1.x (unmaintained since August 2024) as long as a team still runs it.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from ..audience import UnknownAudience
from ..gcpause import Rebuilds
from ..history.gitlog import GitError
from ..parallel import settle
from ..problems import ProblemError, render
from .build import build_for_site
from .theme_pages import LinkedPages, ServedPages, ThemePages, bytecode_cache, language_versions
from .watching import watch_by_kernel

try:  # how ProperDocs asks a plugin to declare its support: under the `mkdocs` executable it says,
    # once, that MkDocs 2 will run no plugin and to build with `properdocs` (DISABLE_MKDOCS_2_WARNING=true
    # silences it); under `properdocs` it says nothing.
    import properdocs.replacement_warning

    properdocs.replacement_warning.setup()
except ImportError:  # pragma: no cover - properdocs comes with plaincrm[site]
    pass

log = logging.getLogger("mkdocs.plugins.plaincrm")


class PlaincrmConfig(Config):
    root = c.Type(str, default="")  # the repository; default: the folder of mkdocs.yml
    mask_contacts = c.Type(bool, default=True)
    today = c.Type(str, default="")  # YYYY-MM-DD; default: $PLAINCRM_TODAY or the build date
    branch = c.Type(str, default="main")  # for "Edit this record" links on the git host
    as_of = c.Type(str, default="")  # build from the records as they were: a date or a tag (default: $PLAINCRM_AS_OF)
    trust_revision = c.Type(bool, default=False)  # read them with that revision's own schema (its Python runs)
    history = c.Type(bool, default=True)  # each record's history and the recent changes, read from git
    audience = c.Type(
        str, default=""
    )  # a member's handle or "all": only what they may read (default: $PLAINCRM_AUDIENCE)


class PlaincrmPlugin(BasePlugin[PlaincrmConfig]):
    supports_multiple_instances = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Defining this keeps the plugin alive across `mkdocs serve` rebuilds, with what it remembers."""
        self.serving = command == "serve"
        self.memo: dict = {}  # file results by content (dataset.load_dataset)
        self.served = ServedPages()  # customer pages written and what they showed, serve only
        self.fingerprint: tuple[str, bool] | None = None  # what the memo was made with (on_config)
        self.heap = Rebuilds(freeze=self.serving)  # the collector paused for each build, kept off what lasts

    def on_config(self, config):
        from .search import segment_theme_search

        self.heap = getattr(self, "heap", None) or Rebuilds(freeze=False)  # `crm sites` starts no session
        self.heap.begin()  # ended by on_post_build or on_build_error

        cuts = segment_theme_search(config.plugins)  # rjieba's cuts for Material's search, where installed
        log.debug(f"plaincrm: the theme's search segments Chinese with {cuts}")
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
            self.memo, self.served, self.fingerprint = {}, ServedPages(), fingerprint
            self.site = None
        serving = getattr(self, "serving", False)
        self.bytecode = bytecode_cache(root)
        try:
            self.project, self.site = build_for_site(
                root,
                today=today,
                lang=self.lang,
                masked=self.config.mask_contacts,
                repo_url=config.repo_url,
                branch=self.config.branch,
                directory_urls=config.use_directory_urls,
                site_url=config.site_url,
                history=self.config.history,
                as_of=as_of,
                trust_revision=self.config.trust_revision,
                audience=self.config.audience or os.environ.get("PLAINCRM_AUDIENCE") or None,
                shared=getattr(self, "shared", None),  # set by `sites.build_sites`: one load for every audience
                memo=self.memo if serving else None,
                carry_before=getattr(self, "site", None) and self.site.carry if serving else None,
                bytecode_cache=self.bytecode,
                pdfs=not serving,  # a preview shows an edit within seconds; `mkdocs build` makes the PDFs
            )
        except GitError as error:
            raise PluginError(f"plaincrm: as_of {as_of}: {error}") from None
        except UnknownAudience as error:
            raise PluginError(f"plaincrm: audience: {error}") from None
        except ProblemError as error:
            raise PluginError(
                f"plaincrm: {len(error.problems)} problem(s) in the records; nothing was built:\n"
                + render(error.problems, lang=self.lang)
            ) from None
        self.pages = ThemePages(self.site, config.use_directory_urls)
        for name in ("plaincrm.css", "plaincrm.js", "search.js"):
            path = f"assets/plaincrm/{name}"
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if path not in [str(t) for t in target]:
                target.append(path)
        return config

    def on_env(self, env, config, files):
        if self.bytecode is not None and env.bytecode_cache is None:
            env.bytecode_cache = self.bytecode
        return env

    def on_files(self, files, config):
        return self.pages.add_files(language_versions(files, config, self.lang), config)

    def on_nav(self, nav, config, files):
        return self.pages.name_navigation(nav, self.lang)

    def on_page_markdown(self, markdown, page, config, files):
        return self.pages.markdown(markdown, page)

    def on_page_content(self, content, page, config, files):
        return self.pages.content(content, page.file.src_uri)

    def on_page_context(self, context, page, config, nav):
        if self.pages.is_generated(page.file.src_uri):
            page.edit_url = None  # generated pages have no file to edit; customers carry their own links
        return context

    def on_post_page(self, output, page, config):
        return self.pages.rendered(output, page.file.src_uri)

    def on_post_build(self, config):
        started = time.perf_counter()
        served = self.served if getattr(self, "serving", False) else None
        shared = getattr(self, "shared", None)  # crm sites: pages shared between the audiences' sites
        linked = shared.setdefault("linked", LinkedPages()) if shared is not None else None
        self.pages.write_customer_pages(config, served, self.project.root, linked)
        log.info(
            f"plaincrm: {len(self.site.customer_ids)} customer pages written in {time.perf_counter() - started:.2f} s"
        )
        self.heap.end()

    def on_build_error(self, error):
        settle()  # downloads still in the making are dropped with the build
        heap = getattr(self, "heap", None)
        if heap is not None:
            heap.end()

    def on_shutdown(self):
        """Python's exit would otherwise spend seconds collecting the 10,000-customer heap. Not when
        `crm sites` builds the next audience in this process: what this build left must be freed."""
        import gc

        if getattr(self, "shared", None) is None:
            gc.freeze()
        kernel = getattr(self, "kernel_watch", None)
        if kernel is not None:
            kernel.stop()

    def on_serve(self, server, config, builder):
        for path in (self.project.customers_dir, self.project.team_file, self.project.schema_dir):
            if path.exists():
                server.watch(str(path))
        if self.project.customers_dir.is_dir():  # 10,000 files: polled, an edit waits and the rebuild slows
            self.kernel_watch = watch_by_kernel(server, self.project.customers_dir)
        return server
