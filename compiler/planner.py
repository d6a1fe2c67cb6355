"""`build_plan`: turn one checked Workflow into the `Plan` the runtime executes.

Everything that can be known without running is resolved here (spec §1, §3, §7, §10, §12,
§14): workflow arguments, the name, the entrypoint, `templateDefaults`, `templateRef` and
`workflowTemplateRef`, loop expansion with Argo's node names, durations in seconds,
`depends`/`dependencies` in one form, and `when` conditions over known values. What depends
on a run (step outputs, `withParam` from a result) stays as text with its producers named.

Every pass is linear in the number of templates and children: no loop over tasks inside a
loop over tasks.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from plait.grammar import (
    EvaluationError,
    GrammarError,
    parse_condition,
    parse_depends,
    parse_template,
    render_template,
)
from plait.grammar import ast as A
from plait.grammar.durations import parse_duration
from plait.grammar.evaluate import evaluate_when
from plait.grammar.limits import load_json

from .argo_version import v4_synchronization
from .calls import Call, How, Role, Target, call_arguments, find_library, literal, ref_parts
from .context import Context
from .loops import expand_sequence, item_description, item_values, loop_node_name
from .model import BODY_KINDS, LEAF_KINDS, Step, Template, Workflow, as_map
from .plan import (
    DEFAULT_PREFIX,
    IO,
    MAX_DEPTH,
    NAME_CHARS,
    Backoff,
    Body,
    Child,
    DagBody,
    Hook,
    LeafBody,
    Loop,
    LoopItem,
    Plan,
    Retry,
    StepsBody,
    When,
    generate_name,
)
from .plan import Template as PlanTemplate
from .plancodec import (
    decode_hook,
    decode_io,
    decode_meta,
    decode_sequence,
    decode_settings,
    decode_template_settings,
    decode_unresolved,
)
from .values import has_tag, int_value

# spec keys that the plan holds elsewhere than in `settings`
_SPEC_HANDLED = {"templates", "arguments", "entrypoint", "onExit", "hooks", "templateDefaults",
                 "retryStrategy", "workflowTemplateRef"}
# template keys that the template record holds elsewhere than in `settings`
_TEMPLATE_HANDLED = set(BODY_KINDS) | {"name", "inputs", "outputs", "retryStrategy", "timeout",
                                       "activeDeadlineSeconds", "pendingTimeout"}


class PlanError(Exception):
    """The plan cannot be built for a reason of usage (unknown entrypoint, ...)."""


def plain(value: Any) -> Any:
    """Loaded YAML (YMap/YSeq/YStr) as plain JSON data."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    return value


def merge(base: Any, over: Any) -> Any:
    """`over` merged onto `base`: maps merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    return over


def seconds(value: Any, integer_seconds: bool = True) -> Any:
    """A duration in seconds (int when whole); tags and unreadable text stay text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if has_tag(text):
        return text
    try:
        secs = parse_duration(text, integer_seconds)
    except ValueError:
        return text
    return int(secs) if secs == int(secs) else secs


def number(value: Any) -> Any:
    """An int-or-string field as a number where it is one; tags stay text."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    i = int_value(value)
    if i is not None:
        return i
    try:
        f = float(value)
    except ValueError:
        return str(value)
    return f


def _io(value: Any) -> IO:
    """Argo's inputs, outputs or arguments object (as written) as a record."""
    if not isinstance(value, dict):
        return IO()
    return decode_io({k: [x for x in value.get(k) or () if isinstance(x, dict)]
                      for k in ("parameters", "artifacts")})


# --- references ---------------------------------------------------------------------------

def _producers(node: A.Node) -> set[str]:
    """Names of steps/tasks whose outputs or status `node` reads."""
    out: set[str] = set()
    for ref in A.iter_refs(node):
        if len(ref.path) >= 2 and ref.path[0] in ("steps", "tasks"):
            out.add(ref.path[1])
    return out


def _text_producers(text: str) -> set[str]:
    try:
        return _producers(parse_template(text))
    except GrammarError:
        return set()


def fold_condition(text: str, values: dict[str, Any]) -> bool | None:
    """A `when` evaluated over known values, or None when it needs something unknown."""
    try:
        return evaluate_when(text, values)[0]
    except (EvaluationError, GrammarError, RecursionError):
        return None


def substitute(text: str, values: dict[str, Any]) -> str:
    """Known values put into `text`; unknown tags stay verbatim."""
    try:
        return render_template(parse_template(text), values)
    except (EvaluationError, GrammarError):
        return text


# --- the planner --------------------------------------------------------------------------

class _Planner:
    def __init__(self, wf: Workflow, ctx: Context, name: str | None, entry: str,
                 arguments: list[dict[str, Any]], main: Workflow, spec: dict[str, Any]):
        self.wf, self.ctx, self.main = wf, ctx, main
        self.spec = spec
        self.defaults = spec.get("templateDefaults") if isinstance(spec.get("templateDefaults"), dict) else {}
        self.retry_default = spec.get("retryStrategy") if isinstance(spec.get("retryStrategy"), dict) else None
        self.known: dict[str, Any] = {"workflow.name": name} if name else {}
        ns = as_map(wf.metadata).get("namespace")
        if isinstance(ns, str) and ns and not has_tag(ns):
            self.known["workflow.namespace"] = str(ns)
        for p in arguments:
            v = p.get("value")
            if isinstance(v, str) and not has_tag(v):
                self.known[f"workflow.parameters.{p['name']}"] = v
        self.templates: dict[str, PlanTemplate] = {}
        self.graph: dict[str, set[str]] = {}
        self.queue: list[tuple[str, Template, Workflow]] = []
        self.entry = entry

    # keys of templates in the plan: local names, `<WorkflowTemplate>/<name>` for libraries
    def key(self, owner: Workflow, tmpl_name: str) -> str:
        if owner is self.main:
            return tmpl_name
        prefix = "cluster:" if owner.kind == "ClusterWorkflowTemplate" else ""
        return f"{prefix}{owner.name}/{tmpl_name}"

    def want(self, owner: Workflow, tmpl: Template, key: str) -> str:
        if key not in self.graph:
            self.graph[key] = set()
            self.queue.append((key, tmpl, owner))
        return key

    def callee(self, owner: Workflow, caller_key: str, name: Any, ref: Any, inline: Template | None,
               inline_key: str) -> str | None:
        """The plan key of what a call runs (queued for normalising), or None if unknown."""
        if inline is not None:
            return self.want(owner, inline, inline_key)
        if isinstance(name, str) and not has_tag(name) and ref is None:
            tmpl = owner.template(str(name))
            return self.want(owner, tmpl, self.key(owner, str(name))) if tmpl is not None else None
        if isinstance(ref, dict):
            resolvable, library = find_library(self.ctx, ref)
            parts = ref_parts(ref)
            if resolvable and library is not None and parts.template is not None:
                tmpl = library.template(str(parts.template))
                if tmpl is not None:
                    return self.want(library, tmpl, self.key(library, str(parts.template)))
        return None

    def run(self) -> None:
        while self.queue:
            key, tmpl, owner = self.queue.pop()
            self.templates[key] = self.template(key, tmpl, owner)

    # --- templates ---

    def template(self, key: str, tmpl: Template, owner: Workflow) -> PlanTemplate:
        raw = merge(plain(self.defaults), plain(tmpl.raw)) if self.defaults else plain(tmpl.raw)
        kind = next((k for k in BODY_KINDS if k in raw), None)
        body: Body | None = None
        if kind == "steps":
            body = StepsBody(tuple(tuple(self.child(key, owner, s, tmpl) for s in group)
                                   for group in tmpl.groups))
        elif kind == "dag":
            body = self.dag(key, owner, tmpl, raw)
        elif kind is not None:
            spec = raw.get(kind)
            if kind == "suspend" and isinstance(spec, dict) and "duration" in spec:
                spec = dict(spec, duration=seconds(spec["duration"]))
            body = LeafBody(spec)
        retry = raw.get("retryStrategy") if isinstance(raw.get("retryStrategy"), dict) else self.retry_default
        settings = v4_synchronization({k: v for k, v in raw.items() if k not in _TEMPLATE_HANDLED})
        if "parallelism" in settings:
            settings["parallelism"] = number(settings["parallelism"])
        return PlanTemplate(
            name=tmpl.name or key, kind=kind,
            # suspend is a leaf too (no children), though it runs no pod
            leaf=kind in LEAF_KINDS or kind == "suspend",
            inputs=_io(raw.get("inputs")), outputs=_io(raw.get("outputs")), body=body,
            library=owner.name if owner is not self.main else None,
            retry=self.retry(retry) if retry is not None else None,
            timeout=seconds(raw["timeout"], integer_seconds=False) if "timeout" in raw else None,
            pending_timeout=seconds(raw["pendingTimeout"]) if "pendingTimeout" in raw else None,
            active_deadline_seconds=number(raw["activeDeadlineSeconds"])
            if "activeDeadlineSeconds" in raw else None,
            settings=decode_template_settings(settings) if settings else None)

    def dag(self, key: str, owner: Workflow, tmpl: Template, raw: dict[str, Any]) -> DagBody:
        """The tasks, the target (the tasks no other task depends on, unless written) and
        dag.failFast (default true; a template-level failFast stays in settings)."""
        dag: dict[str, Any] = raw["dag"] if isinstance(raw.get("dag"), dict) else {}
        tasks = tuple(self.child(key, owner, t, tmpl) for t in tmpl.tasks)
        target = dag.get("target")
        if isinstance(target, str) and target.strip():
            written: tuple[str, ...] | str = tuple(target.split()) if not has_tag(target) else target
        else:
            used: set[str] = set()
            for t in tasks:
                used.update(t.producers or ())
            written = tuple(t.name for t in tasks if t.name not in used)
        return DagBody(tasks, written, dag.get("failFast", True) is not False)

    @staticmethod
    def retry(raw: dict[str, Any]) -> Retry:
        """retryStrategy with numbers: limit (None = unlimited), backoff in seconds (§10)."""
        policy = raw.get("retryPolicy")
        if policy is None:
            policy = "Always" if raw.get("expression") else "OnFailure"
        backoff = raw.get("backoff")
        b = None
        if isinstance(backoff, dict):
            b = Backoff(duration=seconds(backoff.get("duration")),
                        factor=number(backoff.get("factor")),
                        cap=seconds(backoff.get("cap")),
                        max_duration=seconds(backoff.get("maxDuration")))
        return Retry(limit=number(raw["limit"]) if "limit" in raw else None, policy=policy,
                     expression=raw.get("expression"), backoff=b, affinity=raw.get("affinity"))

    # --- steps and tasks ---

    def child(self, owner_key: str, owner: Workflow, step: Step, tmpl: Template) -> Child:
        raw = plain(step.raw)
        target = self.callee(owner, owner_key, step.template, step.template_ref, step.inline,
                             f"{owner_key}/{step.name}:inline")
        if target:
            self.graph[owner_key].add(target)
        unresolved = None
        if target is None:
            unresolved = decode_unresolved({k: raw[k] for k in ("template", "templateRef")
                                            if k in raw})
        args = raw.get("arguments") if isinstance(raw.get("arguments"), dict) else {}
        producers: set[str] = set()
        for p in [*(args.get("parameters") or []), *(args.get("artifacts") or [])]:
            for v in p.values() if isinstance(p, dict) else ():
                if isinstance(v, str):
                    producers |= _text_producers(v)
        when = None if raw.get("when") is None else self.when(str(raw["when"]), producers)
        loop = self.loop(step.name, raw, when, producers)
        depends = self.depends(step, raw) if step.is_task else None
        if depends is not None:
            try:
                producers |= {r.task for r in A.dep_refs(parse_depends(depends))}
            except GrammarError:
                pass
        cont = raw.get("continueOn")
        continue_on = None
        if isinstance(cont, dict):
            results = tuple(r for k, r in (("failed", "Failed"), ("error", "Errored"))
                            if cont.get(k) is True)
            continue_on = results or None
        hooks: dict[str, Hook] = {}
        for hname, hook in (raw.get("hooks") or {}).items():
            if isinstance(hook, dict):
                hooks[hname] = self.hook(owner_key, owner, hook)
        if isinstance(raw.get("onExit"), str) and "exit" not in hooks:
            hooks["exit"] = self.hook(owner_key, owner, {"template": raw["onExit"]})
        producers.discard(step.name)
        return Child(name=step.name, template=target, arguments=_io(args), unresolved=unresolved,
                     when=when, loop=loop, depends=depends,
                     producers=tuple(sorted(producers)) or None, continue_on=continue_on,
                     hooks=hooks or None)

    def hook(self, owner_key: str, owner: Workflow, hook: dict[str, Any]) -> Hook:
        target = self.callee(owner, owner_key, hook.get("template"), hook.get("templateRef"), None, "")
        if target:
            self.graph[owner_key].add(target)
        return decode_hook({"template": target, **{k: hook[k] for k in ("arguments", "expression")
                                                   if k in hook}})

    def when(self, text: str, producers: set[str]) -> When:
        folded = fold_condition(text, self.known)
        if folded is not None:
            return When(text, static=folded)
        try:
            mine = _producers(parse_condition(text))
        except GrammarError:
            mine = set()
        producers |= mine
        return When(text, producers=tuple(sorted(mine)) or None)

    def loop(self, name: str, raw: dict[str, Any], when: When | None,
             producers: set[str]) -> Loop | None:
        items: list | None = None
        if isinstance(raw.get("withItems"), list):
            items = raw["withItems"]
        elif isinstance(raw.get("withSequence"), dict):
            items = self.sequence(raw["withSequence"])
            if items is None:
                return Loop("sequence", sequence=decode_sequence(raw["withSequence"]))
        elif "withParam" in raw:
            text = raw["withParam"]
            items = self.static_param(text)
            if items is None:
                mine = _text_producers(text) if isinstance(text, str) else set()
                producers |= mine
                return Loop("param", text=text, producers=tuple(sorted(mine)) or None)
        if items is None:
            return None
        expanded = []
        for i, item in enumerate(items):
            folded = None
            if when is not None and when.static is None:
                folded = fold_condition(when.text, {**self.known, **item_values(item)})
            expanded.append(LoopItem(loop_node_name(name, i, item), item, folded))
        return Loop("items", items=tuple(expanded))

    def sequence(self, seq: dict[str, Any]) -> list[str] | None:
        """withSequence expanded, or None when a field is only known at run time (or the
        sequence cannot be expanded: the runtime then fails the step with the reason)."""
        vals: dict[str, int] = {}
        for k in ("count", "start", "end"):
            if k in seq:
                v = seq[k]
                if isinstance(v, str):
                    v = substitute(v, self.known)
                iv = int_value(v)
                if iv is None:
                    return None
                vals[k] = iv
        fmt = seq.get("format") or "%d"
        if isinstance(fmt, str) and has_tag(fmt):
            return None
        try:
            return expand_sequence(vals.get("count"), vals.get("start"), vals.get("end"), str(fmt))
        except ValueError:
            return None

    def static_param(self, text: Any) -> list | None:
        """A withParam whose text is known at plan time (e.g. from a workflow parameter)."""
        if isinstance(text, list):
            return text
        if not isinstance(text, str):
            return None
        value = substitute(text, self.known)
        if has_tag(value):
            return None
        try:
            data = load_json(value)
        except ValueError:
            return None
        return data if isinstance(data, list) else None

    @staticmethod
    def depends(step: Step, raw: dict[str, Any]) -> str | None:
        """`depends` as written, or `dependencies: [A, B]` as `A && B` (spec §2.1)."""
        if isinstance(raw.get("depends"), str) and raw["depends"].strip():
            return " ".join(raw["depends"].split())
        deps = raw.get("dependencies")
        if isinstance(deps, list) and deps:
            return " && ".join(str(d) for d in deps)
        return None


def _cycles(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Templates on a call cycle (recursion), via strongly connected components."""
    import networkx as nx

    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(graph)
    g.add_edges_from((a, b) for a, bs in graph.items() for b in bs)
    out: set[str] = set()
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(n, n) for n in comp):
            out |= comp
    return sorted(out)


def resolve_arguments(wf: Workflow, ctx: Context, parameters: dict[str, Any] | None,
                      library: Workflow | None) -> tuple[list[dict[str, Any]], list[Any]]:
    """spec.arguments (merged over a workflowTemplateRef's) with `-p` values applied."""
    call = Call(Role.ENTRYPOINT, wf.spec, wf.arguments, False, wf.entrypoint, None, None, None, None)
    io = call_arguments(wf, ctx, call, Target(How.REF, None, library)) if library is not None \
        else wf.arguments
    given = dict(parameters or {})
    params: list[dict[str, Any]] = []
    for p in io.parameters:
        entry: dict[str, Any] = {"name": p.name}
        if p.name in given:
            entry["value"] = str(given.pop(p.name))
        elif p.has_value:
            v = literal(p.value)
            entry["value"] = v if v is not None else plain(p.value)
        elif p.value_from is not None:
            entry["valueFrom"] = plain(p.value_from)
        if p.enum is not None:
            entry["enum"] = plain(p.enum)
        params.append(entry)
    # names the spec does not declare are errors of the checks; argo would add them
    for name in sorted(given):
        params.append({"name": name, "value": str(given[name])})
    return params, [plain(a.raw) for a in io.artifacts]


def build_plan(wf: Workflow, ctx: Context, *, parameters: dict[str, Any] | None = None,
               entrypoint: str | None = None, name: str | None = None,
               max_depth: int = MAX_DEPTH) -> Plan:
    """The plan of a checked Workflow. Raises PlanError for usage problems (bad entrypoint)."""
    library = None
    spec = plain(wf.spec)
    main = wf
    if wf.workflow_template_ref is not None:
        _, library = find_library(ctx, wf.workflow_template_ref)
        if library is None:
            raise PlanError("workflowTemplateRef names no known WorkflowTemplate")
        base = plain(library.spec)
        spec = merge({k: v for k, v in base.items() if k != "arguments"},
                     {k: v for k, v in spec.items() if k not in ("workflowTemplateRef", "arguments")})
        main = library
    meta = plain(wf.metadata)
    # without a name, the plan keeps generateName and the runtime names each run
    # (`Plan.named`), so compiling twice gives the same bytes
    wf_name = name or meta.get("name") or None
    entry = entrypoint or spec.get("entrypoint")
    entry_tmpl = main.template(entry) if isinstance(entry, str) else None
    if not isinstance(entry, str) or entry_tmpl is None:
        raise PlanError(f"entrypoint {entry!r} is not a template of the workflow")
    arguments, artifacts = resolve_arguments(wf, ctx, parameters, library)
    planner = _Planner(wf, ctx, wf_name, entry, arguments, main, spec)
    entry_key = planner.want(main, entry_tmpl, planner.key(main, entry))
    hooks_raw = spec.get("hooks") if isinstance(spec.get("hooks"), dict) else {}
    on_exit_name = spec.get("onExit")
    if on_exit_name is None and isinstance(hooks_raw.get("exit"), dict):
        on_exit_name = hooks_raw["exit"].get("template")
    on_exit = None
    root = "<workflow>"
    planner.graph[root] = set()
    on_exit_tmpl = main.template(on_exit_name) if isinstance(on_exit_name, str) else None
    if isinstance(on_exit_name, str) and on_exit_tmpl is not None:
        on_exit = planner.want(main, on_exit_tmpl, planner.key(main, on_exit_name))
    hooks: dict[str, Hook] = {}
    for hname in sorted(hooks_raw):
        hook = hooks_raw[hname]
        if isinstance(hook, dict):
            hooks[hname] = planner.hook(root, main, hook)
    planner.run()
    del planner.graph[root]
    meta_out: dict[str, Any] = {"source": wf.file}
    if wf_name:
        meta_out["name"] = wf_name
    for k in ("generateName", "namespace", "labels", "annotations"):
        if k in meta:
            meta_out[k] = meta[k]
    if not wf_name and not meta_out.get("generateName"):
        meta_out["generateName"] = DEFAULT_PREFIX
    if library is not None:
        meta_out["workflowTemplateRef"] = plain(wf.workflow_template_ref)
    settings = v4_synchronization({k: v for k, v in spec.items() if k not in _SPEC_HANDLED})
    for k in ("activeDeadlineSeconds", "parallelism"):
        if k in settings:
            settings[k] = number(settings[k])
    graph = {k: sorted(v) for k, v in planner.graph.items()}
    return Plan(workflow=decode_meta(meta_out),
                arguments=_io({"parameters": arguments, "artifacts": artifacts}),
                entrypoint=entry_key, templates=planner.templates, on_exit=on_exit,
                hooks=hooks, settings=decode_settings(settings), call_graph=graph,
                recursive=_cycles(graph), max_depth=max_depth)


__all__ = ["NAME_CHARS", "PlanError", "build_plan", "fold_condition", "generate_name",
           "item_description", "loop_node_name", "plain"]
