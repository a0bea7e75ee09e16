"""This period against the previous one: the few figures a meeting talks about, and how they moved
(field guide A's 总结性洞察, B's monthly review).

"Previous" is the records as they were at the end of the previous quarter or month (the commit in force
that day, read with today's schema as `crm report --as-of` reads it, derived with that day as "today"),
so a figure is what the team knew then, never one recomputed from today's records. Both sides go
through the same reader's share (`audience.restrict`, then `audience.reports_for`), so a restricted
reader's comparison never counts a customer they cannot read. Without git history, or without a commit
that old, there is no comparison, and it says so.

Every word comes from the caller's word table (`reports.Wording.word`: the site's i18n, keys
`compare.*`), as the reports' own titles do.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .audience import reports_for, restrict
from .problems import ProblemError
from .reminders import IDLE_DAYS
from .reports import MONEY, SHARE, UPCOMING_DAYS, Report, Table, Wording, money_text, number_text, share_text
from .views import Views

PERIODS = ("quarter", "month")
SHARE_POINTS = 0.02  # a share moving by 2 percentage points is notable
RELATIVE = 0.10  # a count, an amount or days moving by 10% is notable…
LEAST_COUNT = 2  # …a count only when it moves by at least 2
LEAST_AVERAGE = 0.2  # an average rating (1-5) moving by a fifth of a point
ANY_RISE = frozenset({"complaints.complained", "complaints.open", "follow_up.overdue"})  # any rise is notable

COUNT, DAYS, AVERAGE = "count", "days", "average"  # a measure's kind, besides reports.SHARE and reports.MONEY


@dataclass(frozen=True)
class Measure:
    """One headline figure of a report: `name` is its word (`compare.m.<name>`), `option` the option
    value it is about (a category, a stage) as (option list, value), shown by its label."""

    report: str
    name: str
    kind: str  # share | count | days | money | average
    value: float | None
    option: tuple[str, str] | None = None

    @property
    def key(self) -> str:
        return f"{self.report}.{self.name}" + (f".{self.option[1]}" if self.option else "")


@dataclass(frozen=True)
class Change:
    measure: Measure  # the current one (the previous one when it is gone)
    old: float | None
    new: float | None

    @property
    def direction(self) -> str:
        """up | down | same | new (no figure before) | gone (none now)."""
        if self.old is None:
            return "new"
        if self.new is None:
            return "gone"
        return "up" if self.new > self.old else "down" if self.new < self.old else "same"

    @property
    def size(self) -> float:
        """How far it moved, in the measure's own unit (a share: in fractions, 0.1 = 10 points)."""
        return abs((self.new or 0) - (self.old or 0))

    @property
    def weight(self) -> float:
        """The move measured against its notable threshold (1.0: just notable), to sort changes of any kind."""
        kind = self.measure.kind
        if kind == SHARE:
            return self.size / SHARE_POINTS
        if kind == AVERAGE:
            return self.size / LEAST_AVERAGE
        base = abs(self.old or 0)
        return math.inf if base == 0 and self.size else (self.size / base / RELATIVE if base else 0.0)


def notable(change: Change) -> bool:
    """The one rule of what the period summary lists: any rise in complaints or overdue next steps; a
    share moved by 2 percentage points or more; a count by 10% and at least 2; an amount or the days to
    resolve by 10%; an average rating by 0.2; a figure that appeared (a count above 0) or went away."""
    old, new, kind = change.old, change.new, change.measure.kind
    if old is None or new is None:
        return (new or old or 0) > 0 if kind == COUNT else old is not new
    if change.measure.key in ANY_RISE and new > old:
        return True
    if kind == SHARE:
        return change.size >= SHARE_POINTS - 1e-9
    if kind == AVERAGE:
        return change.size >= LEAST_AVERAGE - 1e-9
    if kind == COUNT and change.size < LEAST_COUNT:
        return False
    return change.weight >= 1.0 - 1e-9


# --- the headline figures of each report ------------------------------------------------------


def headline(reports: list[Report], period: str = "quarter") -> dict[str, Measure]:
    """The few figures per report a meeting talks about, by `Measure.key`, read off the reports' own
    tables (so a reader's reports give a reader's figures; a table left out gives no figure)."""
    out: dict[str, Measure] = {}
    for report in reports:
        tables = {t.title: t for t in report.tables}
        for measure in _MEASURES.get(report.name, _nothing)(report.name, tables, period):
            out[measure.key] = measure
    return out


def _nothing(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    return []


def _row(tables: dict[str, Table], title: str, index: int = -1) -> list[Any] | None:
    table = tables.get(title)
    return table.rows[index] if table is not None and table.rows else None


def _high_value(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    row = _row(tables, "top")
    if row is None:
        return []
    _, customers, _, total, revenue_share = row
    return [
        Measure(name, "revenue_share", SHARE, revenue_share if total else None),
        Measure(name, "total_revenue", MONEY, total),
    ]


def _complaints(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    out = []
    row = _row(tables, "rate_per_quarter")
    if row is not None:
        out += [Measure(name, "complaint_rate", SHARE, row[3]), Measure(name, "complained", COUNT, row[1])]
    resolution = _row(tables, "resolution")
    if resolution is not None:
        out.append(Measure(name, "resolve_days", DAYS, resolution[1]))
    if "open" in tables:
        out.append(Measure(name, "open", COUNT, len(tables["open"].rows)))
    return out


def _interactions(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    table = tables.get("per_month")
    if table is None or not table.rows:
        return []
    latest = table.rows[-1][0]  # "YYYY-MM": today's month
    year, month = (int(part) for part in latest.split("-"))
    if period == "month":
        months = {latest}
    else:
        first = (month - 1) // 3 * 3 + 1
        months = {f"{year}-{m:02d}" for m in range(first, month + 1)}
    return [Measure(name, f"interactions_{period}", COUNT, sum(n for m, n in table.rows if m in months))]


def _option_counts(name: str, table: Table | None, measure: str, kind: str = COUNT, column: int = 1) -> list[Measure]:
    if table is None:
        return []
    option = table.kind(0).removeprefix("option:")
    return [Measure(name, measure, kind, row[column], (option, row[0])) for row in table.rows]


def _distribution(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    every = tables.get("tier") or next(iter(tables.values()), None)  # each customer is in one row of it
    total = sum(row[1] for row in every.rows) if every is not None else 0
    return [Measure(name, "customers", COUNT, total), *_option_counts(name, tables.get("category"), "category")]


def _follow_up(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    out = []
    if "idle_by_owner" in tables:
        out.append(Measure(name, "idle", COUNT, sum(row[1] for row in tables["idle_by_owner"].rows)))
    if "overdue_next_steps" in tables:
        out.append(Measure(name, "overdue", COUNT, len(tables["overdue_next_steps"].rows)))
    return out


def _satisfaction(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    table = tables.get("distribution")
    if table is None:
        return []
    rated = sum(n for _, n in table.rows)
    average = round(sum(score * n for score, n in table.rows) / rated, 2) if rated else None
    return [Measure(name, "satisfaction", AVERAGE, average)]


def _renewals(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    out = []
    row = _row(tables, "rate")
    if row is not None:
        out.append(Measure(name, "renewal_rate", SHARE, row[2] if row[0] else None))
    if "upcoming" in tables:
        out.append(Measure(name, "renewals_upcoming", COUNT, len(tables["upcoming"].rows)))
    return out


def _funnel(name: str, tables: dict[str, Table], period: str) -> list[Measure]:
    out = _option_counts(name, tables.get("stages"), "stage")
    return out + _option_counts(name, tables.get("conversion"), "conversion", SHARE, 3)


_MEASURES: dict[str, Callable[[str, dict[str, Table], str], list[Measure]]] = {
    "high_value": _high_value,
    "complaints": _complaints,
    "interactions": _interactions,
    "distribution": _distribution,
    "follow_up": _follow_up,
    "satisfaction": _satisfaction,
    "renewals": _renewals,
    "funnel": _funnel,
}


def compare(current: dict[str, Measure], previous: dict[str, Measure]) -> list[Change]:
    """Each figure of either side with its value before and now, in the current side's order (a figure
    only the previous side has comes last)."""
    changes = [Change(m, previous[k].value if k in previous else None, m.value) for k, m in current.items()]
    changes += [Change(m, m.value, None) for k, m in previous.items() if k not in current]
    return [c for c in changes if not (c.old is None and c.new is None)]


# --- periods and the previous side ------------------------------------------------------------


def same_point_before(today: date, period: str) -> date:
    """The same day of the previous period: 2026-08-29 for 2026-11-29 (quarter), 2026-10-29 (month); the
    month's last day where it is shorter. A period so far is compared with the previous one so far (49
    days of interactions against 49, not against 92), and a standing figure with what it was then."""
    if period not in PERIODS:
        raise ValueError(f"not a period: {period!r} (quarter or month)")
    year, month = divmod(today.year * 12 + today.month - 1 - (3 if period == "quarter" else 1), 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def period_label(day: date, period: str, lang: str) -> str:
    """2026Q3 (a quarter, in both languages); 2026-09 / 2026年9月 (a month)."""
    if period == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}年{day.month}月" if lang == "zh" else f"{day.year}-{day.month:02d}"


@dataclass
class PeriodComparison:
    """This period's headline figures against the previous period's end, or why there is no comparison."""

    period: str
    today: date
    day: date  # the end of the previous period: its records are those of the commit in force that day
    sha: str | None
    changes: list[Change] = field(default_factory=list)
    missing: str = ""  # why there is nothing to compare with: no_history | no_commit | invalid
    problems: int = 0  # with missing == "invalid": how many problems the old records have

    def of(self, report: str) -> list[Change]:
        return [c for c in self.changes if c.measure.report == report]

    def notable(self) -> list[Change]:
        """The period summary's list: the notable changes, largest first."""
        found = [c for c in self.changes if notable(c)]
        return sorted(found, key=lambda c: (-c.weight, c.measure.key))

    def title(self, wording: Wording) -> str:
        lang = wording.lang
        return _word(wording, f"compare.title.{self.period}").format(
            previous=period_label(self.day, self.period, lang), day=wording.cell("", self.day)
        )

    def note(self, wording: Wording) -> str:
        """Why there is no comparison, in words; "" when there is one."""
        if not self.missing:
            return ""
        return _word(wording, f"compare.{self.missing}").format(
            day=wording.cell("", self.day), sha=(self.sha or "")[:12], n=self.problems
        )

    def lead(self, wording: Wording) -> str:
        lang = wording.lang
        return _word(wording, f"compare.summary_lead.{self.period}").format(
            current=period_label(self.today, self.period, lang),
            previous=period_label(self.day, self.period, lang),
            day=wording.cell("", self.day),
        )

    def data(self, wording: Wording, report: str | None = None) -> dict[str, Any]:
        """`--format json`: {period, previous, as_of, commit, note, changes: [{measure, report, kind, option,
        old, new, direction, notable, text}]}: figures as numbers (shares as fractions), `note` the reason
        when there is no comparison."""
        from .show import json_value

        chosen = self.changes if report is None else self.of(report)
        return {
            "period": self.period,
            "previous": period_label(self.day, self.period, "en"),
            "as_of": self.day.isoformat(),
            "commit": self.sha,
            "note": self.note(wording) or None,
            "changes": [
                {
                    "measure": c.measure.key,
                    "report": c.measure.report,
                    "kind": c.measure.kind,
                    "option": c.measure.option[1] if c.measure.option else None,
                    "old": json_value(c.old),
                    "new": json_value(c.new),
                    "direction": c.direction,
                    "notable": notable(c),
                    "text": change_text(c, wording),
                }
                for c in chosen
            ],
        }


def rule_text(wording: Wording) -> str:
    """The notable-change rule in words, from its own figures."""
    return _word(wording, "compare.rule").format(
        points=number_text(SHARE_POINTS * 100), percent=number_text(RELATIVE * 100), least=LEAST_COUNT
    )


# Previous sides already derived in this process (`mkdocs serve` rebuilds, `crm sites`' readers): the
# previous period's figures do not change between rebuilds. Keyed by the repository, the commit, the day
# (so the period), the schema and the reader.
_MEASURED: dict[tuple, dict[str, Measure] | tuple[str, int]] = {}
_WHOLE: dict[tuple, Views | tuple[str, int]] = {}  # the last previous side's whole views, for the next reader


def compare_periods(views: Views, period: str, reports: list[Report] | None = None) -> PeriodComparison:
    """`views` (today's, perhaps one reader's share, whose `reports_for` are `reports`) against the end of
    the previous period."""
    from .history.gitlog import GitError, commit_before, is_repository

    day = same_point_before(views.today, period)
    found = PeriodComparison(period, views.today, day, None)
    project = views.dataset.project
    root, revision = _origin(project.root)
    try:
        sha = commit_before(root, day.isoformat(), revision) if is_repository(root) else None
    except GitError:
        sha = None
    if sha is None:
        found.missing = "no_commit" if is_repository(root) else "no_history"
        return found
    found.sha = sha
    audience = views.audience
    key = (str(root), sha, day, period, project.fingerprint, repr(audience))
    before = _MEASURED.get(key)
    if before is None:
        before = _previous_measures(views, root, sha, day, period)
        _MEASURED[key] = before
    if isinstance(before, tuple):
        found.missing, found.problems = before
        return found
    now = headline(reports if reports is not None else reports_for(views), period)
    found.changes = compare(now, before)
    return found


def _previous_measures(views: Views, root: Path, sha: str, day: date, period: str) -> dict[str, Measure] | tuple:
    """The headline figures of the records at `sha` for `day`, cut for the same reader as `views`."""
    from .dataset import load_dataset
    from .history.snapshot import project_at
    from .project import Project
    from .views import derive

    project = views.dataset.project
    whole_key = (str(root), sha, day, project.fingerprint)
    whole = _WHOLE.get(whole_key)
    if whole is None:
        try:
            known = views.dataset.memo if views.dataset.masked else None  # today's files by content: most are as then
            then = project_at(Project(root, project.schema_dir.parent), sha)  # read with the schema in use now
            audit = (views.whole or views).history  # the funnel's stage changes up to `day` (it ignores later ones)
            whole = derive(load_dataset(then, masked=True, memo=dict(known) if known else None), day, audit)
        except ProblemError as error:
            whole = ("invalid", len(error.problems))
        _WHOLE.clear()  # one previous side kept: memory stays that of one more dataset at most…
        if views.audience is not None:  # …and only while readers' sites are made one after another
            _WHOLE[whole_key] = whole
    if isinstance(whole, tuple):
        return whole
    side = whole if views.audience is None else restrict(whole, views.audience, "")
    return headline(reports_for(side, _MEASURES.keys()), period)  # only the reports with headline figures


def _origin(folder: Path) -> tuple[Path, str]:
    """The repository and revision the records in `folder` come from: a snapshot (`--as-of`,
    `.cache/plaincrm/snapshots/<sha>`) is its commit in the repository holding the cache."""
    parts = folder.parts
    if len(parts) > 4 and parts[-4:-1] == (".cache", "plaincrm", "snapshots"):
        return folder.parents[3], folder.name
    return folder, "HEAD"


# --- words ------------------------------------------------------------------------------------


def _word(wording: Wording, key: str) -> str:
    return wording.word(key, key)


def value_text(kind: str, value: float | None, wording: Wording) -> str:
    """A figure as the reader reads it: 26.8%, 12, 3.5 days / 3.5 天, 1,200.00 CNY, 4.25."""
    if value is None:
        return "–"
    if kind == SHARE:
        return share_text(value)
    if kind == MONEY:
        return money_text(value, wording.currency)
    if kind == DAYS:
        return _word(wording, "compare.days").format(n=number_text(round(value, 1)))
    if kind == AVERAGE:
        return f"{value:.2f}"
    return number_text(int(value) if float(value).is_integer() else value)


def measure_label(measure: Measure, wording: Wording) -> str:
    label = wording.label(*measure.option) if measure.option else ""
    return _word(wording, f"compare.m.{measure.name}").format(label=label, days=UPCOMING_DAYS, idle=IDLE_DAYS)


def change_text(change: Change, wording: Wording) -> str:
    """高价值客户占比 从 50.0% 升至 60.0% / High-value customers' share of revenue from 50.0% to 60.0%."""
    kind = change.measure.kind
    return _word(wording, f"compare.{change.direction}").format(
        label=measure_label(change.measure, wording),
        old=value_text(kind, change.old, wording),
        new=value_text(kind, change.new, wording),
    )


def comparison_lines(found: PeriodComparison, report: str, wording: Wording) -> list[str]:
    """What is shown under a report: each of its figures' change, or why there is no comparison."""
    if found.missing:
        return [found.note(wording)]
    return [change_text(c, wording) for c in found.of(report)]
