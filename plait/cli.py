"""The `plait` command line: argument parsing, exit codes and output; no logic of its own.

Exit codes everywhere: 0 ok, 1 findings (or a failed workflow), 2 usage error,
3 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Sequence

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


def _add_check(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    p = sub.add_parser(name, help=help_text, description=help_text)
    p.add_argument("paths", nargs="+", metavar="PATH", help="workflow files or directories")
    p.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                   help="output format (default: text)")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                   metavar="NAME=VALUE", help="a workflow argument to check against spec.arguments")
    p.add_argument("--parameter-file", metavar="FILE", help="YAML/JSON map of workflow arguments")
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error",
                   help="lowest severity that makes the exit code 1 (default: error)")
    p.add_argument("--no-snippet", action="store_true", help="text format: no source lines")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.set_defaults(func=cmd_check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plait", description="Check, compile and run Argo Workflows locally.")
    parser.add_argument("--version", action="version", version=f"plait {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_check(sub, "check", "find mistakes in workflow files before they run")
    _add_check(sub, "lint", "alias of check")
    p = sub.add_parser("explain", help="explain a diagnostic code", description="explain a diagnostic code")
    p.add_argument("code", metavar="CODE", help="e.g. PL301; 'all' lists every code")
    p.set_defaults(func=cmd_explain)
    p = sub.add_parser("schema", help="print plait's JSON Schema (for editors)",
                       description="print plait's JSON Schema for yaml-language-server and editors")
    p.set_defaults(func=cmd_schema)
    _add_compile(sub)
    _add_dot(sub)
    _add_run(sub)
    _add_logs(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"plait: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("plait: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception:  # a bug in plait, never a mistake in the workflow
        print("plait: internal error (this is a bug in plait, please report it):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


def _usage_errors():
    from compiler.check import UsageError as CheckUsage
    from compiler.config import ConfigError
    from compiler.params import ParameterUsageError
    return (CheckUsage, ConfigError, ParameterUsageError)


def cmd_check(args: argparse.Namespace) -> int:
    from compiler.check import check_paths
    from compiler.config import find_config
    from compiler.diagnostics import Diagnostic, Severity
    from compiler.params import gather_parameters, parse_cli_parameters

    try:
        config = find_config()
        cli = parse_cli_parameters(args.parameters) if args.parameters else None
        parameters, sources, extra = gather_parameters(cli, args.parameter_file)
        report = check_paths(args.paths, templates=args.templates, parameters=parameters,
                             parameter_sources=sources, config=config)
    except _usage_errors() as exc:
        raise UsageError(str(exc)) from None
    diags = sorted(report.diagnostics + [Diagnostic.of(m) for m in extra], key=Diagnostic.sort_key)
    sources = {fr.loaded.source.name: fr.loaded.source.text for fr in report.files}
    _print_report(args, diags, sources)
    for note in report.notes:
        print(f"plait: note: {note}", file=sys.stderr)
    failing = {Severity.ERROR} | ({Severity.WARNING} if args.fail_on == "warning" else set())
    return EXIT_FINDINGS if any(d.severity in failing for d in diags) else EXIT_OK


def _print_report(args, diags, sources) -> None:
    from compiler import report as fmt

    if args.format == "json":
        print(fmt.format_json(diags))
    elif args.format == "sarif":
        print(fmt.format_sarif(diags, _rule_titles(), __version__))
    elif args.format == "github":
        if diags:
            print(fmt.format_github(diags))
    else:
        color = args.color == "always" or (
            args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        if diags:
            print(fmt.format_text(diags, sources, color=color, snippets=not args.no_snippet))
        errors = sum(d.severity.value == "error" for d in diags)
        warnings = sum(d.severity.value == "warning" for d in diags)
        files = len(sources)
        if diags:
            print(f"{errors} error(s), {warnings} warning(s) in {files} file(s)", file=sys.stderr)


def _rule_titles() -> dict[str, str]:
    from compiler.diagnostics import message_classes
    return {code: _summary(classes[0]) for code, classes in message_classes().items()}


def _summary(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    first = doc.split("\n", 1)[0]
    return first.removeprefix("What:").strip() or cls.__name__


def cmd_explain(args: argparse.Namespace) -> int:
    import inspect

    from compiler.diagnostics import message_classes

    classes = message_classes()
    code = args.code.upper()
    if code == "ALL":
        for c, group in classes.items():
            print(f"{c}  {group[0].severity.value:<7}  {_summary(group[0])}")
        return EXIT_OK
    if code not in classes:
        raise UsageError(f"unknown code {args.code!r}; `plait explain all` lists them")
    for cls in classes[code]:
        print(f"{code} ({cls.__name__}, {cls.severity.value})")
        print()
        print(inspect.cleandoc(cls.__doc__ or "(no documentation)"))
        if cls.hint:
            print()
            print(f"Hint: {cls.hint}")
        print()
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from compiler.schema import plait_schema
    print(json.dumps(plait_schema(), indent=2))
    return EXIT_OK


def _add_compile(sub: argparse._SubParsersAction) -> None:
    help_text = "check a workflow and write its execution plan (JSON) or Argo YAML"
    p = sub.add_parser("compile", help=help_text, description=help_text)
    p.add_argument("path", metavar="FILE", help="the workflow file")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                   metavar="NAME=VALUE", help="a workflow argument (overrides spec.arguments)")
    p.add_argument("--parameter-file", metavar="FILE", help="YAML/JSON map of workflow arguments")
    p.add_argument("--entrypoint", metavar="TEMPLATE", help="run this template instead of spec.entrypoint")
    p.add_argument("--name", metavar="NAME", help="the workflow name (default: generateName + 5 random chars)")
    p.add_argument("--workflow", metavar="NAME", help="which Workflow of the file (metadata.name or generateName)")
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    p.add_argument("--emit", choices=("plan", "argo"), default="plan",
                   help="plan: plait's JSON plan (default); argo: Workflow YAML for real Argo")
    p.set_defaults(func=cmd_compile)


def cmd_compile(args: argparse.Namespace) -> int:
    from compiler.compile import compile_workflow
    from compiler.diagnostics import Severity
    from compiler.params import parse_cli_parameters

    try:
        parameters = parse_cli_parameters(args.parameters) if args.parameters else None
        done = compile_workflow(args.path, parameters=parameters, parameter_file=args.parameter_file,
                                entrypoint=args.entrypoint, name=args.name, workflow=args.workflow,
                                templates=args.templates)
    except _usage_errors() as exc:
        raise UsageError(str(exc)) from None
    if done.diagnostics:
        from compiler import report as fmt
        sources = {}
        for path in {d.file for d in done.diagnostics}:
            try:
                with open(path, encoding="utf-8") as fh:
                    sources[path] = fh.read()
            except (OSError, UnicodeDecodeError):
                pass
        print(fmt.format_text(done.diagnostics, sources), file=sys.stderr)
        errors = sum(d.severity is Severity.ERROR for d in done.diagnostics)
        warnings = sum(d.severity is Severity.WARNING for d in done.diagnostics)
        print(f"{errors} error(s), {warnings} warning(s) in 1 file(s)", file=sys.stderr)
    if done.plan is None or any(d.severity is Severity.ERROR for d in done.diagnostics):
        return EXIT_FINDINGS
    if args.emit == "argo":
        from compiler.export import export_argo
        text = export_argo(done.workflow, done.plan, args.name is not None, done.documents)
    else:
        text = done.plan.to_json()
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


GRAPHVIZ_HINT = ("Graphviz 'dot' is not installed (needed for --render); install it with "
                 "`apt-get install graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS), "
                 "or leave out --render to write DOT text")


def _add_dot(sub: argparse._SubParsersAction) -> None:
    help_text = "draw a workflow's execution plan as a Graphviz DOT graph"
    p = sub.add_parser("dot", help=help_text, description=help_text)
    p.add_argument("path", metavar="FILE|PLAN", help="a workflow file, or a plan JSON from `plait compile`")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                   metavar="NAME=VALUE", help="a workflow argument (overrides spec.arguments)")
    p.add_argument("--parameter-file", metavar="FILE", help="YAML/JSON map of workflow arguments")
    p.add_argument("--entrypoint", metavar="TEMPLATE", help="draw from this template instead of spec.entrypoint")
    p.add_argument("--name", metavar="NAME", help="the workflow name (default: generateName + 5 random chars)")
    p.add_argument("--workflow", metavar="NAME", help="which Workflow of the file (metadata.name or generateName)")
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    p.add_argument("--render", choices=("svg", "png"),
                   help="run Graphviz `dot` and write an image to OUT (needs -o)")
    p.set_defaults(func=cmd_dot)


def _print_diagnostics(diagnostics) -> None:
    """Diagnostics of one compiled file, as text on stderr."""
    from compiler import report as fmt
    from compiler.diagnostics import Severity

    sources = {}
    for path in {d.file for d in diagnostics}:
        try:
            with open(path, encoding="utf-8") as fh:
                sources[path] = fh.read()
        except (OSError, UnicodeDecodeError):
            pass
    print(fmt.format_text(diagnostics, sources), file=sys.stderr)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    print(f"{errors} error(s), {warnings} warning(s) in 1 file(s)", file=sys.stderr)


def _load_plan(args: argparse.Namespace):
    """The plan to draw: read from a plan JSON, or compiled from a workflow (None after errors)."""
    from compiler.compile import compile_workflow
    from compiler.diagnostics import Severity
    from compiler.params import parse_cli_parameters
    from compiler.plan import Plan, is_plan_text

    if not os.path.isfile(args.path):
        raise UsageError(f"{args.path}: no such file")
    try:
        with open(args.path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{args.path}: cannot read: {exc}") from None
    if is_plan_text(text):
        given = [opt for opt, v in (("-p", args.parameters), ("--parameter-file", args.parameter_file),
                                    ("--entrypoint", args.entrypoint), ("--name", args.name),
                                    ("--workflow", args.workflow), ("--templates", args.templates)) if v]
        if given:
            raise UsageError(f"{', '.join(given)} apply to a workflow file, not to a plan "
                             "(compile the plan with them)")
        try:
            return Plan.from_json(text)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{args.path}: not a readable plan: {exc}") from None
    try:
        parameters = parse_cli_parameters(args.parameters) if args.parameters else None
        done = compile_workflow(args.path, parameters=parameters, parameter_file=args.parameter_file,
                                entrypoint=args.entrypoint, name=args.name, workflow=args.workflow,
                                templates=args.templates)
    except _usage_errors() as exc:
        raise UsageError(str(exc)) from None
    if done.diagnostics:
        _print_diagnostics(done.diagnostics)
    if done.plan is None or any(d.severity is Severity.ERROR for d in done.diagnostics):
        return None
    return done.plan


def cmd_dot(args: argparse.Namespace) -> int:
    import shutil
    import subprocess

    from compiler.dot import plan_to_dot

    dot_exe = None
    if args.render:
        if not args.output:
            raise UsageError("--render needs -o OUT (the image file to write)")
        dot_exe = shutil.which("dot")
        if dot_exe is None:
            raise UsageError(GRAPHVIZ_HINT)
    plan = _load_plan(args)
    if plan is None:
        return EXIT_FINDINGS
    text = plan_to_dot(plan)
    if dot_exe is not None:
        proc = subprocess.run([dot_exe, f"-T{args.render}", "-o", args.output],
                              input=text.encode("utf-8"), capture_output=True)
        if proc.returncode != 0:
            print(f"plait: error: Graphviz dot failed (exit {proc.returncode}):\n"
                  + proc.stderr.decode("utf-8", "replace"), file=sys.stderr)
            return EXIT_INTERNAL
    elif args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _add_run(sub: argparse._SubParsersAction) -> None:
    help_text = "run a workflow (or a compiled plan) on this machine, pods as sandboxed processes"
    p = sub.add_parser("run", help=help_text, description=help_text)
    p.add_argument("path", metavar="FILE|PLAN", help="a workflow file, or a plan JSON from `plait compile`")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                   metavar="NAME=VALUE", help="a workflow argument (overrides spec.arguments)")
    p.add_argument("--parameter-file", metavar="FILE", help="YAML/JSON map of workflow arguments")
    p.add_argument("--entrypoint", metavar="TEMPLATE", help="run this template instead of spec.entrypoint")
    p.add_argument("--name", metavar="NAME", help="the workflow name (default: generateName + 5 random chars)")
    p.add_argument("--workflow", metavar="NAME", help="which Workflow of the file (metadata.name or generateName)")
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")
    p.add_argument("--secrets", action="append", default=[], metavar="FILE",
                   help="Kubernetes Secret manifests for secretKeyRef and secret volumes (repeatable)")
    p.add_argument("--configmaps", action="append", default=[], metavar="FILE",
                   help="Kubernetes ConfigMap manifests for configMapKeyRef and configMap volumes (repeatable)")
    p.add_argument("--images", metavar="FILE",
                   help="image -> {entrypoint, cmd} table for containers without a command")
    p.add_argument("--parallelism", type=int, metavar="N",
                   help="most pods running at once (default: 4 x CPU cores)")
    p.add_argument("-o", "--output", choices=("tree", "json"), default="tree",
                   help="tree: the final `argo get` view (default); json: the Workflow object, alone on stdout")
    p.set_defaults(func=cmd_run)


class _StopSignal:
    """Set by Ctrl-C; the engine polls `is_set()` or awaits `wait()` (like asyncio.Event, in
    whatever loop it runs), so a signal handler can set it safely."""

    def __init__(self) -> None:
        self._set = False
        self._waiters: list = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        for loop, fut in list(self._waiters):
            loop.call_soon_threadsafe(lambda f=fut: f.done() or f.set_result(True))

    async def wait(self) -> bool:
        import asyncio

        if self._set:
            return True
        loop = asyncio.get_running_loop()
        entry = (loop, loop.create_future())
        self._waiters.append(entry)
        try:
            await entry[1]
        finally:
            self._waiters.remove(entry)
        return True


def _open_store():
    """The run store under the plait home (created on first use)."""
    from runtime.home import ensure_home
    from runtime.store import Store

    return Store.at(ensure_home())


def cmd_run(args: argparse.Namespace) -> int:
    import json
    import signal

    if args.parallelism is not None and args.parallelism < 1:
        raise UsageError("--parallelism must be at least 1")
    for path in [*args.secrets, *args.configmaps, *([args.images] if args.images else [])]:
        if not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
    plan = _load_plan(args)
    if plan is None:
        return EXIT_FINDINGS

    import runtime
    from runtime.images import ImageTable, ImageTableError
    from runtime.secrets import SecretsError, SecretStore
    from runtime.status import workflow_json

    from .views import LiveView, ProgressLines, WorkflowInfo, render_get

    store = _open_store()
    home = store.home
    if store.workflow(plan.name) is not None:
        raise UsageError(f"workflow {plan.name!r} already exists: choose another --name")
    try:
        secrets = SecretStore.load(args.secrets, args.configmaps)
        images = ImageTable.load(args.images)
    except (SecretsError, ImageTableError) as exc:
        raise UsageError(str(exc)) from None
    as_json = args.output == "json"
    tty = sys.stderr.isatty() if as_json else sys.stdout.isatty()
    view = (LiveView(plan.name, stream=sys.stderr if as_json else sys.stdout) if tty
            else ProgressLines(sys.stderr))
    stop = _StopSignal()
    interrupts = []

    def on_sigint(signum, frame):
        if interrupts:
            raise KeyboardInterrupt       # a second Ctrl-C: give up waiting for exit handlers
        interrupts.append(signum)
        print("plait: stopping (exit handlers still run; Ctrl-C again to abort)", file=sys.stderr)
        stop.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        with view:
            result = runtime.run(plan, store=store, home=home, secrets=secrets, images=images,
                                 parallelism=args.parallelism, on_change=view.on_change,
                                 stop_event=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    if as_json:
        sys.stdout.write(json.dumps(workflow_json(result.name, result, result.nodes), indent=2) + "\n")
    else:
        info = WorkflowInfo.of(result.name, result, _plan_parameters(plan))
        sys.stdout.write(render_get(info, result.nodes))
    phase = getattr(result.phase, "value", result.phase)
    return EXIT_OK if phase == "Succeeded" and not interrupts else EXIT_FINDINGS


def _plan_parameters(plan) -> list[tuple[str, str]]:
    """The workflow's arguments as (name, value) pairs, for the `Parameters:` block."""
    params = (plan.arguments or {}).get("parameters", [])
    if isinstance(params, dict):
        params = [{"name": k, "value": v} for k, v in params.items()]
    pairs = []
    for p in params:
        value = p.get("value")
        if isinstance(value, (str, int, float, bool)):
            pairs.append((str(p.get("name")), str(value)))
    return pairs


def _add_logs(sub: argparse._SubParsersAction) -> None:
    help_text = "print a run's logs, each line prefixed with its pod name"
    p = sub.add_parser("logs", help=help_text, description=help_text)
    p.add_argument("name", metavar="NAME", help="a run's name, or @latest")
    p.add_argument("node", nargs="?", metavar="NODE", help="only this node: display name, node name or pod name")
    p.add_argument("-c", "--container", default="main", help="the container's logs (default: main)")
    p.set_defaults(func=cmd_logs)


def _resolve_run(store, name: str) -> str | None:
    """A run's name; `@latest` is the most recently started one."""
    if name != "@latest":
        return name if store.workflow(name) is not None else None
    rows = store.list_workflows()
    if not rows:
        return None

    def started(row):
        return row.get("started_at") or row.get("created_at") or 0

    return str(max(rows, key=started)["name"])


def cmd_logs(args: argparse.Namespace) -> int:
    store = _open_store()
    name = _resolve_run(store, args.name)
    if name is None:
        print(f"plait: error: no run named {args.name!r}" if args.name != "@latest"
              else "plait: error: no runs yet", file=sys.stderr)
        return EXIT_FINDINGS
    nodes = [n for n in store.nodes(name).values() if n.pod_name]
    if args.node:
        nodes = [n for n in nodes if args.node in (n.display_name, n.name, n.pod_name, n.id)]
        if not nodes:
            print(f"plait: error: run {name} has no pod node {args.node!r}", file=sys.stderr)
            return EXIT_FINDINGS
    nodes.sort(key=lambda n: (n.started_at is None, n.started_at or 0.0, n.name))
    seen = set()
    for node in nodes:
        if node.pod_name in seen:
            continue
        seen.add(node.pod_name)
        path = store.log_path(name, node.pod_name, args.container)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    sys.stdout.write(f"{node.pod_name}: {line.rstrip(chr(10))}\n")
        except FileNotFoundError:
            continue
    return EXIT_OK
