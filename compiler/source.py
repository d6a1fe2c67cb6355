"""Loading YAML/JSON with positions.

ruamel's C composer (libyaml) reads the text into nodes that keep their marks; we turn
those nodes into plain Python data whose containers and strings remember where they came
from (`YMap`, `YSeq`, `YStr`). The round-trip loader would give positions too, but is ten
times slower; the composer is the fastest reader that keeps marks.

Hostile input is stopped before the C composer sees it where it would crash (deep flow
nesting segfaults libyaml's recursive composer) and before our own conversion where it
would explode (alias bombs).
"""

from __future__ import annotations

import bisect
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

from plait.grammar.limits import SURROGATE, without_surrogates

from .diagnostics import Message, Severity, Span
from .kinds import KINDS, misspelt_kind

MAX_DEPTH = 400              # far beyond any real workflow; protects recursion
MAX_FLOW_DEPTH = 1000        # libyaml segfaults somewhere above 20,000
MAX_INDENT = 4000            # block nesting is bounded by indentation
MAX_NODES = 2_000_000        # expanded nodes per document (alias bombs)
MAX_ALIAS_BYTES = 64 << 20   # scalar text that aliases may add beyond the file's own size


# --- messages ---------------------------------------------------------------------------

@dataclass(frozen=True)
class UnreadableFile(Message):
    """What: the file cannot be read or is not UTF-8 text.

    Why: a workflow must be UTF-8 YAML or JSON. Fix: save it as UTF-8.
    """

    code = "PL100"
    hint = "save the file as UTF-8 text"
    reason: str = ""

    def text(self) -> str:
        return f"cannot read file: {self.reason}"


@dataclass(frozen=True)
class YamlSyntax(Message):
    """What: the YAML (or JSON) text does not parse.

    Why: Argo rejects the file at submit. Fix: correct the syntax at the position shown.
    Example: an unclosed quote, a missing `:`, bad indentation.
    """

    code = "PL101"
    hint = "fix the YAML syntax at this position"
    problem: str = ""

    def text(self) -> str:
        return f"YAML syntax error: {self.problem}"


@dataclass(frozen=True)
class DuplicateKey(Message):
    """What: a mapping repeats a key.

    Why: strict decoding (`argo lint`, the Kubernetes API server) rejects duplicate keys;
    lax YAML readers silently keep the last value. Fix: merge the two entries.
    """

    code = "PL102"
    key: str = ""
    first_line: int = 0

    def text(self) -> str:
        return f"duplicate key {self.key!r} (first defined on line {self.first_line})"

    def hint_text(self) -> str | None:
        return f"merge this entry with the one on line {self.first_line}, or remove one"


@dataclass(frozen=True)
class TabIndent(Message):
    """What: a tab character where YAML expects spaces.

    Why: YAML forbids tabs for indentation; the file does not parse. Fix: use spaces.
    """

    code = "PL103"
    hint = "indent with spaces; YAML does not allow tabs"

    def text(self) -> str:
        return "tab character in indentation"


@dataclass(frozen=True)
class HostileYaml(Message):
    """What: the document nests too deeply or expands too many aliases.

    Why: such input makes YAML readers crash or run out of memory (a "billion laughs"
    alias bomb, thousands of nested brackets). plait stops before reading it.
    Fix: flatten the structure; avoid aliases that reference other aliases.
    """

    code = "PL104"
    hint = "simplify the document: no real workflow nests or expands this much"
    reason: str = ""

    def text(self) -> str:
        return f"document refused: {self.reason}"


@dataclass(frozen=True)
class UnquotedTemplate(Message):
    """What: an unquoted `{{...}}` that YAML reads as a mapping.

    Why: `args: [{{inputs.parameters.x}}]` or `value: {{x}}` is a flow mapping inside a
    flow mapping to YAML, not a string; Argo then fails with a confusing type error.
    Fix: quote it (`"{{inputs.parameters.x}}"`) or use plait's `<<inputs.parameters.x>>`,
    which needs no quotes.
    """

    code = "PL105"
    hint = 'quote it ("{{...}}") or write <<...>>, which needs no quotes'

    def text(self) -> str:
        return "unquoted {{...}} is read by YAML as a mapping, not a string"


# --- located data -----------------------------------------------------------------------

class SourceText:
    """The text of one file with a line index, to turn character offsets into spans."""

    __slots__ = ("name", "text", "_line_starts")

    def __init__(self, name: str, text: str):
        self.name = name
        self.text = text
        self._line_starts: list[int] | None = None

    def line_starts(self) -> list[int]:
        """Offsets where each line starts, computed once (diagnostics stay linear)."""
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._line_starts

    def position(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of a 0-based character offset."""
        starts = self.line_starts()
        line = bisect.bisect_right(starts, index) - 1
        return line + 1, index - starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(max(end, start))
        return Span(self.name, line, col, end_line, end_col)

    def line_text(self, line: int) -> str:
        starts = self.line_starts()
        if not 1 <= line <= len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1]:end]


def _span(src: "SourceText", node: Any) -> Span:
    """The span of a composed node (or of anything with `start_mark`/`end_mark`)."""
    sm, em = node.start_mark, node.end_mark
    return Span(src.name, sm.line + 1, sm.column + 1, em.line + 1, em.column + 1)


@dataclass(frozen=True)
class _Mark:
    line: int       # 0-based, as libyaml's marks
    column: int
    index: int


class Marks(NamedTuple):
    """A stand-in for a composed node's marks where there is no node (made-up data)."""

    start_mark: _Mark
    end_mark: _Mark

    @classmethod
    def of(cls, span: Span) -> "Marks":
        return cls(_Mark(span.line - 1, span.col - 1, 0), _Mark(span.end_line - 1, span.end_col - 1, 0))


class YStr(str):
    """A string from the file that knows its span and where its raw text lies.

    It keeps its composed node and computes the span only when asked: a loader makes one
    YStr per scalar, and almost none of them is ever reported.
    """

    __slots__ = ("_node", "_src")
    _node: Any              # the composed node, or `Marks`
    _src: SourceText

    @property
    def span(self) -> Span:
        return _span(self._src, self._node)

    @property
    def style(self) -> str | None:
        return getattr(self._node, "style", None)

    @property
    def start(self) -> int:
        return self._node.start_mark.index

    @property
    def end(self) -> int:
        return self._node.end_mark.index

    @property
    def source(self) -> "SourceText":
        return self._src

    def locate(self, start: int, end: int) -> Span:
        """The span in the file of characters `start:end` of this string's value.

        A one-line quoted scalar is decoded again character by character (escapes such as
        `\\"` or `''` make the value shorter than its text), so offsets map exactly. Plain
        and block scalars keep tags verbatim unless line folding sits inside them, so the
        raw text is searched for the fragment; if it cannot be found, the whole scalar's
        span is the honest answer.
        """
        src = self._src
        if not src.text:
            return self.span
        raw = src.text[self.start:self.end]
        offsets = _quoted_offsets(raw, self.style) if self.style in ("'", '"') else None
        if offsets is not None and len(offsets) == len(self) + 1:
            first = offsets[min(start, len(self))]
            last = offsets[min(max(end, start), len(self))]
            return src.span(self.start + first, self.start + last)
        fragment = str(self[start:end]) or str(self[start:start + 1])
        nth = str(self[:start]).count(fragment) if fragment else 0
        pos = -1
        for _ in range(nth + 1):
            pos = raw.find(fragment, pos + 1) if fragment else -1
            if pos < 0:
                break
        if pos < 0 and "\n" in fragment:
            head = fragment.split("\n", 1)[0]
            pos = raw.find(head) if head else -1
        if pos < 0:
            return self.span
        return src.span(self.start + pos, self.start + pos + (end - start))


_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _quoted_offsets(raw: str, style: str) -> list[int] | None:
    """For each character of a one-line quoted scalar's value, its offset in `raw` (the
    scalar's text, quotes included), plus one past the end; None for multi-line ones."""
    if "\n" in raw or len(raw) < 2:
        return None
    offsets = []
    i, stop = 1, len(raw) - 1
    while i < stop:
        offsets.append(i)
        if style == "'" and raw.startswith("''", i):
            i += 2
        elif style == '"' and raw[i] == "\\":
            i += _ESCAPE_LENGTH.get(raw[i + 1:i + 2], 2)
        else:
            i += 1
    offsets.append(stop)
    return offsets


def ystr(value: str, node: Any, source: "SourceText") -> YStr:
    """A located string: `node` is the composed node (or `Marks`) it came from."""
    s = YStr(value)
    s._node, s._src = node, source
    return s


class YMap(dict):
    """A mapping that keeps its node and, per key, the key's and the value's nodes, so it
    can give the span of itself, of each key and of each value (computed when asked)."""

    __slots__ = ("_node", "_src", "_nodes")
    _node: Any
    _src: SourceText
    _nodes: dict[str, tuple[Any, Any]]   # key -> (key node, value node)

    @classmethod
    def empty(cls, span: Span) -> "YMap":
        m = cls()
        m._node, m._src, m._nodes = Marks.of(span), SourceText(span.file, ""), {}
        return m

    @property
    def span(self) -> Span:
        return _span(self._src, self._node)

    def key_span(self, key: str) -> Span:
        pair = self._nodes.get(key)
        return _span(self._src, pair[0]) if pair else self.span

    def value_span(self, key: str) -> Span:
        pair = self._nodes.get(key)
        return _span(self._src, pair[1]) if pair else self.span


class YSeq(list):
    """A sequence that keeps its node and its items' nodes (spans computed when asked)."""

    __slots__ = ("_node", "_src")
    _node: Any
    _src: SourceText

    @property
    def span(self) -> Span:
        return _span(self._src, self._node)

    def item_span(self, index: int) -> Span:
        items = self._node.value
        return _span(self._src, items[index]) if 0 <= index < len(items) else self.span


def span_of(value: Any, default: Span) -> Span:
    """The span of any loaded value, or `default` for values that cannot carry one."""
    return getattr(value, "span", None) or default


@dataclass
class Document:
    """One workflow document of a file."""

    source: SourceText
    data: YMap
    index: int                      # 0-based position among the file's documents

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        meta = self.data.get("metadata")
        if isinstance(meta, dict):
            return str(meta.get("name") or meta.get("generateName") or "")
        return ""


@dataclass
class LoadedFile:
    """The result of loading one file: its workflow documents and the messages met."""

    source: SourceText
    documents: list[Document] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    yaml_documents: int = 0         # all YAML documents, workflow kinds or not


# --- loading ----------------------------------------------------------------------------

STDIN = "-"                 # the path that means standard input (`plait check -`)
STDIN_NAME = "<stdin>"


def load_file(path: str, display_name: str | None = None) -> LoadedFile:
    """Read a YAML or JSON file (`-`: standard input) into located documents of the four
    workflow kinds."""
    name = display_name or (STDIN_NAME if path == STDIN else path)
    try:
        if path == STDIN:
            raw = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                raw = fh.read()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        src = SourceText(name, "")
        return LoadedFile(src, messages=[UnreadableFile(Span(name, 1, 1, 1, 2), reason=str(exc))])
    return load_text(text, name)


_FLOW_CHARS = re.compile(r"[\[\]{}]")
_INDENT = re.compile(r"^( *)\S", re.M)
_DASHES = re.compile(r"(?:-[ \t]+){200,}")


def _refuse(src: SourceText) -> Message | None:
    """Find nesting that would crash or exhaust the reader, before the reader sees it."""
    text = src.text
    depth = deepest = 0
    if "[" in text or "{" in text:
        for m in _FLOW_CHARS.finditer(text):
            if m.group() in "[{":
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > MAX_FLOW_DEPTH:
                        return HostileYaml(src.span(m.start(), m.start() + 1),
                                           reason=f"brackets nest more than {MAX_FLOW_DEPTH} deep")
            else:
                depth = max(depth - 1, 0)
    for m in _INDENT.finditer(text):
        if len(m.group(1)) > MAX_INDENT:
            return HostileYaml(src.span(m.start(), m.start() + 1),
                               reason=f"indentation deeper than {MAX_INDENT} columns")
    dashes = _DASHES.search(text)
    if dashes:
        return HostileYaml(src.span(dashes.start(), dashes.start() + 1),
                           reason="sequences nest too deeply")
    return None


def load_text(text: str, name: str = "<string>") -> LoadedFile:
    """Load YAML/JSON text; never raises for bad input, reports messages instead."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    src = SourceText(name, text)
    result = LoadedFile(src)
    refused = _refuse(src)
    if refused:
        result.messages.append(refused)
        return result
    try:
        nodes = _compose(YAML, text)
    except MarkedYAMLError as exc:
        result.messages.append(_syntax_message(src, exc))
        return result
    except YAMLError as exc:  # unmarked reader errors (e.g. control characters)
        result.messages.append(YamlSyntax(Span(name, 1, 1, 1, 2), problem=str(exc).strip()))
        return result
    result.yaml_documents = len(nodes)
    for index, node in enumerate(nodes):
        if node is None:
            continue
        builder = _Builder(src)
        try:
            # only aliases can make the expanded document larger than the text
            if "*" in text:
                reason = _alias_bomb(builder.size(node, 0), len(text))
                if reason:
                    result.messages.append(HostileYaml(builder.span(node), reason=reason))
                    continue
            data = builder.build(node, 0)
        except _TooDeep as exc:
            result.messages.append(HostileYaml(exc.span, reason=f"nesting deeper than {MAX_DEPTH}"))
            continue
        if not isinstance(data, YMap) or data.get("kind") not in KINDS:
            result.messages.extend(misspelt_kind(data))
            continue
        result.messages.extend(builder.messages)
        result.documents.append(Document(src, data, index))
    return result


def _alias_bomb(size: tuple[int, int], text_size: int) -> str | None:
    """Why an expanded document is refused (too many nodes or characters), else None."""
    nodes, chars = size
    if nodes > MAX_NODES:
        return f"aliases expand to more than {MAX_NODES:,} nodes"
    if chars > text_size + MAX_ALIAS_BYTES:
        return f"aliases expand to {chars:,} characters of text"
    return None
def _compose(yaml_class: Any, text: str) -> list:
    """The composed documents, by the fast C reader or, where it refuses, the pure one.

    libyaml rejects some valid YAML that Go's yaml (Argo), PyYAML and ruamel's pure reader
    accept: `args: [https://catfact.ninja/fact]` ("found unexpected ':'"). A syntax error is
    reported only where both readers agree (with the C reader's wording and position).
    """
    from ruamel.yaml.error import YAMLError

    try:
        return list(yaml_class(typ="safe", pure=False).compose_all(text))
    except YAMLError as fast_error:
        try:
            return list(yaml_class(typ="safe", pure=True).compose_all(text))
        except (YAMLError, RecursionError):
            raise fast_error from None


def _syntax_message(src: SourceText, exc: Any) -> Message:
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and "quoted scalar" in (exc.context or ""):
        mark = exc.context_mark     # an unclosed quote: point where the scalar starts
    elif exc.problem_mark is not None:
        runaway = _runaway_quote(src.text, exc.problem_mark.line)
        if runaway is not None:     # a quote closed lines later, by the next quote
            span = Span(src.name, runaway.line + 1, runaway.column + 1,
                        runaway.line + 1, runaway.column + 2)
            return YamlSyntax(span, problem=f"this quote is not closed on its line: the quoted "
                                            f"text runs on to line {exc.problem_mark.line + 1}, "
                                            f"where {exc.problem.strip()}")
    if mark is not None:
        line, col = mark.line + 1, mark.column + 1
    else:
        line, col = 1, 1
    span = Span(src.name, line, col, line, col + 1)
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    text_line = src.line_text(line)
    if "\t" in problem or "'\\t'" in problem or (col <= len(text_line) and text_line[col - 1:col] == "\t"):
        return TabIndent(span)
    tag_at = _unquoted_tag_on(text_line)
    if tag_at is not None:
        return UnquotedTemplate(Span(src.name, line, tag_at + 1, line, tag_at + 3))
    if mark is exc.context_mark and exc.problem_mark is not None and exc.problem:
        where = exc.problem_mark.line + 1
        problem = f"this quote is not closed ({exc.problem.strip()} on line {where})"
    elif exc.context and exc.problem and exc.context_mark is not None and exc.problem_mark is not None:
        problem = f"{exc.problem.strip()} ({exc.context.strip()} on line {exc.context_mark.line + 1})"
    return YamlSyntax(span, problem=problem)


def _runaway_quote(text: str, line: int) -> Any:
    """The start mark of a quoted scalar that spans lines and ends on `line` (0-based),
    where the parser then failed: a quote left open, closed by the next quote."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    found = None
    try:
        for token in YAML(typ="safe").scan(text):
            if token.start_mark.line > line:
                break
            if getattr(token, "style", None) in ('"', "'") and token.end_mark.line == line \
                    and token.start_mark.line < line:
                found = token.start_mark
    except YAMLError:
        pass
    return found


_UNQUOTED_TAG = re.compile(r"""(?:^|[\s:\[,-])(\{\{)""")


def _unquoted_tag_on(line: str) -> int | None:
    """0-based column of a `{{` that starts a plain (unquoted) YAML value on this line."""
    stripped = line.split(" #", 1)[0]
    for m in _UNQUOTED_TAG.finditer(stripped):
        before = stripped[:m.start(1)]
        if before.count('"') % 2 == 0 and before.count("'") % 2 == 0:
            return m.start(1)
    return None


class _TooDeep(Exception):
    def __init__(self, span: Span):
        self.span = span


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_OCTAL_1_1 = re.compile(r"[-+]?0[0-7]+\Z")   # YAML 1.1 octal: `0400`


class _Builder:
    """Turns composed nodes into located Python data, reporting key and template issues."""

    def __init__(self, src: SourceText):
        self.src = src
        self.messages: list[Message] = []
        self._sizes: dict[int, tuple[int, int]] = {}

    def span(self, node: Any) -> Span:
        return _span(self.src, node)

    def size(self, node: Any, depth: int) -> tuple[int, int]:
        """Nodes and scalar characters after alias expansion (memoised per node, so it is
        linear): one large scalar aliased many times is a bomb made of few nodes."""
        key = id(node)
        known = self._sizes.get(key)
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise _TooDeep(self.span(node))
        if node.id == "scalar":
            total = (1, len(node.value))
        else:
            children = node.value if node.id == "sequence" else [n for kv in node.value for n in kv]
            sizes = [self.size(c, depth + 1) for c in children]
            total = (1 + sum(s[0] for s in sizes), sum(s[1] for s in sizes))
        self._sizes[key] = total
        return total

    def build(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _TooDeep(self.span(node))
        kind = node.id
        if kind == "scalar":
            return self.scalar(node)
        src = self.src
        if kind == "sequence":
            seq = YSeq([self.build(item, depth + 1) for item in node.value])
            seq._node, seq._src = node, src
            return seq
        if node.flow_style and self._is_unquoted_tag(node):
            self.messages.append(UnquotedTemplate(self.span(node)))
            return ystr(src.text[node.start_mark.index:node.end_mark.index], node, src)
        mapping = YMap()
        mapping._node, mapping._src = node, src
        nodes = mapping._nodes = {}
        first_lines: dict[str, int] = {}
        for knode, vnode in node.value:
            if knode.id == "scalar":
                key = self.scalar(knode)
                key = key if isinstance(key, YStr) else ystr(str(knode.value), knode, src)
            else:
                key = ystr(src.text[knode.start_mark.index:knode.end_mark.index], knode, src)
            if knode.tag == "tag:yaml.org,2002:merge" and vnode.id in ("mapping", "sequence"):
                self._merge(mapping, vnode, depth)
                continue
            if key in nodes:  # the last value wins, as in lax readers; the message says so
                first = first_lines.setdefault(key, nodes[key][0].start_mark.line + 1)
                self.messages.append(DuplicateKey(key.span, key=str(key), first_line=first))
            nodes[key] = (knode, vnode)
            mapping[key] = self.build(vnode, depth + 1)
        return mapping

    def _merge(self, mapping: YMap, vnode: Any, depth: int) -> None:
        """YAML 1.1 merge keys (`<<: *defaults`): earlier keys of the mapping win."""
        sources = vnode.value if vnode.id == "sequence" else [vnode]
        for source in sources:
            merged = self.build(source, depth + 1)
            if isinstance(merged, YMap):
                for k, v in merged.items():
                    if k not in mapping:
                        mapping[k] = v
                        mapping._nodes[k] = merged._nodes[k]

    def _paired(self, node: Any) -> str:
        """A double-quoted scalar with `\\u` surrogate escapes: a pair (`"\\ud83d\\ude00"`,
        as JSON writes characters beyond U+FFFF) is the one character it encodes; a lone half
        is refused, as Go's yaml does (no UTF-8 text, so no store or log, can hold it)."""
        try:
            return str(node.value.encode("utf-16", "surrogatepass").decode("utf-16"))
        except UnicodeDecodeError:
            self.messages.append(YamlSyntax(self.span(node), problem=(
                "found invalid Unicode character escape code (a lone surrogate)")))
            return without_surrogates(str(node.value))

    @staticmethod
    def _is_unquoted_tag(node: Any) -> bool:
        """`{{x}}` composes as a flow mapping whose only key is another flow mapping."""
        return (len(node.value) == 1 and node.value[0][0].id == "mapping"
                and node.value[0][1].id == "scalar" and node.value[0][1].tag == _NULL)

    def scalar(self, node: Any) -> Any:
        if node.style:  # quoted and block scalars are always strings
            if node.style == '"' and SURROGATE.search(node.value):
                return ystr(self._paired(node), node, self.src)
            return ystr(node.value, node, self.src)
        tag, value = node.tag, node.value
        if tag == _INT:     # `!!int main` stays a (located) string, as any other text
            number = _to_int(value)
            return ystr(value, node, self.src) if number is None else number
        if tag == _FLOAT:
            try:
                return float(value.replace("_", ""))
            except ValueError:
                low = value.lower()
                if low.endswith((".inf", "inf")):
                    return float("-inf") if low.startswith("-") else float("inf")
                return float("nan")
        if tag == _BOOL:
            return value.lower() in ("true", "yes", "on")
        if tag == _NULL:
            return None
        return ystr(value, node, self.src)


def _to_int(text: str) -> int | None:
    """An int as Argo reads it (Go's YAML 1.1 reader): `0x` hex, `0o` and a leading zero
    octal (`defaultMode: 0400` is 256, as Kubernetes documents it), else decimal."""
    t = text.replace("_", "")
    try:
        if _OCTAL_1_1.match(t):
            return int(t, 8)
        if t.lower().startswith(("0x", "-0x", "+0x")):
            return int(t, 16)
        if t.lower().startswith(("0o", "-0o", "+0o")):
            return int(t, 8)
        return int(t)
    except ValueError:
        return None


def walk(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, value) pair in a loaded document, parents before children."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, path + (i,))


__all__ = [
    "KINDS", "Document", "LoadedFile", "SourceText", "YMap", "YSeq", "YStr",
    "load_file", "load_text", "span_of", "walk", "Severity",
]
