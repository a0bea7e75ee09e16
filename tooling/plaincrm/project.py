"""Where a plaincrm repository is, and what its team's schema/ says.

The team's models are imported from `schema/` by path, so a repository carries its own
fields and option lists and the engine needs no configuration to find them. A view of another
revision (`history.snapshot`) reads that revision's records with today's `schema/`: importing
the schema runs its code, and a branch under review must not run code on a reviewer's machine.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .layout import Layout, read_layout
from .loading import Limits

if TYPE_CHECKING:
    from .contract import Contract

ENGINE_DIR = Path(__file__).resolve().parent
_engine: tuple[tuple, bytes] | None = None  # (every engine file's stat, their digest): read once per process


def _files(folder: Path) -> list[Path]:
    """Every file below `folder` that can change a result: all but caches and hidden files, sorted."""
    found: list[Path] = []
    for here, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__" and not d.startswith("."))
        found.extend(
            Path(here, name) for name in sorted(names) if not name.startswith(".") and not name.endswith(".pyc")
        )
    return found


def _digest(folder: Path, files: list[Path]) -> bytes:
    """The files' names and bytes, each read as every repository file is (no links, pipes or
    devices; bounded): schema/ comes from the repository, and a link there to /dev/zero must not hang."""
    from .layout import DEFAULT_MAX_FILE_BYTES, SchemaConfigError
    from .loading import read_bounded
    from .problems import ProblemError

    digest = hashlib.sha256()
    for path in files:
        try:
            data = read_bounded(path, str(path), 4 * DEFAULT_MAX_FILE_BYTES)
        except ProblemError as error:
            raise SchemaConfigError(f"{path}: {error.problems[0].message}") from None
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + data + b"\0")
    return digest.digest()


def engine_digest() -> bytes:
    """The whole engine package (every module, sub-package, template and asset), hashed again only when
    a file's size or time changed: `crm validate` pays a stat per file, `mkdocs serve` sees edits."""
    global _engine
    files = _files(ENGINE_DIR)
    stats = tuple((str(path), (st := path.stat()).st_size, st.st_mtime_ns) for path in files)
    if _engine is None or _engine[0] != stats:
        _engine = (stats, _digest(ENGINE_DIR, files))
    return _engine[1]


class ProjectNotFound(Exception):
    pass


@dataclass(frozen=True, eq=False)
class Project:
    root: Path
    schema_root: Path | None = None  # the folder whose schema/ is used (default: root); see `history.snapshot`

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The nearest folder at or above `start` (or $PLAINCRM_ROOT) holding schema/__init__.py."""
        here = Path(os.environ.get("PLAINCRM_ROOT") or start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "schema" / "__init__.py").is_file():
                return cls(folder)
        raise ProjectNotFound(f"no plaincrm repository (a folder with schema/__init__.py) at or above {here}")

    # --- the team's schema ---------------------------------------------------------

    @property
    def schema_dir(self) -> Path:
        return (self.schema_root or self.root) / "schema"

    @cached_property
    def schema(self) -> ModuleType:
        init = self.schema_dir / "__init__.py"
        # Named by folder and content, so a changed schema is imported afresh in a long-lived
        # process (mkdocs serve) while an unchanged one is shared.
        name = f"plaincrm_schema_{hashlib.sha1(str(self.schema_dir).encode()).hexdigest()[:12]}_{self.fingerprint[:12]}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(init.parent)])
        assert spec is not None and spec.loader is not None  # a path ending in .py always has a source loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    @property
    def settings(self):
        return self.schema.settings

    @property
    def options(self):
        return self.schema.options

    @cached_property
    def customer_adapter(self):
        from pydantic import TypeAdapter

        return TypeAdapter(self.schema.Customer)

    @cached_property
    def team_adapter(self):
        from pydantic import TypeAdapter

        return TypeAdapter(self.schema.Team)

    @cached_property
    def customer_models(self) -> dict[str, Any]:
        """Customer model per `kind` value, checked against the engine's contract."""
        return self.contract.models

    @cached_property
    def contract(self) -> Contract:
        """The fields the engine reads, checked when the models are first used: SchemaConfigError
        naming the file and the field when a required one is missing or not readable."""
        from .contract import check
        from .modelkit import model_variants

        return check(model_variants(self.schema.Customer), self.relative)

    # --- files (known without importing the schema) --------------------------------

    @cached_property
    def layout(self) -> Layout:
        return read_layout(self.schema_dir / "settings.yaml")

    @cached_property
    def limits(self) -> Limits:
        return Limits(self.layout.max_file_bytes, self.layout.max_alias_nodes)

    @property
    def customers_dir(self) -> Path:
        return self.root / self.layout.customers_dir

    @property
    def team_file(self) -> Path:
        return self.root / self.layout.team_file

    def customer_files(self) -> list[Path]:
        """Every *.yaml below the customers folder, sorted (os.walk: pathlib's rglob is slow at 10,000)."""
        return [Path(path) for path, _ in self.customer_file_names()]

    def customer_file_names(self) -> list[tuple[str, str]]:
        """(path, `relative` name) of each of `customer_files`, in its order, as plain text: what a
        `mkdocs serve` rebuild stats, where 10,000 Path objects and `relative` calls cost 0.1 s."""
        found: list[tuple[str, str]] = []
        for folder, subfolders, names in os.walk(self.customers_dir):
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            inside = self.relative(Path(folder))
            found.extend(
                (os.path.join(folder, name), f"{inside}/{name}" if inside else name)
                for name in names
                if name.endswith(".yaml") and not name.startswith(".")
            )
        found.sort()
        return found

    def customer_file(self, customer_id: str) -> Path:
        return self.customers_dir / f"{customer_id}.yaml"

    def relative(self, path: Path) -> str:
        """A path as problems show it: relative to the repository root when inside it."""
        text = os.path.abspath(path)
        if text == str(self.root):
            return ""
        if text.startswith(self._root_prefix):
            return text[len(self._root_prefix) :].replace(os.sep, "/")
        return str(path)

    @cached_property
    def _root_prefix(self) -> str:
        return os.path.join(str(self.root), "")

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever the engine or the schema could judge a file differently: any file of the
        engine package or of schema/ (sub-packages, option lists, settings), Python or pydantic."""
        digest = hashlib.sha256(engine_digest())
        digest.update(_digest(self.schema_dir, _files(self.schema_dir)))
        digest.update(sys.version.encode() + importlib.metadata.version("pydantic").encode())
        return digest.hexdigest()[:20]
