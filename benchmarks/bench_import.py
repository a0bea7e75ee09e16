"""How long does `crm import` take for 10,000 rows into a repository of 10,000 customers, half of
them updates (a new follow-up for an existing customer), half new customers?

Timed in the same invocation, on the same repository, as a baseline: `crm validate --no-cache`,
which reads and checks every record once (the least an import that matches against the
repository and validates what it writes can cost). A second import of the same file measures
the idempotent pass (nothing changes). This is a report, not a test.

    python benchmarks/bench_import.py [--customers 10000] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_validate import CRM, check, command_line, report, run_measured

HEADERS = [
    "客户编号",
    "客户名称",
    "联系人",
    "联系方式",
    "所属行业",
    "客户来源",
    "核心需求",
    "最近跟进日期",
    "跟进人",
    "沟通内容摘要",
    "合作状态",
    "客户标签",
]


READ_ONLY = "import sys; from pathlib import Path; from plaincrm.write.importing.sheets import read_sheet; read_sheet(Path(sys.argv[1]))"


def write_sheet(repo: Path, out: Path, seed: int = 1) -> int:
    """Half the rows update existing customers (by id), half add new ones; an .xlsx like the guides'."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    files = sorted((repo / "records" / "customers").glob("*.yaml"))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户信息表")
    sheet.append(HEADERS)
    for index, path in enumerate(files):
        if index % 2 == 0:
            record = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            sheet.append(
                [
                    record["id"],
                    record["name"],
                    "",
                    "",
                    "",
                    "",
                    "",
                    "2026-11-20",
                    record["owner"],
                    f"导入回访 {index}",
                    "",
                    "",
                ]
            )
        else:
            sheet.append(
                [
                    "",
                    f"导入测试{index}号有限公司",
                    f"联系人{index}",
                    f"139{index:08d}",
                    rng.choice(["制造业", "零售", "IT服务"]),
                    rng.choice(["展会", "转介绍", "线上推广"]),
                    "批量导入",
                    "2026-11-20",
                    "li.wei",
                    "首次接触",
                    "未合作",
                    "导入",
                ]
            )
    book.save(out)
    return len(files)


def bench(repo: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="plaincrm-bench-import-") as tmp:
        work, spare = Path(tmp) / "repo", Path(tmp) / "spare"
        for target in (work, spare):  # the spare copy takes the same import once more, to sample memory
            shutil.copytree(repo, target, ignore=shutil.ignore_patterns(".cache", "build", ".git"))
        sheet = Path(tmp) / "import.xlsx"
        rows = write_sheet(work, sheet)
        print(f"{rows} rows into {rows} customers ({work})", flush=True)
        command = ["import", str(sheet), "--today", "2026-11-23"]
        baseline, _ = run_measured([str(CRM), "--root", str(work), "validate", "--no-cache"])
        reading, _ = run_measured([sys.executable, "-c", READ_ONLY, str(sheet)])
        plan, _ = run_measured(
            [str(CRM), "--root", str(work), "import", str(sheet), "--plan", "--draft", str(Path(tmp) / "draft.yaml")]
        )
        first, _ = run_measured([str(CRM), "--root", str(work), *command])
        again, _ = run_measured([str(CRM), "--root", str(work), *command])
        _, peak = run_measured([str(CRM), "--root", str(spare), *command], sample_memory=True)  # sampling costs CPU
        valid, _ = run_measured([str(CRM), "--root", str(work), "validate"])
        made = len(list((work / "records" / "customers").glob("*.yaml")))
    report(
        [
            ("baseline: crm validate --no-cache (same repository)", f"{baseline:.2f} s", "(baseline)", "", ""),
            (
                "crm import, 10,000 rows (half updates)",
                f"{first:.2f} s",
                "<= 20.00 s",
                f"{first / 20:.2f}",
                check(first, 20),
            ),
            (
                "crm import vs baseline",
                f"{first:.2f} s",
                f"{baseline:.2f} s",
                f"{first / baseline:.2f}",
                check(first / baseline, 4),
            ),
            ("baseline: reading the sheet (python + read_sheet)", f"{reading:.2f} s", "(baseline)", "", ""),
            (
                "crm import --plan vs reading the sheet",
                f"{plan:.2f} s",
                f"{reading:.2f} s",
                f"{plan / reading:.2f}",
                check(plan / reading, 1.5),
            ),
            ("crm import again (nothing changes)", f"{again:.2f} s", "", f"{again / baseline:.2f}", ""),
            ("peak memory (PSS) of the import", f"{peak / 2**20:.0f} MiB", "", "", ""),
            (
                "records after the import",
                str(made),
                f"{rows + rows // 2} expected",
                "",
                "pass" if made == rows + rows // 2 else "FAIL",
            ),
        ]
    )
    print(
        f"the repository validates afterwards: {valid:.2f} s (exit 0); ratio: value / baseline; "
        "memory sampled in a separate run of the same import"
    )


def main(argv: list[str] | None = None) -> int:
    return command_line(bench, CRM, argv)


if __name__ == "__main__":
    sys.exit(main())
