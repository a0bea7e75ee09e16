"""Screenshots of the site for the README and the guide (`make screenshots`): the home page, a
customer page, the customer index and a report, in English and Chinese, on a desktop screen and a
phone (390×844). Built from the shipped sample records with a fixed "today", served over HTTP on
loopback and taken by Debian's Chromium, so running it again gives the same pictures."""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from .conftest import REPO
from .sitekit import make_site_repo, mkdocs_build
from .test_browser import QuietHandler

OUT = REPO / "site" / "screenshots"
PAGES = {
    "home": "index.html",
    "customer": "customers/C20240501001.html",
    "index": "customers/index.html",
    "report": "reports/high_value.html",
}
SCREENS = {"desktop": (1280, 800), "phone": (390, 844)}


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for lang in ("en", "zh"):
            root = make_site_repo(Path(scratch) / lang, language=lang)
            built = mkdocs_build(root)
            if built.returncode != 0:
                print(built.stderr, file=sys.stderr)
                return 1
            handler = functools.partial(QuietHandler, directory=str(root / "out"))
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                for screen, (width, height) in SCREENS.items():
                    page = browser.new_page(viewport={"width": width, "height": height}, locale=lang)
                    for name, path in PAGES.items():
                        page.goto(f"http://127.0.0.1:{server.server_port}/{path}", wait_until="networkidle")
                        target = OUT / f"{name}-{lang}-{screen}.png"
                        page.screenshot(path=str(target))
                        print(target.relative_to(REPO))
                    page.close()
            finally:
                server.shutdown()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
