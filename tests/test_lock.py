"""The lock files (requirements/*.txt) hold what pyproject.toml asks for, and this venv holds them.

make, .ci/run and the workflows install with `pip install --require-hashes -r requirements/X.txt`, so
a fresh clone gets exactly these versions whatever PyPI released since; a release reaches CI only as
a pull request (Dependabot, or `make lock` by hand). A requirement added, raised, dropped or moved
between extras in pyproject.toml without `make lock` fails here, offline, naming the file and line.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass, field

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from .conftest import REPO

REQUIREMENTS = REPO / "requirements"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}$")
FIX = "run `make lock` and commit requirements/"


@dataclass
class Lock:
    """One lock file as pip reads it: name -> (version, line), the extras its header compiles, its faults."""

    name: str
    pins: dict[str, tuple[str, int]] = field(default_factory=dict)
    extras: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)

    def fault(self, line: int, message: str) -> None:
        self.problems.append(f"requirements/{self.name}:{line}: {message}")


def read_lock(name: str, text: str) -> Lock:
    """Every entry must be `name==version` with sha256 hashes: what `pip install --require-hashes` accepts."""
    lock = Lock(name)
    command = next((line for line in text.splitlines() if line.lstrip("# ").startswith("pip-compile ")), "")
    if f"--output-file=requirements/{name}" not in command:
        lock.fault(1, f"no header with the pip-compile command that writes it: {FIX}")
    lock.extras = tuple(sorted(re.findall(r"--extra=(\S+)", command)))
    entry, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*", "", raw).rstrip()  # pip's comments: a # at the start or after a space
        if not entry:
            start = number
        if line.endswith("\\"):
            entry += line[:-1] + " "
            continue
        entry = (entry + line).strip()
        if entry:
            _read_entry(lock, start, entry)
        entry = ""
    return lock


def _read_entry(lock: Lock, line: int, entry: str) -> None:
    if entry.startswith("-"):
        lock.fault(line, f"an option line ({entry.split()[0]}): only pinned, hashed packages belong here")
        return
    spec, _, options = entry.partition(" --")
    try:
        requirement = Requirement(spec)
    except InvalidRequirement as error:
        lock.fault(line, f"not a requirement: {error}")
        return
    name = canonicalize_name(requirement.name)
    pins = list(requirement.specifier)
    if requirement.url or len(pins) != 1 or pins[0].operator != "==" or pins[0].version.endswith(".*"):
        lock.fault(line, f"{spec}: not pinned to one version with ==")
        return
    if requirement.marker is not None:
        lock.fault(line, f"{spec}: a marker; the locks are for Python 3.11 on Linux, where everything listed installs")
    hashes = ("--" + options).split() if options else []
    if not hashes or not all(HASH.match(option) for option in hashes):
        lock.fault(line, f"{name}: every pin needs its --hash=sha256: values, and nothing else")
    if name in lock.pins:
        lock.fault(line, f"{name}: pinned twice (also line {lock.pins[name][1]})")
    lock.pins[name] = (pins[0].version, line)


def wanted(pyproject: dict, extras: tuple[str, ...]) -> list[Requirement]:
    """What the lock's group asks for: the core, the extras its header names, the build backend."""
    project = pyproject["project"]
    texts = [*project["dependencies"], *pyproject["build-system"]["requires"]]
    for extra in extras:
        texts += project.get("optional-dependencies", {}).get(extra, [])
    requirements = [Requirement(text) for text in texts]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]


def needed(requirements: list[Requirement], own: str) -> set[str]:
    """Every distribution these pull in, transitively, read from the installed metadata (this venv is the
    dev lock: `test_this_venv_is_the_dev_lock`); markers evaluated for this interpreter and platform."""
    found: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in requirements]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen or name == own:
            continue
        seen.add((name, extras))
        found.add(name)
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed: the venv test says so
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in (*extras, "")
            ):
                todo.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return found


def problems(pyproject: dict, name: str, text: str) -> list[str]:
    """Why this lock file does not install what pyproject.toml asks for; empty when it does."""
    lock = read_lock(name, text)
    declared = pyproject["project"].get("optional-dependencies", {})
    for extra in lock.extras:
        if extra not in declared:
            lock.fault(1, f"the header compiles the extra {extra!r}, which pyproject.toml does not declare: {FIX}")
    group = wanted(pyproject, lock.extras)
    for requirement in group:
        pin = lock.pins.get(canonicalize_name(requirement.name))
        if pin is None:
            lock.fault(1, f"{requirement} (pyproject.toml) is not locked here: {FIX}")
        elif not requirement.specifier.contains(pin[0], prereleases=True):
            lock.fault(pin[1], f"{requirement.name}=={pin[0]} does not satisfy {requirement} in pyproject.toml: {FIX}")
    pulled = needed(group, canonicalize_name(pyproject["project"]["name"]))
    for stray in sorted(set(lock.pins) - pulled):
        lock.fault(lock.pins[stray][1], f"{stray}: nothing in pyproject.toml needs it any more: {FIX}")
    for missing in sorted(pulled - set(lock.pins)):
        lock.fault(1, f"{missing} is needed (installed metadata) but not locked, so --require-hashes refuses: {FIX}")
    return lock.problems


def too_new(pyproject: dict, lock: Lock) -> list[str]:
    """Pins whose release needs a newer Python than the oldest plaincrm supports: pip-compile resolves for
    the Python it runs on, and a fresh Debian 12 (3.11.2) must install the same pins as CI."""
    floor = min(s.version for s in SpecifierSet(pyproject["project"]["requires-python"]) if s.operator == ">=")
    refused = []
    for name, (version, line) in sorted(lock.pins.items()):
        try:
            requires = importlib.metadata.metadata(name).get("Requires-Python")
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed: the venv test says so
        if requires and not SpecifierSet(requires).contains(floor, prereleases=True):
            refused.append(
                f"requirements/{lock.name}:{line}: {name}=={version} needs Python {requires}, plaincrm supports "
                f">={floor} (requires-python): make lock PYTHON=/usr/bin/python3.11, or hold it back"
            )
    return refused


def _text(name: str) -> str:
    return (REQUIREMENTS / name).read_text(encoding="utf-8")


# What each lock holds; the Makefile's `lock` target compiles them, the header says how.
GROUPS = {
    "core.txt": (),  # plaincrm alone (the quick-entry workflow)
    "site.txt": ("pdf", "site"),  # the workflows that build the site, with the report PDFs
    "dev.txt": tuple(sorted(PYPROJECT["project"]["optional-dependencies"])),  # make, .ci/run: everything
}


def test_the_lock_files_are_the_three_groups():
    assert {p.name for p in REQUIREMENTS.glob("*.txt")} == set(GROUPS)
    for name, extras in GROUPS.items():
        assert read_lock(name, _text(name)).extras == extras, name


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_each_lock_is_current_with_pyproject(name):
    assert problems(PYPROJECT, name, _text(name)) == []


def test_the_locks_hold_the_same_versions():
    """core.txt and site.txt are compiled against dev.txt: the workflows and the tests see one set of versions."""
    core, site, dev = (read_lock(n, _text(n)).pins for n in ("core.txt", "site.txt", "dev.txt"))
    version = lambda pins: {name: pin[0] for name, pin in pins.items()}  # noqa: E731
    assert version(core).items() <= version(site).items() <= version(dev).items()


def test_every_pin_installs_on_the_oldest_python():
    dev = read_lock("dev.txt", _text("dev.txt"))
    assert too_new(PYPROJECT, dev) == []
    older = {**PYPROJECT, "project": {**PYPROJECT["project"], "requires-python": ">=3.8"}}
    assert any("pydantic-core==" in p for p in too_new(older, dev))  # and it does look


def test_this_venv_is_the_dev_lock():
    """A fresh clone (`make`) installs exactly the locked versions: this venv is one."""
    wrong = []
    for name, (version, _) in sorted(read_lock("dev.txt", _text("dev.txt")).pins.items()):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "nothing"
        if installed == "nothing" or Version(installed) != Version(version):
            wrong.append(f"{name}: {installed} installed, {version} locked")
    assert wrong == [], (
        "this venv is not requirements/dev.txt; reinstall it: .venv/bin/pip install --require-hashes -r requirements/dev.txt\n"
        + "\n".join(wrong)
    )


def test_every_install_goes_through_a_lock():
    """make and the workflows install the locked versions, then plaincrm without its dependencies; the
    one other install is pip-tools, pinned, in `make lock`'s throwaway venv."""
    sources = {
        "Makefile": (REPO / "Makefile").read_text(encoding="utf-8"),
        **{p.name: p.read_text(encoding="utf-8") for p in (REPO / ".github" / "workflows").glob("*.yml")},
    }
    for source, text in sources.items():
        installs = re.findall(r"pip install [^\n]*", text)
        locked = [i for i in installs if re.search(r"--require-hashes -r requirements/\w+\.txt", i)]
        own = [i for i in installs if "--no-deps --no-build-isolation -e ." in i]
        others = [i for i in installs if i not in locked + own and not re.search(r"pip-tools==[\d.]+$", i)]
        assert locked and own and others == [], (source, installs)


# A stale or hand-edited lock is caught: each change below to the real files is reported.
def _dev_pin(name: str) -> str:
    return f"{name}=={read_lock('dev.txt', _text('dev.txt')).pins[name][0]}"


STALE = {
    "a pin loosened": (lambda t: t.replace(_dev_pin("pydantic"), "pydantic>=2.7", 1), "not pinned"),
    "a pin below the minimum": (lambda t: t.replace(_dev_pin("pydantic"), "pydantic==2.0", 1), "does not satisfy"),
    "a pin's hashes removed": (
        lambda t: re.sub(r"(?m)^(pyyaml==[^ ]+) \\\n(\s+--hash=\S+ \\\n)*\s+--hash=\S+", r"\1", t),
        "pyyaml: every pin needs",
    ),
    "a requirement not locked": (lambda t: re.sub(r"(?m)^cleanco==.*\n(\s+--hash.*\n)+", "", t), "cleanco>=2.3"),
    "a package nothing needs": (
        lambda t: t + "left-pad==1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n",
        "left-pad: nothing in pyproject.toml needs it",
    ),
    "an unhashed option line": (lambda t: "-e .\n" + t, "an option line"),
}


@pytest.mark.parametrize("change", sorted(STALE))
def test_a_stale_lock_is_reported(change):
    edit, expected = STALE[change]
    found = problems(PYPROJECT, "dev.txt", edit(_text("dev.txt")))
    assert any(expected in problem for problem in found), found


def test_a_pyproject_change_without_make_lock_is_reported():
    changed = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    changed["project"]["dependencies"].append("python-docx>=1.1")
    changed["project"]["optional-dependencies"]["site"].remove("jieba>=0.42.1")
    changed["build-system"]["requires"] = ["setuptools>=999"]
    core = problems(changed, "core.txt", _text("core.txt"))
    site = problems(changed, "site.txt", _text("site.txt"))
    assert any("python-docx>=1.1 (pyproject.toml) is not locked" in p for p in core), core
    assert any(re.match(r"requirements/core.txt:\d+: setuptools==.* does not satisfy", p) for p in core), core
    assert any("jieba: nothing in pyproject.toml needs it" in p for p in site), site


def test_the_lock_header_says_how_to_regenerate():
    text = _text("core.txt")
    assert "#    pip-compile --all-build-deps --allow-unsafe --constraint=requirements/dev.txt" in text
    assert any("no header" in p for p in problems(PYPROJECT, "core.txt", text.replace("pip-compile", "pip-tools")))
