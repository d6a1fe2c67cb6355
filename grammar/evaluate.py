"""A small, bounded interpreter over the AST: expr-lang expressions, govaluate conditions,
`depends`, and template rendering.

Never Python `eval`, never attribute access on Python objects: values are plain data (str,
int, float, bool, None, list, dict, plus datetime/timedelta for `now()`), every operation
is looked up in our own tables, and steps, string and list sizes are capped so a workflow
cannot make the checker or runtime hang.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
from typing import Any, Callable, Iterator, Mapping

from plait.grammar import ast as A
from plait.grammar.durations import parse_duration
from plait.grammar.limits import load_json
from plait.grammar.parse import (
    GrammarError,
    parse_condition,
    parse_expression,
    parse_template,
    unescape_simple,
)
from plait.grammar.regex import RegexError, compile_regex

MAX_STEPS = 100_000
MAX_STR = 1_000_000
MAX_LIST = 100_000


class EvaluationError(Exception):
    """An expression, condition or `depends` could not be evaluated."""


class _Missing(EvaluationError):
    """A name or key that is not in the environment (`??` and `?.` turn it into nil)."""


def nest(flat: Mapping[str, Any]) -> dict:
    """Turn {'inputs.parameters.x': '1'} into {'inputs': {'parameters': {'x': '1'}}}.

    As in Argo, when a key and its sub-keys both exist, only the sub-keys remain.
    """
    out: dict = {}
    for key in sorted(flat, key=lambda k: k.count(".")):
        *heads, last = key.split(".")
        d = out
        for h in heads:
            nxt = d.get(h)
            if not isinstance(nxt, dict):
                nxt = d[h] = {}
            d = nxt
        if not isinstance(d.get(last), dict):
            d[last] = flat[key]
    return out


# ---------------------------------------------------------------- expressions

def evaluate_expression(expr: A.Expr, env: Mapping[str, Any]) -> Any:
    """Evaluate an expr-lang AST against a nested environment (see `nest`)."""
    return _Eval(env).ev(expr, None)


class _Eval:
    """One evaluation: the environment, the step budget and the current `#` element."""

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env, self.steps = env, 0

    def ev(self, n: A.Node, ptr: Any) -> Any:  # noqa: C901 - a dispatcher
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise EvaluationError("expression exceeded the evaluation step limit")
        if isinstance(n, A.Literal):
            return n.value
        if isinstance(n, A.Name):
            if n.name in self.env:
                return self.env[n.name]
            raise _Missing(f"unknown name {n.name!r}")
        if isinstance(n, A.Pointer):
            if ptr is None:
                raise EvaluationError("'#' used outside a predicate")
            return ptr[1] if n.name == "index" else ptr[0]
        if isinstance(n, A.Member):
            obj = self._opt(n.obj, ptr) if n.optional else self.ev(n.obj, ptr)
            return None if obj is None and n.optional else _get(obj, n.name)
        if isinstance(n, A.Index):
            obj = self._opt(n.obj, ptr) if n.optional else self.ev(n.obj, ptr)
            if obj is None and n.optional:
                return None
            return _get(obj, self.ev(n.index, ptr))
        if isinstance(n, A.Slice):
            obj = self.ev(n.obj, ptr)
            if not isinstance(obj, (list, str)):
                raise EvaluationError(f"cannot slice {_type(obj)}")
            lo = 0 if n.lo is None else _int(self.ev(n.lo, ptr))
            hi = len(obj) if n.hi is None else _int(self.ev(n.hi, ptr))
            return obj[lo:hi]
        if isinstance(n, A.Call):
            return self.call(n, ptr)
        if isinstance(n, A.Unary):
            v = self.ev(n.operand, ptr)
            if n.op in ("!", "not"):
                return not _bool(v)
            return -_num(v) if n.op == "-" else +_num(v)
        if isinstance(n, A.Binary):
            return self.binary(n, ptr)
        if isinstance(n, A.Conditional):
            return self.ev(n.then if _bool(self.ev(n.test, ptr)) else n.else_, ptr)
        if isinstance(n, A.ArrayLit):
            return _cap([self.ev(i, ptr) for i in n.items])
        if isinstance(n, A.MapLit):
            return {_key(self.ev(k, ptr)): self.ev(v, ptr) for k, v in n.pairs}
        if isinstance(n, A.Predicate):
            return _Closure(self, n.body)
        raise EvaluationError(f"cannot evaluate {type(n).__name__} here")

    def _opt(self, n: A.Node, ptr: Any) -> Any:
        try:
            return self.ev(n, ptr)
        except _Missing:
            return None

    def binary(self, n: A.Binary, ptr: Any) -> Any:
        op = n.op
        if op == "??":
            left = self._opt(n.left, ptr)
            return self.ev(n.right, ptr) if left is None else left
        if op in ("&&", "and"):
            return _bool(self.ev(n.left, ptr)) and _bool(self.ev(n.right, ptr))
        if op in ("||", "or"):
            return _bool(self.ev(n.left, ptr)) or _bool(self.ev(n.right, ptr))
        a, b = self.ev(n.left, ptr), self.ev(n.right, ptr)
        if op.startswith("not "):
            return not _BINARY[op[4:]](a, b)
        return _int64(_BINARY[op](a, b))

    def call(self, n: A.Call, ptr: Any) -> Any:
        f = n.func
        if isinstance(f, A.Name) and f.name in _PREDICATE_FUNCS and len(n.args) == 2:
            body = n.args[1]
            args = [self.ev(n.args[0], ptr),
                    _Closure(self, body.body if isinstance(body, A.Predicate) else body)]
        else:
            args = [self.ev(a, ptr) for a in n.args]
        if isinstance(f, A.Name):
            fn = _FUNCS.get(f.name)
            if fn is None:
                raise EvaluationError(f"unknown function {f.name!r}")
            return _cap(_guard(fn, args, f.name))
        if isinstance(f, A.Member) and isinstance(f.obj, A.Name) and f.obj.name == "sprig":
            fn = _SPRIG.get(f.name)
            if fn is None:
                raise EvaluationError(f"unsupported sprig function {f.name!r}")
            return _cap(_guard(fn, args, "sprig." + f.name))
        if isinstance(f, A.Member):
            obj = self.ev(f.obj, ptr)
            if isinstance(obj, dt.timedelta) and f.name in _DURATION_METHODS and not args:
                return obj.total_seconds() / _DURATION_METHODS[f.name]
            raise EvaluationError(f"no method {f.name!r} on {_type(obj)}")
        raise EvaluationError("only named functions can be called")


class _Closure:
    """A predicate `{…}` bound to its evaluator; called once per element."""

    def __init__(self, ev: _Eval, body: A.Node) -> None:
        self.ev, self.body = ev, body

    def __call__(self, item: Any, index: int) -> Any:
        return self.ev.ev(self.body, (item, index))


def _guard(fn: Callable, args: list, name: str) -> Any:
    """Call a table function; Python errors from bad argument types become EvaluationError."""
    try:
        return fn(*args)
    except EvaluationError:
        raise
    except (TypeError, ValueError, OverflowError, ArithmeticError, IndexError, KeyError) as e:
        raise EvaluationError(f"{name}(): {e}") from None


# ---------------------------------------------------------------- value helpers

def _type(v: Any) -> str:
    return {str: "string", bool: "bool", int: "int", float: "float", list: "array",
            dict: "map", type(None): "nil"}.get(type(v), type(v).__name__)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise EvaluationError(f"expected bool, got {_type(v)} ({v!r})")
    return v


def _num(v: Any) -> int | float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise EvaluationError(f"expected a number, got {_type(v)} ({v!r})")
    return v


def _int(v: Any) -> int:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise EvaluationError(f"expected an integer, got {_type(v)} ({v!r})")
    return v


def _key(v: Any) -> Any:
    if not isinstance(v, (str, int, float, bool)) and v is not None:
        raise EvaluationError(f"a map key cannot be {_type(v)}")
    return v


def _cap(v: Any) -> Any:
    if isinstance(v, str) and len(v) > MAX_STR:
        raise EvaluationError("string result too large")
    if isinstance(v, (list, dict)) and len(v) > MAX_LIST:
        raise EvaluationError("collection result too large")
    return _int64(v)


def _int64(v: Any) -> Any:
    """Integers stay within Go's int64, so arithmetic cannot build huge numbers."""
    if isinstance(v, int) and not isinstance(v, bool) and not -2**63 <= v < 2**63:
        raise EvaluationError("integer overflow")
    return v


def _get(obj: Any, key: Any) -> Any:
    """`obj.key` / `obj[key]`: missing map keys are nil, bad list indexes are errors."""
    if isinstance(obj, dict):
        return obj.get(_key(key))
    if isinstance(obj, (list, str)):
        i = _int(key)
        if -len(obj) <= i < len(obj):
            return obj[i]
        raise EvaluationError(f"index {i} out of range (len {len(obj)})")
    if obj is None:
        raise _Missing(f"cannot read {key!r} of nil")
    raise EvaluationError(f"cannot read {key!r} of {_type(obj)}")


def _eq(a: Any, b: Any) -> bool:
    """expr-lang equality: numbers compare by value, otherwise types must match."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b
    if type(a) is not type(b):
        return False
    return a == b


def _order(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    if isinstance(a, (dt.datetime, dt.timedelta)) and type(a) is type(b):
        return a, b
    return _num(a), _num(b)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str) and isinstance(b, str):
        return _cap(a + b)
    if isinstance(a, list) and isinstance(b, list):
        return _cap(a + b)
    if isinstance(a, (dt.datetime, dt.timedelta)) and isinstance(b, dt.timedelta):
        return a + b
    return _num(a) + _num(b)


def _sub(a: Any, b: Any) -> Any:
    if isinstance(a, dt.datetime) and isinstance(b, (dt.datetime, dt.timedelta)):
        return a - b
    return _num(a) - _num(b)


def _div(a: Any, b: Any) -> float:
    if _num(b) == 0:
        raise EvaluationError("division by zero")
    return _num(a) / b


def _mod(a: Any, b: Any) -> int:
    if _int(b) == 0:
        raise EvaluationError("modulo by zero")
    return int(math.fmod(_int(a), b))


def _pow(a: Any, b: Any) -> float:
    try:
        return float(_num(a)) ** _num(b)
    except (OverflowError, ZeroDivisionError) as e:
        raise EvaluationError(f"bad power: {e}") from None


def _in(a: Any, b: Any) -> bool:
    if isinstance(b, dict):
        return a in b if isinstance(a, (str, int, float, bool)) else False
    if isinstance(b, list):
        return any(_eq(a, x) for x in b)
    raise EvaluationError(f"'in' needs an array or map, got {_type(b)}")


def _str2(a: Any, b: Any) -> tuple[str, str]:
    if not isinstance(a, str) or not isinstance(b, str):
        raise EvaluationError(f"expected strings, got {_type(a)} and {_type(b)}")
    return a, b


def _matches(a: Any, b: Any) -> bool:
    s, pattern = _str2(a, b)
    return _regex(pattern).search(s) is not None


def _regex(pattern: str) -> Any:
    """RE2, as Go's regexp: linear time whatever the pattern and the data (grammar/regex.py)."""
    try:
        return compile_regex(pattern)
    except RegexError as e:
        raise EvaluationError(f"bad regular expression {pattern!r}: {e}") from None


def _range(a: Any, b: Any) -> list:
    lo, hi = _int(a), _int(b)
    if hi - lo >= MAX_LIST:
        raise EvaluationError("range too large")
    return list(range(lo, hi + 1))


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "==": _eq, "!=": lambda a, b: not _eq(a, b),
    "<": lambda a, b: (lambda x, y: x < y)(*_order(a, b)),
    ">": lambda a, b: (lambda x, y: x > y)(*_order(a, b)),
    "<=": lambda a, b: (lambda x, y: x <= y)(*_order(a, b)),
    ">=": lambda a, b: (lambda x, y: x >= y)(*_order(a, b)),
    "+": _add, "-": _sub, "*": lambda a, b: _num(a) * _num(b), "/": _div, "%": _mod,
    "**": _pow, "^": _pow, "in": _in, "..": _range, "matches": _matches,
    "contains": lambda a, b: str.__contains__(*_str2(a, b)),
    "startsWith": lambda a, b: str.startswith(*_str2(a, b)),
    "endsWith": lambda a, b: str.endswith(*_str2(a, b)),
}


# ---------------------------------------------------------------- functions

def _to_json(v: Any) -> str:
    try:
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False, sort_keys=True,
                          default=_json_default)
    except (TypeError, ValueError) as e:
        raise EvaluationError(f"cannot convert to JSON: {e}") from None


def _json_default(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.isoformat()
    raise TypeError(f"{_type(v)} is not JSON")


def _from_json(s: Any) -> Any:
    try:
        return load_json(_s(s))
    except ValueError as e:
        raise EvaluationError(f"invalid JSON: {e}") from None


def _s(v: Any) -> str:
    if not isinstance(v, str):
        raise EvaluationError(f"expected a string, got {_type(v)}")
    return v


def _as_int(v: Any) -> int:
    if isinstance(v, str):
        try:
            return int(v.strip(), 0) if v.strip()[:2].lower() == "0x" else int(v.strip())
        except ValueError:
            raise EvaluationError(f"cannot convert {v!r} to int") from None
    if isinstance(v, float):
        return int(v)
    return _int(v)


def _as_float(v: Any) -> float:
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            raise EvaluationError(f"cannot convert {v!r} to float") from None
    return float(_num(v))


def _string(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "<nil>"
    if isinstance(v, (int, float)):
        return _fmt_number(v)
    return _to_json(v)


def _fmt_number(v: int | float) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return str(v)


def _len(v: Any) -> int:
    if isinstance(v, (str, list, dict)):
        return len(v)
    raise EvaluationError(f"len() of {_type(v)}")


def _list(v: Any) -> list:
    if isinstance(v, list):
        return v
    raise EvaluationError(f"expected an array, got {_type(v)}")


def _map(v: Any) -> dict:
    if isinstance(v, dict):
        return v
    raise EvaluationError(f"expected a map, got {_type(v)}")


def _pred(f: Any) -> Callable[[Any, int], Any]:
    if not isinstance(f, _Closure):
        raise EvaluationError("expected a predicate such as {# > 1}")
    return f


def _agg(name: str, fn: Callable) -> Callable:
    def run(*args: Any) -> Any:
        values = _list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
        if not values:
            raise EvaluationError(f"{name}() of nothing")
        return fn(_num(v) for v in values) if name != "sum" else sum(_num(v) for v in values)
    return run


def _split(s: Any, sep: Any, n: Any = -1) -> list:
    if _s(sep) == "":
        return list(_s(s))
    return _s(s).split(sep, _int(n) - 1 if _int(n) > 0 else -1)


def _join(xs: Any, sep: Any = "") -> str:
    return _s(sep).join(_s(x) for x in _list(xs))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _parse_time(v: Any) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    try:
        t = dt.datetime.fromisoformat(_s(v).replace("Z", "+00:00"))
    except ValueError:
        raise EvaluationError(f"cannot parse time {v!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


_FUNCS: dict[str, Callable[..., Any]] = {
    "len": _len, "upper": lambda s: _s(s).upper(), "lower": lambda s: _s(s).lower(),
    "trim": lambda s, c=None: _s(s).strip(c), "trimPrefix": lambda s, p: _s(s).removeprefix(_s(p)),
    "trimSuffix": lambda s, p: _s(s).removesuffix(_s(p)), "split": _split, "join": _join,
    "replace": lambda s, a, b: _cap(_s(s).replace(_s(a), _s(b))),
    "repeat": lambda s, n: _cap(_s(s) * _int(n)) if len(_s(s)) * _int(n) <= MAX_STR
    else _cap("x" * (MAX_STR + 1)),
    "indexOf": lambda s, t: _s(s).find(_s(t)), "hasPrefix": lambda s, p: _s(s).startswith(_s(p)),
    "hasSuffix": lambda s, p: _s(s).endswith(_s(p)),
    "keys": lambda m: sorted(_map(m)), "values": lambda m: [m[k] for k in sorted(_map(m))],
    "filter": lambda xs, f: [x for i, x in enumerate(_list(xs)) if _bool(_pred(f)(x, i))],
    "map": lambda xs, f: [_pred(f)(x, i) for i, x in enumerate(_list(xs))],
    "all": lambda xs, f: all(_bool(_pred(f)(x, i)) for i, x in enumerate(_list(xs))),
    "any": lambda xs, f: any(_bool(_pred(f)(x, i)) for i, x in enumerate(_list(xs))),
    "none": lambda xs, f: not any(_bool(_pred(f)(x, i)) for i, x in enumerate(_list(xs))),
    "one": lambda xs, f: sum(_bool(_pred(f)(x, i)) for i, x in enumerate(_list(xs))) == 1,
    "count": lambda xs, f: sum(_bool(_pred(f)(x, i)) for i, x in enumerate(_list(xs))),
    "find": lambda xs, f: next((x for i, x in enumerate(_list(xs)) if _bool(_pred(f)(x, i))),
                               None),
    "first": lambda xs: _list(xs)[0] if _list(xs) else None,
    "last": lambda xs: _list(xs)[-1] if _list(xs) else None,
    "reverse": lambda xs: list(reversed(_list(xs))),
    "sum": _agg("sum", sum), "min": _agg("min", min), "max": _agg("max", max),
    "abs": lambda x: abs(_num(x)), "ceil": lambda x: float(math.ceil(_num(x))),
    "floor": lambda x: float(math.floor(_num(x))), "round": lambda x: float(round(_num(x))),
    "string": _string, "int": _as_int, "float": _as_float, "asInt": _as_int,
    "asFloat": _as_float, "toJson": _to_json, "toJSON": _to_json, "fromJSON": _from_json,
    "fromJson": _from_json, "jsonpath": lambda s, p: _jsonpath(_from_json(s), _s(p)),
    "now": _now, "date": _parse_time, "type": _type,
    "duration": lambda s: _go_duration(_s(s)),
}
_PREDICATE_FUNCS = frozenset({"filter", "map", "all", "any", "none", "one", "count", "find"})
_DURATION_METHODS = {"Seconds": 1, "Minutes": 60, "Hours": 3600, "Milliseconds": 0.001}


def _go_duration(s: str) -> dt.timedelta:
    """expr's `duration()`: Go's `time.ParseDuration`, so a bare number is no duration."""
    try:
        return dt.timedelta(seconds=parse_duration(s, integer_seconds=False))
    except ValueError as exc:
        raise EvaluationError(str(exc)) from None


# ---------------------------------------------------------------- sprig (practical subset)

_GO_LAYOUT = [("January", "%B"), ("Monday", "%A"), ("2006", "%Y"), ("-0700", "%z"),
              ("Jan", "%b"), ("Mon", "%a"), ("MST", "%Z"), ("01", "%m"), ("02", "%d"),
              ("15", "%H"), ("03", "%I"), ("04", "%M"), ("05", "%S"), ("06", "%y"),
              ("PM", "%p")]


def _go_date(layout: Any, t: Any) -> str:
    """Sprig `date`: format a time with a Go layout (`2006-01-02`)."""
    out, s = [], _s(layout)
    while s:
        for go, py in _GO_LAYOUT:
            if s.startswith(go):
                out.append(py)
                s = s[len(go):]
                break
        else:
            out.append(s[0].replace("%", "%%"))
            s = s[1:]
    return _parse_time(t).strftime("".join(out))


def _sprig_num(v: Any) -> int:
    try:
        return _as_int(v)
    except EvaluationError:
        return 0  # sprig yields zero values instead of errors


_SPRIG: dict[str, Callable[..., Any]] = {
    "date": _go_date, "now": _now, "upper": lambda s: _s(s).upper(),
    "lower": lambda s: _s(s).lower(), "trim": lambda s: _s(s).strip(),
    "trimAll": lambda c, s: _s(s).strip(_s(c)), "title": lambda s: _s(s).title(),
    "replace": lambda old, new, s: _cap(_s(s).replace(_s(old), _s(new))),
    "default": lambda d, v=None: d if v in (None, "", 0, False, [], {}) else v,
    "empty": lambda v: v in (None, "", 0, False, [], {}),
    "toString": _string, "atoi": _sprig_num, "int": _sprig_num, "int64": _sprig_num,
    "float64": lambda v: _as_float(v) if isinstance(v, (int, float, str)) else 0.0,
    "add": lambda *xs: sum(_sprig_num(x) for x in xs),
    "sub": lambda a, b: _sprig_num(a) - _sprig_num(b),
    "mul": lambda *xs: math.prod(_sprig_num(x) for x in xs),
    "div": lambda a, b: int(_sprig_num(a) / _sprig_num(b)) if _sprig_num(b) else 0,
    "mod": lambda a, b: _sprig_num(a) % _sprig_num(b) if _sprig_num(b) else 0,
    "max": lambda *xs: max(_sprig_num(x) for x in xs),
    "min": lambda *xs: min(_sprig_num(x) for x in xs),
    "contains": lambda sub, s: _s(sub) in _s(s), "hasPrefix": lambda p, s: _s(s).startswith(_s(p)),
    "hasSuffix": lambda p, s: _s(s).endswith(_s(p)), "quote": lambda s: json.dumps(_string(s)),
    "squote": lambda s: "'" + _string(s) + "'", "cat": lambda *xs: " ".join(map(_string, xs)),
    "splitList": lambda sep, s: _s(s).split(_s(sep)), "join": lambda sep, xs: _join(xs, sep),
    "list": lambda *xs: list(xs), "toJson": _to_json, "fromJson": _from_json,
    "b64enc": lambda s: base64.b64encode(_s(s).encode()).decode(),
    "b64dec": lambda s: base64.b64decode(_s(s).encode()).decode("utf-8", "replace"),
    "sha256sum": lambda s: hashlib.sha256(_s(s).encode()).hexdigest(),
    "trunc": lambda n, s: _s(s)[:_int(n)] if _int(n) >= 0 else _s(s)[_int(n):],
    "repeat": lambda n, s: _FUNCS["repeat"](s, n),
}


# ---------------------------------------------------------------- jsonpath

_JP_TOKEN = re.compile(r"\.\.|\.(\*|[\w$-]+)|\[\s*(\*|-?\d*\s*:\s*-?\d*|-?\d+|'[^']*'|\"[^\"]*\""
                       r"|\?\((.*?)\))\s*\]")


def _jsonpath(doc: Any, path: str) -> Any:
    """A practical JSONPath: `$.a.b`, `$[0].x`, `$.a[*].b`, slices, `?(@.x > 1)`.

    Definite paths give one value; wildcards, slices and filters give a list.
    """
    if not path.startswith("$"):
        raise EvaluationError(f"jsonpath must start with '$': {path!r}")
    nodes, multi, pos = [doc], False, 1
    while pos < len(path):
        m = _JP_TOKEN.match(path, pos)
        if not m:
            raise EvaluationError(f"unsupported jsonpath {path!r} at {path[pos:]!r}")
        pos = m.end()
        tok = m.group(0)
        if tok == "..":
            raise EvaluationError("recursive descent '..' is not supported in jsonpath")
        nxt: list = []
        name, sel, flt = m.group(1), m.group(2), m.group(3)
        for node in nodes:
            if flt is not None:
                multi = True
                items = node if isinstance(node, list) else list(node.values()) \
                    if isinstance(node, dict) else []
                nxt.extend(x for x in items if _jp_filter(flt, x))
            elif (name or sel) == "*":
                multi = True
                nxt.extend(node if isinstance(node, list) else node.values()
                           if isinstance(node, dict) else [])
            elif sel is not None and ":" in sel:
                multi = True
                lo, hi = (int(p) if p.strip() else None for p in sel.split(":"))
                nxt.extend(node[lo:hi] if isinstance(node, list) else [])
            elif sel is not None and sel[:1] in "'\"":
                if isinstance(node, dict) and sel[1:-1] in node:
                    nxt.append(node[sel[1:-1]])
            elif sel is not None:
                i = int(sel)
                if isinstance(node, list) and -len(node) <= i < len(node):
                    nxt.append(node[i])
            elif isinstance(node, dict) and name in node:
                nxt.append(node[name])
        nodes = nxt
    if multi:
        return nodes
    if not nodes:
        raise EvaluationError(f"jsonpath {path!r} matched nothing")
    return nodes[0]


def _jp_filter(text: str, item: Any) -> bool:
    """Evaluate a filter with our own expression evaluator, `@` being the element."""
    try:
        expr = parse_expression(text.replace("@", "#"))
    except GrammarError as e:
        raise EvaluationError(f"bad jsonpath filter {text!r}: {e.message}") from None
    try:
        return _Eval({}).ev(expr, (item, 0)) is True
    except _Missing:
        return False


# ---------------------------------------------------------------- govaluate conditions

_GV_NUMBER = re.compile(r"\s*(0[xX][0-9a-fA-F]+|\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+)\s*\Z")
_GV_WORD = re.compile(r"\s*([A-Za-z_]\w*)\s*\Z")


def evaluate_when(text: str, values: Mapping[str, Any]) -> tuple[bool, str]:
    """A step's or task's `when` over `values` (govaluate, spec §6): (value, resolved text).

    As in Argo, the tags are substituted into the text first and the result is evaluated
    second, so a substituted value may itself bring quotes and commas (a `{{= ... join('","')
    }}` inside a quoted list makes several list items). The one copy of this rule: the
    planner folds a `when` whose values are known with it, the runtime decides the rest.
    Raises GrammarError/EvaluationError, also for a tag `values` cannot resolve.
    """
    cond = parse_condition(text)
    tag_values = {i: render_template(A.Template((tag,), tag.raw), values, strict=True)
                  for i, tag in enumerate(A.cond_tags(cond))}
    try:
        resolved = render_template(parse_template(text), values)
    except (EvaluationError, GrammarError):
        resolved = text
    if tag_values and "{{" not in resolved and "<<" not in resolved:
        return evaluate_condition(parse_condition(resolved), {}), resolved
    return evaluate_condition(cond, tag_values), resolved


def evaluate_condition(cond: A.Cond, tag_values: Mapping[Any, str]) -> bool:
    """Evaluate a `when` condition with govaluate semantics.

    `tag_values` maps each tag to its substituted text, by Tag node, by index (order of
    appearance) or by the tag's trimmed body text (`steps.a.outputs.result`).
    """
    v = _Gov(tag_values, A.cond_tags(cond)).ev(cond)
    if not isinstance(v, bool):
        raise EvaluationError(f"when expression evaluated to {_type(v)} {v!r}, not a boolean")
    return v


class _Gov:
    """govaluate's typing: numbers are float64, == is typed, strings compare lexically."""

    def __init__(self, values: Mapping[Any, str], order: list[A.Tag]) -> None:
        self.values, self.order = values, order

    def value_of(self, tag: A.Tag) -> str:
        for key in (tag, self._index(tag), _tag_key(tag)):
            if key is not None and key in self.values:
                return str(self.values[key])
        raise EvaluationError(f"no value for {tag.raw or A.unparse(tag)}")

    def _index(self, tag: A.Tag) -> int | None:
        for i, t in enumerate(self.order):
            if t is tag:
                return i
        return None

    def ev(self, n: A.Node) -> Any:  # noqa: C901 - a dispatcher
        if isinstance(n, A.Literal):
            return n.value
        if isinstance(n, A.Word):
            return n.value
        if isinstance(n, A.CondTag):
            return _gov_operand(self.value_of(n.tag), n.tag)
        if isinstance(n, A.CondString):
            text = "".join(p.value if isinstance(p, A.Text) else self.value_of(p)
                           for p in n.template.parts)
            return _go_unescape(text)
        if isinstance(n, A.CondUnary):
            v = self.ev(n.operand)
            if n.op == "!":
                return not _bool(v)
            return -_float(v)
        if isinstance(n, A.CondIn):
            left = self.ev(n.left)
            return any(_gov_eq(left, self.ev(i)) for i in n.items)
        if isinstance(n, A.CondConditional):
            return self.ev(n.then if _bool(self.ev(n.test)) else n.else_)
        if isinstance(n, A.CondBinary):
            return self.binary(n)
        raise EvaluationError(f"cannot evaluate {type(n).__name__} in a condition")

    def binary(self, n: A.CondBinary) -> Any:
        op = n.op
        if op == "&&":
            return _bool(self.ev(n.left)) and _bool(self.ev(n.right))
        if op == "||":
            return _bool(self.ev(n.left)) or _bool(self.ev(n.right))
        a = self.ev(n.left)
        if op == "??":
            return self.ev(n.right) if a is None else a
        b = self.ev(n.right)
        if op == "==":
            return _gov_eq(a, b)
        if op == "!=":
            return not _gov_eq(a, b)
        if op in ("=~", "!~"):
            found = _regex(_s(b)).search(_s(a)) is not None
            return found if op == "=~" else not found
        if op in ("<", ">", "<=", ">="):
            if not (isinstance(a, str) and isinstance(b, str)):
                a, b = _float(a), _float(b)
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        if op == "+" and isinstance(a, str) or isinstance(b, str) and op == "+":
            return _cap(_string(a) + _string(b))
        return _BINARY[op](_float(a), _float(b))


def _tag_key(tag: A.Tag) -> str | None:
    return A.unparse(tag.body) if tag.body is not None else None


def _float(v: Any) -> float:
    return float(_num(v))


def _gov_eq(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    return a == b


def _gov_operand(value: str, tag: A.Tag) -> Any:
    """What govaluate makes of a substituted bare tag: number, bool or identifier-string."""
    if _GV_NUMBER.match(value):
        v = value.strip()
        return float(int(v, 16)) if v[:2].lower() == "0x" else float(v)
    m = _GV_WORD.match(value)
    if m:
        word = m.group(1)
        return {"true": True, "false": False}.get(word, word)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return _go_unescape(value[1:-1])
    raise EvaluationError(
        f"value {value!r} of {tag.raw or A.unparse(tag)} is not a single govaluate token; "
        f"quote the tag: '{tag.raw or A.unparse(tag)}'")


def regex_literals(root: A.Node) -> Iterator[tuple[str, int, int]]:
    """Each literal pattern (text, start, end) on the right of `=~`, `!~` or `matches` in a
    parsed condition, expression or template, so a checker can refuse what RE2 refuses."""
    stack = [root]
    while stack:
        n = stack.pop()
        right = getattr(n, "right", None)
        if isinstance(n, A.CondBinary) and n.op in ("=~", "!~") \
                and isinstance(right, A.CondString) and right.template.is_literal:
            text = "".join(p.value for p in right.template.parts if isinstance(p, A.Text))
            yield _go_unescape(text), right.start, right.end
        elif isinstance(n, A.Binary) and n.op in ("matches", "not matches") \
                and isinstance(right, A.Literal) and isinstance(right.value, str):
            yield right.value, right.start, right.end
        stack.extend(A.children(n))


def _go_unescape(s: str) -> str:
    return unescape_simple(s)


# ---------------------------------------------------------------- depends

_BARE_OK = frozenset({"Succeeded", "Skipped", "Daemoned"})


def evaluate_depends(dep: A.Depends, results: Mapping[str, Any],
                     continue_on: Mapping[str, Any] | None = None) -> bool:
    """Evaluate `depends` against each task's set of results (e.g. {'Succeeded'}).

    A bare name means Succeeded, Skipped or Daemoned, plus the results listed for that task
    in `continue_on` (e.g. {'Failed'} for `continueOn.failed`).
    """
    if isinstance(dep, A.DepAnd):
        return evaluate_depends(dep.left, results, continue_on) and \
            evaluate_depends(dep.right, results, continue_on)
    if isinstance(dep, A.DepOr):
        return evaluate_depends(dep.left, results, continue_on) or \
            evaluate_depends(dep.right, results, continue_on)
    if isinstance(dep, A.DepNot):
        return not evaluate_depends(dep.operand, results, continue_on)
    if isinstance(dep, A.DepRef):
        if dep.task not in results:
            raise EvaluationError(f"depends names unknown task {dep.task!r}")
        have = set(results[dep.task])
        if dep.result is not None:
            return dep.result in have
        ok = _BARE_OK | set((continue_on or {}).get(dep.task, ()))
        return bool(have & ok)
    raise EvaluationError(f"cannot evaluate {type(dep).__name__} in depends")


# ---------------------------------------------------------------- templates

def render_template(template: A.Template, values: Mapping[str, Any], *,
                    strict: bool = False) -> str:
    """Substitute tags as Argo does.

    Simple tags are exact key lookups (`values['inputs.parameters.x']`); unknown ones stay
    verbatim. Expression tags are evaluated over `nest(values)`: a string result is inserted
    raw, anything else as compact JSON. With `strict`, a missing name or a nil result is an
    error instead of leaving the tag verbatim. Results are data and are never re-parsed.
    """
    out: list[str] = []
    env: dict | None = None
    for part in template.parts:
        if isinstance(part, A.Text):
            out.append(part.value)
            continue
        if isinstance(part.body, A.Ref):  # a tag of kind "ref"
            key = part.raw[2:-2].strip() if part.raw else A.unparse(part.body)
            v = values.get(key, values.get(".".join(part.body.path)))
            if v is None:
                if strict:
                    raise EvaluationError(f"failed to resolve {part.raw}")
                out.append(part.raw or A.unparse(part))
            else:
                out.append(v if isinstance(v, str) else _to_json(v))
            continue
        if env is None:
            env = nest(values)
        try:
            v = evaluate_expression(part.body, env)
        except _Missing:
            if strict:
                raise
            out.append(part.raw or A.unparse(part))
            continue
        if v is None:
            if strict:
                raise EvaluationError(f"{part.raw} evaluated to nil")
            out.append(part.raw or A.unparse(part))
        else:
            out.append(v if isinstance(v, str) else _string(v) if isinstance(v, (int, float))
                       else _to_json(v))
        _cap("".join(out[-1:]))
    return _cap("".join(out))
