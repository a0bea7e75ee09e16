"""Read one YAML record strictly, so that what validation sees is exactly what the file says.

libyaml composes the node tree; a small builder turns it into plain data (str, int,
float, bool, None, list, dict). The builder is where the strictness lives: duplicate
keys, custom tags, non-text keys and runaway alias expansion are refused, each with its
own message and position. Implicit YAML 1.1 timestamps are not resolved: dates stay text
until the models parse them, so an impossible date is a field error, not a crash.
Positions are not kept for every node (that would cost on every load); `RawRecord.position`
composes the text again on demand, which only happens when there is something to report.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.composer import ComposerError
from yaml.error import Mark, MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver, Resolver

from .messages import AT_MOST, Said, said
from .problems import FieldPath, Problem, ProblemError, format_field_path

try:  # libyaml's parser when present, the pure-Python one otherwise
    from yaml._yaml import CParser as _Parser  # what yaml.cyaml re-exports

    WITH_LIBYAML = True
except ImportError:  # pragma: no cover - exercised only without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

    WITH_LIBYAML = False

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MAP, SEQ, MERGE = (
    _TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "merge")
)
_KEPT_IMPLICIT = {BOOL, INT, FLOAT, NULL, MERGE}


class StrictResolver(BaseResolver):
    """YAML 1.1 implicit types minus timestamps and the exotic value/yaml tags.

    `resolve` runs for every node, so it is a short version of PyYAML's (no path
    resolvers, which plaincrm does not use).
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag in _KEPT_IMPLICIT]
        for first, resolvers in Resolver.yaml_implicit_resolvers.items()
    }

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode:
            if implicit[0]:
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    tag = _resolve_plain(value, self.yaml_implicit_resolvers)
                    if len(value) <= 32 and len(_PLAIN_TAGS) < 50_000:
                        _PLAIN_TAGS[value] = tag  # field names and option values repeat in every file
                return tag
            return STR
        return SEQ if kind is SequenceNode else MAP


_PLAIN_TAGS: dict[str, str] = {}


def _resolve_plain(value: str, resolvers: dict) -> str:
    for tag, regexp in resolvers.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return STR


class _Composer(_Parser, StrictResolver):
    def __init__(self, text: str):
        _Parser.__init__(self, text)
        StrictResolver.__init__(self)


_SCALARS = {
    STR: lambda v: v,
    NULL: lambda v: None,
    BOOL: lambda v: yaml.constructor.SafeConstructor.bool_values[v.lower()],
}


def _number(constructor, node: ScalarNode):
    return constructor(yaml.constructor.SafeConstructor(), node)


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or broken file from costing more than a normal one.

    `max_depth` stays far below Python's recursion limit (the builder recurses about three
    frames a level), so deep nesting is refused by its own rule, never by a RecursionError.
    """

    max_file_bytes: int = 1_048_576
    max_alias_nodes: int = 1_000
    max_depth: int = 64


class _LoadError(Exception):
    def __init__(self, code: str, message: Said, mark=None):
        super().__init__(message.text())
        self.code, self.message, self.mark = code, message, mark


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


# Handles, option values, currencies and keys repeat in every record: one string object each (kept
# shared by pickle between the workers and this process) instead of one per occurrence, 5 KB of a loaded
# record's 16 KB, and less to send from the workers.
_INTERNED_LENGTH = 32
_intern = sys.intern


class _Builder:
    """Turn a composed node tree into plain data, refusing what a record must not contain."""

    def __init__(self, limits: Limits, *, has_aliases: bool):
        self.limits = limits
        self.has_aliases = has_aliases  # no '*' in the text: no node can be visited twice
        self.built: set[int] = set()  # ids of nodes already built once (a second visit is an alias)
        self.active: set[int] = set()
        self.alias_nodes = 0
        self.duplicates: list[tuple[str, Any]] = []

    def build(self, node: Node, room: int) -> Any:
        """Plain data for `node`; `room`: how many more levels of lists and mappings may open."""
        tag = node.tag
        if node.__class__ is ScalarNode:  # not isinstance: an exact class test, and mypy narrows on it
            if self.has_aliases:
                self._visit(node)
            if tag == STR:
                value = node.value
                return _intern(value) if len(value) <= _INTERNED_LENGTH else value
            convert = _SCALARS.get(tag)
            if convert is not None:
                return convert(node.value)
            if tag == INT:
                return _number(yaml.constructor.SafeConstructor.construct_yaml_int, node)
            if tag == FLOAT:
                return _number(yaml.constructor.SafeConstructor.construct_yaml_float, node)
            self._refuse_tag(node)
        if not room:
            raise _LoadError("yaml.too-deep", said("yaml.too-deep", depth=self.limits.max_depth), node.start_mark)
        if not self.has_aliases:
            return self._collection(node, tag, room - 1)
        key = self._visit(node)
        self.active.add(key)
        try:
            return self._collection(node, tag, room - 1)
        finally:
            self.active.discard(key)

    def _collection(self, node: Node, tag: str, room: int) -> Any:
        if node.__class__ is MappingNode and tag == MAP:
            return self._mapping(node, room)
        if node.__class__ is SequenceNode and tag == SEQ:
            return [self.build(child, room) for child in node.value]
        self._refuse_tag(node)

    def _visit(self, node: Node) -> int:
        key = id(node)
        if key in self.built:
            if key in self.active:
                raise _LoadError("yaml.recursive-alias", said("yaml.recursive-alias"), node.start_mark)
            self.alias_nodes += 1
            if self.alias_nodes > self.limits.max_alias_nodes:
                raise _LoadError(
                    "yaml.alias-bomb", said("yaml.alias-bomb", max=self.limits.max_alias_nodes), node.start_mark
                )
        else:
            self.built.add(key)
        return key

    def _mapping(self, node: MappingNode, room: int) -> dict:
        result: dict = {}
        merged: list[dict] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    value = self.build(source, room)
                    if not isinstance(value, dict):
                        raise _LoadError("yaml.merge", said("yaml.merge"), source.start_mark)
                    merged.append(value)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != STR:
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                raise _LoadError("yaml.key", said("yaml.key", shown=repr(shown)), key_node.start_mark)
            key = _intern(key_node.value)
            if key in result:
                self.duplicates.append((key, key_node.start_mark))
            result[key] = self.build(value_node, room)
        for source in merged:  # explicit keys win over merged ones, as YAML specifies
            for key, value in source.items():
                result.setdefault(key, value)
        return result

    @staticmethod
    def _refuse_tag(node: Node) -> NoReturn:
        raise _LoadError("yaml.tag", said("yaml.tag", tag=repr(_short_tag(node.tag))), node.start_mark)


def _may_have_aliases(text: str) -> bool:
    """An alias starts a node: after a line start, white space or a flow indicator.

    Masked phones (138****5678) do not look like one, so the common case stays cheap.
    """
    at = text.find("*")
    while at != -1:
        if at == 0 or text[at - 1] in " \t\r\n[{,":
            return True
        at = text.find("*", at + 1)
    return False


def _line_col(mark: Mark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def compose(text: str) -> Node | None:
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


@dataclass
class RawRecord:
    """A parsed record file: its plain data and its text, for positions on demand."""

    file: str
    text: str
    data: dict

    @cached_property
    def root(self) -> Node | None:
        """The composed node tree (with positions), built again only if not kept from parsing."""
        return compose(self.text)

    def position(self, path: FieldPath, *, at_key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the node at `path`, or of its nearest existing parent."""
        return node_position(self.root, path, at_key=at_key)

    def problem(self, path: FieldPath, message: str | Said, code: str, *, at_key: bool = False) -> Problem:
        """A problem at `path`: `message` is a sentence, or a message said in any language (`Said`)."""
        line, col = self.position(path, at_key=at_key)
        if isinstance(message, Said):
            return Problem.of(self.file, line, col, format_field_path(path), message, code)
        return Problem(self.file, line, col, format_field_path(path), message, code)


def node_position(root: Node | None, path: FieldPath, *, at_key: bool = False) -> tuple[int, int]:
    node, key_node = root, None
    for part in path:
        if isinstance(node, MappingNode):
            for k, v in node.value:
                if isinstance(k, ScalarNode) and k.value == part:
                    node, key_node = v, k
                    break
            else:
                break
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node, key_node = node.value[part], None
        else:
            break
    else:
        if at_key and key_node is not None:
            return _line_col(key_node.start_mark)
    return _line_col(node.start_mark) if node is not None else (1, 1)


def node_path_at(root: Node | None, line: int, col: int) -> FieldPath:
    """The field path of the innermost value node spanning a (1-based) position."""
    target = (line - 1, col - 1)
    path: list[str | int] = []
    node = root
    while node is not None:
        if isinstance(node, MappingNode):
            children = [(k.value, v) for k, v in node.value]
        elif isinstance(node, SequenceNode):
            children = list(enumerate(node.value))
        else:
            break
        for part, child in children:
            start = (child.start_mark.line, child.start_mark.column)
            end = (child.end_mark.line, child.end_mark.column)
            if start <= target < end or start == target:
                path.append(part)
                node = child
                break
        else:
            break
    return tuple(path)


def _offset_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    col = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, col


def parse_text(text: str, file: str, limits: Limits = Limits()) -> RawRecord:
    """Parse record text strictly; raise ProblemError listing what is wrong with it."""

    def fail(code: str, message: Said, mark: Mark | None = None) -> NoReturn:
        line, col = _line_col(mark)
        raise ProblemError([Problem.of(file, line, col, "", message, code)])

    try:
        root = compose(text)
    except (
        yaml.reader.ReaderError,
        UnicodeEncodeError,
    ):  # a character YAML does not allow (libyaml cannot encode a lone surrogate)
        offset, message = _unacceptable_character(text)
        line, col = _text_position(text, offset)
        raise ProblemError([Problem.of(file, line, col, "", message, "yaml.character")]) from None
    except RecursionError:  # only the pure-Python composer recurses; libyaml stops at 1,000 levels itself
        fail("yaml.too-deep", said("yaml.too-deep", depth=limits.max_depth))
    except ComposerError as error:
        if error.context and "single document" in error.context:
            fail("yaml.multiple-documents", said("yaml.multiple-documents"), error.problem_mark)
        fail("yaml.syntax", _yaml_message(error), error.problem_mark)
    except MarkedYAMLError as error:
        fail("yaml.syntax", _yaml_message(error), error.problem_mark)
    except yaml.YAMLError as error:  # any other parser refusal: still a problem, never a traceback
        fail("yaml.syntax", said("yaml.syntax", detail=error))
    if root is None:
        fail("yaml.empty", said("yaml.empty"))
    if not isinstance(root, MappingNode):
        found, found_zh = ("a list", "一个列表") if isinstance(root, SequenceNode) else ("a single value", "单个值")
        fail("yaml.not-mapping", said("yaml.not-mapping", found=found, found_zh=found_zh), root.start_mark)
    builder = _Builder(limits, has_aliases=_may_have_aliases(text))
    try:
        data = builder.build(root, limits.max_depth)
    except _LoadError as error:
        fail(error.code, error.message, error.mark)
    except (ValueError, KeyError) as error:  # a scalar that matched a type but does not convert
        fail("yaml.value", said("yaml.value", error=error))
    if builder.duplicates:
        problems = []
        for key, mark in builder.duplicates:
            line, col = _line_col(mark)
            problems.append(
                Problem.of(file, line, col, key, said("yaml.duplicate-key", key=repr(key)), "yaml.duplicate-key")
            )
        raise ProblemError(problems)
    record = RawRecord(file, text, data)
    record.__dict__["root"] = root  # already composed: reuse it for positions
    return record


def _yaml_message(error: MarkedYAMLError) -> Said:
    parts = [error.context, error.problem]
    return said("yaml.syntax", detail="; ".join(p for p in parts if p))


_CONTROL_NAMES = {  # what the character is called, in English and Chinese
    "\x00": ("a NUL byte", "一个空字节（NUL）"),
    "\x08": ("a backspace", "一个退格符"),
    "\x0b": ("a vertical tab (often pasted from Word)", "一个垂直制表符（常从 Word 粘贴而来）"),
    "\x0c": ("a form feed", "一个换页符"),
    "\x1b": ("an escape character", "一个转义符"),
    "\x7f": ("a delete character", "一个删除符"),
}


def _unacceptable_character(text: str) -> tuple[int, Said]:
    """Offset and description of the first character YAML refuses (the reader's own rule)."""
    match = yaml.reader.Reader.NON_PRINTABLE.search(text)
    char = match.group() if match is not None else ""
    if not char:  # pragma: no cover - the parser refused a character this rule accepts
        what = ("a character YAML does not allow", "一个 YAML 不允许的字符")
    elif "\ud800" <= char <= "\udfff":
        what = (
            "a broken character (a lone surrogate, left by a wrong conversion)",
            "一个残缺的字符（错误转换留下的代理项）",
        )
    elif char in ("\ufffe", "\uffff"):
        what = ("a non-character", "一个非字符码位")
    else:
        what = _CONTROL_NAMES.get(char, ("a control character", "一个控制字符"))
    code = f"{ord(char):04X}" if char else "?"
    return (match.start() if match else 0), said("yaml.character", what=what[0], what_zh=what[1], code=code)


def _text_position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def read_bounded(path: Path, file: str, max_bytes: int, *, inside: str | None = None) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, or ProblemError saying why not.

    Every file plaincrm reads from a repository comes through here. A FIFO would block
    forever and a device (a symlink to /dev/zero) never ends, so only regular files are
    opened, and at most `max_bytes + 1` bytes are read whatever the file claims. Symbolic
    links are refused outright (O_NOFOLLOW): git stores a link as its target path, so a
    reviewer never sees what it would make plaincrm read, and what it reads would differ
    from machine to machine. `inside` (a real path ending in a separator) also refuses a
    file reached through a linked folder that leads out of the repository.
    """

    def refuse(code: str, message: Said):
        raise ProblemError([Problem.of(file, 1, 1, "", message, code)])

    try:
        before = os.lstat(path)
        if stat.S_ISLNK(before.st_mode):
            refuse("file.symlink", said("file.symlink", target=os.readlink(path)))
        if not stat.S_ISREG(before.st_mode):
            kind, kind_zh = _file_kind(before.st_mode)
            refuse("file.not-regular", said("file.not-regular", kind=kind, kind_zh=kind_zh))
        fd = os.open(
            path,
            os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0),
        )
    except OSError as error:
        refuse("file.read", said("file.read", error=error.strerror))
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            refuse("file.changed", said("file.changed"))
        if inside is not None and not _real_path(fd, path).startswith(inside):
            refuse("file.outside", said("file.outside"))
        if opened.st_size > max_bytes:
            refuse("file.too-large", said("file.too-large", size=f"{opened.st_size:,}", max=f"{max_bytes:,}"))
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        refuse("file.read", said("file.read", error=error.strerror))
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:  # it grew after fstat
        refuse("file.too-large", said("file.grew-too-large", max=f"{max_bytes:,}"))
    return data


MAX_SIZE_MESSAGE = AT_MOST[0].replace("{max}", "{:,}")  # the limit in words for a record a write would make


def _file_kind(mode: int) -> tuple[str, str]:
    for test, name in (
        (stat.S_ISDIR, ("a folder", "一个文件夹")),
        (stat.S_ISFIFO, ("a named pipe (FIFO)", "一个命名管道（FIFO）")),
        (stat.S_ISSOCK, ("a socket", "一个套接字")),
        (stat.S_ISCHR, ("a device", "一个设备")),
        (stat.S_ISBLK, ("a device", "一个设备")),
    ):
        if test(mode):
            return name
    return ("a special file", "一个特殊文件")


def real_prefix(folder: Path) -> str:
    """`folder`'s real path ending in a separator: the `inside` of `read_bounded`."""
    return os.path.join(os.path.realpath(folder), "")


def _real_path(fd: int, path: Path) -> str:
    """Where an open file really is: from the descriptor where the system tells (Linux), else resolved."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)


def decode_record(raw: bytes, file: str, limits: Limits = Limits()) -> RawRecord:
    """Parse a record file's bytes: UTF-8 (a BOM allowed), then `parse_text`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _offset_position(raw, error.start)
        raise ProblemError(
            [Problem.of(file, line, col, "", said("file.encoding", byte=f"{raw[error.start]:02x}"), "file.encoding")]
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_text(text, file, limits)


def read_record(path: Path, file: str, limits: Limits = Limits(), *, inside: str | None = None) -> RawRecord:
    """Read (`read_bounded`) and parse one record file."""
    return decode_record(read_bounded(path, file, limits.max_file_bytes, inside=inside), file, limits)
