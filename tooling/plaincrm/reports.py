"""The field guides' analysis as plain tables: computed from the views for one "today".

Each report is a list of `Table`s (headers + rows of plain values), so the terminal, the
site (with charts) and CSV/XLSX downloads all show the same figures.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .contract import get
from .facts import NOT_COUNTED_ORDER
from .matching import duplicate_groups, record_keys
from .views import Views

MONTHS_BACK = 18
QUARTERS_BACK = 6
IDLE_DAYS = 30
POTENTIAL_IDLE_DAYS = 90
RENEWAL_WINDOW_DAYS = 60  # a renewal order this close to a renewal date counts as renewing it
ACTIVE_STATES = ("active", "paused")


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: str = ""  # "bar" | "pie" | "line" | "pareto" | "" (a hint for the site)


@dataclass
class Report:
    name: str
    title: str
    tables: list[Table] = field(default_factory=list)


Label = Callable[[str, str], str]  # (option list, value) -> label


def share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def month_starts(today: date, months: int) -> list[date]:
    first = today.replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        out.append(date(year, month + 1, 1))
    return out


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters(today: date, count: int) -> list[tuple[str, date, date]]:
    """The last `count` quarters up to today's: (label, first day, last day)."""
    out = []
    year, index = today.year, (today.month - 1) // 3
    for _ in range(count):
        start = date(year, index * 3 + 1, 1)
        end = date(year + (index == 3), (index * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
        out.append((f"{year}Q{index + 1}", start, end))
        index -= 1
        if index < 0:
            year, index = year - 1, 3
    return out[::-1]


# --- the reports ------------------------------------------------------------------------------


def distribution(views: Views, label: Label) -> Report:
    """Customers by source, industry, category, cooperation status, owner and tier, with shares."""
    total = len(views.customers)
    report = Report("distribution", "Customers by segment")
    contract = views.dataset.project.contract
    for name, option_list, chart in (
        ("source", "source", "bar"),
        ("industry", "industry", "bar"),
        ("category", "category", "pie"),
        ("cooperation", "cooperation", "pie"),
        ("owner", "", "bar"),
        ("tier", "tier", "pie"),
    ):
        if name != "tier" and not contract.has(name):
            continue
        groups = views.groups[name]
        rows = [
            [value, label(option_list, value) if option_list else value, len(ids), share(len(ids), total)]
            for value, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ]
        report.tables.append(Table(name, ["value", "label", "customers", "share"], rows, chart))
    return report


def interactions(views: Views) -> Report:
    """Interaction frequency per month over the last 18 months, per channel and per participant."""
    months = month_starts(views.today, MONTHS_BACK)
    first = months[0]
    per_month = {m.strftime("%Y-%m"): 0 for m in months}
    channels: dict[str, int] = {}
    people: dict[str, int] = {}
    for view in views.customers.values():
        for item in get(view.model, "interactions"):
            if first <= item.date <= views.today:
                per_month[item.date.strftime("%Y-%m")] += 1
                channels[item.channel] = channels.get(item.channel, 0) + 1
                for handle in item.by:
                    people[handle] = people.get(handle, 0) + 1
    return Report(
        "interactions",
        "Interaction frequency",
        [
            Table("per_month", ["month", "interactions"], [[m, n] for m, n in per_month.items()], "line"),
            Table(
                "per_channel",
                ["channel", "interactions"],
                sorted(([c, n] for c, n in channels.items()), key=lambda r: -r[1]),
                "bar",
            ),
            Table(
                "per_person",
                ["handle", "interactions"],
                sorted(([h, n] for h, n in people.items()), key=lambda r: -r[1]),
                "bar",
            ),
        ],
    )


def complaints(views: Views) -> Report:
    """Complaint rate per quarter (customers with a complaint opened in it / customers known by its end),
    average days to resolve, open complaints."""
    periods = quarters(views.today, QUARTERS_BACK)
    known_by = sorted((v.facts.first_contact or date.min) for v in views.customers.values())
    complained: dict[str, set[str]] = {name: set() for name, _, _ in periods}
    for view in views.customers.values():
        for case in get(view.model, "service_cases"):
            name = quarter_of(case.opened)
            if case.kind == "complaint" and name in complained:
                complained[name].add(view.id)
    rows = []
    for name, _, end in periods:
        known = bisect.bisect_right(known_by, end)
        rows.append([name, len(complained[name]), known, share(len(complained[name]), known)])
    durations, still_open = [], []
    for view in views.customers.values():
        for case in get(view.model, "service_cases"):
            if case.kind != "complaint":
                continue
            if case.resolved is not None:
                durations.append((case.resolved - case.opened).days)
            elif case.status not in ("resolved", "closed"):
                still_open.append(
                    [view.id, view.model.name, case.opened.isoformat(), (views.today - case.opened).days, case.summary]
                )
    average = round(sum(durations) / len(durations), 1) if durations else None
    return Report(
        "complaints",
        "Complaints",
        [
            Table("rate_per_quarter", ["quarter", "customers with a complaint", "customers", "rate"], rows, "line"),
            Table("resolution", ["resolved complaints", "average days to resolve"], [[len(durations), average]]),
            Table("open", ["id", "name", "opened", "days open", "summary"], sorted(still_open, key=lambda r: r[2])),
        ],
    )


def renewals(views: Views) -> Report:
    """Renewal dates in the last 12 months, and whether a renewal order came within 60 days of each."""
    start = views.today - timedelta(days=365)
    window = timedelta(days=RENEWAL_WINDOW_DAYS)
    rows = []
    for view in views.customers.values():
        orders = [o for o in get(view.model, "orders") if o.kind == "renewal" and o.status not in NOT_COUNTED_ORDER]
        for key_date in get(view.model, "key_dates"):
            if key_date.kind == "renewal_due" and start <= key_date.date <= views.today:
                renewed = any(abs(o.date - key_date.date) <= window for o in orders)
                rows.append([view.id, view.model.name, key_date.date.isoformat(), renewed])
    rows.sort(key=lambda r: (r[2], r[0]))
    done = sum(1 for r in rows if r[3])
    return Report(
        "renewals",
        "Renewals",
        [
            Table("rate", ["renewals due", "renewed", "rate"], [[len(rows), done, share(done, len(rows))]]),
            Table("due", ["id", "name", "renewal due", "renewed"], rows),
        ],
    )


def high_value(views: Views, top_share: float = 0.2) -> Report:
    """The top 20% of customers by order total (ties at the cut included), their share of revenue,
    the Pareto curve, and lifetime value per customer."""
    ranked = sorted(views.customers.values(), key=lambda v: (-v.facts.order_total, v.id))
    total = sum(v.facts.order_total for v in ranked)
    count = math.ceil(len(ranked) * top_share) if ranked else 0
    cut = ranked[count - 1].facts.order_total if count else math.inf
    top = [v for v in ranked if v.facts.order_total >= cut and v.facts.order_total > 0]
    revenue = sum(v.facts.order_total for v in top)
    cumulative, running = [], 0.0
    for view in ranked:
        running += view.facts.order_total
        cumulative.append(running)
    # every rank for small teams, every percent of customers for large ones (the curve needs no more)
    ranks = (
        range(1, len(ranked) + 1)
        if len(ranked) <= 100
        else sorted({math.ceil(len(ranked) * k / 100) for k in range(1, 101)})
    )
    pareto = [[rank, share(rank, len(ranked)), share(cumulative[rank - 1], total)] for rank in ranks]
    lifetime = []
    for view in ranked:
        counted = [o for o in get(view.model, "orders") if o.status not in NOT_COUNTED_ORDER]
        tenure = (views.today - view.facts.first_contact).days if view.facts.first_contact else None
        average = round(view.facts.order_total / len(counted), 2) if counted else 0.0
        lifetime.append([view.id, view.model.name, round(view.facts.order_total, 2), len(counted), average, tenure])
    return Report(
        "high_value",
        "High-value customers",
        [
            Table(
                "top",
                ["top customers", "customers", "their revenue", "total revenue", "revenue share"],
                [[len(top), len(ranked), round(revenue, 2), round(total, 2), share(revenue, total)]],
            ),
            Table("pareto", ["rank", "share of customers", "cumulative share of revenue"], pareto, "pareto"),
            Table(
                "lifetime_value", ["id", "name", "order total", "orders", "average order", "tenure (days)"], lifetime
            ),
        ],
    )


def satisfaction(views: Views) -> Report:
    """Latest satisfaction per customer (1-5), the average per quarter, customers at 1-2."""
    counts = {score: 0 for score in range(1, 6)}
    low = []
    for view in views.customers.values():
        score = view.facts.latest_satisfaction
        if score is not None:
            counts[score] += 1
            if score <= 2:
                low.append([view.id, view.model.name, score, view.model.owner])
    periods = quarters(views.today, QUARTERS_BACK)
    scores: dict[str, list[int]] = {name: [] for name, _, _ in periods}
    first, last = periods[0][1], periods[-1][2]
    for view in views.customers.values():
        for item in get(view.model, "interactions"):
            score = get(item, "satisfaction")
            if score is not None and first <= item.date <= last:
                scores[quarter_of(item.date)].append(score)
    trend = [[name, len(s), round(sum(s) / len(s), 2) if s else None] for name, s in scores.items()]
    return Report(
        "satisfaction",
        "Satisfaction",
        [
            Table("distribution", ["score", "customers"], [[s, n] for s, n in counts.items()], "bar"),
            Table("trend", ["quarter", "ratings", "average"], trend, "line"),
            Table("low", ["id", "name", "score", "owner"], sorted(low)),
        ],
    )


def follow_up_health(views: Views) -> Report:
    """Customers not contacted for 30 days (by owner), potential customers idle for 90, overdue next steps."""
    idle, idle_potential = [], []
    for view in views.customers.values():
        days = view.facts.days_since_contact
        quiet = days is None or days >= IDLE_DAYS
        if quiet and get(view.model, "cooperation") in ACTIVE_STATES:
            idle.append([view.model.owner, view.id, view.model.name, days])
        if get(view.model, "category") == "potential" and (days is None or days >= POTENTIAL_IDLE_DAYS):
            idle_potential.append([view.model.owner, view.id, view.model.name, days])
    by_owner: dict[str, int] = {}
    for row in idle:
        by_owner[row[0]] = by_owner.get(row[0], 0) + 1
    overdue = [
        [s.due.isoformat(), s.customer_id, views.customers[s.customer_id].model.name, s.action]
        for s in views.next_steps()
        if s.due < views.today
    ]
    return Report(
        "follow_up",
        "Follow-up health",
        [
            Table(
                "idle_by_owner",
                ["owner", "customers not contacted for 30 days"],
                sorted(([o, n] for o, n in by_owner.items()), key=lambda r: (-r[1], r[0])),
                "bar",
            ),
            Table("idle", ["owner", "id", "name", "days since contact"], sorted(idle, key=lambda r: (r[0], r[1]))),
            Table(
                "idle_potential",
                ["owner", "id", "name", "days since contact"],
                sorted(idle_potential, key=lambda r: (r[0], r[1])),
            ),
            Table("overdue_next_steps", ["due", "id", "name", "action"], overdue),
        ],
    )


def data_quality(views: Views) -> Report:
    """Records missing recommended fields, and suspected duplicates (same phone, e-mail or name)."""
    missing = []
    contract = views.dataset.project.contract
    checked = [
        (gap, field, lacking)
        for gap, field, lacking in (  # a field the team removed is never missing
            ("contacts", "contacts", lambda m: not get(m, "contacts")),
            (
                "phone or e-mail",
                "contacts",
                lambda m: not any(get(c, "phone") or get(c, "email") for c in get(m, "contacts")),
            ),
            ("needs", "needs", lambda m: not get(m, "needs")),
            ("industry", "industry", lambda m: get(m, "industry") == "other"),
            ("source", "source", lambda m: get(m, "source") == "other"),
            (
                "first contact date",
                "key_dates",
                lambda m: not any(k.kind == "first_contact" for k in get(m, "key_dates")),
            ),
        )
        if contract.has(field)
    ]
    for view in views.customers.values():
        model = view.model
        gaps = [gap for gap, _, lacking in checked if lacking(model)]
        if gaps:
            missing.append([view.id, model.name, model.owner, ", ".join(gaps)])
    duplicates = [
        [reason, ", ".join(ids), " / ".join(views.customers[i].model.name for i in ids)]
        for reason, ids in duplicate_groups(record_keys(views.dataset))
    ]
    return Report(
        "data_quality",
        "Data quality",
        [
            Table("missing", ["id", "name", "owner", "missing"], missing),
            Table("duplicates", ["reason", "ids", "names"], duplicates),
        ],
    )


# The contract fields each report reads beyond id, name and owner: a report whose fields the team
# removed is left out (the others adapt: a removed segment field is a table fewer, never a crash).
NEEDS: dict[str, tuple[str, ...]] = {
    "interactions": ("interactions",),
    "complaints": ("service_cases",),
    "renewals": ("orders", "key_dates"),
    "high_value": ("orders",),
    "satisfaction": ("interactions.satisfaction",),
}


def all_reports(views: Views, label: Label) -> list[Report]:
    """Every report the team's models have the fields for."""
    contract = views.dataset.project.contract
    makers: dict[str, Callable[[], Report]] = {
        "distribution": lambda: distribution(views, label),
        "interactions": lambda: interactions(views),
        "complaints": lambda: complaints(views),
        "renewals": lambda: renewals(views),
        "high_value": lambda: high_value(views, views.dataset.project.settings.tiers.key_top_share),
        "satisfaction": lambda: satisfaction(views),
        "follow_up": lambda: follow_up_health(views),
        "data_quality": lambda: data_quality(views),
    }
    return [make() for name, make in makers.items() if contract.has(*NEEDS.get(name, ()))]


def reports_text(reports: list[Report], fmt: str = "text") -> str:
    """What `crm report` prints: each table under its report's title, padded for the terminal, or
    (`fmt` "csv") each as a `report.table` line, its headers and its rows, for a spreadsheet."""
    import csv
    import io

    from .show import table_lines

    out = io.StringIO()
    writer = csv.writer(out) if fmt == "csv" else None
    for report in reports:
        for table in report.tables:
            if writer is not None:
                writer.writerow([f"{report.name}.{table.title}"])
                writer.writerow(table.headers)
                writer.writerows(table.rows)
                continue
            out.write(f"== {report.title}: {table.title.replace('_', ' ')}\n")
            out.write("".join(line + "\n" for line in table_lines(table.headers, table.rows)) + "\n")
    return out.getvalue()
