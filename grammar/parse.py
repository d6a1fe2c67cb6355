"""Text → AST for templates, expressions, `when` conditions and `depends`.

Speed matters (a pre-commit hook over files with ~100,000 strings), so:
- a string without `{{` or `<<` never reaches Lark, nor does a plain dotted reference tag;
- lark is imported, and the parser built, only on first real use, then kept (immutable);
- results are memoised per text (the AST is immutable, and workflows repeat strings a lot).

Every failure is a `GrammarError` with a stable code and offsets into the given text.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from functools import lru_cache
from typing import Any

from plait.grammar import ast as A

MAX_DEPTH = 128
"""Deeper trees are rejected: consumers walk them recursively, and nobody writes them."""


class GrammarError(Exception):
    """A syntax problem in a template, expression, condition or `depends` text."""

    def __init__(self, code: str, message: str, start: int, end: int,
                 hint: str | None = None) -> None:
        super().__init__(f"{message} [{code}]")
        self.code, self.message, self.hint = code, message, hint
        self.start, self.end = start, max(end, start)

    def __reduce__(self) -> tuple:  # keep picklable (pytest-xdist, multiprocessing)
        return (GrammarError, (self.code, self.message, self.start, self.end, self.hint))


# ---------------------------------------------------------------- templates

_OPENERS = {"{{": "}}", "<<": ">>"}
# The first words of Argo's variables (and of metric variables). Argo resolves only tags
# that start with one of them (or with `=`) and writes every other `{{...}}` back unchanged:
# a Vault annotation `{{ with secret "kv/x" -}}`, kubectl's `--template="{{.ip}}"`.
ARGO_ROOTS = frozenset({"inputs", "outputs", "steps", "tasks", "workflow", "item", "pod",
                        "node", "retries", "lastRetry", "cronworkflow", "status", "duration",
                        "exitCode", "resourcesDuration"})
_FIRST_WORD = re.compile(r"\s*(=|[A-Za-z_$][\w$]*)")
# `<<` is also a shell heredoc (`cat <<EOF >> log`) and a shift operator, so it opens a tag
# only when `>>` closes it on the same line and the body starts like an Argo tag (`=` or a
# variable root). An unclosed `<<` is an error only if it looks like a tag.
_LOOKS_LIKE_TAG = re.compile(r"<<\s*(=|(?:" + "|".join(sorted(ARGO_ROOTS)) + r")\s*(\.|\[|\Z))")


def is_argo_tag_body(inner: str) -> bool:
    """True when the text between a tag's braces starts like one of Argo's tags."""
    m = _FIRST_WORD.match(inner)
    return m is not None and (m.group(1) == "=" or m.group(1) in ARGO_ROOTS)
_SIMPLE_REF = re.compile(r"\s*([A-Za-z0-9_$][\w$\-/]*(?:\.[A-Za-z0-9_$][\w$\-/]*)*)\s*\Z")


def parse_template(text: str) -> A.Template:
    """Split `text` into literal text and `{{…}}` / `<<…>>` tags, parsing each tag body."""
    if "{{" not in text and "<<" not in text:
        return A.Template((A.Text(text, start=0, end=len(text)),) if text else (), text,
                          start=0, end=len(text))
    return _parse_template_cached(text)


@lru_cache(maxsize=1 << 16)
def _parse_template_cached(text: str) -> A.Template:
    return A.Template(tuple(_scan(text, 0, argo_only=True)), text, start=0, end=len(text))


def _scan(text: str, base: int, argo_only: bool = False) -> list:
    """Argo's scan: first opener to the next matching closer; everything else is text.

    With `argo_only` (strings Argo substitutes in), a tag whose body does not start like
    one of Argo's is text too; a `when` keeps every tag as an opaque operand."""
    parts: list = []
    pos = scan = 0
    while True:
        i, opener, j = _next_tag(text, scan, base)
        if i < 0:
            break
        if argo_only and not is_argo_tag_body(text[i + 2:j]):
            # not Argo's: `{{...}}` stays text as a whole; after a heredoc's or shift's `<<`
            # a real tag may still start
            scan = j + 2 if opener == "{{" else i + 2
            continue
        if i > pos:
            parts.append(A.Text(text[pos:i], start=base + pos, end=base + i))
        parts.append(_tag(text, i, j, opener, base))
        pos = scan = j + 2
    if pos < len(text):
        parts.append(A.Text(text[pos:], start=base + pos, end=base + len(text)))
    return parts


def _next_tag(text: str, pos: int, base: int) -> tuple[int, str, int]:
    """(opener offset, opener, closer offset) of the next tag at or after pos, or (-1, '', -1)."""
    curly = text.find("{{", pos)
    angle = text.find("<<", pos)
    while angle >= 0 and (curly < 0 or angle < curly):
        eol = text.find("\n", angle)
        close = text.find(">>", angle + 2, len(text) if eol < 0 else eol)
        if close >= 0:
            return angle, "<<", close
        if _LOOKS_LIKE_TAG.match(text, angle):
            raise GrammarError("PL110", "cannot find end tag '>>' for '<<'",
                               base + angle, base + angle + 2,
                               "close the tag with '>>' on the same line")
        angle = text.find("<<", angle + 2)
    if curly < 0:
        return -1, "", -1
    close = text.find("}}", curly + 2)
    if close < 0:
        raise GrammarError("PL110", "cannot find end tag '}}' for '{{'",
                           base + curly, base + curly + 2, "close the tag with '}}'")
    return curly, "{{", close


def _tag(text: str, i: int, j: int, opener: str, base: int) -> A.Tag:
    inner = text[i + 2:j]
    lead = len(inner) - len(inner.lstrip())
    start, end, raw = base + i, base + j + 2, text[i:j + 2]
    if inner[lead:lead + 1] == "=":
        body_text = inner[lead + 1:]
        body_base = base + i + 3 + lead
        if not body_text.strip():
            raise GrammarError("PL112", "empty expression in tag", start, end,
                               "write an expression after '='")
        expr = _parse("expr", body_text, body_base, "PL112", "expression")
        first = body_base + len(body_text) - len(body_text.lstrip())
        return A.Tag("expr", opener, expr, start=start, end=end, body_start=first, raw=raw)
    first = base + i + 2 + lead
    m = _SIMPLE_REF.match(inner)
    if m:
        ref = A.Ref(tuple(m.group(1).split(".")), start=first, end=first + len(m.group(1)))
    elif not inner.strip():
        raise GrammarError("PL111", "empty tag", start, end,
                           "write a reference such as " + opener + "inputs.parameters.x"
                           + _OPENERS[opener])
    else:
        ref = _parse("ref", inner, base + i + 2, "PL111", "reference")
    return A.Tag("ref", opener, ref, start=start, end=end, body_start=first, raw=raw)


# ---------------------------------------------------------------- other entry points

@lru_cache(maxsize=1 << 14)
def parse_expression(text: str) -> A.Expr:
    """Parse an expr-lang expression (a tag body after `=`, or a bare `expression:` field)."""
    if not text.strip():
        raise GrammarError("PL112", "empty expression", 0, len(text))
    return _parse("expr", text, 0, "PL112", "expression")


@lru_cache(maxsize=1 << 14)
def parse_condition(text: str) -> A.Cond:
    """Parse a `when` condition as govaluate would, each tag being an opaque operand."""
    tags = [p for p in _scan(text, 0) if isinstance(p, A.Tag)]
    if not text.strip():
        raise GrammarError("PL113", "empty condition", 0, len(text))
    _check_unquoted(text, {t.start: t.end for t in tags})
    if not tags:
        return _parse("cond", text, 0, "PL113", "condition")
    # Argo substitutes the tags first and hands the result to govaluate, so a tag's body
    # (`{{= join(x, '","') }}`) is never govaluate syntax: parse the condition with each tag
    # masked by a same-length placeholder tag, then put the real tags back.
    masked = list(text)
    for t in tags:
        masked[t.start + 2:t.end - 2] = "_" * (t.end - t.start - 4)
    cond = _parse("cond", "".join(masked), 0, "PL113", "condition")
    return _unmask(cond, {t.start: t for t in tags}, text)


def _unmask(node: Any, tags: dict[int, A.Tag], text: str) -> Any:
    """`node` with every placeholder tag replaced by the real tag at the same offset."""
    if isinstance(node, A.Tag):
        return tags.get(node.start, node)
    if isinstance(node, tuple):
        return tuple(_unmask(n, tags, text) for n in node)
    if not isinstance(node, A.Node):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        v = getattr(node, f.name)
        if isinstance(v, (A.Node, tuple)):
            new = _unmask(v, tags, text)
            if new is not v:
                changes[f.name] = new
    if isinstance(node, A.Template):
        changes["text"] = text[node.start:node.end]
    return dataclasses.replace(node, **changes) if changes else node


@lru_cache(maxsize=1 << 14)
def parse_depends(text: str) -> A.Depends:
    """Parse a DAG `depends` expression such as `A && (B.Succeeded || c-d.Failed)`."""
    if not text.strip():
        raise GrammarError("PL115", "empty depends expression", 0, len(text))
    simple = _simple_depends(text)
    if simple is not None:
        return simple
    return _parse("depends", text, 0, "PL115", "depends expression")


_DEP_TERM = re.compile(r"\s*([A-Za-z0-9_][\w\-]*)(?:\.(" + "|".join(A.RESULTS) + r"))?\s*(&&|\|\||\Z)")


def _simple_depends(text: str) -> A.Depends | None:
    """The AST of a `depends` made only of names (with results) joined by `&&` and `||`,
    without Lark; None for anything else. Nearly every real `depends` has this shape, and
    a 10,000-task DAG has 10,000 of them. Builds exactly the tree the grammar would:
    `&&` binds tighter than `||`, both associate to the left."""
    ors: list[A.Depends] = []
    ands: list[A.Depends] = []
    pos = 0
    while True:
        m = _DEP_TERM.match(text, pos)
        if m is None:
            return None
        end = m.end(2) if m.group(2) else m.end(1)
        ands.append(A.DepRef(m.group(1), m.group(2), start=m.start(1), end=end))
        op = m.group(3)
        if op != "&&":
            ors.append(_fold(A.DepAnd, ands))
            ands = []
        if not op:
            return _fold(A.DepOr, ors)
        pos = m.end()


def _fold(cls: type, items: list) -> A.Depends:
    node = items[0]
    for item in items[1:]:
        node = cls(node, item, start=node.start, end=item.end)
    return node


# ---------------------------------------------------------------- govaluate pitfalls

_COND_SPLIT = set(" \t\r\n()!=<>&|,?~")
_NUMBER = re.compile(r"(\d[\d_]*(\.\d*)?|\.\d+|0[xX][0-9a-fA-F]+)([eE][+-]?\d+)?\Z")
_SPLITTING = set("-./:{}@$#;")


def _check_unquoted(text: str, tags: dict[int, int]) -> None:
    """Report a bare operand that govaluate would split (`us-east-1`, `v1.2`, `{{x}}-foo`).

    After substitution every tag is plain text, so a tag glued to other characters, or a
    bare word containing `-`, `.`, `/` or `:`, turns into several tokens or an accessor.
    """
    i, n = 0, len(text)
    run_start, has_tag, other = -1, False, list[str]()

    def flush(end: int) -> None:
        word = text[run_start:end]
        body = "".join(other).lstrip("+-*/%")
        if has_tag and body:
            raise GrammarError(
                "PL114", f"tag joined to text in {word!r}: govaluate sees the value and the "
                "text as separate tokens", run_start, end,
                f"quote both sides, e.g. '{word}' == 'value'")
        if not has_tag and body and not _NUMBER.match(body) and _SPLITTING & set(body):
            raise GrammarError(
                "PL114", f"unquoted value {word!r} would be split by govaluate",
                run_start, end,
                f"quote both sides, e.g. '{{{{…}}}}' == '{word}'")

    while i < n:
        c = text[i]
        if i in tags or c in "'\"[" or c in _COND_SPLIT:
            if i in tags:
                if run_start < 0:
                    run_start, has_tag, other = i, False, []
                if has_tag:  # two tags glued together: `{{a}}{{b}}`
                    other.append("\0")
                has_tag = True
                i = tags[i]
                continue
            if run_start >= 0:
                flush(i)
                run_start = -1
            if c in "'\"[":
                close = text.find({"[": "]"}.get(c, c), i + 1)
                i = n if close < 0 else close + 1
            else:
                i += 1
            continue
        if run_start < 0:
            run_start, has_tag, other = i, False, []
        other.append(c)
        i += 1
    if run_start >= 0:
        flush(n)


# ---------------------------------------------------------------- Lark plumbing

@lru_cache(maxsize=1)
def _lark() -> Any:
    """The one LALR parser with a start rule per language, built on first use."""
    import importlib.resources

    from lark import Lark

    source = importlib.resources.files(__package__).joinpath("template.lark").read_text("utf-8")
    kwargs = dict(parser="lalr", lexer="contextual", propagate_positions=True,
                  start=["ref", "expr", "cond", "depends"], maybe_placeholders=True)
    try:
        return Lark(source, cache=True, **kwargs)
    except OSError:  # read-only temp dir: build without the on-disk cache
        return Lark(source, **kwargs)


def _parse(start: str, text: str, base: int, code: str, what: str) -> Any:
    """Parse `text` from rule `start` and build the AST, offsets shifted by `base`."""
    from lark.exceptions import UnexpectedInput, VisitError

    try:
        tree = _lark().parse(text, start=start)
    except UnexpectedInput as e:
        raise _syntax_error(e, text, base, code, what) from None
    try:
        node = _to_ast_class()(base).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, GrammarError):
            raise e.orig_exc from None
        raise
    if A.depth(node) > MAX_DEPTH:
        raise GrammarError(code, f"{what} nested deeper than {MAX_DEPTH} levels",
                           base, base + len(text), "split it into simpler parts")
    return node


_VALUE_TERMINALS = {"NAME", "NUMBER", "STRING", "LPAR", "LSQB", "LBRACE", "POINTER", "TAG",
                    "C_WORD", "BRACKET_WORD", "TASK", "REF_SEG", "TRUE", "FALSE", "NIL"}
_VALUE_WORD = {"ref": "a name", "depends": "a task name"}


def _syntax_error(e: Any, text: str, base: int, code: str, what: str) -> GrammarError:
    """Turn a Lark error into 'unexpected X in <what>, expected Y' at the exact offset."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    pos = getattr(e, "pos_in_stream", None)
    expected = set(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())
    if isinstance(e, UnexpectedToken):
        tok = e.token
        if tok.type == "$END":
            pos, found, width = len(text), "end of input", 0
        else:
            pos, found, width = tok.start_pos, repr(str(tok)), len(str(tok))
    elif isinstance(e, UnexpectedCharacters) and pos is not None:
        found, width = f"character {text[pos]!r}", 1
    else:
        pos, found, width = len(text), "end of input", 0
    pos = len(text) if pos is None else pos
    kind = {"PL111": "ref", "PL115": "depends"}.get(code, "")
    return GrammarError(code, f"unexpected {found} in {what}, expected {_describe(expected, kind)}",
                        base + pos, base + pos + width, _hint(code, text))


def _describe(expected: set[str], kind: str) -> str:
    """A short phrase for what the parser wanted: 'a value', "')'", 'an operator or ')''."""
    if expected & _VALUE_TERMINALS:
        return _VALUE_WORD.get(kind, "a value")
    shown = []
    for name in sorted(expected):
        try:
            pattern = _lark().get_terminal(name).pattern
        except KeyError:
            continue
        if pattern.type == "str":
            shown.append(repr(pattern.value))
    closers = [s for s in shown if s in ("')'", "']'", "'}'", "':'")]
    if len(shown) > 4:
        return " or ".join(["an operator"] + closers)
    return " or ".join(shown) or "something else"


def _hint(code: str, text: str) -> str | None:
    if code == "PL111":
        return "a reference is names joined by '.', or ['quoted-key'] for other keys"
    if code == "PL113" and "=" in text and "==" not in text:
        return "govaluate compares with '==', not '='"
    if code == "PL115":
        return "write task names joined by &&, || and !, optionally with .Succeeded etc."
    return None


def unknown_result(name: str, start: int, end: int) -> GrammarError:
    """PL116 for `task.Succeded`: name the valid results and the closest one."""
    close = difflib.get_close_matches(name, A.RESULTS, n=1, cutoff=0.5) or \
        [r for r in A.RESULTS if r.lower() == name.lower()]
    hint = f"did you mean '{close[0]}'?" if close else None
    return GrammarError("PL116", f"unknown task result {name!r}; valid results are "
                        + ", ".join(A.RESULTS), start, end, hint)


# ---------------------------------------------------------------- parse tree → AST

_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", "'": "'", '"': '"'}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|[\s\S])")


def unescape_simple(s: str) -> str:
    """Decode Go's one-character escapes (`\\n`, `\\t`, `\\\\`, quotes); other escapes stay
    as written (the regex arguments that govaluate compares keep `\\d` and friends)."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), s)


def _unquote(tok: Any, base: int) -> str:
    """Decode a quoted literal with Go's escapes (as expr-lang and govaluate do)."""
    s = str(tok)
    if s[0] == "`":
        return s[1:-1]

    def one(m: re.Match) -> str:
        e = m.group(1)
        if e in _ESCAPES:
            return _ESCAPES[e]
        if len(e) == 3 and e.isdigit():      # the pattern admits only \ooo octal here
            code = int(e, 8)
        elif e[0] in "xuU" and len(e) > 1:
            code = int(e[1:], 16)
        else:                                # `\9`, `\q`: not an escape Go knows
            code = -1
        if 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:   # Go: a valid rune
            return chr(code)
        at = base + tok.start_pos + 1 + m.start()
        raise GrammarError("PL112", f"invalid escape {m.group(0)!r} in string", at,
                           at + len(m.group(0)), "write '\\\\' for a backslash")

    return _ESCAPE.sub(one, s[1:-1])


def _number(s: str, as_float: bool) -> int | float:
    s = str(s)
    if s[:2] in ("0x", "0X"):
        v: int | float = int(s[2:].replace("_", "") or "0", 16)
    elif any(c in s for c in ".eE"):
        v = float(s.replace("_", ""))
    else:
        v = int(s.replace("_", ""))
    return float(v) if as_float else v


@lru_cache(maxsize=1)
def _to_ast_class() -> type:
    """Define the Transformer once lark is imported (it must not load with `grammar`)."""
    from lark import Transformer, v_args
    from lark.visitors import Transformer_NonRecursive

    @v_args(meta=True)
    class ToAst(Transformer_NonRecursive, Transformer):
        """Builds AST nodes only; `base` shifts Lark's offsets into the caller's string."""

        def __init__(self, base: int) -> None:
            super().__init__(visit_tokens=False)
            self.base = base

        def _at(self, meta: Any) -> dict[str, int]:
            if getattr(meta, "empty", True):
                return {"start": self.base, "end": self.base}
            return {"start": self.base + meta.start_pos, "end": self.base + meta.end_pos}

        def _tok(self, tok: Any) -> dict[str, int]:
            return {"start": self.base + tok.start_pos, "end": self.base + tok.end_pos}

        # -- references
        def ref(self, meta, ch):
            return A.Ref(tuple(ch), **self._at(meta))

        def ref_seg(self, meta, ch):
            return str(ch[0])

        def ref_key(self, meta, ch):
            return _unquote(ch[0], self.base)

        # -- operators are kept as their text
        def _op(self, meta, ch):
            return str(ch[0])

        or_op = and_op = bang_op = word_op = cmp_op = add_op = mul_op = pow_op = _op
        c_add_op = c_mul_op = c_cmp_op = member_name = _op

        # -- expressions
        def pipe(self, meta, ch):
            left, right = ch
            if isinstance(right, A.Call):
                return A.Call(right.func, (left,) + right.args, **self._at(meta))
            if isinstance(right, (A.Name, A.Member)):
                return A.Call(right, (left,), **self._at(meta))
            raise GrammarError("PL112", "the right side of '|' must be a function call",
                               right.start, right.end, "write `value | f(args)`")

        def conditional(self, meta, ch):
            test, then, else_ = ch
            return A.Conditional(test, then, else_, **self._at(meta))

        def binary(self, meta, ch):
            return A.Binary(ch[1], ch[0], ch[2], **self._at(meta))

        def not_binary(self, meta, ch):
            return A.Binary("not " + ch[1], ch[0], ch[2], **self._at(meta))

        def binary_range(self, meta, ch):
            return A.Binary("..", ch[0], ch[1], **self._at(meta))

        def coalesce(self, meta, ch):
            return A.Binary("??", ch[0], ch[1], **self._at(meta))

        def unary(self, meta, ch):
            return A.Unary(ch[0], ch[1], **self._at(meta))

        def member(self, meta, ch):
            return A.Member(ch[0], ch[1], False, **self._at(meta))

        def optional_member(self, meta, ch):
            return A.Member(ch[0], ch[1], True, **self._at(meta))

        def index(self, meta, ch):
            return A.Index(ch[0], ch[1], False, **self._at(meta))

        def optional_index(self, meta, ch):
            return A.Index(ch[0], ch[1], True, **self._at(meta))

        def slice(self, meta, ch):
            return A.Slice(ch[0], ch[1], ch[2], **self._at(meta))

        def call(self, meta, ch):
            return A.Call(ch[0], ch[1] or (), **self._at(meta))

        def args(self, meta, ch):
            return tuple(ch)

        def predicate(self, meta, ch):
            return A.Predicate(ch[0], **self._at(meta))

        def number(self, meta, ch):
            return A.Literal(_number(ch[0], False), **self._tok(ch[0]))

        def string(self, meta, ch):
            return A.Literal(_unquote(ch[0], self.base), **self._tok(ch[0]))

        def key_name(self, meta, ch):
            return A.Literal(str(ch[0]), **self._tok(ch[0]))

        def true(self, meta, ch):
            return A.Literal(True, **self._at(meta))

        def false(self, meta, ch):
            return A.Literal(False, **self._at(meta))

        def nil(self, meta, ch):
            return A.Literal(None, **self._at(meta))

        def name(self, meta, ch):
            return A.Name(str(ch[0]), **self._tok(ch[0]))

        def pointer(self, meta, ch):
            return A.Pointer(str(ch[0])[1:], **self._tok(ch[0]))

        def array(self, meta, ch):
            return A.ArrayLit(tuple(c for c in ch if c is not None), **self._at(meta))

        def map(self, meta, ch):
            return A.MapLit(tuple(c for c in ch if c is not None), **self._at(meta))

        def pair(self, meta, ch):
            return (ch[0], ch[1])

        # -- conditions
        def c_conditional(self, meta, ch):
            test, then, else_ = ch
            return A.CondConditional(test, then, else_, **self._at(meta))

        def c_coalesce(self, meta, ch):
            return A.CondBinary("??", ch[0], ch[1], **self._at(meta))

        def c_binary_or(self, meta, ch):
            return A.CondBinary("||", ch[0], ch[1], **self._at(meta))

        def c_binary_and(self, meta, ch):
            return A.CondBinary("&&", ch[0], ch[1], **self._at(meta))

        def c_binary(self, meta, ch):
            return A.CondBinary(ch[1], ch[0], ch[2], **self._at(meta))

        def c_binary_pow(self, meta, ch):
            return A.CondBinary("**", ch[0], ch[1], **self._at(meta))

        def c_in(self, meta, ch):
            return A.CondIn(ch[0], ch[1], **self._at(meta))

        def c_list(self, meta, ch):
            return tuple(c for c in ch if c is not None)

        def c_not(self, meta, ch):
            return A.CondUnary("!", ch[0], **self._at(meta))

        def c_neg(self, meta, ch):
            return A.CondUnary("-", ch[0], **self._at(meta))

        def c_tag(self, meta, ch):
            tok = ch[0]
            (tag,) = _scan(str(tok), self.base + tok.start_pos)
            return A.CondTag(tag, **self._tok(tok))

        def c_number(self, meta, ch):
            return A.Literal(_number(ch[0], True), **self._tok(ch[0]))

        def c_string(self, meta, ch):
            tok, s = ch[0], str(ch[0])
            inner = A.Template(tuple(_scan(s[1:-1], self.base + tok.start_pos + 1)), s[1:-1],
                               start=self.base + tok.start_pos + 1,
                               end=self.base + tok.end_pos - 1)
            return A.CondString(inner, s[0], **self._tok(tok))

        def c_true(self, meta, ch):
            return A.Literal(True, **self._at(meta))

        def c_false(self, meta, ch):
            return A.Literal(False, **self._at(meta))

        def c_word(self, meta, ch):
            s = str(ch[0])
            return A.Word(s[1:-1] if s.startswith("[") else s, **self._tok(ch[0]))

        # -- depends
        def d_or(self, meta, ch):
            return A.DepOr(ch[0], ch[1], **self._at(meta))

        def d_and(self, meta, ch):
            return A.DepAnd(ch[0], ch[1], **self._at(meta))

        def d_not(self, meta, ch):
            return A.DepNot(ch[0], **self._at(meta))

        def d_ref(self, meta, ch):
            result = None
            if len(ch) == 2:
                result = str(ch[1])
                if result not in A.RESULTS:
                    raise unknown_result(result, self.base + ch[1].start_pos,
                                         self.base + ch[1].end_pos)
            return A.DepRef(str(ch[0]), result, **self._at(meta))

    return ToAst
