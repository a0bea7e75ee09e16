"""Write generated pages to a folder, for a static site engine other than MkDocs."""

from __future__ import annotations

import json
from pathlib import Path

from .pages import Site


def page_file_text(title: str, html: str) -> str:
    """Front matter with the title (as a JSON string, which YAML reads as is) and the HTML body."""
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n\n{html}\n"


def write_pages(site: Site, out_dir: Path) -> int:
    count = 0
    for page in [*site.pages, *site.customer_pages()]:
        target = out_dir / page.src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page_file_text(page.title, page.html), encoding="utf-8")
        count += 1
    for path, data in site.files.items():
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    return count
