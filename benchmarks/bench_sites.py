"""One site per reader at 10,000 customers: `crm sites` (20 salespeople, the other roles and "all")
against one full `mkdocs build` of the same repository, measured in the same invocation.

The generated team is widened to 20 salespeople and the customers dealt among them, so that each
salesperson's site holds about 1/20 of the customers. Each build is cold (no plaincrm cache).
This is a report, not a test: it exits 0 whatever the figures, unless a build fails.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_site import ENV, MKDOCS, mkdocs_build
from benchmarks.bench_validate import check, command_line, report, run_measured
from benchmarks.generate import REPO

SALES = 20
CRM = Path(sys.executable).parent / "crm"


def widen_team(repo: Path) -> list[str]:
    """20 salespeople (the generated team's, then more), every customer owned by one of them in turn."""
    team = (repo / "records" / "team.yaml").read_text(encoding="utf-8")
    sales = re.findall(r"handle: ([a-z0-9.]+), name: [^,]+, role: sales", team)  # a kept repository: widened already
    extra = [f"sales{n:02d}" for n in range(1, SALES - len(sales) + 1)]
    team += "".join(f"  - {{handle: {h}, name: 销售{h[-2:]}, role: sales, login: {h}}}\n" for h in extra)
    (repo / "records" / "team.yaml").write_text(team, encoding="utf-8")
    handles = sales + extra
    owner = re.compile(r"^owner: \S+$", re.M)
    for n, path in enumerate(sorted((repo / "records" / "customers").glob("C*.yaml"))):
        text = path.read_text(encoding="utf-8")
        path.write_text(owner.sub(f"owner: {handles[n % len(handles)]}", text, count=1), encoding="utf-8")
    run_measured([str(CRM), "--root", str(repo), "codeowners"], env=ENV)  # owners changed: CODEOWNERS follows
    return handles


def sites_build(repo: Path, sample_memory: bool = False) -> tuple[float, int]:
    shutil.rmtree(repo / "build" / "sites", ignore_errors=True)
    shutil.rmtree(repo / ".cache", ignore_errors=True)
    return run_measured(
        [str(CRM), "--root", str(repo), "sites", str(repo / "build" / "sites")],
        cwd=repo,
        env=ENV,
        sample_memory=sample_memory,
    )


def bench(repo: Path) -> None:
    shutil.copyfile(REPO / "mkdocs.yml", repo / "mkdocs.yml")
    shutil.copytree(REPO / "site", repo / "site", dirs_exist_ok=True)
    handles = widen_team(repo)
    customers = len(list((repo / "records" / "customers").glob("C*.yaml")))
    one, _ = mkdocs_build(repo, "build/site")
    _, one_peak = mkdocs_build(repo, "build/site", sample_memory=True)
    every, _ = sites_build(repo)
    _, every_peak = sites_build(repo, sample_memory=True)
    sites = sorted(p.name for p in (repo / "build" / "sites").iterdir() if p.is_dir())
    pages = {s: len(list((repo / "build" / "sites" / s / "customers").glob("C*.html"))) for s in sites}
    print(
        f"{customers} customers, {len(handles)} salespeople, {len(sites)} sites; "
        f"customer pages per salesperson: {min(pages[h] for h in handles)}–{max(pages[h] for h in handles)}"
    )
    report(
        [
            ("baseline: one full site (mkdocs build, cold)", f"{one:.2f} s", "(baseline)", "", ""),
            (
                f"every audience ({len(sites)} sites, crm sites, cold)",
                f"{every:.2f} s",
                f"{one:.2f} s, ratio <= 1.60",
                f"{every / one:.2f}",
                check(every / one, 1.6),
            ),
            (
                "peak memory (PSS): every audience vs one site",
                f"{every_peak / 2**20:.0f} MiB",
                f"{one_peak / 2**20:.0f} MiB, ratio <= 1.50",
                f"{every_peak / one_peak:.2f}" if one_peak else "",
                check(every_peak / one_peak, 1.5) if one_peak else "",
            ),
            (
                "every customer on the all site",
                str(pages.get("all", 0)),
                f"{customers} customers",
                "",
                "pass" if pages.get("all") == customers else "FAIL",
            ),
        ]
    )
    print("each build once, cold; memory is PSS summed over the process tree, sampled every ~10 ms in a second run")


def main(argv: list[str] | None = None) -> int:
    return command_line(bench, MKDOCS, argv)


if __name__ == "__main__":
    sys.exit(main())
