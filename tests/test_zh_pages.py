"""A Chinese build says every word in Chinese: the sample site, built by MkDocs in zh with a git history,
scanned page by page for Latin words that are neither record text nor an allowed proper noun."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from .sitekit import make_site_repo, mkdocs_build

# Names of things, formats and programs: the same words in a Chinese text.
ALLOWED = {
    "csv", "xlsx", "ics", "cny", "usd", "mkdocs", "material", "github", "gitlab", "yaml", "git", "plaincrm", "crm",
    "atom", "json", "vcard", "utf", "javascript", "id", "it", "ai", "pdf", "url", "api", "wechat", "im",
    "fetch", "depth",  # a git option named in the shallow-clone note
}  # fmt: skip
SKIPPED = {"script", "style", "code", "pre", "kbd", "svg"}  # code, and what a reader does not read as text
AUTHOR, SUBJECTS = "Li Wei", ("Sample", "Update C20240501001")  # commit authors stay as git has them
ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}  # words a reader sees in attributes


class _Visible(HTMLParser):
    """The text a reader sees (outside SKIPPED elements)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.depth += 1
        elif not self.depth:
            self.parts += [value for name, value in attrs if name in ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def _strings(data) -> list[str]:
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return [str(data)] if isinstance(data, str) else []


def record_texts(root: Path) -> list[str]:
    """Every text the records hold (names, summaries, tags…) and the team members' names (not their handles:
    a reader sees members by name), longest first."""
    texts = {AUTHOR, *SUBJECTS}
    for path in root.glob("records/customers/*.yaml"):
        texts.update(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    members = yaml.safe_load((root / "records" / "team.yaml").read_text(encoding="utf-8"))["members"]
    texts -= {member["handle"] for member in members}  # the records name owners and participants by handle
    texts.update(member["name"] for member in members)
    return sorted((t for t in texts if re.search("[A-Za-z]", t)), key=len, reverse=True)


NOT_WORDS = re.compile(
    r"https?://\S+|\S+@\S+|\S*\*\S*|[\w.-]*\d[\w.-]*"  # URLs, e-mail addresses, masked values, ids, dates, numbers
)


def latin_words(text: str, records: list[str]) -> set[str]:
    for record_text in records:
        text = text.replace(record_text, " ")
    text = NOT_WORDS.sub(" ", text)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text) if w.lower().strip("'’-") not in ALLOWED}


def _git(root: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": AUTHOR, "GIT_AUTHOR_EMAIL": "li@example.com", "GIT_COMMITTER_NAME": AUTHOR}
    env |= {"GIT_COMMITTER_EMAIL": "li@example.com", "PATH": "/usr/bin:/bin", "HOME": str(root)}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def zh_site(tmp_path_factory) -> Path:
    """The sample built in zh, with a history: a commit changing an option, the owner, a tag, a contact's
    phone, a nested field, and adding an interaction (every kind of history line)."""
    root = make_site_repo(tmp_path_factory.mktemp("zh"), language="zh")
    (root / ".gitignore").write_text("out/\n.cache/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", SUBJECTS[0])
    record = root / "records" / "customers" / "C20240501001.yaml"
    _edit(record, "cooperation: not_started", "cooperation: active")
    _edit(record, "owner: li.wei", "owner: wang.fang")
    _edit(record, "tags: [高意向, 技术型]", "tags: [高意向]")
    _edit(record, '"13812345678"', '"13900001111"')
    _edit(record, "revenue: 年营收3000万+", "revenue: 年营收5000万+")
    _edit(
        record,
        "interactions:\n",
        "interactions:\n  - {date: 2026-11-20, channel: visit, topic: 签约, summary: 签约成功, by: [wang.fang]}\n",
    )
    _git(root, "commit", "-qam", SUBJECTS[1])
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    return root


def pages(out: Path) -> list[Path]:
    """Every generated page: home, index, customers, segments, owners, reports, changes."""
    folders = ("customers", "segments", "owners", "reports", "changes")
    return [out / "index.html", *(p for f in folders for p in sorted((out / f).rglob("*.html")))]


def test_history_lines_are_said_in_chinese_with_names(zh_site):
    page = visible_text((zh_site / "out" / "customers" / "C20240501001.html").read_text(encoding="utf-8"))
    for line in (
        "合作状态：未合作 → 合作中",
        "跟进人：李伟 → 王芳",
        "客户标签：−技术型",
        "联系人「张经理」的联系电话：138****5678 → 139****1111",
        "企业规模的年营收：年营收3000万+ → 年营收5000万+",
        "新增互动记录：2026-11-20 拜访 签约",
    ):
        assert line in page, line
    changes = visible_text((zh_site / "out" / "changes" / "index.html").read_text(encoding="utf-8"))
    assert "合作状态：未合作 → 合作中" in changes and "新建记录" in changes
    feed = (zh_site / "out" / "changes" / "feed.xml").read_text(encoding="utf-8")
    assert "合作状态：未合作 → 合作中" in feed and "cooperation:" not in feed


def test_no_english_word_on_a_zh_page(zh_site):
    records = record_texts(zh_site)
    found: dict[str, set[str]] = {}
    for path in pages(zh_site / "out"):
        for word in latin_words(visible_text(path.read_text(encoding="utf-8")), records):
            found.setdefault(word, set()).add(str(path.relative_to(zh_site / "out")))
    report = "\n".join(
        f"{word}: {', '.join(sorted(where)[:5])}{' …' if len(where) > 5 else ''}"
        for word, where in sorted(found.items())
    )
    assert not found, f"English words on zh pages:\n{report}"


def test_the_scan_finds_an_english_word_and_passes_record_text():
    records = ["Emma Hu"]
    html = '<p title="Owner">客户 Emma Hu 的 created w***</p><code>li.wei</code><script>var x</script> C20240501001 CSV'
    assert latin_words(visible_text(html), records) == {"created", "Owner"}


def _crm(root: Path, *args: str) -> str:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from plaincrm.cli import main

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        assert main(["--root", str(root), *args]) in (0, 1)
    return out.getvalue()


def _english_in(said: str, records: list[str]) -> set[str]:
    """Latin words in CLI output, beside the commit hashes, the revisions as typed and the handle that
    `crm remind --owner` takes after each member's name in its heading."""
    said = re.sub(r"\b[0-9a-f]{7,}\b|^(.+) \([a-z0-9._-]+\)$", r" \1", said, flags=re.M)
    return latin_words(said, [*records, "HEAD~1", "HEAD"])


def test_crm_history_and_diff_speak_chinese(zh_site):
    records = record_texts(zh_site)
    history = _crm(zh_site, "history", "C20240501001", "--lang", "zh")
    assert "    跟进人：李伟 → 王芳" in history and "    新建记录" in history
    diff = _crm(zh_site, "diff", "HEAD~1", "HEAD", "--lang", "zh", "--today", "2026-11-23")
    assert diff.startswith("从 ") and "      合作状态：未合作 → 合作中" in diff and "1 项逾期跟进已消除" in diff
    markdown = _crm(zh_site, "diff", "HEAD~1", "HEAD", "--lang", "zh", "--today", "2026-11-23", "--format", "markdown")
    assert markdown.startswith("### 客户记录：修改 1 条")
    for said in (history, diff, markdown):
        assert _english_in(said, records) == set(), said


def test_crm_remind_speaks_chinese(zh_site, monkeypatch):
    monkeypatch.setenv("PLAINCRM_LANG", "zh")
    remind = _crm(zh_site, "remind", "--today", "2026-11-23")
    assert "已逾期" in remind and "跟进回访，" in remind
    assert _english_in(remind, record_texts(zh_site)) == set(), remind
