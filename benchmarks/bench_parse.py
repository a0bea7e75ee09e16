"""Would a faster YAML parser make `crm validate` twice as fast? (issue 17, "the parse floor")

Per record, on the generated customers: PyYAML's `CSafeLoader` (the baseline, as in
bench_validate), plaincrm's strict loader (`loading.parse_text`: libyaml composes, a
builder makes plain data and enforces the rules), and each candidate parser that is
installed, producing plain data its own way; each candidate's data is compared with the
strict loader's on every record (types included: True is not 1).

A candidate that reads YAML 1.2 loses what the rules need (a plain `yes` and a quoted
"yes" come out alike; tags, anchors and control characters vanish silently), so it could
only serve behind guards that send every text they cannot vouch for to libyaml: the cost
of those guards is measured too. Then the decision itself: `check_project` (what `crm
validate --no-cache` runs), in this process, with the strict loader, with a parser that
costs nothing (its data and node trees prepared beforehand: the floor no parser beats), and with
each candidate in front of the strict loader. No candidate gives node positions to Python, so
a record with anything to report (a warning too) is composed again by libyaml for its
positions: the table counts those. Times are CPU seconds with the cycle collector paused, as
validation runs; the best of a few runs. This is a report, not a test.

    python benchmarks/bench_parse.py [--customers 10000] [--seed 1] [--keep DIR]

Candidates (PyPI name, module): rapidyaml (ryml), yaml-rs (yaml_rs), ryaml, py-yaml12
(yaml12), fastyaml-rs (fast_yaml), libfyaml. A missing one is reported as such.
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_validate import CRM, command_line

RUNS = 3
TARGET = 2.0  # cold validation must get at least this much faster for a parser to be adopted
MAX_DEPTH = 64  # loading.Limits().max_depth


def cpu_per_item(items: list, work: Callable[[Any], Any], runs: int = RUNS) -> float:
    """Best CPU seconds per item of `work` over `items`, the cycle collector paused (as validation runs)."""
    best = float("inf")
    for _ in range(runs):
        gc.disable()
        try:
            started = time.process_time()
            for item in items:
                work(item)
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
            gc.collect()
    return best / len(items)


def same(a: Any, b: Any) -> bool:
    """Equal plain data, types included (True == 1 and 1 == 1.0 in Python; not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)  # NaN equals NaN here


# --- candidates: text -> plain data, each in its own way ------------------------------


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


class Unsupported(Exception):
    """The candidate met something only the strict loader may judge: fall back to it."""


def ryml_builder():
    """rapidyaml keeps everything in its tree (tags, anchors, both of two equal keys, quoting),
    so the strict rules can be applied while walking it; the walk runs in Python, node by node.
    Not caught here: control characters and what rapidyaml accepts and libyaml does not (`k: }`)."""
    import ryml
    from yaml.constructor import SafeConstructor
    from yaml.nodes import ScalarNode

    from plaincrm import loading

    resolver = loading.StrictResolver()
    constructor = SafeConstructor()
    map_, seq, none = int(ryml.MAP), int(ryml.SEQ), ryml.NONE
    refused = int(ryml.KEYTAG | ryml.VALTAG | ryml.KEYANCH | ryml.VALANCH | ryml.KEYREF | ryml.VALREF)
    key_quoted, val_quoted = int(ryml.KEYQUO), int(ryml.VALQUO)
    convert = {
        loading.STR: lambda v: v,
        loading.NULL: lambda v: None,
        loading.BOOL: lambda v: SafeConstructor.bool_values[v.lower()],
        loading.INT: lambda v: constructor.construct_yaml_int(ScalarNode(loading.INT, v)),
        loading.FLOAT: lambda v: constructor.construct_yaml_float(ScalarNode(loading.FLOAT, v)),
    }

    def text(view) -> str:
        return bytes(view).decode() if view is not None else ""

    def scalar(value: str, quoted: bool):
        if quoted:
            return value
        tag = resolver.resolve(ScalarNode, value, (True, False))
        if tag == loading.MERGE:
            raise Unsupported(tag)
        return convert[tag](value)

    def build(tree, node: int, kind: int, room: int):
        if not kind & (map_ | seq):
            return scalar(text(tree.val(node)), bool(kind & val_quoted))
        if not room:
            raise Unsupported("too deep")
        child = tree.first_child(node)
        if kind & seq:
            items = []
            while child != none:
                child_kind = tree.type(child)
                if child_kind & refused:
                    raise Unsupported("tag or anchor")
                items.append(build(tree, child, child_kind, room - 1))
                child = tree.next_sibling(child)
            return items
        result: dict = {}
        while child != none:
            child_kind = tree.type(child)
            if child_kind & refused:
                raise Unsupported("tag or anchor")
            key = text(tree.key(child))
            if not child_kind & key_quoted and resolver.resolve(ScalarNode, key, (True, False)) != loading.STR:
                raise Unsupported("key is not text")
            if key in result:
                raise Unsupported("duplicate key")
            result[key] = build(tree, child, child_kind, room - 1)
            child = tree.next_sibling(child)
        return result

    def load(source: str):
        tree = ryml.parse_in_arena(source.encode())
        root = tree.root_id()
        kind = tree.type(root)
        if not kind & map_:
            raise Unsupported("not a single mapping")  # a stream of several documents too
        return build(tree, root, kind, MAX_DEPTH)

    return load


def ryml_tree_only():
    import ryml

    return lambda source: ryml.parse_in_arena(source.encode())


def yaml_rs_plain():
    import yaml_rs

    return lambda source: yaml_rs.loads(source, parse_datetime=False)  # duplicate keys: an error by default


def libfyaml_plain():
    import libfyaml

    return lambda source: libfyaml.loads(source, mode="yaml1.1").to_python()


def _module_function(module: str, function: str):
    def make():
        return getattr(importlib.import_module(module), function)

    return make


# --- guards: what a YAML 1.2 parser would need before its answer could be trusted -----

# libyaml refuses these characters or reads them as line breaks; yaml-rs keeps them (and cuts a string at NUL)
_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# a plain scalar that YAML 1.1 (PyYAML) and 1.2 read differently: yes/no/on/off, numbers with a leading
# zero, 0b/0o/0x, underscores, sexagesimal colons, exponents, a leading dot (.5, .inf, -.5); over-eager
# on purpose (a false alarm only costs a fall back)
_DIVERGING = re.compile(
    r"(?:\A|[\s\[{,:])"  # a character class first: the scan skips to candidates (a look-behind is slower)
    r"(?:[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF"
    r"|[-+]?(?:0[0-9_bBoOxX]|[0-9][0-9_]*[_:eE]|[0-9][0-9_]*\.[0-9_]*[_eE:]|\.)[0-9A-Za-z_.:+-]*)"
    r"(?=[ \t]*(?:$|#|[,\]}]|:\s))",
    re.MULTILINE,
)


def _node_start(text: str, char: str) -> bool:
    """`char` (& * ! %) where a node or a directive may start: after a line start, space or flow indicator."""
    at = text.find(char)
    while at != -1:
        if at == 0 or text[at - 1] in " \t\r\n[{,:?-":
            return True
        at = text.find(char, at + 1)
    return False


def needs_libyaml(text: str) -> bool:
    """True when a YAML 1.2 parser's answer for `text` could differ from the strict loader's."""
    return (
        _CHARACTERS.search(text) is not None
        or "<<" in text
        or any(_node_start(text, char) for char in "&*!%")
        or _DIVERGING.search(text) is not None
    )


def plain_enough(data: Any, room: int = MAX_DEPTH) -> bool:
    """Text keys only and no deeper than the strict loader allows (what a YAML 1.2 parser leaves unchecked)."""
    if data.__class__ is dict:
        if not room:
            return False
        for key, value in data.items():
            if key.__class__ is not str:
                return False
            if (value.__class__ is dict or value.__class__ is list) and not plain_enough(value, room - 1):
                return False
        return True
    if data.__class__ is list:
        if not room:
            return False
        return all(
            not (item.__class__ is dict or item.__class__ is list) or plain_enough(item, room - 1) for item in data
        )
    return True


def guarded(candidate: Callable[[str], Any]) -> Callable[[str], Any]:
    """`candidate`'s data when the guards vouch for it, else None (the caller falls back to libyaml)."""

    def load(text: str):
        if needs_libyaml(text):
            return None
        try:
            data = candidate(text)
        except Exception:  # its refusals are worded by the strict loader, with positions
            return None
        if data.__class__ is not dict or not plain_enough(data):  # several documents come as a list
            return None
        return data

    return load


def with_fallback(first: Callable[[str], Any]):
    """A `loading.parse_text` that takes `first`'s data when it has some, else the strict loader's."""
    from plaincrm import loading

    strict = loading.parse_text

    def parse_text(text: str, file: str, limits: loading.Limits = loading.Limits()) -> loading.RawRecord:
        if limits.max_depth == MAX_DEPTH:
            try:
                data = first(text)
            except Exception:  # Unsupported, or the candidate's own refusal: the strict loader words it
                data = None
            if data is not None:
                return loading.RawRecord(file, text, data)  # positions are composed by libyaml when asked
        return strict(text, file, limits)

    return parse_text


# name, PyPI distribution, maker of its text -> plain data function (ImportError when not installed)
CANDIDATES: list[tuple[str, str, Callable[[], Callable[[str], Any]]]] = [
    ("rapidyaml: tree only, no Python data", "rapidyaml", ryml_tree_only),
    ("rapidyaml: tree walked by the strict rules", "rapidyaml", ryml_builder),
    ("yaml-rs: loads", "yaml-rs", yaml_rs_plain),
    ("yaml-rs: loads behind the guards", "yaml-rs", lambda: guarded(yaml_rs_plain())),
    ("ryaml: loads", "ryaml", _module_function("ryaml", "loads")),
    ("py-yaml12: parse_yaml", "py-yaml12", _module_function("yaml12", "parse_yaml")),
    ("fastyaml-rs: safe_load", "fastyaml-rs", _module_function("fast_yaml", "safe_load")),
    ("libfyaml: loads(mode=yaml1.1)", "libfyaml", libfyaml_plain),
]


# --- report -------------------------------------------------------------------------------


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))


def equal_count(load: Callable[[str], Any], texts: list[str], reference: list[dict]) -> tuple[int, int]:
    """(records whose data equals the strict loader's, records the candidate refused or left to libyaml)."""
    equal = refused = 0
    for text, expected in zip(texts, reference):
        try:
            data = load(text)
        except Exception:
            refused += 1
            continue
        if data is None:
            refused += 1
        elif same(data, expected):
            equal += 1
    return equal, refused


def bench_parsers(texts: list[str], reference: list[dict]) -> dict[str, float]:
    from plaincrm import loading

    baseline = cpu_per_item(texts, lambda t: yaml.load(t, Loader=yaml.CSafeLoader))
    strict = cpu_per_item(texts, lambda t: loading.parse_text(t, "r.yaml"))
    rows = [
        ("PyYAML CSafeLoader (baseline)", yaml.__version__, f"{baseline * 1e3:.3f}", "1.00", "", "(dates as date)"),
        ("plaincrm strict loader", "", f"{strict * 1e3:.3f}", f"{strict / baseline:.2f}", "1.00", "(reference)"),
    ]
    times = {"baseline": baseline, "strict": strict}
    for name, distribution, make in CANDIDATES:
        try:
            load = make()
        except ImportError as error:
            rows.append((name, "not installed", "", "", "", f"({error.name})"))
            continue
        per = cpu_per_item(texts, load)
        times[name] = per
        if "tree only" in name:
            agree = "(no data)"
        else:
            equal, refused = equal_count(load, texts, reference)
            agree = f"{equal}/{len(texts)}" + (f", {refused} refused" if refused else "")
        rows.append(
            (
                name,
                _version(distribution),
                f"{per * 1e3:.3f}",
                f"{per / baseline:.2f}",
                f"{per / strict:.2f}",
                agree,
            )
        )
    guard_cost = cpu_per_item(texts, needs_libyaml)
    rows.append(("guards alone: the text scans", "", f"{guard_cost * 1e3:.3f}", "", f"{guard_cost / strict:.2f}", ""))
    walk_cost = cpu_per_item(reference, plain_enough)
    rows.append(
        ("guards alone: keys and depth walk", "", f"{walk_cost * 1e3:.3f}", "", f"{walk_cost / strict:.2f}", "")
    )
    table(("parser (text -> plain data)", "version", "ms/record", "/baseline", "/strict", "equal data"), rows)
    return times


def bench_validation(root: Path, texts: list[str]) -> None:
    """`check_project` with no cache, in one process: the strict loader, a parser that costs nothing
    (data and node tree prepared beforehand), and each candidate in front of the strict loader.

    A candidate gives no node positions, so a record with something to report (a warning included) is
    composed again by libyaml when its position is asked for: those composes are counted."""
    from plaincrm import dataset, loading
    from plaincrm.project import Project

    project = Project.find(root)
    strict, compose = loading.parse_text, loading.compose
    prepared = {text: strict(text, "") for text in texts}  # data and node tree: about 100 KiB a record
    composed = [0]

    def free(text: str, file: str, limits: loading.Limits = loading.Limits()) -> loading.RawRecord:
        done = prepared.get(text)
        if done is None:
            return strict(text, file, limits)
        raw = loading.RawRecord(file, text, done.data)
        raw.__dict__["root"] = done.root  # positions cost nothing either
        return raw

    def counting_compose(text: str):
        composed[0] += 1
        return compose(text)

    def run() -> float:
        best = float("inf")
        for _ in range(RUNS):
            composed[0] = 0
            started = time.process_time()
            report = dataset.check_project(project, jobs=1, use_cache=False)
            best = min(best, time.process_time() - started)
            if not report.ok:
                raise RuntimeError(f"validation found problems: {report.problems[:3]}")
        return best

    variants: list[tuple[str, Callable]] = [
        ("strict loader (as shipped)", strict),
        ("a parser that costs nothing", free),
    ]
    try:
        variants.append(("yaml-rs alone: not strict, for scale", with_fallback(yaml_rs_plain())))
        variants.append(("yaml-rs behind the guards, libyaml fallback", with_fallback(guarded(yaml_rs_plain()))))
    except ImportError:
        pass
    try:
        variants.append(("rapidyaml walked by the strict rules, libyaml fallback", with_fallback(ryml_builder())))
    except ImportError:
        pass
    rows, seconds_of = [], {}
    for name, parse_text in variants:
        loading.parse_text, loading.compose = parse_text, counting_compose
        try:
            seconds = seconds_of[name] = run()
        finally:
            loading.parse_text, loading.compose = strict, compose
        speedup = seconds_of[variants[0][0]] / seconds
        verdict = ("pass" if speedup >= TARGET else "FAIL") if "fallback" in name else ""
        again = "" if parse_text in (strict, free) else f"{composed[0]}"
        rows.append((name, f"{seconds:.2f} s", f"{seconds / len(texts) * 1e3:.3f}", f"{speedup:.2f}x", again, verdict))
    table(
        (
            "check_project, no cache, 1 process (CPU)",
            "total",
            "ms/record",
            "speed-up",
            "composed again",
            f">= {TARGET:.0f}x",
        ),
        rows,
    )
    shipped, floor = seconds_of[variants[0][0]], seconds_of[variants[1][0]]
    budget = (shipped / TARGET - floor) / len(texts)
    print(
        f"to be {TARGET:.0f}x faster, a parser may cost at most {budget * 1e3:.3f} ms per record, its guards, "
        "fall backs and the composes for positions included"
        + (" (none can: even a free one is not fast enough)" if budget <= 0 else "")
    )


def bench(root: Path) -> None:
    from plaincrm import loading

    paths = sorted((root / "records" / "customers").glob("*.yaml"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    reference = [loading.parse_text(t, p.name).data for t, p in zip(texts, paths)]
    kib = sum(len(t.encode()) for t in texts) / len(texts) / 1024
    print(
        f"{len(texts)} customer files ({kib:.1f} KiB each on average) in {root}; Python {sys.version.split()[0]}; "
        f"CPU time, cycle collector paused, best of {RUNS} runs"
    )
    bench_parsers(texts, reference)
    print()
    bench_validation(root, texts)


def main(argv: list[str] | None = None) -> int:
    return command_line(bench, CRM, argv)


if __name__ == "__main__":
    sys.exit(main())
