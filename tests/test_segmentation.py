"""Chinese segmentation for Material's search: rjieba's cuts where it is installed, jieba's otherwise.

Material's search cuts each run of Han characters of the hand-written pages with jieba and joins the
words with zero-width spaces (`SearchIndex._segment_chinese`). `plaincrm.site.search.segment_theme_search`
hands it rjieba instead, which must cut exactly as jieba does: shown here through Material's own
function on the sample's names, tags, notes, interaction topics and summaries and on the hand-written
pages, and end to end on the Chinese site's search index. Without rjieba the comparisons are skipped
with that hint (builds then keep jieba).

`python -m tests.test_segmentation` measures both on the sample ×100, each in a fresh process (the
figures in search.py's docstring).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from plaincrm.site.search import JiebaCuts, fast_cut, segment_theme_search

from .conftest import REPO
from .sitekit import make_site_repo

NO_RJIEBA = "rjieba is not installed: `pip install rjieba` (plaincrm[site] has it); builds keep jieba's own cuts"


def sample_texts() -> list[str]:
    """The sample's names, tags, notes, interaction topics and summaries, and the hand-written pages."""
    texts = []
    for path in sorted((REPO / "records" / "customers").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [record["name"], *map(str, record.get("tags") or []), str(record.get("notes") or "")]
        for interaction in record.get("interactions") or []:
            texts += [str(interaction.get("topic") or ""), str(interaction.get("summary") or "")]
    texts += [page.read_text(encoding="utf-8") for page in sorted((REPO / "site").glob("*.md"))]
    return [text for text in texts if text]


@pytest.fixture
def material_search(monkeypatch):
    """Material's search plugin module; whatever jieba a test gives it is taken back afterwards."""
    module = pytest.importorskip("material.plugins.search.plugin")
    monkeypatch.setattr(module, "jieba", module.jieba)
    return module


def _segmented(module, segmenter, texts: list[str]) -> list[str]:
    module.jieba = segmenter
    return [module.SearchIndex._segment_chinese(None, text) for text in texts]


def test_rjieba_cuts_the_sample_as_jieba_does(material_search):
    cut = fast_cut()
    if cut is None:
        pytest.skip(NO_RJIEBA)
    import jieba

    texts = sample_texts()
    theirs = _segmented(material_search, jieba, texts)
    ours = _segmented(material_search, JiebaCuts(cut, jieba), texts)
    assert sum(text.count("\u200b") for text in theirs) > 1000  # Chinese was cut, not passed through
    assert ours == theirs


def _config(tmp_path: Path, search: str):
    from mkdocs.config import load_config

    root = make_site_repo(tmp_path)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("  - search:\n", f"  - search:\n{search}"), encoding="utf-8")
    return load_config(str(root / "mkdocs.yml"))


def test_the_theme_search_gets_rjieba_unless_it_names_a_dictionary_of_its_own(material_search, tmp_path, monkeypatch):
    import jieba

    config = _config(tmp_path / "plain", "")
    expected = "rjieba" if fast_cut() is not None else "jieba"
    assert segment_theme_search(config.plugins) == expected
    assert isinstance(material_search.jieba, JiebaCuts) == (expected == "rjieba")
    (tmp_path / "words.txt").write_text("运维方案 10 n\n", encoding="utf-8")
    own = _config(tmp_path / "own", f"      jieba_dict_user: {tmp_path / 'words.txt'}\n")
    assert segment_theme_search(own.plugins) == "jieba" and material_search.jieba is jieba  # only jieba reads it
    monkeypatch.setitem(sys.modules, "rjieba", None)  # as if not installed
    assert segment_theme_search(config.plugins) == "jieba" and material_search.jieba is jieba


def _build_zh(root: Path, out: Path, *, rjieba: bool) -> dict:
    """The Chinese site built by ProperDocs in a process of its own, with or without rjieba."""
    block = "" if rjieba else "sys.modules['rjieba'] = None; "
    code = f"import sys; {block}from properdocs.__main__ import cli; cli()"
    env = {"PLAINCRM_TODAY": "2026-11-23", "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    args = [sys.executable, "-c", code, "build", "--strict", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(out)]
    result = subprocess.run(args, capture_output=True, text=True, cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))


def test_the_chinese_site_has_the_same_search_index_either_way(tmp_path):
    if fast_cut() is None:
        pytest.skip(NO_RJIEBA)
    pytest.importorskip("properdocs", reason="ProperDocs is not installed: `pip install properdocs` (plaincrm[site])")
    root = make_site_repo(tmp_path / "repo", language="zh")
    fast = _build_zh(root, tmp_path / "rjieba", rjieba=True)
    slow = _build_zh(root, tmp_path / "jieba", rjieba=False)
    assert fast == slow
    assert any("\u200b" in doc["text"] for doc in fast["docs"])  # the guide's Chinese, segmented


# --- the figures --------------------------------------------------------------------------------------

_MEASURE = """
import json, sys, time
runs = json.loads(sys.stdin.read())
started = time.perf_counter()
if sys.argv[1] == "jieba":
    import logging, jieba
    jieba.setLogLevel(logging.WARNING)
    cut = lambda text: list(jieba.cut(text.encode("utf-8")))  # as Material calls it
else:
    import rjieba
    cut = rjieba.cut
loaded = time.perf_counter()
for text in runs:
    cut(text)
first = time.perf_counter()
for _ in range(100):
    for text in runs:
        cut(text)
print(json.dumps([loaded - started, first - loaded, time.perf_counter() - first]))
"""


def measure() -> None:
    """Each segmenter in a fresh process on the runs of Han characters Material would cut in the sample's
    names, tags, notes, topics and summaries: import, first pass (jieba loads its dictionary), then ×100."""
    import re

    han = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
    records = [text for text in sample_texts() if not text.startswith(("#", "---"))]  # not the pages
    runs = [run for text in records for run in han.findall(text)]
    print(f"{len(runs)} runs of Han characters, {sum(map(len, runs))} characters, cut 100 times")
    for name in ("jieba", "rjieba"):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, name], input=json.dumps(runs), capture_output=True, text=True, check=True
        )
        load, first, hundred = json.loads(done.stdout)
        print(
            f"{name:7} import {load:.3f} s, first pass {first:.3f} s, ×100 {hundred:.3f} s"
            f" (process {time.perf_counter() - started:.2f} s)"
        )


if __name__ == "__main__":
    measure()
