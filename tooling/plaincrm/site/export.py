"""Write generated pages to a folder, for a static site engine other than MkDocs."""

from __future__ import annotations

import json
from pathlib import Path

from .background import resolve
from .pages import Site


def page_file_text(title: str, html: str) -> str:
    """Front matter with the title (as a JSON string, which YAML reads as is) and the HTML body."""
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n\n{html}\n"


MANIFEST = ".plaincrm-pages"  # what the last run wrote: only those files are ever removed


def write_pages(site: Site, out_dir: Path) -> int:
    """Write every page and file; remove what an earlier run wrote and this one did not
    (a deleted customer's page must not stay published). Nothing else in OUT_DIR is touched."""
    manifest = out_dir / MANIFEST
    before = set(manifest.read_text(encoding="utf-8").splitlines()) if manifest.exists() else set()
    written = []
    for page in [*site.pages, *site.customer_pages()]:
        target = out_dir / page.src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page_file_text(page.title, page.html), encoding="utf-8")
        written.append(page.src)
    for path, data in site.files.items():
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(resolve(data))
        written.append(path)
    for stale in sorted(before - set(written)):
        if ".." not in Path(stale).parts:
            (out_dir / stale).unlink(missing_ok=True)
    manifest.write_text("\n".join(sorted(written)) + "\n", encoding="utf-8")
    return len(written)
