"""Write generated pages to a folder, for a static site engine other than MkDocs (`crm pages`).

The folder is a whole site for any engine that reads Markdown with YAML front matter (Hugo, tested
by tests/test_second_engine.py; Jekyll, Eleventy, Zensical...), so that a team can change engines,
the day Material for MkDocs reaches its end of life or any other, without plaincrm. Each page file:

- front matter: the title; where the page is published, as the pages' relative links expect it
  (`url` for Hugo, `permalink` for Jekyll and Eleventy); and the engines' own search told to skip it,
  since plaincrm's search covers the customers and the tables would drown the hand-written pages
  (`search: {exclude: true}` for Material's search, under MkDocs or ProperDocs; `_build: {list:
  never}` for Hugo, which keeps it out of every page list, hence out of a theme's search index, feeds
  and sitemap: the sitemap's own `disable` is unknown to Debian 12's Hugo, which warns for each page);
- body: the page's HTML as one raw HTML block, with the assets it needs (`assets/plaincrm/`: the
  stylesheet, the index's script and the customer search, whose own search box appears where the
  engine shows none). Carried as Markdown, HTML is read as Markdown again after a blank line
  (CommonMark ends an HTML block there: a record's `[x](javascript:…)` would become a link), and
  braces start templates and shortcodes (`{{% gist %}}`, Liquid's `{{ }}`). So the line ending of
  each blank line, and every brace, is written as a character reference: the page shows the same.

OUT_DIR may hold other files, and anyone who can write there could plant a symbolic link or
edit the manifest. So every path is walked one folder at a time, relative to an open folder
and without following links (`O_NOFOLLOW`), a link met on the way is refused before anything is
written, and only regular files this tool wrote are ever removed: a manifest entry that is
absolute, climbs out with `..` or passes through a link is ignored."""

from __future__ import annotations

import html
import json
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from ..gcpause import gc_paused
from ..parallel import settle
from ..problems import Problem, ProblemError
from .background import resolve
from .i18n import text
from .pages import ASSET_DIR, Page, Site, customer_src, page_url, relative_url

# A character YAML does not allow as it is (YAML 1.2, 5.1), or reads as a line break (YAML 1.1: NEL, LS, PS),
# or a BOM: written as an escape in a double-quoted scalar, which every YAML reader decodes.
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_LINES = re.compile(r"(\r\n|\r|\n)")
HIDDEN = ("search: {exclude: true}", "_build: {list: never}")  # see the module docstring


def yaml_string(value: str) -> str:
    """`value` as a YAML double-quoted scalar (a JSON string, which YAML reads as is) that every YAML reader
    gives back unchanged."""
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def one_html_block(markup: str) -> str:
    """`markup` with no blank line and no brace: the line ending of each blank line (one holding nothing or
    only whitespace) and each brace written as a character reference. A browser reads the same page;
    a Markdown reader sees one raw HTML block, and a template engine nothing of its own."""
    parts = _LINES.split(markup.replace("{", "&#123;").replace("}", "&#125;"))
    out = [parts[0]]
    line = parts[0]
    for ending, following in zip(parts[1::2], parts[2::2]):
        if line.strip():
            out.append(ending)
            line = following
        else:  # a blank line: its end written as a reference keeps the text and makes the line not blank
            out.append("&#10;")  # a browser reads CR and CRLF as LF, so LF is what each stood for
            line += "&#10;" + following
        out.append(following)
    return "".join(out)


def page_file_text(page: Page, *, lang: str = "en", directory_urls: bool = False) -> str:
    """The page as a Markdown file for any engine: front matter (module docstring) and one HTML block."""
    url = page_url(page.src, directory_urls)
    where = yaml_string("/" + url)
    front = [f"title: {yaml_string(page.title)}", f"url: {where}", f"permalink: {where}", *HIDDEN]
    assets = relative_url(url, ASSET_DIR + "/")
    label, none = (html.escape(text(key, lang), quote=True) for key in ("search_box", "search_none"))
    return (
        "---\n" + "\n".join(front) + "\n---\n\n"
        f'<link rel="stylesheet" href="{assets}plaincrm.css">\n'
        + one_html_block(page.html.strip())
        + f'\n<script src="{assets}plaincrm.js"></script>\n'
        f'<script src="{assets}search.js" data-label="{label}" data-none="{none}"></script>\n'
    )


MANIFEST = ".plaincrm-pages"  # what the last run wrote: only those files are ever removed
MANIFEST_LIMIT = 64 << 20  # bytes: far more than the names of 100,000 pages
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def _parts(path: str) -> tuple[str, ...] | None:
    """A manifest or site path as its folder names and file name; None unless it is relative and stays below OUT."""
    if not path or "\\" in path or "\0" in path or path.startswith("/"):
        return None
    parts = PurePosixPath(path).parts
    return parts if parts and all(p not in ("", ".", "..") for p in parts) else None


class _Out:
    """OUT_DIR, opened once; folders below it opened relative to their parent, never through a link."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.fds: dict[tuple[str, ...], int] = {(): os.open(root, os.O_RDONLY | _DIRECTORY)}

    def close(self) -> None:
        for fd in self.fds.values():
            os.close(fd)

    def folder(self, parts: tuple[str, ...], create: bool) -> int | None:
        """The open folder OUT/parts; None when it is missing (and not to be created) or is not a real folder."""
        if parts in self.fds:
            return self.fds[parts]
        parent = self.folder(parts[:-1], create)
        if parent is None:
            return None
        if create:
            try:
                os.mkdir(parts[-1], dir_fd=parent)
            except FileExistsError:
                pass
        try:
            fd = os.open(parts[-1], os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=parent)
        except (FileNotFoundError, NotADirectoryError, OSError):
            return None  # missing, a file, or a link (ELOOP): nothing of ours is there
        self.fds[parts] = fd
        return fd

    def blocked(self, parts: tuple[str, ...]) -> str | None:
        """Why `parts` cannot be written without going through a link or replacing a folder, or None."""
        for depth in range(1, len(parts) + 1):
            try:
                mode = os.lstat(self.root.joinpath(*parts[:depth])).st_mode
            except FileNotFoundError:
                return None
            if stat.S_ISLNK(mode):
                return "is a symbolic link; pages are written only as real files inside the folder: remove the link"
            if depth < len(parts) and not stat.S_ISDIR(mode):
                return "is in the way of a folder of pages"
            if depth == len(parts) and not stat.S_ISREG(mode):
                return "is not a regular file; pages are written only as real files inside the folder"
        return None

    def put(self, parts: tuple[str, ...], data: bytes) -> bool:
        """Write OUT/parts unless it holds `data` already (its time then stays, so rsync or a static
        host's upload sends only what changed); whether it was written."""
        if self.read(parts, len(data)) == data:
            return False
        self.write(parts, data)
        return True

    def write(self, parts: tuple[str, ...], data: bytes) -> None:
        folder = self.folder(parts[:-1], create=True)
        if folder is None:
            raise _refused(self.root, parts, "changed while the pages were written: a folder became a link or a file")
        try:
            fd = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o644, dir_fd=folder)
        except OSError as error:
            raise _refused(self.root, parts, f"cannot be written: {error.strerror}") from None
        with os.fdopen(fd, "wb") as out:
            out.write(data)

    def read(self, parts: tuple[str, ...], limit: int) -> bytes | None:
        folder = self.folder(parts[:-1], create=False)
        if folder is None:
            return None
        try:
            fd = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=folder)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None  # a FIFO or a device is nothing this tool wrote
            data = file.read(limit + 1)
        return data if len(data) <= limit else None

    def remove(self, parts: tuple[str, ...]) -> None:
        """Remove OUT/parts if it is a regular file reached without a link; anything else stays."""
        folder = self.folder(parts[:-1], create=False)
        if folder is None:
            return
        try:
            if stat.S_ISREG(os.stat(parts[-1], dir_fd=folder, follow_symlinks=False).st_mode):
                os.unlink(parts[-1], dir_fd=folder)
        except FileNotFoundError:
            pass


def _refused(root: Path, parts: tuple[str, ...], why: str) -> ProblemError:
    return ProblemError([Problem(str(root.joinpath(*parts)), 1, 1, "", why, "pages.unsafe-target")])


class Written(NamedTuple):
    files: int  # every file of the site
    changed: int  # of them, those whose bytes changed (the others were left as they were)
    keys: dict[str, tuple] = {}  # customer id -> the key of the page now in the folder (`write_pages`' `known`)


def write_pages(
    site: Site, out_dir: Path, *, lang: str = "en", directory_urls: bool = False, known: dict[str, tuple] | None = None
) -> Written:
    """Write every page and file; remove what an earlier run wrote and this one did not
    (a deleted customer's page must not stay published). Nothing else in OUT_DIR is touched;
    a link or a non-file where a page goes stops the run before anything is written (ProblemError).
    `lang` and `directory_urls` are those the site was built with (the search box's words, the
    published addresses). `known`: the page keys an earlier call of this process left in the folder
    (`crm pages --watch`); a customer page whose key is the same is not even rendered again."""
    sources = [page.src for page in site.pages] + [customer_src(i) for i in site.customer_ids] + [*site.files, MANIFEST]
    found = [(src, _parts(src)) for src in sources]
    unsafe = [src for src, parts in found if parts is None]
    if unsafe:  # `pages.slug` makes every generated path safe: this would be a bug, never a record's doing
        raise ValueError(f"unsafe generated paths: {unsafe[:5]}")
    targets = [(src, parts) for src, parts in found if parts is not None]
    placed = dict(targets)  # what is written goes where it was checked
    out = _Out(out_dir)
    try:
        manifest = out.read((MANIFEST,), MANIFEST_LIMIT)
        before = set(manifest.decode("utf-8", "replace").splitlines()) if manifest is not None else set()
        problems = [_refused(out_dir, parts, why).problems[0] for _, parts in targets if (why := out.blocked(parts))]
        problems += [  # a file of the user's (a docs folder's own index.md) is never replaced
            _refused(
                out_dir,
                parts,
                "is there and crm pages did not write it (it is not in its manifest): "
                "write into an empty folder, or move that file",
            ).problems[0]
            for src, parts in targets
            if src not in before and parts != (MANIFEST,) and os.path.lexists(out_dir.joinpath(*parts))
        ]
        if problems:
            raise ProblemError(problems)
        written, changed = [], 0
        with gc_paused():  # 10,000 keys: the collector's passes over the heap would cost more than they do
            keys = {cid: site.customer_key(cid) for cid in site.customer_ids} if known is not None else {}
        same = {customer_src(cid) for cid, key in keys.items() if known and known.get(cid) == key}
        written += [src for src in same if src in before]
        kept = set(written)
        customer_pages = (site.render_customer(cid) for cid in site.customer_ids if customer_src(cid) not in kept)
        for page in [*site.pages, *customer_pages]:
            text = page_file_text(page, lang=lang, directory_urls=directory_urls).encode("utf-8")
            changed += out.put(placed[page.src], text)
            written.append(page.src)
        for path, data in site.files.items():
            changed += out.put(placed[path], resolve(data))
            written.append(path)
        for stale in sorted(before - set(written)):
            parts = _parts(stale)
            if parts is not None and parts != (MANIFEST,):
                out.remove(parts)
        out.put((MANIFEST,), ("\n".join(sorted(written)) + "\n").encode("utf-8"))
    finally:
        out.close()
        settle()  # the background results are read (or never will be): no pool may reach the interpreter's exit
    return Written(len(written), changed, keys)
