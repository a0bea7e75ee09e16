"""`crm remind-issues`: each owner's follow-ups as one issue on the git host, assigned to them.

What each issue says and what is to be done about the issues that exist is `plaincrm.notify`
(pure); here the issues are read and the actions applied with the gh CLI, as the daily workflow
(.github/workflows/reminders.yml) does. gh is called with argument lists, never through a shell,
and every body reaches it on standard input (`--body-file -`), never as an argument.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from ..escaping import terminal_safe
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Parents, _project, _views

NAME = "crm remind-issues"
LIST_LIMIT = 1000  # issues read with the label: one per owner, and the closed duplicates of a race
GH_TIMEOUT = 120  # seconds for one gh call
ERROR_CHARS = 500  # of gh's error output repeated


class GhError(Exception):
    pass


class Gh:
    """The gh CLI in the repository's folder (GH_REPO and GH_TOKEN in the environment name the
    repository and the account, as gh reads them)."""

    def __init__(self, executable: str, cwd: Path, words):
        self.executable, self.cwd, self.words = executable, cwd, words

    def __call__(self, *args: str, body: str | None = None) -> str:
        try:
            done = subprocess.run(
                [self.executable, *args],
                input=body,
                capture_output=True,
                text=True,
                encoding="utf-8",
                cwd=self.cwd,
                timeout=GH_TIMEOUT,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise GhError(self.words.say("gh_failed", command=" ".join(args[:2]), error=error)) from None
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip()[:ERROR_CHARS]
            raise GhError(self.words.say("gh_failed", command=" ".join(args[:2]), error=said))
        return done.stdout

    def issues(self, label: str | None = None) -> list:
        """The issues carrying `label` (default: the reminders'), open and closed: a command reads only its own."""
        from ..notify import LABEL, Issue

        out = self(
            "issue", "list", "--label", label or LABEL, "--state", "all", "--limit", str(LIST_LIMIT),
            "--json", "number,title,body,state,assignees",
        )  # fmt: skip
        try:
            items = json.loads(out)
            if not isinstance(items, list):
                raise ValueError("not a list")
            return [Issue.from_gh(item) for item in items]
        except ValueError as error:  # json.JSONDecodeError is one
            raise GhError(self.words.say("gh_unreadable", error=error)) from None


def _site_config(root: Path) -> dict[str, Any]:
    """mkdocs.yml's settings, read only for site_url, use_directory_urls and the theme's language
    (its custom tags, such as !ENV or !!python/name, read as nothing); {} when there is none."""
    import yaml

    class Lenient(yaml.SafeLoader):
        pass

    Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
    path = root / "mkdocs.yml"
    try:
        if not path.is_file() or path.stat().st_size > 1_000_000:
            return {}
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Lenient)  # a SafeLoader: no tag runs code
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _team_lang(args, config: dict[str, Any]) -> str:
    """--lang, else $PLAINCRM_LANG, else the site's language (mkdocs.yml theme.language), else English."""
    chosen = args.lang or os.environ.get("PLAINCRM_LANG")
    if chosen in ("en", "zh"):
        return chosen
    theme = config.get("theme")
    language = theme.get("language") if isinstance(theme, dict) else None
    return "zh" if isinstance(language, str) and language.startswith("zh") else "en"


def cmd_remind_issues(args) -> int:
    from ..notify import LABEL, LABEL_COLOR, Links, Wording, plan, wanted
    from .reading import _labeller

    project = _project(args)
    config = _site_config(project.root)
    lang = _team_lang(args, config)
    words = Wording(lang, _labeller(project, lang))
    site_url = args.site_url if args.site_url is not None else config.get("site_url")
    directory_urls = config.get("use_directory_urls", True) is not False if config else False
    try:
        links = Links.of(site_url if isinstance(site_url, str) else None, directory_urls)
    except ValueError:
        print(f"{NAME}: {terminal_safe(words.say('bad_site_url', url=site_url))}", file=sys.stderr)
        return EXIT_USAGE
    executable = shutil.which("gh")
    if executable is None:
        print(f"{NAME}: {words.say('no_gh')}", file=sys.stderr)
        return EXIT_USAGE
    views = _views(project, args.today or date.today(), lang=lang)
    if views is None:
        return EXIT_PROBLEMS
    desired = wanted(views, words, links)
    if desired.without_login:
        print(f"{NAME}: {terminal_safe(words.say('no_login', handles=', '.join(desired.without_login)))}")
    for handle in desired.unusable:
        print(f"{NAME}: {terminal_safe(words.say('bad_handle', handle=repr(handle)))}")
    gh = Gh(executable, project.root, words)
    try:
        actions = plan(desired, gh.issues(), words)
    except GhError as error:
        print(f"{NAME}: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    would = words.say("would") if args.dry_run else ""
    failed = changed = 0
    labelled = False
    for action in actions:
        for line in _said(action, words):
            print(terminal_safe(f"{would}{line}"))
        if action.kind == "keep":
            continue
        changed += 1
        if args.dry_run:
            if action.body is not None:
                sys.stdout.write("".join(f"    {terminal_safe(line)}\n" for line in action.body.splitlines()))
            continue
        try:
            if action.kind == "create" and not labelled:  # gh refuses a label the repository lacks
                gh(
                    "label",
                    "create",
                    LABEL,
                    "--color",
                    LABEL_COLOR,
                    "--description",
                    words.say("label"),
                    "--force",
                )
                labelled = True
            number = _apply(gh, action, LABEL)
            if action.kind == "create":
                print(terminal_safe(f"  #{number}"))
        except GhError as error:
            failed += 1
            print(f"{NAME}: {terminal_safe(str(error))}", file=sys.stderr)
    print(terminal_safe(words.say("summary", changed=changed, kept=len(actions) - changed)))
    if failed:
        print(f"{NAME}: {words.say('failed', n=failed)}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def _said(action, words) -> list[str]:
    """The action in words, one line per thing done (dry run or not)."""
    fields = {"handle": action.handle, "number": action.number, "login": action.login, "news": action.news}
    if action.kind in ("create", "close", "keep"):
        return [words.say(action.kind, **fields)]
    lines = [words.say("reopen", **fields)] if action.reopen else []
    if action.title is not None or action.body is not None:
        lines.append(words.say("update", **fields))
    if action.login is not None:
        lines.append(words.say("assign", **fields))
    if action.comment is not None:
        lines.append(words.say("comment", **fields))
    return lines


def _apply(gh: Gh, action, label: str) -> int | None:
    """One action through gh: the body on standard input, the issue's number as an argument."""
    if action.kind == "create":
        url = gh(
            "issue", "create", "--title", action.title, "--body-file", "-", "--label", label,
            "--assignee", action.login, body=action.body,
        ).strip()  # fmt: skip
        tail = url.rstrip("/").rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else None
    number = str(action.number)
    if action.kind == "close":
        if action.body is not None:
            gh("issue", "edit", number, "--body-file", "-", body=action.body)
        gh("issue", "close", number)
        return action.number
    if action.reopen:
        gh("issue", "reopen", number)
    edit = ["--title", action.title] if action.title is not None else []
    edit += ["--body-file", "-"] if action.body is not None else []
    edit += ["--add-assignee", action.login] if action.login is not None else []
    if edit:
        gh("issue", "edit", number, *edit, body=action.body)
    if action.comment is not None:
        gh("issue", "comment", number, "--body-file", "-", body=action.comment)
    return action.number


def add_remind_issues(sub, parents: Parents) -> None:
    p = sub.add_parser(
        "remind-issues",
        parents=[parents.root, parents.dated, parents.labelled],
        help="one issue per owner on the git host with their overdue and coming follow-ups (gh CLI)",
        description="Create, update in place or close one issue per owner (label crm:reminders, assigned to "
        "the owner's login in records/team.yaml) listing what crm remind lists: overdue follow-ups and next "
        "steps, those due within a week, key dates in the next 30 days; closed when nothing is due, reopened "
        "when something is, a comment when something new is due (an edit notifies nobody). Running it again "
        "the same day changes nothing. Needs the gh CLI, signed in or with GH_TOKEN (and GH_REPO outside the "
        "repository's folder). Language: --lang, $PLAINCRM_LANG, else the site's (mkdocs.yml theme.language).",
    )
    p.add_argument(
        "--site-url",
        help="the published site's address, to link each customer's page (default: mkdocs.yml site_url; "
        "none: no links)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the actions and the issues' text; change nothing")
    p.set_defaults(func=cmd_remind_issues)
