"""Problems are data: every check returns them, every front end renders them.

A problem names the file, line and column of the offending YAML node and the field
path inside the record, so an editor can jump straight to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from typing import Any

from .escaping import markdown_code, terminal_safe
from .messages import Said, say
from .privacy import redact

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, where. A message or field that quotes a value never repeats a resident ID or
    bank card number in it (redacted when the problem is made, so every rendering is safe).

    `message` is the English sentence; a problem made with `Problem.of` also keeps its message key and
    fields (`key`, `args`, see `messages`), so `text` words it in the reader's language when it is shown.
    """

    file: str
    line: int
    col: int
    field: str
    message: str
    code: str = "error"
    severity: str = "error"
    key: str = dataclass_field(default="", compare=False)
    args: tuple[tuple[str, str], ...] = dataclass_field(default=(), compare=False)

    def __post_init__(self) -> None:
        for name in ("field", "message"):
            value = getattr(self, name)
            if any(map(str.isdigit, value)):  # as `ch.isdigit() for ch in value`, at C speed: many problems are dated
                object.__setattr__(self, name, redact(value))
        if any(any(map(str.isdigit, value)) for _, value in self.args):
            object.__setattr__(self, "args", tuple((name, redact(value)) for name, value in self.args))

    @classmethod
    def of(
        cls, file: str, line: int, col: int, field: str, said: Said, code: str, *, severity: str = "error"
    ) -> Problem:
        """A problem whose message is `said`, worded in English here and in any language by `text`."""
        return cls(file, line, col, field, said.text("en"), code, severity, key=said.key, args=said.args)

    def text(self, lang: str = "en") -> str:
        """The message in `lang`; redacted again, as the fields of a template may meet in a number."""
        if lang == "en" or not self.key:
            return self.message
        text = say(self.key, lang, dict(self.args))
        return redact(text) if any(ch.isdigit() for ch in text) else text

    def line_text(self, lang: str = "en") -> str:
        """One line for a terminal: what a record put into it is shown escaped (`terminal_safe`); a warning's
        message starts with the word (`warning: …`, `警告：…`), an error's does not (as it always was)."""
        where = f"{terminal_safe(self.file)}:{self.line}:{self.col}"
        message = terminal_safe(self.text(lang))
        if self.severity == "warning":
            message = say("problem.warning-prefix", lang, {"message": message})
        return f"{where}: {terminal_safe(self.field)}: {message}" if self.field else f"{where}: {message}"

    def __str__(self) -> str:
        return self.line_text()


Reference = tuple[FieldPath, str, str]  # (where, "member" | "customer", the value)


@dataclass
class FileCheck:
    """What checking one file found: its problems and what other records may refer to."""

    file: str
    problems: list[Problem]
    id: str | None = None
    references: list[Reference] = field(default_factory=list)
    model: Any = None  # the validated model, when asked for and valid
    data: dict | None = None  # the parsed plain data, when asked for and valid (cheap to send between processes)
    contact_keys: tuple[str, ...] = ()  # hashed phones and e-mails, with the data (masking.Masker.contact_keys)
    digest: str = ""  # hash of the bytes checked ("" when they could not be read): the cache key (cache.content_digest)


class ProblemError(Exception):
    """Raised when a single operation cannot go on; carries the problems that stopped it."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # raised in a forked worker, it reaches the parent whole (not its message as the problems)
        return (type(self), (self.problems,))


def format_field_path(path: FieldPath) -> str:
    """('interactions', 2, 'date') -> 'interactions[2].date'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _github_escape(text: str, *, property: bool = False) -> str:
    """Escape a workflow-command value (GitHub's toolkit rules)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


_JSON_FIELDS = ("file", "line", "col", "field", "message", "code", "severity")
SHOWN_IN_MARKDOWN = 50  # problems of each severity listed in a job summary (the annotations carry them all)


def _markdown(problems: list[Problem], lang: str) -> str:
    """A job summary's section: errors, then warnings, each a list item of code spans (a record's text is
    never read as Markdown: `markdown_code`); nothing when there is nothing to say."""
    out: list[str] = []
    for severity in ("error", "warning"):
        found = [p for p in problems if p.severity == severity]
        if not found:
            continue
        out += [say(f"problem.markdown-{severity}s", lang, {"n": str(len(found))}), ""]
        for p in found[:SHOWN_IN_MARKDOWN]:
            field = f" {markdown_code(p.field)}" if p.field else ""
            out.append(f"- {markdown_code(f'{p.file}:{p.line}:{p.col}')}{field}: {markdown_code(p.text(lang))}")
        if len(found) > SHOWN_IN_MARKDOWN:
            out.append(f"- {say('problem.markdown-more', lang, {'n': str(len(found) - SHOWN_IN_MARKDOWN)})}")
        out.append("")
    return "\n".join(out)


def render(problems: Iterable[Problem], fmt: str = "text", lang: str = "en") -> str:
    """Render problems as terminal text, GitHub annotations (`::error` or `::warning`), JSON or a Markdown
    job summary, the messages in `lang` (file, line, column and field path stay as they are: tools and
    editors read them)."""
    problems = list(problems)
    if fmt == "markdown":
        return _markdown(problems, lang)
    if fmt == "json":
        return json.dumps(
            [
                {name: p.text(lang) if name == "message" else getattr(p, name) for name in _JSON_FIELDS}
                for p in problems
            ],
            ensure_ascii=False,
            indent=2,
        )
    if fmt == "github":
        lines = []
        for p in problems:
            props = ",".join(
                f"{k}={_github_escape(terminal_safe(str(v)), property=True)}"
                for k, v in (("file", p.file), ("line", p.line), ("col", p.col), ("title", p.field or p.code))
            )
            lines.append(f"::{p.severity}{' ' if props else ''}{props}::{_github_escape(terminal_safe(p.text(lang)))}")
        return "\n".join(lines)
    return "\n".join(p.line_text(lang) for p in problems)
