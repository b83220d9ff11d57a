"""Safe YAML loading that remembers where every value came from.

Why not ``yaml.load``: a consultant's typo must be reported at its line and column, and a hostile
or careless file must never execute anything, balloon memory, or be read differently by Ferry
than by the consultant's editor. So Ferry builds values itself from ruamel.yaml's *event stream*:

- positions for every key and value (``SourceMap``), so later stages can locate JSON paths;
- YAML 1.2 core-schema scalars (``NO`` is a string, ``010`` is ten), and every plain scalar that
  YAML 1.1 would read differently (``NO``, ``on``, ``2024-01-01``, ``0b1``) is reported: quote it;
- a plain number whose value does not spell back to what was written (``1.10`` is 1.1, ``1e3``
  is 1000.0, ``+5`` is 5, ``0x1F`` is 31) is reported too: Ferry refuses rather than keep the
  source text, so it never reads a file differently from every other YAML tool (editors,
  linters, ``yq``), and ``1.10`` never silently becomes 1.1. Where the schema wants text, a
  number, boolean or null is a type error that quotes the source text and says to quote it;
- refused outright: ``%YAML``/``%TAG`` directives, any explicit tag (``!!python/...``,
  ``!!binary``, ``!custom``), several documents, duplicate keys (at the second one), non-string
  keys, nesting deeper than ``MAX_DEPTH``, alias expansion beyond ``MAX_ALIAS_NODES`` (billion
  laughs), files over ``MAX_BYTES``, and bytes that are not UTF-8.
"""

from __future__ import annotations

import io
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import field

from engine import diskcache
from engine.errors import Location, Problem
from engine.load import fastparse
from engine.load.scalars import lossy_number, read_plain

if TYPE_CHECKING:
    from ruamel.yaml import events as ev
    from ruamel.yaml.error import YAMLError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_ALIAS_NODES = 10_000

JsonPath = tuple[str | int, ...]


class SourceMap(msgspec.Struct):
    """Where each value (and each mapping key) of a loaded document starts."""

    file: str
    values: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    plain_scalars: set[JsonPath] = field(default_factory=set)
    plain_text: dict[JsonPath, str] = field(default_factory=dict)
    """The source text of each plain scalar YAML read as a number, boolean or null (``1.10``,
    ``~``), so an error about it quotes what the consultant wrote, not Python's reading."""

    def locate(self, path: JsonPath, *, key: bool = False) -> Location:
        """The location of ``path`` (its key when ``key``), else of its nearest ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while True:
            if probe in table:
                line, col = table[probe]
                return Location(self.file, line, col)
            if probe in self.values:
                line, col = self.values[probe]
                return Location(self.file, line, col)
            if not probe:
                return Location(self.file, 1, 1)
            probe = probe[:-1]

    def locate_inside(self, path: JsonPath, column: int) -> Location:
        """The location of a 0-based column inside a scalar (quoted scalars start one later)."""
        base = self.locate(path)
        shift = 0 if path in self.plain_scalars else 1
        return Location(base.file, base.line, base.column + shift + column)


class Loaded(msgspec.Struct):
    """A loaded document: plain Python data plus its source map, or the problems found."""

    data: Any
    source: SourceMap
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""
    """The text's identity (``engine.diskcache.key`` of it), for results kept on disk about
    it (``engine.check.specfile``'s verdicts); empty when unknown."""


def json_path(path: JsonPath) -> str:
    """Render a path tuple as a JSON path (``$.fields[2].from``)."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


# --- the builder -------------------------------------------------------------------------------


class _Refused(Exception):
    """Stops loading at the first structural refusal; carries the problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _Frame(msgspec.Struct):
    path: JsonPath
    container: Any
    anchor: str | None
    pending_key: str | None = None
    size: int = 1


class _Builder:
    """Turns YAML events into plain data, a source map and ambiguity problems.

    ``vouching``: the events come from libyaml (``engine.load.fastparse``), so what it may read
    otherwise than the reference parser raises ``fastparse.Unvouched`` instead of being built."""

    def __init__(self, file: str, exact_numbers: bool = False, *, vouching: bool = False) -> None:
        self.file = file
        self.vouching = vouching
        self.exact_numbers = exact_numbers  # data files: a decimal is read as written
        self.source = SourceMap(file)
        self.problems: list[Problem] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.alias_count = 0
        self.alias_nodes = 0
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        self._handlers: dict[type, Any] = {}  # event class -> its ``on_`` function, or None

    def loc(self, event: Any) -> Location:
        mark = event.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def refuse(
        self,
        event: Any,
        code: str,
        message: str,
        hint: str | None = None,
        path: JsonPath | None = None,
    ) -> None:
        if path is None:
            path = self._next_path() if self.stack else ()
        raise _Refused(
            Problem(self.loc(event), message, json_path(path), code=code, hint=hint, rank=0)
        )

    def _next_path(self) -> JsonPath:
        top = self.stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container))
        return (*top.path, top.pending_key) if top.pending_key is not None else top.path

    def feed(self, event: Any) -> None:
        kind = type(event)
        try:
            handler = self._handlers[kind]
        except KeyError:  # the handler of each event class is looked up once per document
            handler = self._handlers[kind] = getattr(_Builder, f"on_{kind.__name__}", None)
        if handler is not None:
            handler(self, event)

    def on_DocumentStartEvent(self, event: ev.DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents > 1:
            self.refuse(
                event,
                "yaml.multiple-documents",
                "a spec file holds exactly one document; found a second one",
                "split it into separate files",
            )
        if getattr(event, "version", None) or getattr(event, "tags", None):
            self.refuse(
                event,
                "yaml.directive",
                "YAML directives (%YAML, %TAG) are not allowed in Ferry files",
                "delete the directive line; Ferry always reads YAML 1.2",
            )

    def _check_tag(self, event: Any) -> None:
        tag = getattr(event, "tag", None)
        if tag is not None and self.vouching:
            raise fastparse.Unvouched("an explicit tag")
        if tag is not None and str(tag) not in ("", "!"):
            self.refuse(
                event,
                "yaml.tag",
                f"explicit YAML tags are not allowed (found {tag!s})",
                "remove the tag; write the value as plain YAML",
            )

    def on_ScalarEvent(self, event: ev.ScalarEvent) -> None:
        if getattr(event, "tag", None) is not None:
            self._check_tag(event)
        text = event.value
        style = event.style or None  # libyaml says '' for plain, ruamel None
        if style is None and self.vouching and not text:
            raise fastparse.Unvouched("an empty value")  # each parser places it elsewhere
        if style is None:
            value, reading = read_plain(text)
            if self.exact_numbers and isinstance(value, float) and value - value == 0:
                value = Decimal(text)  # 10.50 stays 10.50, as the JSON readers keep it
        elif style == ">":  # ruamel's round-trip parser marks each fold with BEL
            value, reading = text.replace("\a", ""), None
        else:
            value, reading = text, None
        path: JsonPath = ()
        if self.stack:  # ``_expecting_key`` and ``_next_path``, inline: once per scalar
            top = self.stack[-1]
            if isinstance(top.container, list):
                path = (*top.path, len(top.container))
            elif top.pending_key is None:
                self._take_key(event, value, text, reading)
                return
            else:
                path = (*top.path, top.pending_key)
        if style is None:
            self.source.plain_scalars.add(path)
            if not isinstance(value, str):
                self.source.plain_text[path] = text
        if reading is not None:
            self._report_ambiguous(event, path, text, value, reading)
        elif style is None and lossy_number(text, value):
            self._report_lossy(event, path, text, value)
        self._place(event, value, 1, path)

    def _report_ambiguous(
        self, event: Any, path: JsonPath, text: str, value: Any, reading: str
    ) -> None:
        now = "the string" if isinstance(value, str) else f"the number {value}"
        self.problems.append(
            Problem(
                self.loc(event),
                f"'{text}' is ambiguous: YAML 1.2 reads {now}, YAML 1.1 (and many editors) "
                f"{reading}",
                json_path(path),
                code="yaml.ambiguous",
                hint=f'quote it ("{text}") if you mean text; write the exact value otherwise',
                rank=5,
            )
        )

    def _report_lossy(self, event: Any, path: JsonPath, text: str, value: Any) -> None:
        self.problems.append(
            Problem(
                self.loc(event),
                f"'{text}' reads as the number {value!r}, which is not what is written",
                json_path(path),
                code="yaml.ambiguous",
                hint=f'quote it ("{text}") if you mean text; write {value!r} for the number',
                rank=5,
            )
        )

    def _expecting_key(self) -> bool:
        top = self.stack[-1]
        return isinstance(top.container, dict) and top.pending_key is None

    def _take_key(self, event: Any, value: Any, text: str, reading: str | None) -> None:
        top = self.stack[-1]
        if not isinstance(value, str) or reading:
            if isinstance(value, str):
                key_path = (*top.path, value)
                self._report_ambiguous(event, key_path, text, value, reading or "")
            else:
                self.refuse(
                    event,
                    "yaml.key-type",
                    f"mapping keys must be strings; '{text}' reads as {type(value).__name__}",
                    f'quote it ("{text}")',
                )
        key = str(value)
        if key in top.container:
            first = self.source.keys.get((*top.path, key))
            where = f" (first defined at line {first[0]})" if first else ""
            self.refuse(
                event,
                "yaml.duplicate-key",
                f"duplicate key '{key}'{where}",
                "each key may appear once in a mapping",
                path=(*top.path, key),
            )
        top.pending_key = key
        mark = event.start_mark
        self.source.keys[(*top.path, key)] = (mark.line + 1, mark.column + 1)

    def _place(self, event: Any, value: Any, size: int, path: JsonPath) -> None:
        mark = event.start_mark
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.root = value
            self.source.values[()] = (mark.line + 1, mark.column + 1)
            return
        top = self.stack[-1]
        self.source.values.setdefault(path, (mark.line + 1, mark.column + 1))
        if isinstance(top.container, list):
            top.container.append(value)
        else:
            top.container[top.pending_key] = value
            top.pending_key = None
        top.size += size

    def _open(self, event: Any, container: Any) -> None:
        self._check_tag(event)
        if len(self.stack) >= MAX_DEPTH:
            self.refuse(
                event,
                "yaml.depth",
                f"nesting deeper than {MAX_DEPTH} levels",
                "flatten the structure",
            )
        if self.stack and self._expecting_key():
            self.refuse(event, "yaml.key-type", "mapping keys must be strings, not collections")
        path = self._next_path() if self.stack else ()
        mark = event.start_mark
        self.source.values.setdefault(path, (mark.line + 1, mark.column + 1))
        self.stack.append(_Frame(path, container, getattr(event, "anchor", None)))

    def _close(self, event: Any) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.container, frame.size)
        if not self.stack:
            self.root = frame.container
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(frame.container)
        else:
            top.container[top.pending_key] = frame.container
            top.pending_key = None
        top.size += frame.size

    def on_MappingStartEvent(self, event: ev.MappingStartEvent) -> None:
        self._open(event, {})

    def on_SequenceStartEvent(self, event: ev.SequenceStartEvent) -> None:
        self._open(event, [])

    def on_MappingEndEvent(self, event: ev.MappingEndEvent) -> None:
        self._close(event)

    def on_SequenceEndEvent(self, event: ev.SequenceEndEvent) -> None:
        self._close(event)

    def on_AliasEvent(self, event: ev.AliasEvent) -> None:
        if self.vouching:
            raise fastparse.Unvouched("an alias")
        self.alias_count += 1
        if self.alias_count > MAX_ALIASES:
            self.refuse(
                event,
                "yaml.aliases",
                f"more than {MAX_ALIASES} aliases",
                "write the values out; aliases are for small repeats",
            )
        if self.stack and self._expecting_key():
            self.refuse(event, "yaml.key-type", "aliases cannot be used as mapping keys")
        if event.anchor not in self.anchors:
            self.refuse(
                event,
                "yaml.alias-undefined",
                f"the alias '*{event.anchor}' names no anchor defined before it",
                f"define '&{event.anchor}' on a value above, or write the value out",
            )
        value, size = self.anchors[event.anchor]
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            self.refuse(
                event,
                "yaml.alias-bomb",
                f"aliases expand to more than {MAX_ALIAS_NODES} values (an alias bomb?)",
                "write the values out",
            )
        self._place(event, value, size, self._next_path() if self.stack else ())


def _decode(raw: bytes, file: str) -> str | Problem:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return Problem(
            Location(file, line, column),
            f"the file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded",
            code="yaml.encoding",
            hint="save the file as UTF-8",
            rank=0,
        )


def _parse_problem(exc: YAMLError, file: str) -> Problem:
    from ruamel.yaml.error import MarkedYAMLError

    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if isinstance(exc, MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        message = "YAML syntax error: " + "; ".join(parts)
    else:
        message = f"YAML syntax error: {exc}"
    return Problem(Location(file, line, column), message, code="yaml.syntax", rank=0)


def load_text(text: str, file: str = "<string>", *, exact_numbers: bool = False) -> Loaded:
    """Load one YAML document from text. Problems are returned, never raised.

    A text loaded before under the same name is not parsed again: parsing is the slowest step
    of loading a spec, the result depends only on the text, and a settings file is loaded by
    every mapping that names it. The data is a copy (callers may change it); the source map is
    shared (it is only read). ``exact_numbers`` (record files, not specs) reads a decimal number
    as the ``Decimal`` it spells, as the JSON readers do, instead of refusing ``10.50``."""
    if len(text) > _CACHED_TEXT_MAX:
        return _parse(text, file, exact_numbers)
    done = _parse_cached(text, exact_numbers, file)
    if done.source.file != file:
        if done.problems:  # their locations name the other file: parse again under this name
            done = _parse(text, file, exact_numbers)
        else:  # the same text under another name (the other side of a diff): same positions
            src = done.source
            same = SourceMap(file, src.values, src.keys, src.plain_scalars, src.plain_text)
            done = Loaded(done.data, same, digest=done.digest)
    return Loaded(_copied(done.data), done.source, list(done.problems), done.digest)


_CACHED_TEXT_MAX = 256 * 1024  # with 64 entries: at most 16 MB of text kept


_PARSED: dict[tuple[str, bool], Loaded] = {}  # oldest first; at most _PARSED_MAX kept
_PARSED_MAX = 64
_PARSED_LOCK = threading.Lock()


def _parse_cached(text: str, exact_numbers: bool, file: str) -> Loaded:
    """The parse of a text, kept by text (the least recently used dropped first), under the
    name of the first file it was read from: the same text read again from another file (the
    unchanged files of a ``ferry diff`` of two folders) is not parsed again."""
    key = (text, exact_numbers)
    with _PARSED_LOCK:
        done = _PARSED.pop(key, None)
        if done is not None:
            _PARSED[key] = done
            return done
    done = _parse(text, file, exact_numbers)
    with _PARSED_LOCK:
        _PARSED[key] = done
        while len(_PARSED) > _PARSED_MAX:
            del _PARSED[next(iter(_PARSED))]
    return done


def forget_parses() -> None:
    """Empty the cache of parsed texts (the benchmark's "new text" loads)."""
    with _PARSED_LOCK:
        _PARSED.clear()


def _copied(value: Any) -> Any:
    """A copy of loaded data, for callers that change what they load (a tenth of
    ``copy.deepcopy``'s time: loaded data holds only dicts, lists and immutable scalars)."""
    if value.__class__ is dict:
        return {key: _copied(item) for key, item in value.items()}
    if value.__class__ is list:
        return [_copied(item) for item in value]
    return value


def _parse(text: str, file: str, exact_numbers: bool = False) -> Loaded:
    """Parse with libyaml where it reads the text as the reference parser does, else with
    ruamel's pure-Python parser (which also words and places every refusal and syntax error).

    A text parsed without a problem is kept on disk (``engine.diskcache``), keyed by the text
    and by the version of Ferry's code: the next process that loads it reads the result back
    (about a hundredth of the parse) and never imports the YAML library. A text with problems
    is parsed every time (its problems name its file and are rare)."""
    digest = diskcache.key(text, "exact" if exact_numbers else "")
    entry = diskcache.key(digest, diskcache.engine_stamp())
    kept = diskcache.load("parse", entry)
    if kept is not None:
        data, values, keys, plain_scalars, plain_text = kept
        return Loaded(data, SourceMap(file, values, keys, plain_scalars, plain_text), [], digest)
    done = parse_fast(text, file, exact_numbers) or parse_reference(text, file, exact_numbers)
    done.digest = digest
    if not done.problems:
        src = done.source
        kept = (done.data, src.values, src.keys, src.plain_scalars, src.plain_text)
        diskcache.store("parse", entry, kept)
    return done


def parse_fast(text: str, file: str, exact_numbers: bool = False) -> Loaded | None:
    """The document built from libyaml's events, or None when they cannot vouch for it: the
    text or an event is one where the two parsers may differ, or it is refused or broken."""
    if not fastparse.fits(text):
        return None
    builder = _Builder(file, exact_numbers, vouching=True)
    try:
        for event in fastparse.events(text):
            builder.feed(event)
    except (fastparse.Unvouched, _Refused):
        return None
    if builder.documents != 1:
        return None
    return Loaded(builder.root, builder.source, builder.problems)


def parse_reference(text: str, file: str, exact_numbers: bool = False) -> Loaded:
    """Parse with ruamel's pure-Python parser: the reference, whatever libyaml would say."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    builder = _Builder(file, exact_numbers)
    # The safe parser: the round-trip one also collects comments, which costs a third of the
    # parse and which Ferry never reads (the events are otherwise the same).
    yaml = YAML(typ="safe", pure=True)
    try:
        for event in yaml.parse(io.StringIO(text)):
            builder.feed(event)
    except _Refused as refused:
        return Loaded(None, builder.source, [refused.problem])
    except YAMLError as exc:
        return Loaded(None, builder.source, [_parse_problem(exc, file)])
    if builder.documents == 0:
        problem = Problem(Location(file, 1, 1), "the file is empty", code="yaml.empty", rank=0)
        return Loaded(None, builder.source, [problem])
    return Loaded(builder.root, builder.source, builder.problems)


def load_path(path: Path, display: str | None = None, *, exact_numbers: bool = False) -> Loaded:
    """Load one YAML file, refusing oversized or non-UTF-8 files before parsing."""
    file = display or str(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        problem = Problem(
            Location(file, 1, 1),
            f"the file is {size:,} bytes; Ferry reads files up to {MAX_BYTES:,} bytes",
            code="yaml.too-large",
            hint="split it into several files",
            rank=0,
        )
        return Loaded(None, SourceMap(file), [problem])
    text = _decode(path.read_bytes(), file)
    if isinstance(text, Problem):
        return Loaded(None, SourceMap(file), [text])
    return load_text(text, file, exact_numbers=exact_numbers)
