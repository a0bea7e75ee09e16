"""How fast and how lean is the plaincrm site build, and how quickly does `mkdocs serve` show an edit?

The build is compared with a baseline measured in the same invocation, on the same
customers and machine: a plain `mkdocs build` (Material, search) of hand-equivalent
Markdown pages, one per customer, which is what the site would cost without plaincrm.
This is a report, not a test: it exits 0 whatever the figures, unless a build fails.

    python benchmarks/bench_site.py [--customers 10000] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import functools
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_validate import CommandFailed, check, command_line, report, run_measured
from benchmarks.generate import REPO
from plaincrm.site.search import CUSTOMER_SEARCH

RUNS = 2  # build timings are the best of this many runs...
SLOW = 90.0  # ...unless one run of the baseline takes longer than this: then it is measured once
MKDOCS = Path(sys.executable).parent / "mkdocs"
ENV = {**os.environ, "PLAINCRM_TODAY": "2026-11-23", "NO_MKDOCS_2_WARNING": "1"}
SECTIONS = ("contacts", "interactions", "key_dates", "orders", "service_cases")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# --- the baseline: what a person would hand-write for the same customers -------------------------


def _cell(value) -> str:
    if isinstance(value, list):
        value = ", ".join(_cell(v) for v in value)
    elif isinstance(value, dict):
        value = "; ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows),
        "",
    ]


def customer_markdown(record: dict) -> str:
    """An H1, a field | value profile table, then one table per list of the record."""
    lines = [f"# {record['name']}", ""]
    lines += _table(["field", "value"], [[k, v] for k, v in record.items() if k not in SECTIONS])
    for section in SECTIONS:
        items = record.get(section) or []
        if section == "interactions":
            items = sorted(items, key=lambda i: i["date"], reverse=True)
        if items:
            columns = list(dict.fromkeys(k for item in items for k in item))
            lines += [f"## {section.replace('_', ' ').capitalize()}", ""]
            lines += _table(columns, [[item.get(c, "") for c in columns] for item in items])
    return "\n".join(lines)


def write_baseline(repo: Path, out: Path) -> Path:
    """A plain MkDocs project of hand-equivalent pages; customer pages are not in the nav, as in plaincrm."""
    docs = out / "docs" / "customers"
    docs.mkdir(parents=True)
    rows = []
    for path in sorted((repo / "records" / "customers").glob("*.yaml")):
        record = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        (docs / f"{record['id']}.md").write_text(customer_markdown(record), encoding="utf-8")
        rows.append([f"[{record['id']}](customers/{record['id']}.md)", record["name"], record["owner"]])
    (out / "docs" / "index.md").write_text(
        "\n".join(["# Customers", ""] + _table(["id", "name", "owner"], rows)), encoding="utf-8"
    )
    ours = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    separator = next(p["search"]["separator"] for p in ours["plugins"] if isinstance(p, dict) and "search" in p)
    config = {
        "site_name": "baseline",
        "use_directory_urls": False,
        "theme": {"name": "material", "font": False},
        "plugins": [{"search": {"separator": separator}}],
        "nav": ["index.md"],
        "not_in_nav": "/customers/",
    }  # as plaincrm marks its customer pages: no "not in nav" listing
    (out / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return out


# --- builds --------------------------------------------------------------------------------------


def mkdocs_build(folder: Path, site_dir: str, sample_memory: bool = False) -> tuple[float, int]:
    """A cold `mkdocs build` in `folder` (no site dir, no plaincrm cache); wall seconds and peak tree memory (PSS)."""
    shutil.rmtree(folder / site_dir, ignore_errors=True)
    shutil.rmtree(folder / ".cache", ignore_errors=True)
    return run_measured([str(MKDOCS), "build"], cwd=folder, env=ENV, sample_memory=sample_memory)


def timed(measure) -> tuple[float, int]:
    """Best of RUNS, or a single run when that one was already slower than SLOW; and how many runs."""
    first = measure()
    if first > SLOW:
        return first, 1
    return min([first] + [measure() for _ in range(RUNS - 1)]), RUNS


def search_bytes(site: Path) -> int:
    """Bytes the customer pages' entries take in Material's search_index.json (the baseline's), serialised
    as the search plugin does."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return sum(
        len(json.dumps(d, separators=(",", ":"), default=str))
        for d in index["docs"]
        if d["location"].startswith("customers/C")
    )


def largest_page(site: Path) -> tuple[int, str]:
    """The largest generated HTML page: bytes and path (issue 14: none over 300 KB at 10,000 customers)."""
    return max((p.stat().st_size, str(p.relative_to(site))) for p in site.rglob("*.html"))


# --- in Chromium: what a page view transfers, how soon search answers ---------------------------


class _Tally:
    """A connection's output that adds what is written to a shared count."""

    def __init__(self, raw, count: list[int]):
        self.raw, self.count = raw, count

    def write(self, data) -> int:
        self.count[0] += len(data)
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)  # flush, close, closed


class _Counting(http.server.SimpleHTTPRequestHandler):
    """A static server on loopback that counts every byte it sends (headers and bodies) in `sent`."""

    sent = [0]

    def setup(self) -> None:
        super().setup()
        self.wfile = _Tally(self.wfile, self.sent)

    def log_message(self, *args) -> None:
        pass


def in_browser(site: Path, customer_id: str, query: str, result: str) -> tuple[int, float]:
    """Bytes the server sends for a customer page view after another page was viewed (what the browser
    cached is not asked again, or answered 304), and seconds from the first keystroke in the search
    box (focused just before) until the first `result` shows for `query`'s first character."""
    from playwright.sync_api import sync_playwright

    sent = _Counting.sent
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Counting, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(base + "index.html", wait_until="networkidle")
            sent[0] = 0
            page.goto(base + f"customers/{customer_id}.html", wait_until="networkidle")
            view = sent[0]
            box = page.locator(".md-search__input").first
            box.click()
            started = time.perf_counter()
            page.keyboard.type(query[0])
            page.wait_for_selector(result, timeout=120_000)
            first = time.perf_counter() - started
            browser.close()
    finally:
        server.shutdown()
    return view, first


# --- mkdocs serve --------------------------------------------------------------------------------


def fetch(port: int, path: str, timeout: float) -> tuple[int, str]:
    """GET from 127.0.0.1 only (http.client: no proxy settings apply). MkDocs holds requests during a rebuild."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def wait_for(process: subprocess.Popen, port: int, path: str, until, timeout: float) -> float | None:
    """Seconds until the served `path` satisfies `until(status, body)`, polling every 0.1 s; None on timeout."""
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < timeout:
        if process.poll() is not None:
            raise CommandFailed(f"mkdocs serve exited {process.returncode}")
        try:
            if until(*fetch(port, path, max(0.5, timeout - elapsed))):
                return time.perf_counter() - started
        except OSError:
            pass  # not listening yet, or a request timed out
        time.sleep(0.1)
    return None


SERVE_EDITS = 3  # edits in one session, each after the last showed: the median is reported


def serve_latency(repo: Path, customer_id: str) -> tuple[float | None, str]:
    """Seconds from saving an edit to a customer's `needs:` until the served page shows it (the median of
    SERVE_EDITS edits in one session, each saved after the previous one showed); and the server log."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    record = repo / "records" / "customers" / f"{customer_id}.yaml"
    original, edited, marker = _edited(record)
    path = f"/customers/{customer_id}.html"
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(MKDOCS), "serve", "-a", f"127.0.0.1:{port}"],
        cwd=repo,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        up = wait_for(process, port, path, lambda status, _: status == 200, 300)
        latency = None
        if up is not None:
            print(f"mkdocs serve answered after {up:.1f} s; editing {record.name}", flush=True)
            seen: list[float] = []
            for number in range(SERVE_EDITS):
                mark = f"{marker}x{'y' * number}"  # each edit shows a text the previous did not
                record.write_text(edited.replace(marker, mark), encoding="utf-8")
                shown = wait_for(process, port, path, lambda status, body, mark=mark: mark in body, 120)
                if shown is None:
                    break
                seen.append(shown)
            print(f"mkdocs serve: edit -> page {', '.join(f'{t:.2f}' for t in seen)} s", flush=True)
            latency = statistics.median(seen) if len(seen) == SERVE_EDITS else None
        else:
            print("mkdocs serve did not answer within 300 s", flush=True)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        record.write_bytes(original)
        log.seek(0)
        text = log.read().decode(errors="replace")
        log.close()
    return latency, text


def _edited(record: Path) -> tuple[bytes, str, str]:
    """The record's bytes, the same record with a marker appended to `needs:`, and the marker."""
    original = record.read_bytes()
    needs = yaml.load(original, Loader=yaml.CSafeLoader)["needs"]
    marker = "benchmarker" + "".join(random.choices(string.ascii_lowercase, k=12))  # no digits: never masked
    edited = re.sub(
        r"(?m)^needs: .*$",
        lambda _: "needs: " + json.dumps(f"{needs} {marker}", ensure_ascii=False),
        original.decode("utf-8"),
        count=1,
    )
    return original, edited, marker


def pages_latency(repo: Path, customer_id: str) -> tuple[float, float | None]:
    """`crm pages` into a folder: a cold run's seconds, and with `--watch` the seconds from saving an edit
    until the customer's page file holds it (the other files untouched)."""
    crm = Path(sys.executable).parent / "crm"
    record = repo / "records" / "customers" / f"{customer_id}.yaml"
    original, edited, marker = _edited(record)
    with tempfile.TemporaryDirectory(prefix="plaincrm-bench-pages-") as tmp:
        started = time.perf_counter()
        subprocess.run(
            [str(crm), "--root", str(repo), "pages", f"{tmp}/cold"], env=ENV, capture_output=True, check=True
        )
        cold = time.perf_counter() - started
        out = Path(tmp) / "watched"
        process = subprocess.Popen(
            [str(crm), "--root", str(repo), "pages", str(out), "--watch", "--interval", "0.1"],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Ctrl-C as in a terminal, even when
        )  # this benchmark runs as a background job (started with SIGINT ignored, which the child would inherit)
        latency = None
        try:
            for line in process.stdout:  # type: ignore[union-attr]
                if "watching" in line:
                    break
            page = out / "customers" / f"{customer_id}.md"
            record.write_text(edited, encoding="utf-8")
            started = time.perf_counter()
            while time.perf_counter() - started < 120:
                if marker in page.read_text(encoding="utf-8"):
                    latency = time.perf_counter() - started
                    break
                time.sleep(0.05)
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(30)
            record.write_bytes(original)
    return cold, latency


# --- reports and feeds ---------------------------------------------------------------------------


def reports_and_feeds(repo: Path) -> tuple[float, float]:
    """Seconds the site build spends on reports, their downloads and the calendar feeds, in this
    process on views already derived: (until the build goes on, until the last background file is made)."""
    from datetime import date

    from plaincrm.dataset import load_dataset
    from plaincrm.gcpause import gc_paused
    from plaincrm.parallel import settle
    from plaincrm.project import Project
    from plaincrm.site.background import resolve
    from plaincrm.site.pages import SiteBuilder, SiteOptions
    from plaincrm.views import derive

    today = date.fromisoformat(ENV["PLAINCRM_TODAY"])
    with gc_paused():
        dataset = load_dataset(Project(repo), masked=True)
        best = (float("inf"), float("inf"))
        for _ in range(RUNS):
            builder = SiteBuilder(derive(dataset, today), SiteOptions(today=today))
            started = time.perf_counter()
            _, files = builder.reports_and_feeds()
            returned = time.perf_counter()
            for data in files.values():
                resolve(data)
            settle()  # as the site build does once its files are written
            best = min(best, (returned - started, time.perf_counter() - started))
    return best


# --- the report ----------------------------------------------------------------------------------


def bench(repo: Path) -> None:
    shutil.copyfile(REPO / "mkdocs.yml", repo / "mkdocs.yml")
    shutil.copytree(REPO / "site", repo / "site", dirs_exist_ok=True)
    ids = sorted(p.stem for p in (repo / "records" / "customers").glob("C*.yaml"))
    probe = ids[len(ids) // 3]  # the customer page viewed, whose name is searched
    name = yaml.load((repo / "records" / "customers" / f"{probe}.yaml").read_bytes(), Loader=yaml.CSafeLoader)["name"]
    print(f"{len(ids)} customers in {repo}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}", flush=True)

    with tempfile.TemporaryDirectory(prefix="plaincrm-bench-plain-") as tmp:
        plain_dir = write_baseline(repo, Path(tmp))
        baseline, baseline_runs = timed(lambda: mkdocs_build(plain_dir, "site")[0])
        plain_search = search_bytes(plain_dir / "site") / len(ids)
        plain_view, plain_first = in_browser(plain_dir / "site", probe, name, ".md-search-result__link")
    print(f"baseline built in {baseline:.1f} s (best of {baseline_runs})", flush=True)
    cold, cold_runs = timed(lambda: mkdocs_build(repo, "build/site")[0])
    _, peak = mkdocs_build(repo, "build/site", sample_memory=True)  # a separate run: sampling costs CPU
    site = repo / "build" / "site"
    per_customer = (site / CUSTOMER_SEARCH).stat().st_size / len(ids)
    view, first = in_browser(site, probe, name, ".pcrm-search .md-search-result__link")
    pages = len(list((site / "customers").glob("C*.html")))
    largest, largest_path = largest_page(site)
    print(f"plaincrm built in {cold:.1f} s (best of {cold_runs}); measuring mkdocs serve", flush=True)

    feeds_returned, feeds_done = reports_and_feeds(repo)
    latency, log = serve_latency(repo, ids[len(ids) // 2])
    pages_cold, pages_after_edit = pages_latency(repo, ids[len(ids) // 2 + 1])
    if latency is None:
        print("mkdocs serve log (last 3000 characters):\n" + log[-3000:], flush=True)

    mib = peak / 2**20
    report(
        [
            ("baseline: plain mkdocs build of hand-written pages", f"{baseline:.2f} s", "(baseline)", "", ""),
            (
                "plaincrm mkdocs build (cold), absolute",
                f"{cold:.2f} s",
                "<= 25.00 s",
                f"{cold / 25:.2f}",
                check(cold, 25),
            ),
            (
                "plaincrm mkdocs build (cold) vs baseline",
                f"{cold:.2f} s",
                f"{baseline:.2f} s, ratio <= 0.60",
                f"{cold / baseline:.2f}",
                check(cold / baseline, 0.6),
            ),
            (
                "peak memory (PSS) of the build's tree",
                f"{mib:.0f} MiB",
                "<= 1536 MiB",
                f"{mib / 1536:.2f}",
                check(mib, 1536),
            ),
            (
                "search index per customer",
                f"{per_customer:.0f} B",
                f"<= 1500 B (plain: {plain_search:.0f} B)",
                f"{per_customer / 1500:.2f}",
                check(per_customer, 1500),
            ),
            (
                "customer page view: bytes transferred (cache warm)",
                f"{view / 1024:.1f} KB",
                f"<= 100 KB (plain: {plain_view / 1024:.1f} KB)",
                f"{view / 102400:.2f}",
                check(view, 102400),
            ),
            (
                "search: first keystroke -> first customer shown",
                f"{first:.2f} s",
                f"<= 1.00 s (plain: {plain_first:.2f} s)",
                f"{first:.2f}",
                check(first, 1),
            ),
            (
                "largest HTML page",
                f"{largest / 1024:.0f} KB ({largest_path})",
                "<= 300 KB",
                f"{largest / 307200:.2f}",
                check(largest, 307200),
            ),
            (
                "customer pages written",
                str(pages),
                f"{len(ids)} customers",
                "",
                "pass" if pages == len(ids) else "FAIL",
            ),
            (
                "reports, downloads and feeds: build waits",
                f"{feeds_returned:.2f} s",
                "<= 3.00 s",
                f"{feeds_returned / 3:.2f}",
                check(feeds_returned, 3),
            ),
            (
                "reports, downloads and feeds: all made",
                f"{feeds_done:.2f} s",
                "<= 3.00 s",
                f"{feeds_done / 3:.2f}",
                check(feeds_done, 3),
            ),
            (
                "mkdocs serve: edit saved -> page shows it",
                f"{latency:.2f} s" if latency is not None else "timeout",
                "<= 3.00 s",
                f"{latency / 3:.2f}" if latency is not None else "",
                check(latency, 3) if latency is not None else "FAIL",
            ),
            (
                "mkdocs serve: edit -> page, vs the cold build",
                f"{latency:.2f} s" if latency is not None else "timeout",
                f"{cold:.2f} s, ratio <= 0.10",
                f"{latency / cold:.2f}" if latency is not None else "",
                check(latency / cold, 0.1) if latency is not None else "FAIL",
            ),
            (
                "crm pages --watch: edit -> page file, vs a cold crm pages",
                f"{pages_after_edit:.2f} s" if pages_after_edit is not None else "timeout",
                f"{pages_cold:.2f} s, ratio <= 0.10",
                f"{pages_after_edit / pages_cold:.2f}" if pages_after_edit is not None else "",
                check(pages_after_edit / pages_cold, 0.1) if pages_after_edit is not None else "FAIL",
            ),
        ]
    )
    print(
        f"build timings: best of {cold_runs} (plaincrm) and {baseline_runs} (baseline; one run if over {SLOW:.0f} s), "
        "each cold; ratio: value / baseline on the comparison, value / target on the others; memory is PSS summed over "
        "mkdocs and its workers, sampled every ~10 ms in one extra cold run; search bytes: plaincrm's customer index "
        f"({CUSTOMER_SEARCH}), the baseline's customers/C* entries in Material's; page view and search in Chromium on "
        f"{probe}, served on loopback, bytes counted by the server after the home page was viewed"
    )


def main(argv: list[str] | None = None) -> int:
    return command_line(bench, MKDOCS, argv)


if __name__ == "__main__":
    sys.exit(main())
