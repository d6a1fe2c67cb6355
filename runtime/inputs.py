"""What a template gets from its caller (spec §4, §5.3, §9): workflow arguments, a step's
or task's rendered arguments, and a template's `inputs.*` scope with defaults, `valueFrom`
and input artifacts (`from:`, `raw`, `optional`). Remote artifact kinds are refused here with
a message saying the local backend does not support them.

The functions take the `Engine` first; the engine binds them as its methods.
"""

from __future__ import annotations

from typing import Any

from plait.compiler.plan import ARTIFACT_LOCATIONS, IO, Artifact, Template, ValueFrom
from plait.compiler.plancodec import decode_io, encode_artifact

from .kernel import Kernel
from .naming import item_text
from .values import params_json, render_text

# the storage locations the local backend cannot reach (every one but `raw`)
REMOTE_ARTIFACTS = tuple(k for k in ARTIFACT_LOCATIONS if k != "raw")


class TemplateError(Exception):
    """A node cannot run (missing input, bad argument, unsupported kind): the node Errors."""


class MissingConfig(TemplateError):
    """A `configMapKeyRef` whose ConfigMap or key was not given (`detail` says which, and how
    to give it)."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail


class _AbsentType:
    """An argument that references an output which does not exist (its producer was Skipped or
    Omitted, or never wrote it, and declares no `valueFrom.default`). The callee's input
    default (or `optional: true` for an artifact) applies; without one the node Errors with
    `ABSENT_MESSAGE`."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _AbsentType()
ABSENT_MESSAGE = "argument references an absent optional (skipped/omitted node output with no default)"


def workflow_parameters(engine: Kernel) -> list[dict[str, Any]]:
    """The workflow's arguments.parameters with `valueFrom` resolved. A ConfigMap that is not
    given fails the whole workflow before any node, as Argo's setGlobalParameters does
    (TemplateError with Argo's message; `Engine.run` ends the run Failed with it)."""
    out = []
    for p in engine.plan.arguments.parameters:
        value = p.value
        vf = p.value_from
        if value is None and vf is not None:
            try:
                value = value_from(engine, vf, p.name)
            except MissingConfig as exc:
                ref = vf.config_map_key_ref or {}
                raise TemplateError(
                    f"failed to set global parameters: failed to set global parameter {p.name} "
                    f"from configmap with name {ref.get('name')} and key {ref.get('key')}: "
                    f"{exc.detail}") from None
        out.append({"name": p.name, "value": None if value is None else _text(value)})
    return out


def workflow_artifacts(engine: Kernel) -> dict[str, dict[str, Any]]:
    """The workflow's arguments.artifacts by name, as Argo's JSON objects (values)."""
    return {a.name: encode_artifact(a) for a in engine.plan.arguments.artifacts if a.name is not None}


def value_from(engine: Kernel, vf: ValueFrom, name: str) -> str | None:
    """A parameter's `valueFrom` outside a pod: a ConfigMap key (`--configmaps FILE`), else its
    `default`. MissingConfig when the ConfigMap or key is missing and
    there is no default and the ref is not optional."""
    ref = vf.config_map_key_ref
    if isinstance(ref, dict):
        try:
            if engine.secrets is None:
                raise KeyError(f"configmap {ref.get('name')!r} not found (give its manifest "
                               "with --configmaps FILE)")
            return engine.secrets.config(str(ref.get("name")), str(ref.get("key")))
        except KeyError as exc:
            detail = str(exc.args[0]) if exc.args else str(exc)
            if not ref.get("optional") and not vf.has("default"):
                raise MissingConfig(f"parameter {name!r}: {detail}", detail) from None
    if vf.has("default"):
        return _text(vf.default)
    return None


def inputs(engine: Kernel, tmpl: Template, args: tuple[dict, dict]) -> tuple[dict, list]:
    """The template's own scope (`inputs.*`) from the caller's arguments and defaults."""
    given, given_art = args
    local: dict[str, Any] = {}
    params = []
    for p in tmpl.inputs.parameters:
        n = p.name
        if n in given and given[n] is not ABSENT:
            v = given[n]
        elif p.value is not None:
            v = render_text(_text(p.value), engine.globals)
        elif p.value_from is not None and value_from(engine, p.value_from, n) is not None:
            v = value_from(engine, p.value_from, n)
        elif p.default is not None:
            v = render_text(_text(p.default), engine.globals)
        elif given.get(n) is ABSENT:
            raise TemplateError(f"inputs.parameters.{n}: {ABSENT_MESSAGE}")
        else:
            raise TemplateError(f"inputs.parameters.{n} was not supplied")
        local[f"inputs.parameters.{n}"] = v
        params.append({"name": n, "value": v})
    if params:
        local["inputs.parameters"] = params_json(params)
    artifacts = []
    for a in tmpl.inputs.artifacts:
        n = a.name
        src = given_art.get(n)
        if src is None and a.source:
            src = encode_artifact(a)
        if src is None or src is ABSENT:
            if a.optional:
                continue            # absent, and stays absent when passed on with from:
            if src is ABSENT:
                raise TemplateError(f"inputs.artifacts.{n}: {ABSENT_MESSAGE}")
            raise TemplateError(f"inputs.artifacts.{n} was not supplied")
        for loc in REMOTE_ARTIFACTS:
            if loc in src:
                raise TemplateError(f"{loc} artifacts are not supported by the local "
                                    f"backend (input artifact {n!r})")
        obj = dict(src, name=n)
        if a.path:
            obj["path"] = a.path
            local[f"inputs.artifacts.{n}.path"] = a.path
        if a.mode is not None:
            obj["mode"] = a.mode
        local[f"inputs.artifacts.{n}"] = obj
        artifacts.append(obj)
    return local, artifacts


def arguments(engine: Kernel, raw: IO | dict[str, Any] | None, scope: Any,
              unresolved_as_text: bool = False) -> tuple[dict, dict]:
    """A step's/task's arguments rendered in the caller's scope (spec §5.3, §4.5).

    `unresolved_as_text`: an exit hook's arguments keep a reference to an output its step
    never produced as the tag's text (Argo renders them with unresolved tags allowed), so the
    hook still runs."""
    params: dict[str, str | _AbsentType] = {}
    arts: dict[str, dict | _AbsentType] = {}
    # a step's arguments are a record; a hook's are Argo's `arguments` object as written
    io = raw if isinstance(raw, IO) else decode_io(raw)
    for p in io.parameters:
        n: Any = p.name
        if p.value is not None:
            v = p.value
            if isinstance(v, str):
                try:
                    text = render_text(v, scope, checked=True)
                except ValueError as exc:
                    raise TemplateError(str(exc)) from None
                if text == v and ("{{" in v or "<<" in v) and _whole_output_ref(v) \
                        and not unresolved_as_text:
                    params[n] = ABSENT      # the input default applies, else an Error
                    continue
                params[n] = text
            else:
                params[n] = _text(v)
        elif p.value_from is not None:
            v2 = value_from(engine, p.value_from, n)
            if v2 is not None:
                params[n] = v2
    for a in io.artifacts:
        n = a.name
        source = a.source or {}
        if a.has("from"):
            ref = tag_body(str(a.from_))
            obj = scope.get(ref) if ref else None
            if isinstance(obj, dict):
                arts[n] = with_sub_path(obj, a, scope) if a.sub_path else obj
            elif obj is ABSENT or (ref and absent_output(ref, scope)):
                arts[n] = ABSENT            # subPath of nothing is nothing too
            elif not a.optional:
                raise TemplateError(f"Unable to resolve: {a.from_}")
        elif "raw" in source:
            arts[n] = {"raw": {"data": render_text(str((source["raw"] or {}).get("data", "")),
                                                   scope)}}
        elif any(loc in source for loc in REMOTE_ARTIFACTS):
            arts[n] = encode_artifact(a)
    return params, arts


def with_sub_path(obj: dict[str, Any], arg: Artifact, scope: Any) -> dict[str, Any]:
    """The artifact `obj` narrowed to the argument's `subPath` (rendered in `scope`): as Argo's
    resolveArtifact does, the path is appended to the artifact's key, so the consumer gets
    that file or folder inside it (a stored folder: `archive: none`). A path that climbs or is
    absolute, or an artifact without a key, is a TemplateError (ignored when `optional`)."""
    try:
        sub = render_text(str(arg.sub_path), scope, checked=True)
    except ValueError as exc:
        raise TemplateError(str(exc)) from None
    parts = [p for p in sub.split("/") if p not in ("", ".")]
    problem = None
    if "key" not in obj:
        problem = "the artifact has no key to append it to"
    elif sub.startswith("/") or ".." in parts or "\0" in sub:
        problem = "it must be a relative path inside the artifact"
    if problem:
        if arg.optional:
            return obj
        raise TemplateError(f"artifact {arg.name!r} subPath {sub!r}: {problem}")
    return dict(obj, key="/".join([str(obj["key"]).rstrip("/"), *parts])) if parts else obj


def _text(v: Any) -> str:
    """A parameter value as Argo's string (numbers and bools as YAML wrote them)."""
    return item_text(v)


def tag_body(text: str) -> str | None:
    s = text.strip()
    for o, c in (("{{", "}}"), ("<<", ">>")):
        if s.startswith(o) and s.endswith(c):
            return s[2:-2].strip()
    return None


def absent_output(ref: str, scope: Any) -> bool:
    """`steps.X.outputs.artifacts.Y` / `tasks.X...` of a producer that was Skipped or Omitted,
    or `inputs.artifacts.Y` of an optional input artifact that was not given."""
    parts = ref.split(".")
    if len(parts) >= 4 and parts[0] in ("steps", "tasks") and parts[2] == "outputs":
        return scope.get(f"{parts[0]}.{parts[1]}.status") in ("Skipped", "Omitted")
    return parts[:2] == ["inputs", "artifacts"] and len(parts) == 3


def _whole_output_ref(text: str) -> bool:
    body = tag_body(text)
    return body is not None and body.split(".", 1)[0] in ("steps", "tasks") and ".outputs." in body


__all__ = ["ABSENT", "ABSENT_MESSAGE", "MissingConfig", "REMOTE_ARTIFACTS", "TemplateError",
           "absent_output", "arguments", "tag_body", "inputs", "value_from", "with_sub_path",
           "workflow_artifacts", "workflow_parameters"]
