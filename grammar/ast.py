"""The AST for everything `grammar` parses: templates, expr-lang expressions, govaluate
`when` conditions and DAG `depends`.

Every node is a frozen, slotted dataclass whose `start`/`end` are 0-based character offsets
(end exclusive) into the string that was given to the parse function. Offsets are excluded
from equality, so `parse(unparse(node)) == node` holds for any well-formed tree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from typing import Iterator, NamedTuple, Union

RESULTS = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned",
           "AnySucceeded", "AllFailed")
"""The task results a `depends` expression may name (spec §2.1)."""


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node: only the position, which never takes part in equality."""

    start: int = field(default=0, compare=False, kw_only=True)
    end: int = field(default=0, compare=False, kw_only=True)


# Node-typed fields that default to None (`# type: ignore[assignment]`) are always set by the
# parser; the placeholder default lets them sit after fields that have a default.

# ---------------------------------------------------------------- templates

@dataclass(frozen=True, slots=True)
class Ref(Node):
    """A simple reference such as `steps.flip-coin.outputs.result`, split into names."""

    path: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Text(Node):
    """Literal text between tags."""

    value: str = ""


@dataclass(frozen=True, slots=True)
class Tag(Node):
    """One `{{…}}` / `<<…>>` tag. `body` is a Ref (kind 'ref') or an expression (kind 'expr').

    `body_start` is the offset of the first character of the trimmed body (after `=`).
    `raw` is the tag's exact source text, kept for verbatim output of unresolved tags.
    """

    kind: str = "ref"
    open: str = field(default="{{", compare=False)
    body: "Ref | Expr" = None  # type: ignore[assignment]
    body_start: int = field(default=0, compare=False, kw_only=True)
    raw: str = field(default="", compare=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class Template(Node):
    """A string split into `Text` and `Tag` parts; `text` is the source string."""

    parts: tuple["Text | Tag", ...] = ()
    text: str = field(default="", compare=False)

    def tags(self) -> tuple[Tag, ...]:
        """The tags, in order."""
        return tuple(p for p in self.parts if isinstance(p, Tag))

    @property
    def is_literal(self) -> bool:
        """True when the string has no tag at all."""
        return not any(isinstance(p, Tag) for p in self.parts)


# ---------------------------------------------------------------- expr-lang

@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A number, string, boolean or nil (`None`)."""

    value: object = None


@dataclass(frozen=True, slots=True)
class Name(Node):
    """An identifier (variable or function name)."""

    name: str = ""


@dataclass(frozen=True, slots=True)
class Pointer(Node):
    """`#` (the current element in a predicate) or `#index` / `#acc`."""

    name: str = ""


@dataclass(frozen=True, slots=True)
class Member(Node):
    """`obj.name` or, with `optional`, `obj?.name`."""

    obj: "Expr" = None  # type: ignore[assignment]
    name: str = ""
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Index(Node):
    """`obj[index]` or, with `optional`, `obj?.[index]`."""

    obj: "Expr" = None  # type: ignore[assignment]
    index: "Expr" = None  # type: ignore[assignment]
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Slice(Node):
    """`obj[lo:hi]`; either bound may be None."""

    obj: "Expr" = None  # type: ignore[assignment]
    lo: "Expr | None" = None
    hi: "Expr | None" = None


@dataclass(frozen=True, slots=True)
class Call(Node):
    """`func(args…)`; `func` is a Name, or a Member for `sprig.date(…)` and `(d).Seconds()`."""

    func: "Expr" = None  # type: ignore[assignment]
    args: tuple["Expr", ...] = ()


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """`-x`, `+x`, `!x`, `not x`."""

    op: str = ""
    operand: "Expr" = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """`left op right`; op is the operator as written (`&&`, `and`, `not in`, `??`, `=~`…)."""

    op: str = ""
    left: "Expr" = None  # type: ignore[assignment]
    right: "Expr" = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    """`test ? then : else_`."""

    test: "Expr" = None  # type: ignore[assignment]
    then: "Expr" = None  # type: ignore[assignment]
    else_: "Expr" = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class ArrayLit(Node):
    """`[a, b, …]`."""

    items: tuple["Expr", ...] = ()


@dataclass(frozen=True, slots=True)
class MapLit(Node):
    """`{k: v, …}`; keys are Literal (names become strings) or computed expressions."""

    pairs: tuple[tuple["Expr", "Expr"], ...] = ()


@dataclass(frozen=True, slots=True)
class Predicate(Node):
    """A closure argument `{ body }` as in `filter(xs, {# > 1})`."""

    body: "Expr" = None  # type: ignore[assignment]


Expr = Union[Literal, Name, Pointer, Member, Index, Slice, Call, Unary, Binary, Conditional,
             ArrayLit, MapLit, Predicate]


# ---------------------------------------------------------------- govaluate `when`

@dataclass(frozen=True, slots=True)
class CondTag(Node):
    """A tag used as a bare operand: its value is substituted as text, then lexed."""

    tag: Tag = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Word(Node):
    """A bare identifier, which govaluate treats as a string literal (`heads`)."""

    value: str = ""


@dataclass(frozen=True, slots=True)
class CondString(Node):
    """A quoted string; it may contain tags (`'{{x}}'`), hence a Template.

    The template holds the raw text between the quotes (escapes not yet decoded), because
    Argo substitutes tags into the raw text before govaluate decodes the literal.
    """

    template: Template = None  # type: ignore[assignment]
    quote: str = field(default="'", compare=False)


@dataclass(frozen=True, slots=True)
class CondIn(Node):
    """`left in (a, b, …)`."""

    left: "Cond" = None  # type: ignore[assignment]
    items: tuple["Cond", ...] = ()


@dataclass(frozen=True, slots=True)
class CondUnary(Node):
    """`!x` or `-x` in a condition."""

    op: str = ""
    operand: "Cond" = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class CondBinary(Node):
    """`left op right` in a condition (`==`, `=~`, `&&`, `??`, `+`…)."""

    op: str = ""
    left: "Cond" = None  # type: ignore[assignment]
    right: "Cond" = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class CondConditional(Node):
    """`test ? then : else_` in a condition."""

    test: "Cond" = None  # type: ignore[assignment]
    then: "Cond" = None  # type: ignore[assignment]
    else_: "Cond" = None  # type: ignore[assignment]


Cond = Union[CondTag, Word, CondString, CondIn, Literal, CondUnary, CondBinary, CondConditional]


# ---------------------------------------------------------------- DAG `depends`

@dataclass(frozen=True, slots=True)
class DepRef(Node):
    """`task` or `task.Result`; `result` is None for a bare task name."""

    task: str = ""
    result: str | None = None


@dataclass(frozen=True, slots=True)
class DepNot(Node):
    """`!operand`."""

    operand: "Depends" = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class DepAnd(Node):
    """`left && right`."""

    left: "Depends" = None  # type: ignore[assignment]
    right: "Depends" = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class DepOr(Node):
    """`left || right`."""

    left: "Depends" = None  # type: ignore[assignment]
    right: "Depends" = None  # type: ignore[assignment]


Depends = Union[DepRef, DepNot, DepAnd, DepOr]


# ---------------------------------------------------------------- walking

def children(node: Node) -> Iterator[Node]:
    """The direct child nodes, in source order."""
    for f in fields(node):
        v = getattr(node, f.name)
        if isinstance(v, Node):
            yield v
        elif isinstance(v, tuple):
            for item in v:
                if isinstance(item, Node):
                    yield item
                elif isinstance(item, tuple):
                    yield from (x for x in item if isinstance(x, Node))


def depth(node: Node) -> int:
    """Nesting depth, computed without recursion (used to reject absurd inputs)."""
    best, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in children(n))
    return best


def dep_refs(node: Node) -> Iterator[DepRef]:
    """Every task a DAG `depends` expression names (`A`, `A.Failed`), in source order, with
    repeats (a parsed `dependencies: [A, B]` list reads as `A && B`).

    The one copy of Argo's depends scan: the checks' dependency graph, the planner's
    producers, the DOT edges and the runtime's DAG scheduler all read a task's upstream
    tasks from here. Iterative, so a long `a && b && ...` chain cannot exhaust the stack.
    """
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, DepRef):
            yield n
        else:
            stack.extend(reversed(list(children(n))))


def cond_tags(node: Node) -> list[Tag]:
    """The `{{...}}` tags of a govaluate `when` condition, in the order `evaluate_condition`
    numbers them (its `tag_values` by index): Argo substitutes each tag before evaluating,
    and the compiler (folding a known `when`) and the runtime both fill them in this order.
    """
    out: list[Tag] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CondTag):
            out.append(n.tag)
        elif isinstance(n, CondString):
            out.extend(n.template.tags())
        else:
            stack.extend(reversed(list(children(n))))
    return out


class RefUse(NamedTuple):
    """A reference path found in a node, with its offsets."""

    path: tuple[str, ...]
    start: int
    end: int


def iter_refs(node: Node) -> Iterator[RefUse]:
    """Every reference path used inside `node`, in source order.

    Simple tags give their Ref. In expressions, a chain of member accesses and constant
    string indexes rooted at a Name gives one path (`steps['a'].outputs.result` →
    ('steps','a','outputs','result')); a dynamic or numeric index ends the chain. Called
    function names (`asInt`, `sprig.date`) are not references.
    """
    if isinstance(node, Ref):
        yield RefUse(node.path, node.start, node.end)
        return
    if isinstance(node, Tag):
        yield from iter_refs(node.body)
        return
    if isinstance(node, CondTag):
        yield from iter_refs(node.tag)
        return
    if isinstance(node, CondString):
        yield from iter_refs(node.template)
        return
    if isinstance(node, Call):
        f = node.func
        if isinstance(f, Member):
            if not (isinstance(f.obj, Name) and f.obj.name == "sprig"):
                yield from iter_refs(f.obj)  # a method call on a computed value
        elif not isinstance(f, Name):
            yield from iter_refs(f)
        for a in node.args:
            yield from iter_refs(a)
        return
    if isinstance(node, (Name, Member, Index)):
        path, rest = _chain(node)
        if path:
            yield RefUse(path, node.start, _chain_end(node, len(path)))
        for r in rest:
            yield from iter_refs(r)
        return
    for c in children(node):
        yield from iter_refs(c)


def _chain(node: Node) -> tuple[tuple[str, ...], list[Node]]:
    """Split an access chain into its static path (rooted at a Name) and the dynamic rest."""
    links: list[Member | Index] = []
    n = node
    while isinstance(n, (Member, Index)):
        links.append(n)
        n = n.obj
    if not isinstance(n, Name):
        return (), [n] + [x.index for x in links if isinstance(x, Index)]
    path = [n.name]
    rest: list[Node] = []
    broken = False
    for link in reversed(links):
        if broken:
            if isinstance(link, Index):
                rest.append(link.index)
            continue
        if isinstance(link, Member):
            path.append(link.name)
        elif isinstance(link.index, Literal) and isinstance(link.index.value, str):
            path.append(link.index.value)
        else:
            broken = True
            rest.append(link.index)
    return tuple(path), rest


def _chain_end(node: Node, length: int) -> int:
    """End offset of the first `length` links of the chain ending at `node`."""
    links: list[Node] = []
    n = node
    while isinstance(n, (Member, Index)):
        links.append(n)
        n = n.obj
    links.append(n)
    links.reverse()  # links[0] is the Name
    return links[length - 1].end


# ---------------------------------------------------------------- unparse

_BIN_PREC = {"||": 2, "or": 2, "&&": 3, "and": 3,
             "==": 4, "!=": 4, "<": 4, ">": 4, "<=": 4, ">=": 4, "in": 4, "not in": 4,
             "matches": 4, "not matches": 4, "contains": 4, "not contains": 4,
             "startsWith": 4, "not startsWith": 4, "endsWith": 4, "not endsWith": 4,
             "=~": 4, "!~": 4, "..": 5, "+": 6, "-": 6, "*": 8, "/": 8, "%": 8,
             "**": 10, "^": 10, "??": 11}
_POSTFIX, _ATOM = 12, 13
_IDENT = re.compile(r"(?!\d)[\w$]+\Z")
_COND_WORD = re.compile(r"[A-Za-z_]\w*\Z")     # govaluate's bare word: no `$`, unlike expr-lang
_KEYWORDS = {"true", "false", "nil", "in", "not", "and", "or", "matches", "contains",
             "startsWith", "endsWith"}


def unparse(node: Node) -> str:
    """Canonical source text; tags are always written `{{…}}`."""
    if isinstance(node, Template):
        return "".join(unparse(p) for p in node.parts)
    if isinstance(node, Text):
        return node.value
    if isinstance(node, Tag):
        body = unparse(node.body)
        return "{{=" + body + "}}" if node.kind == "expr" else "{{" + body + "}}"
    if isinstance(node, Ref):
        return "".join(p if i == 0 and _ref_seg(p) else ("." + p if _ref_seg(p) else
                       "[" + json.dumps(p, ensure_ascii=False) + "]")
                       for i, p in enumerate(node.path))
    if isinstance(node, (DepRef, DepNot, DepAnd, DepOr)):
        return _unparse_dep(node, 0)
    if isinstance(node, (CondTag, Word, CondString, CondIn, CondUnary, CondBinary,
                         CondConditional)):
        return _unparse_cond(node)
    return _unparse_expr(node)


def _ref_seg(s: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9_$][\w$\-/]*", s) is not None


def _prec(node: Node) -> int:
    if isinstance(node, Binary):
        return _BIN_PREC[node.op]
    if isinstance(node, Conditional):
        return 1
    if isinstance(node, Unary):
        return 7 if node.op in ("!", "not") else 9
    if isinstance(node, (Member, Index, Slice, Call)):
        return _POSTFIX
    return _ATOM


def _wrap(node: Node, minimum: int) -> str:
    s = _unparse_expr(node)
    return "(" + s + ")" if _prec(node) < minimum else s


def _unparse_expr(n: Node) -> str:  # noqa: C901 - one branch per node kind reads best
    if isinstance(n, Literal):
        return _literal(n.value)
    if isinstance(n, (Name, Word)):
        return n.name if isinstance(n, Name) else n.value
    if isinstance(n, Pointer):
        return "#" + n.name
    if isinstance(n, Member):
        return _wrap(n.obj, _POSTFIX) + ("?." if n.optional else ".") + n.name
    if isinstance(n, Index):
        return _wrap(n.obj, _POSTFIX) + ("?.[" if n.optional else "[") + _unparse_expr(n.index) + "]"
    if isinstance(n, Slice):
        lo = "" if n.lo is None else _unparse_expr(n.lo)
        hi = "" if n.hi is None else _unparse_expr(n.hi)
        return _wrap(n.obj, _POSTFIX) + "[" + lo + ":" + hi + "]"
    if isinstance(n, Call):
        if isinstance(n.func, Name) and n.func.name in _KEYWORDS and n.args:
            # only a pipe can call a keyword (`a | not`): `not(a)` would read as an operator
            rest = ", ".join(_unparse_expr(a) for a in n.args[1:])
            return f"({_unparse_expr(n.args[0])} | {n.func.name}" + (f"({rest})" if rest else "") + ")"
        return _wrap(n.func, _POSTFIX) + "(" + ", ".join(_unparse_expr(a) for a in n.args) + ")"
    if isinstance(n, Predicate):
        return "{" + _unparse_expr(n.body) + "}"
    if isinstance(n, Unary):
        op = n.op + " " if n.op == "not" else n.op
        return op + _wrap(n.operand, _prec(n))
    if isinstance(n, Binary):
        p = _BIN_PREC[n.op]
        if n.op in ("**", "^"):
            return _wrap(n.left, 11) + " " + n.op + " " + _wrap(n.right, 9)
        if n.op == "??":
            return _wrap(n.left, 11) + " ?? " + _wrap(n.right, _POSTFIX)
        if n.op == "..":
            return _wrap(n.left, 6) + ".." + _wrap(n.right, 6)
        return _wrap(n.left, p) + " " + n.op + " " + _wrap(n.right, p + 1)
    if isinstance(n, Conditional):
        return _wrap(n.test, 2) + " ? " + _wrap(n.then, 1) + " : " + _wrap(n.else_, 1)
    if isinstance(n, ArrayLit):
        return "[" + ", ".join(_unparse_expr(i) for i in n.items) + "]"
    if isinstance(n, MapLit):
        return "{" + ", ".join(_map_key(k) + ": " + _unparse_expr(v) for k, v in n.pairs) + "}"
    raise TypeError(f"cannot unparse {type(n).__name__}")


def _map_key(k: Node) -> str:
    if isinstance(k, Literal) and isinstance(k.value, str):
        if _IDENT.match(k.value) and k.value not in _KEYWORDS:
            return k.value
        return _literal(k.value)
    if isinstance(k, Literal):
        return _literal(k.value)
    return "(" + _unparse_expr(k) + ")"


def _literal(v: object) -> str:
    if v is None:
        return "nil"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, float):
        return repr(v)
    return str(v)


# govaluate's levels (lowest first): ?: ?? | || | && | comparisons, in | + - | * / % | ** | prefix
_COND_PREC = {"??": 1, "||": 2, "&&": 3, "==": 4, "!=": 4, "<": 4, ">": 4, "<=": 4, ">=": 4,
              "=~": 4, "!~": 4, "+": 6, "-": 6, "*": 8, "/": 8, "%": 8, "**": 10}


def _cond_prec(n: Node) -> int:
    if isinstance(n, CondBinary):
        return _COND_PREC[n.op]
    if isinstance(n, CondConditional):
        return 1
    if isinstance(n, CondIn):
        return 4
    if isinstance(n, CondUnary):
        return 11
    return _ATOM


def _cwrap(n: Node, minimum: int) -> str:
    s = _unparse_cond(n)
    return "(" + s + ")" if _cond_prec(n) < minimum else s


def _unparse_cond(n: Node) -> str:
    if isinstance(n, CondTag):
        return unparse(n.tag)
    if isinstance(n, Word):
        # `[any text]` is govaluate's way to write an identifier that is not a plain word
        return n.value if _COND_WORD.match(n.value) and n.value not in _KEYWORDS else f"[{n.value}]"
    if isinstance(n, Literal):
        return _literal(n.value)
    if isinstance(n, CondString):
        return n.quote + unparse(n.template) + n.quote
    if isinstance(n, CondIn):
        return _cwrap(n.left, 4) + " in (" + ", ".join(_unparse_cond(i) for i in n.items) + ")"
    if isinstance(n, CondUnary):
        return n.op + _cwrap(n.operand, 11)
    if isinstance(n, CondBinary):
        p = _COND_PREC[n.op]
        if n.op == "**":
            return _cwrap(n.left, 11) + " ** " + _cwrap(n.right, 10)
        if n.op == "??":
            return _cwrap(n.left, 2) + " ?? " + _cwrap(n.right, 1)
        return _cwrap(n.left, p) + " " + n.op + " " + _cwrap(n.right, p + 1)
    if isinstance(n, CondConditional):
        return _cwrap(n.test, 2) + " ? " + _cwrap(n.then, 1) + " : " + _cwrap(n.else_, 1)
    raise TypeError(f"cannot unparse {type(n).__name__}")


def _unparse_dep(n: Node, minimum: int) -> str:
    if isinstance(n, DepRef):
        return n.task + ("." + n.result if n.result else "")
    if isinstance(n, DepNot):
        return "!" + _unparse_dep(n.operand, 3)
    assert isinstance(n, (DepOr, DepAnd)), f"cannot unparse {type(n).__name__}"
    prec, op = (1, " || ") if isinstance(n, DepOr) else (2, " && ")
    s = _unparse_dep(n.left, prec) + op + _unparse_dep(n.right, prec + 1)
    return "(" + s + ")" if prec < minimum else s
