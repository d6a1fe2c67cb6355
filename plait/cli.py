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
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="workflow files or directories (- reads standard input)")
    p.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                   help="output format (default: text)")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                   metavar="NAME=VALUE", help="a workflow argument to check against spec.arguments")
    p.add_argument("--parameter-file", metavar="FILE", help="YAML/JSON map of workflow arguments")
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error",
                   help="lowest severity that makes the exit code 1 (default: error)")
    p.add_argument("--argo-version", metavar="X.Y", type=_argo_version,
                   help="Argo release to check for: 3.5, 3.6, 3.7 or 4.x (default: 4.1, "
                        "or argo-version in [tool.plait]); 3.x accepts fields v4 removed")
    p.add_argument("--no-snippet", action="store_true", help="text format: no source lines")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.set_defaults(func=cmd_check)


def _argo_version(text: str) -> tuple[int, int]:
    from plait.compiler.argo_version import parse_version
    try:
        return parse_version(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    _add_submit(sub)
    _add_list(sub)
    _add_get(sub)
    _add_watch(sub)
    _add_signal_verb(sub, "stop", "stop a run: kill its pods, run its exit handlers", cmd_stop)
    _add_signal_verb(sub, "terminate", "terminate a run: kill everything, no exit handlers", cmd_terminate)
    _add_delete(sub)
    _add_retry(sub)
    _add_resubmit(sub)
    _add_resume(sub)
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
        _python_sources(args)
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


def _workflow_name(value: str) -> str:
    """`--name`: a name Argo accepts as metadata.name (checked before anything is stored)."""
    from plait.compiler.names import object_name_problem
    problem = object_name_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value
def _python_sources(args: argparse.Namespace) -> None:
    """`FILE.py[:NAME]` (Hera workflows) becomes a temporary YAML file of its documents, so
    every verb reads it as it reads YAML; `run` also gets the folders its Python scripts need
    (`plait.runtime.pyscripts`)."""
    from plait.compiler.pysource import is_python_ref

    if args.command in ("check", "lint"):
        if any(is_python_ref(p) for p in args.paths):
            args.paths = [_python_file(p, one=False)[0] if is_python_ref(p) else p for p in args.paths]
    elif args.command in ("compile", "dot", "run") and is_python_ref(args.path):
        args.path, extra, args.ro_binds = _python_file(args.path, one=True,
                                                       local=args.command == "run")
        args.templates = [*args.templates, *extra]


def _python_file(ref: str, one: bool, local: bool = False) -> tuple[str, list[str], list[str]]:
    """(workflow file, template files, read-only binds) of a Python reference; the files live
    in a temporary folder removed when plait exits."""
    import atexit
    import shutil
    import tempfile

    from plait.compiler.api import PlaitError, as_submittable, materialized, resolve

    try:
        source = resolve(ref, one=one)
    except PlaitError as exc:
        raise UsageError(str(exc)) from None
    binds: list[str] = []
    if one:
        source = as_submittable(source)
    if local:
        from plait.runtime.pyscripts import prepare

        done, more = prepare(source.documents), prepare(source.templates)
        source.documents, source.templates = done.documents, more.documents
        binds = [*done.binds, *more.binds]
    folder = tempfile.mkdtemp(prefix="plait-py-")
    atexit.register(shutil.rmtree, folder, True)
    with materialized(source) as (path, extra, _labels):
        stem = source.label.replace("/", "_").replace(":", "_")
        kept = [shutil.copy(p, os.path.join(folder, f"{stem}.{os.path.basename(p)}"))
                for p in [path, *extra]]
    return kept[0], kept[1:], binds


def _usage_errors():
    from plait.compiler.check import UsageError as CheckUsage
    from plait.compiler.config import ConfigError
    from plait.compiler.params import ParameterUsageError
    return (CheckUsage, ConfigError, ParameterUsageError)


def cmd_check(args: argparse.Namespace) -> int:
    from plait.compiler.check import check_paths
    from plait.compiler.config import find_config
    from plait.compiler.diagnostics import Diagnostic, Severity
    from plait.compiler.params import gather_parameters, parse_cli_parameters

    try:
        config = find_config()
        if args.argo_version:
            config.argo_version = args.argo_version
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
    from plait.compiler import report as fmt

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
    from plait.compiler.diagnostics import message_classes
    return {code: _summary(classes[0]) for code, classes in message_classes().items()}


def _summary(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    first = doc.split("\n", 1)[0]
    return first.removeprefix("What:").strip() or cls.__name__


def cmd_explain(args: argparse.Namespace) -> int:
    import inspect

    from plait.compiler.diagnostics import message_classes

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

    from plait.compiler.schema import plait_schema
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
    p.add_argument("--name", metavar="NAME", type=_workflow_name, help="the workflow name (default: generateName; a run adds 5 random chars)")
    p.add_argument("--workflow", metavar="NAME", help="which Workflow of the file (metadata.name or generateName)")
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    p.add_argument("--emit", choices=("plan", "argo"), default="plan",
                   help="plan: plait's JSON plan (default); argo: Workflow YAML for real Argo")
    p.set_defaults(func=cmd_compile)


def cmd_compile(args: argparse.Namespace) -> int:
    from plait.compiler.compile import compile_workflow
    from plait.compiler.diagnostics import Severity
    from plait.compiler.params import parse_cli_parameters

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
        return EXIT_FINDINGS
    if args.emit == "argo":
        from plait.compiler.export import export_argo
        text = export_argo(done.workflow, done.plan, args.name is not None, done.documents,
                           done.supplied, entrypoint_fixed=args.entrypoint is not None)
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
    p.add_argument("path", metavar="FILE|PLAN|NAME",
                   help="a workflow file, a plan JSON from `plait compile`, or a run's name (or @latest)")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                   metavar="NAME=VALUE", help="a workflow argument (overrides spec.arguments)")
    p.add_argument("--parameter-file", metavar="FILE", help="YAML/JSON map of workflow arguments")
    p.add_argument("--entrypoint", metavar="TEMPLATE", help="draw from this template instead of spec.entrypoint")
    p.add_argument("--name", metavar="NAME", type=_workflow_name, help="the workflow name (default: generateName; a run adds 5 random chars)")
    p.add_argument("--workflow", metavar="NAME", help="which Workflow of the file (metadata.name or generateName)")
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    p.add_argument("--render", choices=("svg", "png"),
                   help="run Graphviz `dot` and write an image to OUT (needs -o)")
    p.set_defaults(func=cmd_dot)


def _print_diagnostics(diagnostics) -> None:
    """Diagnostics of one compiled file, as text on stderr."""
    from plait.compiler import report as fmt
    from plait.compiler.diagnostics import Severity

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
    from plait.compiler.compile import compile_workflow
    from plait.compiler.diagnostics import Severity
    from plait.compiler.params import parse_cli_parameters
    from plait.compiler.plan import Plan, is_plan_text

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
        except (ValueError, TypeError, RecursionError) as exc:
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

    from plait.compiler.dot import plan_to_dot

    dot_exe = None
    if args.render:
        if not args.output:
            raise UsageError("--render needs -o OUT (the image file to write)")
        dot_exe = shutil.which("dot")
        if dot_exe is None:
            raise UsageError(GRAPHVIZ_HINT)
    text = _run_dot_text(args)            # `plait dot NAME`: a stored run, by phase
    if text is None:
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
    p.add_argument("--name", metavar="NAME", type=_workflow_name, help="the workflow name (default: generateName; a run adds 5 random chars)")
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
    _add_sandbox(p)
    p.add_argument("-o", "--output", choices=("tree", "json"), default="tree",
                   help="tree: the final `argo get` view (default); json: the Workflow object, alone on stdout")
    _add_keep_pods(p)
    p.set_defaults(func=cmd_run)


def _add_keep_pods(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-pods", action="store_true",
                   help="debugging: keep each pod's folder under $PLAIT_HOME/pods after it ended "
                        "(scratch files, raw output files: they may hold secrets)")


def _check_output_limits() -> None:
    """The PLAIT_MAX_* output caps must be sizes (a usage error now, not a failed run later)."""
    from plait.runtime.outputs import OutputLimits

    try:
        OutputLimits.from_env()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
def _add_sandbox(p: argparse.ArgumentParser) -> None:
    """The pod isolation options of `run` and `submit` (docs/security.md)."""
    p.add_argument("--sandbox", choices=("auto", "bwrap", "none"),
                   help="auto/bwrap: pods run in bubblewrap, refused where none works (default, "
                        "or $PLAIT_SANDBOX); none: pods run as plain host processes, and the run "
                        "says so")
    p.add_argument("--pass-env", action="append", default=[], metavar="NAME",
                   help="pass this host environment variable to every pod (repeatable; also "
                        "$PLAIT_PASS_ENV, names separated by commas); pods get no other host variable")


def _sandbox_options(args: argparse.Namespace) -> tuple[str, list[str]]:
    """(the sandbox mode, the host variables to pass) from the flags and $PLAIT_SANDBOX /
    $PLAIT_PASS_ENV; exit 2 when no sandbox works and `none` was not chosen."""
    import re

    from plait.runtime.backends import sandbox

    mode = args.sandbox or os.environ.get(sandbox.SANDBOX_ENV) or "auto"
    try:
        chosen, _ = sandbox.choose(mode)
    except ValueError as exc:
        raise UsageError(f"{sandbox.SANDBOX_ENV}: {exc}") from None
    except sandbox.NoSandbox as exc:
        raise UsageError(str(exc)) from None
    names = [*args.pass_env, *(os.environ.get("PLAIT_PASS_ENV") or "").split(",")]
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name.startswith("PLAIT_"):
            raise UsageError(f"--pass-env {name!r}: expected an environment variable name "
                             "(not PLAIT_*)")
    return chosen, names


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
    from plait.runtime.home import ensure_home
    from plait.runtime.store import Store

    return Store.at(ensure_home())


def _need_room(store) -> None:
    """Refuse to start a run on a full disk: it could not even record how it ended."""
    if not store.has_room():
        raise UsageError(f"the disk of the plait home ({store.home}) is full: free space "
                         f"(`plait delete --completed`, `plait delete NAME`) and try again")


def cmd_run(args: argparse.Namespace) -> int:
    import json
    import signal

    if args.parallelism is not None and args.parallelism < 1:
        raise UsageError("--parallelism must be at least 1")
    _check_output_limits()
    for path in [*args.secrets, *args.configmaps, *([args.images] if args.images else [])]:
        if not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
    sandbox, pass_env = _sandbox_options(args)
    plan = _load_plan(args)
    if plan is None:
        return EXIT_FINDINGS
    plan = plan.named()             # a plan may keep generateName: the run picks the name

    from plait import runtime
    from plait.runtime.images import ImageTable, ImageTableError
    from plait.runtime.secrets import SecretsError, SecretStore
    from plait.runtime.status import workflow_json

    from .views import LiveView, ProgressLines, WorkflowInfo, render_get

    store = _open_store()
    home = store.home
    _need_room(store)
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
                                 stop_event=stop, sandbox=sandbox, pass_env=pass_env,
                                 keep_pods=args.keep_pods, ro_binds=getattr(args, "ro_binds", ()))
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
    p.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until the run ends")
    p.add_argument("--since", metavar="DURATION", help="only pods that ran in the last DURATION (e.g. 5m)")
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
    if getattr(args, "follow", False) or getattr(args, "since", None):
        return cmd_logs_follow(args)
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


# -- runs that last (issue #5): submit, list, get, watch, stop, terminate, delete, retry,
#    resubmit, resume; the runner itself is runtime/runner.py, the helpers runtime/runs.py ------

WAIT_POLL = 0.2


def _now() -> float:
    """The clock of the run views (tests fix it)."""
    import time

    return time.time()


def _run_name(store, name: str) -> str:
    """A stored run's name (`@latest` resolved); `_NoRun` when there is none."""
    found = _resolve_run(store, name)
    if found is None:
        raise _NoRun(f"no run named {name!r}" if name != "@latest" else "no runs yet")
    return found


class _NoRun(UsageError):
    """NAME names no stored run (exit 1, as `plait logs` does)."""


def _runs_verb(func):
    """A run-management verb: `_NoRun` is a finding (exit 1), not a usage error."""
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except _NoRun as exc:
            print(f"plait: error: {exc}", file=sys.stderr)
            return EXIT_FINDINGS
    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return wrapped


def _add_submit(sub: argparse._SubParsersAction) -> None:
    help_text = "start a workflow in a detached runner and print its name"
    p = sub.add_parser("submit", help=help_text, description=help_text)
    p.add_argument("path", nargs="?", metavar="FILE|PLAN", help="a workflow file or a plan JSON")
    p.add_argument("--from", dest="from_ref", metavar="KIND/NAME",
                   help="start from a stored template: workflowtemplate/NAME (with --templates)")
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                   metavar="NAME=VALUE", help="a workflow argument (overrides spec.arguments)")
    p.add_argument("--parameter-file", metavar="FILE", help="YAML/JSON map of workflow arguments")
    p.add_argument("--entrypoint", metavar="TEMPLATE", help="run this template instead of spec.entrypoint")
    p.add_argument("--name", metavar="NAME", type=_workflow_name, help="the workflow name (default: generateName; a run adds 5 random chars)")
    p.add_argument("--workflow", metavar="NAME", help="which Workflow of the file (metadata.name or generateName)")
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")
    p.add_argument("--secrets", action="append", default=[], metavar="FILE",
                   help="Kubernetes Secret manifests (only the paths are stored; the runner reads them)")
    p.add_argument("--configmaps", action="append", default=[], metavar="FILE",
                   help="Kubernetes ConfigMap manifests")
    p.add_argument("--images", metavar="FILE",
                   help="image -> {entrypoint, cmd} table for containers without a command")
    p.add_argument("--parallelism", type=int, metavar="N",
                   help="most pods running at once (default: 4 x CPU cores)")
    _add_keep_pods(p)
    _add_sandbox(p)
    _add_follow(p)
    p.set_defaults(func=cmd_submit)


def _from_template(args: argparse.Namespace, folder: str) -> str:
    """`--from workflowtemplate/NAME`: a Workflow file that only references the template."""
    kind, _, name = (args.from_ref or "").partition("/")
    kinds = {"workflowtemplate": False, "wftmpl": False, "clusterworkflowtemplate": True,
             "cwftmpl": True}
    if kind.lower() not in kinds or not name:
        raise UsageError(f"--from {args.from_ref!r}: expected workflowtemplate/NAME "
                         "or clusterworkflowtemplate/NAME")
    if args.path:
        args.templates = [*args.templates, args.path]
    ref = {"name": name}
    if kinds[kind.lower()]:
        ref["clusterScope"] = True
    import json

    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
           "metadata": {"generateName": f"{name}-"}, "spec": {"workflowTemplateRef": ref}}
    path = os.path.join(folder, f"{name}.from.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=2) + "\n")
    return path


def cmd_submit(args: argparse.Namespace) -> int:
    import tempfile

    from plait.runtime.images import ImageTable, ImageTableError
    from plait.runtime.runs import start_runner
    from plait.runtime.secrets import SecretsError, SecretStore
    from plait.runtime.types import Phase

    if args.parallelism is not None and args.parallelism < 1:
        raise UsageError("--parallelism must be at least 1")
    if not args.path and not args.from_ref:
        raise UsageError("submit needs FILE or --from workflowtemplate/NAME")
    _check_output_limits()
    for path in [*args.secrets, *args.configmaps, *([args.images] if args.images else [])]:
        if not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
    sandbox, pass_env = _sandbox_options(args)
    with tempfile.TemporaryDirectory(prefix="plait-submit-") as folder:
        if args.from_ref:
            args.path = _from_template(args, folder)
        plan = _load_plan(args)
    if plan is None:
        return EXIT_FINDINGS
    plan = plan.named()             # a plan may keep generateName: the run picks the name
    try:   # read them now so a bad file is a usage error here, not a failed run later
        SecretStore.load(args.secrets, args.configmaps)
        ImageTable.load(args.images)
    except (SecretsError, ImageTableError) as exc:
        raise UsageError(str(exc)) from None
    store = _open_store()
    _need_room(store)
    if store.workflow(plan.name) is not None:
        raise UsageError(f"workflow {plan.name!r} already exists: choose another --name")
    images = args.images or os.environ.get("PLAIT_IMAGES")
    options = {"secrets": [os.path.abspath(p) for p in args.secrets],
               "configmaps": [os.path.abspath(p) for p in args.configmaps],
               "images": os.path.abspath(images) if images else None,
               "parallelism": args.parallelism, "keep_pods": args.keep_pods,
               "sandbox": sandbox, "pass_env": pass_env}   # names only: the runner has the values
    params = [{"name": k, "value": v} for k, v in _plan_parameters(plan)]
    # started now, as Argo's startedAt is set when the controller picks the workflow up
    store.create_workflow(plan.name, plan.to_json(), {"parameters": params}, _now(),
                          phase=Phase.PENDING)
    store.set_options(plan.name, options)
    start_runner(store, plan.name, "new")
    print(plan.name, flush=True)
    return _after_start(store, plan.name, args.watch, args.wait)


def _after_start(store, name: str, watch: bool, wait: bool) -> int:
    if watch:
        return _watch(store, name)
    if wait:
        return _wait_and_get(store, name)
    return EXIT_OK


def _wait(store, name: str) -> dict:
    """Block until the run ends (or its runner is lost); its final row."""
    import time

    from plait.runtime.runs import is_active, runner_lost

    while True:
        row = store.workflow(name)
        if row is None or not is_active(row):
            return row
        if runner_lost(row):
            print(f"plait: the runner of {name} was lost; `plait resume {name}` continues it",
                  file=sys.stderr)
            return row
        time.sleep(WAIT_POLL)


def _exit_of(row) -> int:
    phase = getattr(row.get("phase"), "value", row.get("phase")) if row else None
    return EXIT_OK if phase == "Succeeded" else EXIT_FINDINGS


def _wait_and_get(store, name: str) -> int:
    row = _wait(store, name)
    if row is None:
        print(f"plait: error: run {name} was deleted", file=sys.stderr)
        return EXIT_FINDINGS
    sys.stdout.write(_get_text(store, name, row, _now()))
    return _exit_of(row)


def _get_text(store, name: str, row, now: float) -> str:
    from plait.runtime.runs import status_text

    from .views import WorkflowInfo, render_get

    nodes = store.nodes(name)
    info = WorkflowInfo.of(name, row)
    info.phase = status_text(row, nodes, now)
    return render_get(info, nodes, now)


def _columns(rows: list[list[str]]) -> str:
    """Cells padded to their column's widest plus two spaces (Go's tabwriter), no trailing blanks."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join("".join(c.ljust(widths[i] + 2) for i, c in enumerate(r)).rstrip() + "\n"
                   for r in rows)


def _add_list(sub: argparse._SubParsersAction) -> None:
    help_text = "list runs, newest first"
    p = sub.add_parser("list", help=help_text, description=help_text)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--running", action="store_true", help="only Pending/Running runs")
    which.add_argument("--completed", action="store_true", help="only finished runs")
    p.add_argument("-o", "--output", choices=("table", "json", "name"), default="table")
    p.set_defaults(func=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    import json

    from plait.runtime.runs import age, duration, is_active, status_text
    from plait.runtime.status import workflow_json

    store = _open_store()
    now = _now()
    rows = store.list_workflows()
    if args.running:
        rows = [r for r in rows if is_active(r)]
    elif args.completed:
        rows = [r for r in rows if not is_active(r)]
    if args.output == "json":
        docs = [workflow_json(r["name"], r, store.nodes(r["name"])) for r in rows]
        sys.stdout.write(json.dumps(docs, indent=2) + "\n")
        return EXIT_OK
    if args.output == "name":
        sys.stdout.write("".join(f"{r['name']}\n" for r in rows))
        return EXIT_OK
    if not rows:
        print("No workflows found")
        return EXIT_OK
    table = [["NAME", "STATUS", "AGE", "DURATION", "MESSAGE"]]
    for r in rows:
        nodes = store.nodes(r["name"]) if is_active(r) else None
        table.append([r["name"], status_text(r, nodes, now), age(r, now), duration(r, now),
                      str(r.get("message") or "")])
    sys.stdout.write(_columns(table))
    return EXIT_OK


def _add_get(sub: argparse._SubParsersAction) -> None:
    help_text = "show a run: Argo's header and tree"
    p = sub.add_parser("get", help=help_text, description=help_text)
    p.add_argument("name", metavar="NAME", help="a run's name, or @latest")
    p.add_argument("-o", "--output", choices=("tree", "json"), default="tree")
    p.set_defaults(func=cmd_get)


@_runs_verb
def cmd_get(args: argparse.Namespace) -> int:
    import json

    from plait.runtime.status import workflow_json

    store = _open_store()
    name = _run_name(store, args.name)
    row = store.workflow(name)
    if args.output == "json":
        doc = workflow_json(name, row, store.nodes(name))
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        sys.stdout.write(_get_text(store, name, row, _now()))
    return EXIT_OK


def _add_watch(sub: argparse._SubParsersAction) -> None:
    help_text = "follow a run: the live tree until it ends"
    p = sub.add_parser("watch", help=help_text, description=help_text)
    p.add_argument("name", metavar="NAME", help="a run's name, or @latest")
    p.set_defaults(func=cmd_watch)


@_runs_verb
def cmd_watch(args: argparse.Namespace) -> int:
    store = _open_store()
    return _watch(store, _run_name(store, args.name))


def _watch(store, name: str) -> int:
    """Redraw the run until it ends (rich on a TTY; progress lines elsewhere), then print the
    final `get` view; the exit code follows the final phase."""
    import time

    from plait.runtime.runs import is_active, runner_lost, status_text

    from .views import ProgressLines

    if sys.stdout.isatty():
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        def frame():
            row = store.workflow(name)
            if row is None:
                return Text("")
            nodes = store.nodes(name)
            from .views import progress
            done, total = progress(nodes.values())
            head = f"{status_text(row, nodes)}  {done}/{total} pods\n"
            return Text(head + _get_text(store, name, row, _now()), no_wrap=True, overflow="crop")

        with Live(get_renderable=frame, console=Console(file=sys.stdout), refresh_per_second=2,
                  transient=True):
            row = _wait(store, name)
    else:
        lines = ProgressLines(sys.stderr)
        while True:
            row = store.workflow(name)
            for node in store.nodes(name).values():
                lines.on_change(node)
            if row is None or not is_active(row) or runner_lost(row):
                break
            time.sleep(WAIT_POLL)
    if row is None:
        print(f"plait: error: run {name} was deleted", file=sys.stderr)
        return EXIT_FINDINGS
    sys.stdout.write(_get_text(store, name, row, _now()))
    return _exit_of(row)


def cmd_logs_follow(args: argparse.Namespace) -> int:
    """`plait logs -f/--since`: follow new lines until the run ends; `--since D` keeps pods that
    were still running D ago (log lines carry no times, so the cut is per pod)."""
    import time

    from plait.runtime.runs import is_active, parse_age, runner_lost

    try:
        cutoff = _now() - parse_age(args.since) if args.since else None
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    store = _open_store()
    name = _resolve_run(store, args.name)
    if name is None:
        print(f"plait: error: no run named {args.name!r}" if args.name != "@latest"
              else "plait: error: no runs yet", file=sys.stderr)
        return EXIT_FINDINGS
    offsets: dict[str, int] = {}
    partial: dict[str, str] = {}
    while True:
        row = store.workflow(name)
        ended = row is None or not is_active(row) or runner_lost(row)
        nodes = [n for n in store.nodes(name).values() if n.pod_name]
        if args.node:
            nodes = [n for n in nodes if args.node in (n.display_name, n.name, n.pod_name, n.id)]
            if not nodes and ended:
                print(f"plait: error: run {name} has no pod node {args.node!r}", file=sys.stderr)
                return EXIT_FINDINGS
        if cutoff is not None:
            nodes = [n for n in nodes if n.finished_at is None or n.finished_at >= cutoff]
        nodes.sort(key=lambda n: (n.started_at is None, n.started_at or 0.0, n.name))
        for pod in dict.fromkeys(n.pod_name for n in nodes):
            path = store.log_path(name, pod, args.container)
            try:
                with open(path, "rb") as fh:
                    fh.seek(offsets.get(pod, 0))
                    data = fh.read()
                    offsets[pod] = fh.tell()
            except FileNotFoundError:
                continue
            text = partial.pop(pod, "") + data.decode("utf-8", "replace")
            *done, rest = text.split("\n")
            if rest:
                partial[pod] = rest
            for line in done:
                sys.stdout.write(f"{pod}: {line}\n")
        sys.stdout.flush()
        if ended or not args.follow:
            for pod, rest in partial.items():
                sys.stdout.write(f"{pod}: {rest}\n")
            return EXIT_OK
        time.sleep(WAIT_POLL)


def _add_signal_verb(sub: argparse._SubParsersAction, name: str, help_text: str, func) -> None:
    p = sub.add_parser(name, help=help_text, description=help_text)
    p.add_argument("name", metavar="NAME", help="a run's name, or @latest")
    p.set_defaults(func=func)


def _shutdown(args: argparse.Namespace, strategy: str) -> int:
    import signal

    from plait.runtime.runs import is_active, mark_stopped, runner_alive

    store = _open_store()
    name = _run_name(store, args.name)
    row = store.workflow(name)
    if not is_active(row):
        print(f"plait: error: cannot shutdown a completed workflow: {name} is "
              f"{getattr(row['phase'], 'value', row['phase'])}", file=sys.stderr)
        return EXIT_FINDINGS
    message = f"Stopped with strategy '{strategy}'"
    if runner_alive(row):
        pid = int(row["runner_pid"])
        os.kill(pid, signal.SIGTERM if strategy == "Stop" else signal.SIGUSR2)
        _unless_runner_died(store, name, pid, message)
    else:
        mark_stopped(store, name, message)
    print(f"workflow {name} {'stopped' if strategy == 'Stop' else 'terminated'}")
    return EXIT_OK


def _unless_runner_died(store, name: str, pid: int, message: str, grace: float = 2.0) -> None:
    """A runner still starting dies of the signal instead of handling it: then the run is
    marked stopped here (watched for `grace` seconds; a live runner is handling it)."""
    import time

    from plait.runtime.runs import is_active, mark_stopped, pid_alive

    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        row = store.workflow(name)
        if row is None or not is_active(row):
            return
        if not pid_alive(pid):
            time.sleep(WAIT_POLL)              # it may have written its end just now
            row = store.workflow(name)
            if row is not None and is_active(row):
                mark_stopped(store, name, message)
            return
        time.sleep(0.05)


@_runs_verb
def cmd_stop(args: argparse.Namespace) -> int:
    """Argo's stop: running pods are killed, exit handlers still run, the workflow Fails."""
    return _shutdown(args, "Stop")


@_runs_verb
def cmd_terminate(args: argparse.Namespace) -> int:
    """Argo's terminate: everything is killed, no exit handler runs."""
    return _shutdown(args, "Terminate")


def _add_delete(sub: argparse._SubParsersAction) -> None:
    help_text = "delete runs: store rows, logs, artifacts, pod folders and volumes"
    p = sub.add_parser("delete", help=help_text, description=help_text)
    p.add_argument("names", nargs="*", metavar="NAME", help="runs' names, or @latest")
    p.add_argument("--completed", action="store_true", help="every finished run")
    p.add_argument("--older", metavar="DURATION", help="finished runs that ended longer ago (e.g. 1h, 2d)")
    p.add_argument("--all", action="store_true", help="every run (running ones are terminated)")
    p.set_defaults(func=cmd_delete)


@_runs_verb
def cmd_delete(args: argparse.Namespace) -> int:
    import signal

    from plait.runtime.runs import delete_run, is_active, parse_age, pid_alive, wait_runner_gone

    if not (args.names or args.completed or args.older or args.all):
        raise UsageError("delete needs NAME, --completed, --older DURATION or --all")
    try:
        older = parse_age(args.older) if args.older else None
    except ValueError as exc:
        raise UsageError(f"--older: {exc}") from None
    store = _open_store()
    now = _now()
    names = [_run_name(store, n) for n in args.names]
    for row in store.list_workflows():
        if args.all or ((args.completed or older is not None) and not is_active(row)
                        and (older is None or (row.get("finished_at") or row["created_at"]) < now - older)):
            names.append(row["name"])
    for name in dict.fromkeys(names):
        row = store.workflow(name)
        if row is None:
            continue
        pid = row.get("runner_pid")
        if is_active(row) and pid_alive(pid):
            os.kill(int(pid), signal.SIGUSR2)          # terminate, then remove what it left
            if not wait_runner_gone(row, 10.0):
                os.kill(int(pid), signal.SIGKILL)
                wait_runner_gone(row, 5.0)
        delete_run(store, name)
        print(f"Workflow '{name}' deleted")
    return EXIT_OK


def _add_follow(p: argparse.ArgumentParser) -> None:
    """`--watch` / `--wait` of the verbs that start a runner."""
    how = p.add_mutually_exclusive_group()
    how.add_argument("--watch", action="store_true", help="then show the live tree until it ends")
    how.add_argument("--wait", action="store_true", help="then block and print the final `get` view")


def _add_retry(sub: argparse._SubParsersAction) -> None:
    help_text = "re-run a Failed/Error run in place, keeping its succeeded nodes"
    p = sub.add_parser("retry", help=help_text, description=help_text)
    p.add_argument("name", metavar="NAME", help="a run's name, or @latest")
    _add_follow(p)
    p.set_defaults(func=cmd_retry)


@_runs_verb
def cmd_retry(args: argparse.Namespace) -> int:
    from plait.runtime.runs import phase_of, runner_alive, start_runner
    from plait.runtime.types import Phase

    store = _open_store()
    name = _run_name(store, args.name)
    row = store.workflow(name)
    phase = phase_of(row)
    if phase not in (Phase.FAILED, Phase.ERROR) or runner_alive(row):
        print(f"plait: error: Cannot retry a workflow in phase {getattr(phase, 'value', phase)}",
              file=sys.stderr)
        return EXIT_FINDINGS
    store.set_workflow(name, Phase.RUNNING, row.get("message") or "")
    start_runner(store, name, "retry")
    print(name, flush=True)
    return _after_start(store, name, args.watch, args.wait)


def _add_resubmit(sub: argparse._SubParsersAction) -> None:
    help_text = "start a new run from a run's plan and arguments"
    p = sub.add_parser("resubmit", help=help_text, description=help_text)
    p.add_argument("name", metavar="NAME", help="a run's name, or @latest")
    p.add_argument("--name", dest="new_name", metavar="NEW", type=_workflow_name, help="the new run's name "
                   "(default: the workflow's generateName, or NAME-, plus 5 random characters)")
    _add_follow(p)
    p.set_defaults(func=cmd_resubmit)


@_runs_verb
def cmd_resubmit(args: argparse.Namespace) -> int:
    from plait.compiler.plan import Plan
    from plait.compiler.planner import generate_name
    from plait.runtime.runs import start_runner
    from plait.runtime.store import safe_segment
    from plait.runtime.types import Phase

    store = _open_store()
    name = _run_name(store, args.name)
    row = store.workflow(name)
    plan = Plan.from_json(row["plan_json"])
    new = args.new_name or generate_name(str(plan.workflow.get("generateName") or f"{name}-"))
    try:
        safe_segment(new, "workflow name")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if store.workflow(new) is not None:
        raise UsageError(f"workflow {new!r} already exists: choose another --name")
    plan.workflow["name"] = new
    store.create_workflow(new, plan.to_json(), row.get("arguments") or {}, _now(),
                          phase=Phase.PENDING)
    store.set_options(new, dict(row.get("options") or {}, resubmitted_from=name))
    start_runner(store, new, "new")
    print(new, flush=True)
    return _after_start(store, new, args.watch, args.wait)


def _add_resume(sub: argparse._SubParsersAction) -> None:
    help_text = "continue a run whose runner was lost, or resume its suspended nodes"
    p = sub.add_parser("resume", help=help_text, description=help_text)
    p.add_argument("name", metavar="NAME", help="a run's name, or @latest")
    _add_follow(p)
    p.set_defaults(func=cmd_resume)


@_runs_verb
def cmd_resume(args: argparse.Namespace) -> int:
    import signal

    from plait.runtime.runs import is_active, phase_of, runner_alive, start_runner

    store = _open_store()
    name = _run_name(store, args.name)
    row = store.workflow(name)
    if not is_active(row):
        phase = phase_of(row)
        print(f"plait: error: cannot resume a workflow in phase {getattr(phase, 'value', phase)}",
              file=sys.stderr)
        return EXIT_FINDINGS
    if runner_alive(row):
        os.kill(int(row["runner_pid"]), signal.SIGUSR1)     # Argo's resume of suspended nodes
    else:
        start_runner(store, name, "resume")                  # the runner was lost: continue
    print(f"workflow {name} resumed", file=sys.stderr)
    return _after_start(store, name, args.watch, args.wait)


def _run_dot_text(args: argparse.Namespace) -> str | None:
    """`plait dot NAME`: a stored run's DOT, nodes coloured by phase and labelled with their
    durations; None when the argument is a file (or names no run)."""
    from plait.runtime.home import DB_NAME, plait_home

    if os.path.exists(args.path) or "/" in args.path or not (plait_home() / DB_NAME).is_file():
        return None
    store = _open_store()
    name = _resolve_run(store, args.path)
    if name is None:
        return None
    from .rundot import run_to_dot

    return run_to_dot(name, store.workflow(name), store.nodes(name), _now())
