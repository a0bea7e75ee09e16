"""Reminders that reach people: each owner's agenda as one issue on the git host, kept current.

A person does not open a site to learn that a follow-up is overdue; an issue assigned to them
notifies them. Each owner with something due has one issue, found again by its LABEL and the hidden
marker naming the owner in its first line, edited in place (never a new issue a day), closed when
nothing is due and reopened when something is. The agenda is `reminders.agenda`, the one definition
of overdue, due within a week and key dates ahead that the site, `crm remind` and the calendar feeds
use.

Everything here is pure: `wanted` says what each owner's issue should say for the views' "today",
`plan` compares that with the issues the git host holds and returns the actions (create, update,
close, or keep). `cli/notify.py` reads the issues and applies the actions through the gh CLI.

Issue text is Markdown that GitHub renders and acts on (mentions notify, `#1` links, HTML shows):
every text from a record or the team file goes into a code span (`escaping.markdown_code`), cut to
a bounded length, and the body stays under GitHub's limit by listing the most urgent first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from .escaping import markdown_code
from .reminders import Agenda, Reminder, agenda
from .site.i18n import text
from .site.pages import calendar_src, customer_src, owner_src, page_url
from .views import Views

LABEL = "crm:reminders"  # the issues this command owns; nothing else is read or changed
LABEL_COLOR = "FBCA04"
BODY_LIMIT = 65_536  # GitHub refuses a longer issue body (counted in characters)
LIST_BUDGET = 60_000  # what the listed reminders may take, leaving room for the head and the tail
MAX_LISTED = 100  # an issue is read, not searched: the rest are counted and one link away
TEXT_CHARS = 120  # a name, an action or a note is cut to this many characters
HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # what a marker and a title may carry
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")  # a GitHub login (never an option to gh)
SITE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%+/-]*)?")
_MARKER = re.compile(r"\s*<!-- plaincrm:reminders owner=(\S+) seen=([a-z0-9,]*) -->")
SECTIONS = (("overdue", "o"), ("due", "d"), ("dates", "k"))  # Agenda part, state letter in `seen`


def size(value: str) -> int:
    """Length as GitHub counts it, never less: UTF-16 code units (a character beyond U+FFFF is two)."""
    return len(value.encode("utf-16-le")) // 2


def _cut(value: str, limit: int = TEXT_CHARS) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True)
class Links:
    """Where the published site is, so that an issue links each customer's page; no `base`, no links."""

    base: str = ""  # an address matching SITE_URL, ending in "/"
    directory_urls: bool = False  # as the site was built (mkdocs.yml use_directory_urls)

    @classmethod
    def of(cls, url: str | None, directory_urls: bool = False) -> Links:
        """`url` checked: an http(s) address with nothing a Markdown link could be broken by; ValueError if not."""
        if not url:
            return cls("", directory_urls)
        if not SITE_URL.fullmatch(url):
            raise ValueError(url)
        return cls(url if url.endswith("/") else url + "/", directory_urls)

    def _to(self, src: str) -> str | None:
        return self.base + quote(page_url(src, self.directory_urls), safe="/") if self.base else None

    def customer(self, customer_id: str) -> str | None:
        return self._to(customer_src(customer_id))

    def owner(self, handle: str) -> str | None:
        return self._to(owner_src(handle))

    def calendar(self, handle: str) -> str | None:
        return self.base + quote(calendar_src(handle), safe="/") if self.base else None


@dataclass(frozen=True)
class Wording:
    """The issue's words in the team's language: its own (site/i18n `notify.*`) and the schema's labels."""

    lang: str
    label: Callable[[str, str], str]  # (option list, value) -> its label in `lang`

    def say(self, key: str, **fields: object) -> str:
        return text(f"notify.{key}", self.lang).format(**fields)

    def what(self, r: Reminder) -> str:
        if r.kind == "follow_up":
            return text("remind.follow_up", self.lang).format(tier=self.label("tier", r.what))
        if r.kind == "key_date":
            return self.label("key_date_kind", r.what)
        return r.what  # a next step's action, as written


@dataclass(frozen=True)
class Wanted:
    """The issue one owner should have."""

    handle: str
    login: str
    title: str
    body: str
    seen: frozenset[str]  # the listed reminders (state letter + key): what a later run calls new
    due: bool  # anything on the agenda: the issue is open


@dataclass(frozen=True)
class Desired:
    issues: dict[str, Wanted]  # by handle, in the team's order
    without_login: list[str]  # something due, but no git host login to assign: no issue
    unusable: list[str]  # something due, but a handle no marker can carry: no issue


@dataclass(frozen=True)
class Issue:
    """An issue as the git host holds it (`gh issue list --json number,title,body,state,assignees`)."""

    number: int
    title: str
    body: str
    open: bool
    assignees: tuple[str, ...]

    @classmethod
    def from_gh(cls, item: object) -> Issue:
        """One item of gh's JSON, checked; ValueError saying what is wrong."""
        if not isinstance(item, dict):
            raise ValueError("an issue is not an object")
        number, title, body, state = (item.get(k) for k in ("number", "title", "body", "state"))
        assignees = item.get("assignees") or []
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise ValueError(f"number {number!r}")
        if not isinstance(title, str) or not isinstance(body, str | None) or state not in ("OPEN", "CLOSED"):
            raise ValueError(f"issue #{number}: title, body or state")
        if not isinstance(assignees, list) or not all(isinstance(a, dict) and "login" in a for a in assignees):
            raise ValueError(f"issue #{number}: assignees")
        return cls(number, title, body or "", state == "OPEN", tuple(str(a["login"]) for a in assignees))

    @property
    def marker(self) -> tuple[str, frozenset[str]] | None:
        """The owner and the reminders listed last time, from the body's first line; None for another issue."""
        found = _MARKER.match(self.body)
        if found is None or not HANDLE.fullmatch(found.group(1)):
            return None
        return found.group(1), frozenset(filter(None, found.group(2).split(",")))


@dataclass(frozen=True)
class Action:
    """What to do about one owner's issue; `keep` changes nothing."""

    kind: str  # "create" | "update" | "close" | "keep"
    handle: str
    number: int | None = None  # None for "create"
    title: str | None = None  # written when set
    body: str | None = None  # written when set
    login: str | None = None  # assigned when set
    reopen: bool = False
    comment: str | None = None  # posted last: an edit notifies nobody, a comment notifies the assignee
    news: int = 0  # reminders listed now that were not last time


# --- what each owner's issue says --------------------------------------------------------------


def item_line(r: Reminder, words: Wording, links: Links) -> str:
    """One reminder as a list item: its date, the customer's id linked to its page, then the record's
    text (name, what, note) in one code span, so that nothing in it is read as Markdown."""
    detail = f"{_cut(r.customer_name)} · {_cut(words.what(r))}" + (f" ({_cut(r.note)})" if r.note else "")
    who = markdown_code(r.customer_id)
    url = links.customer(r.customer_id)
    return f"- {r.due.isoformat()} {f'[{who}]({url})' if url else who} {markdown_code(detail)}"


def marker(handle: str, seen: Iterable[str]) -> str:
    return f"<!-- plaincrm:reminders owner={handle} seen={','.join(seen)} -->"


def issue_body(handle: str, name: str, found: Agenda, words: Wording, links: Links) -> tuple[str, frozenset[str]]:
    """The body of one owner's issue and the reminders it lists (`seen`): each part of the agenda under
    its heading with its count, the most urgent first (the oldest overdue, then the soonest), as
    many as fit MAX_LISTED and LIST_BUDGET, the rest counted."""
    parts: list[str] = []
    seen: list[str] = []
    budget, full = LIST_BUDGET, False
    for part_name, state in SECTIONS:
        part: list[Reminder] = getattr(found, part_name)
        if not part:
            continue
        parts += ["", f"### {words.say(part_name, n=len(part))}", ""]
        shown = 0
        for r in part:
            line = item_line(r, words, links)
            full = full or len(seen) >= MAX_LISTED or size(line) + 1 > budget
            if full:
                break
            parts.append(line)
            budget -= size(line) + 1
            seen.append(state + r.key[:8])
            shown += 1
        if shown < len(part):
            parts.append(f"- {words.say('more', n=len(part) - shown)}")
    head = [marker(handle, seen), words.say("intro", name=f"{markdown_code(_cut(name))} ({handle})")]
    tail = [""]
    if not parts:
        tail += [words.say("nothing")]
    else:
        page, feed = links.owner(handle), links.calendar(handle)
        if page and feed:
            tail += [f"[{words.say('owner_page')}]({page}) · [{words.say('calendar')}]({feed})", ""]
        tail += [words.say("hint")]
    body = "\n".join(head + parts + tail) + "\n"
    assert size(body) <= BODY_LIMIT, size(body)  # bounded by construction: each line's text is cut
    return body, frozenset(seen)


def wanted(views: Views, words: Wording, links: Links) -> Desired:
    """The issue each team member should have for `views.today` (those with nothing due too: an open
    issue of theirs is closed), and who has something due but cannot have an issue."""
    team_agenda = agenda(views)
    issues: dict[str, Wanted] = {}
    without_login, unusable = [], []
    for handle, member in views.dataset.team.items():
        mine = team_agenda.mine(handle)
        due = bool(mine.overdue or mine.due or mine.dates)
        login = getattr(member, "login", None) or ""
        if not HANDLE.fullmatch(handle):
            unusable += [handle] if due else []
            continue
        if not LOGIN.fullmatch(login):
            without_login += [handle] if due else []
            continue
        body, seen = issue_body(handle, str(member.name), mine, words, links)
        issues[handle] = Wanted(handle, login, words.say("title", handle=handle), body, seen, due)
    return Desired(issues, without_login, unusable)


# --- what to do about the issues that exist ----------------------------------------------------


def _same(held: str, written: str) -> bool:
    """Whether the git host holds what would be written (it may keep CRLF and drop trailing space)."""
    return held.replace("\r\n", "\n").strip() == written.strip()


def _news(words: Wording, new: set[str]) -> str:
    count = {state: sum(1 for s in new if s[0] == state) for _, state in SECTIONS}
    return words.say("news", overdue=count["o"], due=count["d"], dates=count["k"])


def plan(desired: Desired, issues: Iterable[Issue], words: Wording) -> list[Action]:
    """The actions that bring the git host's issues in line with `desired`, owner by owner (the team's
    order, then owners no longer in it). Of several issues naming one owner the open one with the
    lowest number is theirs and the others are closed. Run again on the same day, it is all `keep`."""
    held: dict[str, list[Issue]] = {}
    for issue in issues:
        found = issue.marker
        if found is not None:
            held.setdefault(found[0], []).append(issue)
    actions: list[Action] = []
    for handle in list(desired.issues) + sorted(set(held) - set(desired.issues)):
        mine = sorted(held.get(handle, []), key=lambda i: (not i.open, i.number))
        current = mine[0] if mine else None
        actions += [Action("close", handle, other.number) for other in mine[1:] if other.open]
        want = desired.issues.get(handle)
        if want is None or not want.due:
            if current is not None and current.open:
                body = want.body if want is not None and not _same(current.body, want.body) else None
                actions.append(Action("close", handle, current.number, body=body))
            elif current is not None:
                actions.append(Action("keep", handle, current.number))
            continue
        if current is None:
            actions.append(Action("create", handle, title=want.title, body=want.body, login=want.login))
            continue
        known = (current.marker or ("", frozenset()))[1]
        new = set(want.seen - known) if current.open else set()  # a reopened issue notifies by itself
        assign = want.login.lower() not in {a.lower() for a in current.assignees}
        change = Action(
            "update",
            handle,
            current.number,
            title=None if current.title == want.title else want.title,
            body=None if _same(current.body, want.body) else want.body,
            login=want.login if assign else None,
            reopen=not current.open,
            comment=_news(words, new) if new else None,
            news=len(new),
        )
        unchanged = change.title is None and change.body is None and not assign and current.open
        actions.append(Action("keep", handle, current.number) if unchanged else change)
    return actions
