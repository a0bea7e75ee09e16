"""The field guides' analysis as plain tables: computed from the views for one "today".

Each report is a list of `Table`s (headers + rows of typed values: numbers, dates, ids), so the
terminal, the site (with charts) and CSV/XLSX downloads all show the same figures. A table says
what kind each column is (a share, an amount, a customer…); `Wording` turns a value of a kind
into the reader's language, one function per kind, for every output that shows text.
Nothing dated after "today" counts: a `--today` before the newest records sees the past as it was.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from .consistency import POTENTIAL_IDLE_DAYS
from .contract import counts_on, get
from .escaping import csv_cell
from .facts import open_on
from .funnel import funnel_tables
from .matching import duplicate_groups, keys_of, record_keys
from .reminders import agenda, idle_customers, known
from .views import Views

if TYPE_CHECKING:
    from .show import Paint

MONTHS_BACK = 18
QUARTERS_BACK = 6
RENEWAL_WINDOW_DAYS = 60  # a renewal order this close to a renewal date counts as renewing it
UPCOMING_DAYS = 90  # renewals listed ahead

# Column kinds (`Table.kinds`); "" is a plain number or text, "option:LIST" a value of that option list.
SHARE, MONEY, DAY, CUSTOMER, CUSTOMERS, NAME, MEMBER, PHRASE = (
    "share",
    "money",
    "date",
    "customer",  # a customer id: the site links it
    "customers",  # customer ids joined by ", " (as `crm dupes` lists them): each linked
    "name",  # the name of the row's customer (its CUSTOMER column): linked too
    "member",  # a team member's handle, shown by name
    "phrase",  # an engine word (a reason, a missing field): the i18n table's `word.<value>`
)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: str = ""  # "bar" | "pie" | "line" | "pareto" | "" (a hint for the site)
    kinds: tuple[str, ...] = ()  # per column (missing: ""), see the kinds above

    def kind(self, column: int) -> str:
        return self.kinds[column] if column < len(self.kinds) else ""


@dataclass
class Report:
    name: str
    title: str
    tables: list[Table] = field(default_factory=list)


Label = Callable[[str, str], str]  # (option list, value) -> label


def share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


# --- how a value reads: one function per kind -----------------------------------------------


def share_text(value: float) -> str:
    """0.2683 -> 26.8% (the same in both languages)."""
    return f"{value * 100:.1f}%"


def money_text(value: float, currency: str) -> str:
    """16803925.0 -> 16,803,925.00 CNY: the ISO code the records and settings use, unambiguous for any
    team currency (¥ is also the yen's sign) and the same in both languages; cents keep columns aligned."""
    return f"{value:,.2f} {currency}"


def date_text(day: date, lang: str) -> str:
    """2024-03-01 in English (the records' own, unambiguous form), 2024年3月1日 in Chinese."""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def number_text(value: float) -> str:
    """Thousands grouped, at most two decimals, none when whole."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Wording:
    """A report in one language: titles and headers from the caller's word table (the site's i18n,
    above this layer), option labels from the schema, team members by name, amounts in the
    team's currency. The page, `crm report` and the downloads all read through it."""

    lang: str
    currency: str
    word: Callable[[str, str], str]  # (key, English default) -> text in `lang`
    label: Label
    member: Callable[[str], str]

    @classmethod
    def of(cls, views: Views, lang: str, word: Callable[[str, str], str] | None = None) -> Wording:
        project, team = views.dataset.project, views.dataset.team
        options = project.options

        def label(list_name: str, value: str) -> str:
            return options[list_name].label(value, lang) if list_name in options else value

        def member(handle: str) -> str:
            found = team.get(handle)
            return found.name if found is not None else handle

        return cls(lang, project.settings.default_currency, word or (lambda _key, default: default), label, member)

    def title(self, report: Report) -> str:
        return self.word(f"report.{report.name}", report.title)

    def table_title(self, table: Table) -> str:
        return self.word(f"table.{table.title}", table.title.replace("_", " "))

    def headers(self, table: Table) -> list[str]:
        return [self.word(f"col.{h}", h) for h in table.headers]

    def cell(self, kind: str, value: Any) -> str:
        """A value as the reader reads it."""
        if value is None:
            return "–"
        if isinstance(value, bool):
            return "✓" if value else "✗"
        if isinstance(value, list | tuple):
            return ("、" if self.lang == "zh" else ", ").join(self.cell(kind, v) for v in value)
        if kind == SHARE:
            return share_text(value)
        if kind == MONEY:
            return money_text(value, self.currency)
        if isinstance(value, date):
            return date_text(value, self.lang)
        if kind == MEMBER:
            return self.member(value)
        if kind == PHRASE:
            return self.word(f"word.{value}", value)
        if kind.startswith("option:"):
            return self.label(kind.removeprefix("option:"), value)
        if isinstance(value, int | float):
            return number_text(value)
        return str(value)

    def row(self, table: Table, row: list[Any]) -> list[str]:
        return [self.cell(table.kind(i), value) for i, value in enumerate(row)]


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

SEGMENT_KINDS = {"source": "option:source", "industry": "option:industry", "category": "option:category"}
SEGMENT_KINDS |= {"cooperation": "option:cooperation", "owner": MEMBER, "tier": "option:tier"}


def distribution(views: Views) -> Report:
    """Customers by source, industry, category, cooperation status, owner and tier, with shares."""
    total = len(views.customers)
    report = Report("distribution", "Customers by segment")
    contract = views.dataset.project.contract
    for name, chart in (
        ("source", "bar"),
        ("industry", "bar"),
        ("category", "pie"),
        ("cooperation", "pie"),
        ("owner", "bar"),
        ("tier", "pie"),
    ):
        if name != "tier" and not contract.has(name):
            continue
        groups = views.groups[name]
        rows = [
            [value, len(ids), share(len(ids), total)]
            for value, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ]
        report.tables.append(Table(name, [name, "customers", "share"], rows, chart, (SEGMENT_KINDS[name], "", SHARE)))
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
                ("option:channel",),
            ),
            Table(
                "per_person",
                ["team member", "interactions"],
                sorted(([h, n] for h, n in people.items()), key=lambda r: -r[1]),
                "bar",
                (MEMBER,),
            ),
        ],
    )


def complaints(views: Views) -> Report:
    """Complaint rate per quarter (customers with a complaint opened in it / customers known by its end),
    average days to resolve, open complaints, and per handler (处理人) the complaints handled, resolved,
    their average days and those still open; complaints without a handler in a row of their own, so none
    goes uncounted. A complaint opened after today is not there yet, and one resolved after today is still open."""
    today = views.today
    periods = quarters(today, QUARTERS_BACK)
    known_by = sorted((v.facts.first_contact or date.min) for v in views.customers.values())
    complained: dict[str, set[str]] = {name: set() for name, _, _ in periods}
    durations, still_open = [], []
    handled: dict[str | None, list] = {}  # handler (None: nobody yet) -> [handled, days to resolve each, open]
    for view in views.customers.values():
        for case in get(view.model, "service_cases"):
            if case.kind != "complaint" or case.opened > today:
                continue
            if quarter_of(case.opened) in complained:
                complained[quarter_of(case.opened)].add(view.id)
            # a team whose cases have no handler field sees them all unassigned
            figures = handled.setdefault(getattr(case, "handler", None), [0, [], 0])
            figures[0] += 1
            if case.resolved is not None and case.resolved <= today:
                durations.append((case.resolved - case.opened).days)
                figures[1].append(durations[-1])
            elif open_on(case, today):  # as the tiers and the home page count an open complaint
                still_open.append([view.id, view.model.name, case.opened, (today - case.opened).days, case.summary])
                figures[2] += 1
    rows = []
    for name, _, end in periods:
        known = bisect.bisect_right(known_by, min(end, today))
        rows.append([name, len(complained[name]), known, share(len(complained[name]), known)])
    average = round(sum(durations) / len(durations), 1) if durations else None

    def per_handler(who: Any, figures: list) -> list:
        count, days, still = figures
        return [who, count, len(days), round(sum(days) / len(days), 1) if days else None, still]

    handling = ["handler", "complaints handled", "resolved", "average days to resolve", "still open"]
    handlers = sorted((h, f) for h, f in handled.items() if h is not None)
    return Report(
        "complaints",
        "Complaints",
        [
            Table(
                "rate_per_quarter",
                ["quarter", "customers with a complaint", "customers", "rate"],
                rows,
                "line",
                ("", "", "", SHARE),
            ),
            Table("resolution", ["resolved complaints", "average days to resolve"], [[len(durations), average]]),
            Table(
                "open",
                ["id", "name", "opened", "days open", "summary"],
                sorted(still_open, key=lambda r: (r[2], r[0])),
                kinds=(CUSTOMER, NAME, DAY),
            ),
            Table("per_handler", handling, [per_handler(h, f) for h, f in handlers], kinds=(MEMBER,)),
            # complaints nobody handles yet: a row of their own, "unassigned" as a word (a column has one kind)
            Table("unassigned", handling, [per_handler("unassigned", handled.get(None, [0, [], 0]))], kinds=(PHRASE,)),
        ],
    )


def renewals(views: Views) -> Report:
    """Renewal dates (key dates `renewal_due`) and whether each was renewed: a renewal order (signed or
    later) dated by today and within 60 days of the date. The rate over the last 12 months and per
    quarter, the dates of the last 12 months, and the renewals coming up from today through 90 days
    ahead, to act on: who, when, how many days are left, the amount of a quoted renewal order within 60
    days of the date (a quote out), and whether it is renewed already."""
    today = views.today
    window = timedelta(days=RENEWAL_WINDOW_DAYS)
    periods = quarters(today, QUARTERS_BACK)
    start = min(today - timedelta(days=365), periods[0][1])
    ahead = today + timedelta(days=UPCOMING_DAYS)
    past, upcoming = [], []
    for view in views.customers.values():
        orders = [o for o in get(view.model, "orders") if o.kind == "renewal" and o.status != "cancelled"]
        counted = [o for o in orders if counts_on(o, today)]
        quoted = [o for o in orders if o.status == "quoted"]
        for key_date in get(view.model, "key_dates"):
            if key_date.kind != "renewal_due" or not start <= key_date.date <= ahead:
                continue
            renewed = any(abs(o.date - key_date.date) <= window for o in counted)
            if key_date.date <= today:
                past.append([view.id, view.model.name, key_date.date, renewed])
            if key_date.date >= today:  # due today: counted, and still to act on
                offer = sum(float(o.amount) for o in quoted if abs(o.date - key_date.date) <= window) or None
                row = [key_date.date, (key_date.date - today).days, view.id, view.model.name, view.model.owner]
                upcoming.append([*row, offer, renewed])
    past.sort(key=lambda r: (r[2], r[0]))
    last_year = [r for r in past if r[2] >= today - timedelta(days=365)]
    done = sum(1 for r in last_year if r[3])
    per_quarter = []
    for name, first, last in periods:
        due = [r for r in past if first <= r[2] <= last]
        renewed_count = sum(1 for r in due if r[3])
        per_quarter.append([name, len(due), renewed_count, share(renewed_count, len(due)) if due else None])
    upcoming.sort(key=lambda r: (r[0], r[2]))
    return Report(
        "renewals",
        "Renewals",
        [
            Table(
                "rate",
                ["renewals due", "renewed", "rate"],
                [[len(last_year), done, share(done, len(last_year))]],
                kinds=("", "", SHARE),
            ),
            Table(
                "rate_by_quarter",
                ["quarter", "renewals due", "renewed", "rate"],
                per_quarter,
                "line",
                ("", "", "", SHARE),
            ),
            Table(
                "upcoming",
                ["renewal due", "days left", "id", "name", "owner", "quoted", "renewed"],
                upcoming,
                kinds=(DAY, "", CUSTOMER, NAME, MEMBER, MONEY),
            ),
            Table("due", ["id", "name", "renewal due", "renewed"], last_year, kinds=(CUSTOMER, NAME, DAY)),
        ],
    )


def high_value(views: Views, top_share: float = 0.2) -> Report:
    """The top 20% of customers by order total (ties at the cut included), their share of revenue,
    the Pareto curve, and lifetime value per customer."""
    today = views.today
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
        counted = [o for o in get(view.model, "orders") if counts_on(o, today)]
        first = view.facts.first_contact
        tenure = (today - first).days if first is not None and first <= today else None
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
                kinds=("", "", MONEY, MONEY, SHARE),
            ),
            Table(
                "pareto",
                ["rank", "share of customers", "cumulative share of revenue"],
                pareto,
                "pareto",
                ("", SHARE, SHARE),
            ),
            Table(
                "lifetime_value",
                ["id", "name", "order total", "orders", "average order", "tenure (days)"],
                lifetime,
                kinds=(CUSTOMER, NAME, MONEY, "", MONEY),
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
    first = periods[0][1]
    for view in views.customers.values():
        for item in get(view.model, "interactions"):
            score = get(item, "satisfaction")
            if score is not None and first <= item.date <= views.today:
                scores[quarter_of(item.date)].append(score)
    trend = [[name, len(s), round(sum(s) / len(s), 2) if s else None] for name, s in scores.items()]
    return Report(
        "satisfaction",
        "Satisfaction",
        [
            Table("distribution", ["score", "customers"], [[s, n] for s, n in counts.items()], "bar"),
            Table("trend", ["quarter", "ratings", "average"], trend, "line"),
            Table("low", ["id", "name", "score", "owner"], sorted(low), kinds=(CUSTOMER, NAME, "", MEMBER)),
        ],
    )


def follow_up_health(views: Views) -> Report:
    """Customers not contacted for 30 days (by owner), potential customers idle for 90, overdue next steps
    (those of interactions logged by today)."""
    # idle and overdue as the home page, owner pages and `crm remind` count them (reminders)
    idle = [[v.model.owner, v.id, v.model.name, v.facts.days_since_contact] for v in idle_customers(views)]
    idle_potential = []
    for view in views.customers.values():
        days = view.facts.days_since_contact
        if (
            known(view, views.today)
            and get(view.model, "category") == "potential"
            and (days is None or days >= POTENTIAL_IDLE_DAYS)
        ):
            idle_potential.append([view.model.owner, view.id, view.model.name, days])
    by_owner: dict[str, int] = {}
    for row in idle:
        by_owner[row[0]] = by_owner.get(row[0], 0) + 1
    overdue = [[r.due, r.customer_id, r.customer_name, r.what] for r in agenda(views).overdue if r.kind == "next_step"]
    listed = (MEMBER, CUSTOMER, NAME)
    return Report(
        "follow_up",
        "Follow-up health",
        [
            Table(
                "idle_by_owner",
                ["owner", "customers not contacted for 30 days"],
                sorted(([o, n] for o, n in by_owner.items()), key=lambda r: (-r[1], r[0])),
                "bar",
                (MEMBER,),
            ),
            Table(
                "idle",
                ["owner", "id", "name", "days since contact"],
                sorted(idle, key=lambda r: (r[0], r[1])),
                kinds=listed,
            ),
            Table(
                "idle_potential",
                ["owner", "id", "name", "days since contact"],
                sorted(idle_potential, key=lambda r: (r[0], r[1])),
                kinds=listed,
            ),
            Table("overdue_next_steps", ["due", "id", "name", "action"], overdue, kinds=(DAY, CUSTOMER, NAME)),
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
    kept = _kept_data_quality(views, checked)
    if kept is not None:
        return kept
    prior = views.previous  # under `mkdocs serve`: an unchanged customer's view is the same object
    before: dict[str, tuple] = prior.memo("data_quality_gaps", dict) if prior is not None else {}
    known: dict[str, tuple] = prior.memo("record_keys", dict) if prior is not None else {}
    gaps_of: dict[str, tuple] = views.memo("data_quality_gaps", dict)  # id -> (view, its gaps)
    for cid, view in views.customers.items():
        model = view.model
        part = before.get(cid)
        if part is None or part[0] is not view:
            part = (view, _gaps(checked, model))
        gaps_of[cid] = part
        if part[1]:
            missing.append([view.id, model.name, model.owner, list(part[1])])
    keys = record_keys(views.dataset, views.memo("record_keys", lambda: known))  # handed on to the next build
    duplicates = [
        [reason, ", ".join(ids), " / ".join(views.customers[i].model.name for i in ids)]
        for reason, ids in duplicate_groups(keys)
    ]
    report = Report(
        "data_quality",
        "Data quality",
        [
            Table("missing", ["id", "name", "owner", "missing"], missing, kinds=(CUSTOMER, NAME, MEMBER, PHRASE)),
            Table("duplicates", ["reason", "ids", "names"], duplicates, kinds=(PHRASE, CUSTOMERS)),
        ],
    )
    return views.memo("data_quality", lambda: report)


def _gaps(checked: list, model: Any) -> list[str]:
    """The recommended fields a record lacks, of `checked` (data_quality's (gap, field, lacking) list)."""
    return [gap for gap, _, lacking in checked if lacking(model)]


def _kept_data_quality(views: Views, checked: list) -> Report | None:
    """The last build's data-quality report when no changed customer changed its gaps, matching keys,
    name or owner (all the report shows of one); the per-customer parts are brought up to date in place
    for the next build either way. None when it must be made again, or there is no last build."""
    changed, report = views.changed(), views.before("data_quality")
    gaps_of, known = views.before("data_quality_gaps"), views.before("record_keys")
    if changed is None or report is None or gaps_of is None or known is None:
        return None
    same = True
    for old, new in changed:
        gaps = (new, _gaps(checked, new.model))
        keys = (new.model, keys_of(views.dataset, new.id))
        before_gaps, before_keys = gaps_of.get(old.id), known.get(old.id)
        same = (
            same
            and before_gaps is not None
            and before_keys is not None
            and before_gaps[0] is old  # made from the last build's view: a failed build in between wrote its own
            and before_keys[0] is old.model
            and before_gaps[1] == gaps[1]
            and before_keys[1] == keys[1]
            and (old.model.name, old.model.owner) == (new.model.name, new.model.owner)
        )
        gaps_of[new.id], known[new.id] = gaps, keys
    views.memo("data_quality_gaps", lambda: gaps_of)  # the last build's no longer: it is handed on
    views.memo("record_keys", lambda: known)
    return views.memo("data_quality", lambda: report) if same else None


# The contract fields each report reads beyond id, name and owner: a report whose fields the team
# removed is left out (the others adapt: a removed segment field is a table fewer, never a crash).
NEEDS: dict[str, tuple[str, ...]] = {
    "interactions": ("interactions",),
    "complaints": ("service_cases",),
    "renewals": ("orders", "key_dates"),
    "high_value": ("orders",),
    "satisfaction": ("interactions.satisfaction",),
    "funnel": ("stage",),
}


def all_reports(views: Views, names: Collection[str] | None = None) -> list[Report]:
    """Every report the team's models have the fields for (of `names`, when given)."""
    contract = views.dataset.project.contract
    makers: dict[str, Callable[[], Report]] = {
        "distribution": lambda: distribution(views),
        "interactions": lambda: interactions(views),
        "complaints": lambda: complaints(views),
        "renewals": lambda: renewals(views),
        "high_value": lambda: high_value(views, views.dataset.project.settings.tiers.key_top_share),
        "satisfaction": lambda: satisfaction(views),
        "follow_up": lambda: follow_up_health(views),
        "data_quality": lambda: data_quality(views),
        "funnel": lambda: Report("funnel", "Sales funnel", [Table(**t) for t in funnel_tables(views)]),
    }
    changed, prior = views.changed(), views.previous
    before: dict[str, Report] = prior.memo("reports_by_name", dict) if prior is not None else {}
    made: dict[str, Report] = views.memo("reports_by_name", dict)
    for name, make in makers.items():
        if not contract.has(*NEEDS.get(name, ())) or names is not None and name not in names:
            continue
        old = before.get(name)
        if (
            old is not None
            and changed is not None
            and prior is not None
            and (HISTORY not in READS.get(name, ()) or views.history is prior.history)
            and all(_inputs(prior, a, name) == _inputs(views, b, name) for a, b in changed)
        ):
            made[name] = old  # no changed customer changed what this report reads (`mkdocs serve`)
        else:
            new = make()  # the same as before, it stays the object the site's pages and downloads are keyed by
            made[name] = old if old is not None and same_report(old, new) else new
    return [report for name, report in made.items() if names is None or name in names]


def same_report(a: Report, b: Report) -> bool:
    """The same report, cell by cell and of the same type (1, 1.0 and True are equal but read differently)."""
    if a is b:
        return True
    if (a.name, a.title, len(a.tables)) != (b.name, b.title, len(b.tables)):
        return False
    for s, t in zip(a.tables, b.tables):
        if (s.title, s.headers, s.chart, s.kinds, len(s.rows)) != (t.title, t.headers, t.chart, t.kinds, len(t.rows)):
            return False
        for r, q in zip(s.rows, t.rows):
            if len(r) != len(q) or not all(map(_same_cell, r, q)):
                return False
    return True


def _same_cell(x: Any, y: Any) -> bool:
    if x is y:
        return True
    if type(x) is not type(y):
        return False
    if isinstance(x, (list, tuple)):
        return len(x) == len(y) and all(map(_same_cell, x, y))
    return bool(x == y)


# What each report reads of a customer, besides its name, owner, facts, tier, freshness and segments (which
# every report may read): a rebuild reuses a report when no changed customer changed any of it. ALL: the
# whole record (data quality looks at every field and across records).
ALL = ("*",)
HISTORY = "(history)"  # in READS: the report reads the git history too (kept while it is the same object)
READS: dict[str, tuple[str, ...]] = {
    "distribution": (),
    "interactions": ("interactions",),
    "complaints": ("service_cases",),
    "renewals": ("orders", "key_dates"),
    "high_value": ("orders",),
    "satisfaction": ("interactions",),
    "follow_up": ("interactions", "key_dates", "category", "cooperation"),
    "data_quality": ALL,
    "funnel": ("stage", HISTORY),
}


def _inputs(views: Views, view: Any, report: str) -> tuple:
    model = view.model
    shown = (model.name, model.owner, view.facts, view.tier, view.freshness, view.segments)
    fields = READS.get(report, ALL)
    if fields == ALL:  # the contacts' matching keys too: hashed before masking, a masked model may hide a change
        return (*shown, model, views.dataset.contact_keys.get(view.id))
    return (*shown, *(getattr(model, name, None) for name in fields if name != HISTORY))


def reports_text(reports: list[Report], wording: Wording, fmt: str = "text", paint: Paint | None = None) -> str:
    """What `crm report` prints: each table under its report's title, padded for the terminal (titles and
    header rows painted by `paint`, show.Paint), or (`fmt` "csv") each as a `report.table` line, its headers
    and its rows, for a spreadsheet; every value as `wording` writes it."""
    import csv
    import io

    from .escaping import terminal_safe
    from .show import plain, table_lines

    paint = paint or plain
    out = io.StringIO()
    writer = csv.writer(out) if fmt == "csv" else None
    for report in reports:
        for table in report.tables:
            rows = [wording.row(table, row) for row in table.rows]
            if writer is not None:
                writer.writerow([csv_cell(f"{report.name}.{table.title}")])
                writer.writerow([csv_cell(h) for h in wording.headers(table)])
                writer.writerows([csv_cell(cell) for cell in row] for row in rows)  # a name may read as a formula
                continue
            title = terminal_safe(f"== {wording.title(report)}: {wording.table_title(table)}")
            out.write(paint("heading", title) + "\n")
            out.write("".join(line + "\n" for line in table_lines(wording.headers(table), rows, paint)) + "\n")
    return out.getvalue()


def reports_data(reports: list[Report], wording: Wording) -> list[dict[str, Any]]:
    """`crm report --format json`: [{report, title, tables: [{table, title, columns: [{name, title, kind}],
    rows: [{column name: value}]}]}]. Values are the table's own, typed (numbers, shares as fractions,
    amounts in the team's currency, dates YYYY-MM-DD, option values and members by their key, a
    `customers` column as an array of ids); titles as `wording` says them."""
    from .show import json_value

    def typed(kind: str, value: Any) -> Any:
        if kind == CUSTOMERS and isinstance(value, str):
            return [i for i in value.split(", ") if i]  # how the table joins them
        return json_value(value)

    return [
        {
            "report": report.name,
            "title": wording.title(report),
            "tables": [
                {
                    "table": table.title,
                    "title": wording.table_title(table),
                    "columns": [
                        {"name": name, "title": title, "kind": table.kind(i)}
                        for i, (name, title) in enumerate(zip(table.headers, wording.headers(table)))
                    ],
                    "rows": [
                        {name: typed(table.kind(i), value) for i, (name, value) in enumerate(zip(table.headers, row))}
                        for row in table.rows
                    ],
                }
                for table in report.tables
            ],
        }
        for report in reports
    ]
