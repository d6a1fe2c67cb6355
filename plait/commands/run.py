"""`plait run` (a workflow in this process, with a live view) and `plait submit` (a detached
runner; `runtime/runner.py`)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import re
import signal
import sys
import tempfile
from typing import Any

from plait import runtime
from plait.compiler.config import Config, ConfigError, find_config
from plait.compiler.export import workflow_document
from plait.compiler.plan import Plan
from plait.compiler.plancodec import encode_io
from plait.grammar.limits import check_caps
from plait.runtime import control, pyscripts
from plait.runtime.backends import BACKEND_ENV, BACKENDS, sandbox
from plait.runtime.backends.engine_cli import ENGINE_ENV, EngineCLI, NoEngine, find_engine
from plait.runtime.cronjobs import scheduled_now
from plait.runtime.images import ImageTable, ImageTableError
from plait.runtime.outputs import OutputLimits
from plait.runtime.secrets import SecretsError, SecretStore
from plait.runtime.status import workflow_json
from plait.runtime.store import Store
from plait.runtime.types import Phase

from ..formats import document_text, submitted_workflow
from ..views import LiveView, ProgressLines, WorkflowInfo, render_get
from . import base, dryrun, kube
from .base import EXIT_FINDINGS, EXIT_OK, UsageError
from .cluster import apply_cluster_options, note_ignored, spec_settings
from .runs import after_start, exit_of, get_text, open_store, wait
from .sources import Prepare, load_plan, python_paths, show_as


def _prepare(documents: list[Any]) -> tuple[list[Any], list[str]]:
    """Python scripts of a Hera workflow made runnable here (`runtime.pyscripts`)."""
    done = pyscripts.prepare(documents)
    return done.documents, list(done.binds)


def _prepare_for(args: argparse.Namespace) -> Prepare | None:
    """`_prepare` for the local backend only: a container or a cluster runs a Hera script
    with its image's Python, never the host's."""
    return _prepare if _backend_name(args) == "local" else None


def _config() -> Config:
    try:
        return find_config()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _backend_name(args: argparse.Namespace) -> str:
    """--backend, else $PLAIT_BACKEND, else `backend` in [tool.plait], else local."""
    name = args.backend or os.environ.get(BACKEND_ENV) or _config().backend or "local"
    if name not in BACKENDS:
        raise UsageError(f"{BACKEND_ENV}={name!r}: expected one of {', '.join(BACKENDS)}")
    return str(name)


def _backend_choice(args: argparse.Namespace) -> tuple[str, EngineCLI | None]:
    """(the backend, its container engine) from --backend/--engine, $PLAIT_BACKEND/
    $PLAIT_ENGINE or `backend`/`engine` in [tool.plait]; exit 2 when the container backend
    has no engine that answers (the message says what to install)."""
    name = _backend_name(args)
    config = _config()
    if name != "container":
        return name, None
    try:
        return name, find_engine(args.engine or os.environ.get(ENGINE_ENV) or config.engine)
    except ValueError as exc:
        raise UsageError(f"{ENGINE_ENV}: {exc}") from None
    except NoEngine as exc:
        raise UsageError(str(exc)) from None


def _check_run_options(args: argparse.Namespace) -> tuple[str, list[str]]:
    """What `run` and `submit` check before anything runs: --parallelism, the PLAIT_MAX_*
    output caps, the files given, the backend (`args.backend_name`, `args.engine_cli`);
    returns (sandbox mode, host variables to pass)."""
    if args.parallelism is not None and args.parallelism < 1:
        raise UsageError("--parallelism must be at least 1")
    try:     # the caps must be sizes and counts (a usage error now, not a surprise later)
        OutputLimits.from_env()
        check_caps()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for path in [*args.secrets, *args.configmaps, *([args.images] if args.images else [])]:
        if not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
    args.backend_name, args.engine_cli = _backend_choice(args)
    args.kube_options = kube.take_options(args) if args.backend_name == "kubernetes" else None
    note_ignored(args)
    if args.backend_name == "kubernetes":          # the pods run on the cluster: no sandbox here
        return "auto", []
    return _sandbox_options(args)


def _sandbox_options(args: argparse.Namespace) -> tuple[str, list[str]]:
    """(the sandbox mode, the host variables to pass) from the flags and $PLAIT_SANDBOX /
    $PLAIT_PASS_ENV; exit 2 when no sandbox works and `none` was not chosen."""
    mode = args.sandbox or os.environ.get(sandbox.SANDBOX_ENV) or "auto"
    try:        # containers are the container backend's sandbox: no bubblewrap needed
        chosen = "container" if getattr(args, "backend_name", "local") == "container" \
            else sandbox.choose(mode)[0]
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


def _new_run_store(plan: Plan) -> Store:
    """The store, ready for a new run of `plan`: room on the disk, the name free."""
    store = open_store()
    if not store.has_room():    # a run on a full disk could not even record how it ended
        raise UsageError(f"the disk of the plait home ({store.home}) is full: free space "
                         f"(`plait delete --completed`, `plait delete NAME`) and try again")
    if store.workflow(plan.name) is not None:
        raise UsageError(f"workflow {plan.name!r} already exists: choose another --name")
    return store


def _settle(fut: asyncio.Future[bool]) -> None:
    if not fut.done():
        fut.set_result(True)


class _StopSignal:
    """Set by Ctrl-C; the engine polls `is_set()` or awaits `wait()` (like asyncio.Event, in
    whatever loop it runs), so a signal handler can set it safely."""

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[bool]]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        for loop, fut in list(self._waiters):
            loop.call_soon_threadsafe(_settle, fut)

    async def wait(self) -> bool:
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


def plan_parameters(plan: Plan) -> list[tuple[str, str]]:
    """The workflow's arguments as (name, value) pairs, for the `Parameters:` block."""
    return [(str(p.name), str(p.value)) for p in plan.arguments.parameters
            if isinstance(p.value, (str, int, float, bool))]


def cmd_run(args: argparse.Namespace) -> int:
    """Run a workflow here, pods as sandboxed processes; exit 1 unless it Succeeded."""
    kube_pods = args.dry_run and _backend_name(args) == "kubernetes"   # prints the Pods
    if dryrun.requested(args) and not kube_pods:
        python_paths(args)
        return dryrun.dry_run(args)
    python_paths(args, prepare=_prepare_for(args))
    sandbox_mode, pass_env = _check_run_options(args)
    plan = load_plan(args, run=True)
    if plan is None:
        return EXIT_FINDINGS
    plan = scheduled_now(apply_cluster_options(plan, args), base.now()).named()
    kube_options = kube.with_namespace(args.kube_options, plan) if args.kube_options else None
    if kube_options is not None and not args.dry_run:
        kube.check_connection(kube_options)
    store = None if args.dry_run else _new_run_store(plan)
    try:
        secrets = SecretStore.load(args.secrets, args.configmaps)
        images = ImageTable.load(args.images)
    except (SecretsError, ImageTableError) as exc:
        raise UsageError(str(exc)) from None
    if args.dry_run:
        return kube.dry_run(plan, kube_options or {}, images, secrets)
    assert store is not None
    as_json = args.output == "json"
    tty = sys.stderr.isatty() if as_json else sys.stdout.isatty()
    view: LiveView | ProgressLines = (
        LiveView(plan.name, stream=sys.stderr if as_json else sys.stdout) if tty
        else ProgressLines(sys.stderr))
    stop = _StopSignal()
    interrupts: list[int] = []

    def on_sigint(signum: int, frame: Any) -> None:
        if interrupts:
            raise KeyboardInterrupt       # a second Ctrl-C: give up waiting for exit handlers
        interrupts.append(signum)
        print("plait: stopping (exit handlers still run; Ctrl-C again to abort)", file=sys.stderr)
        stop.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    print(_backend_line(args, sandbox_mode), file=sys.stderr if as_json or not tty else sys.stdout,
          flush=True)
    try:
        with view:
            result = runtime.run(plan, store=store, home=store.home, secrets=secrets,
                                 images=images, parallelism=args.parallelism,
                                 on_change=view.on_change, stop_event=stop, sandbox=sandbox_mode,
                                 pass_env=pass_env, keep_pods=args.keep_pods,
                                 ro_binds=getattr(args, "ro_binds", ()),
                                 backend_name=args.backend_name, engine=args.engine_cli,
                                 backend_options=kube_options)
    finally:
        signal.signal(signal.SIGINT, previous)
    if as_json:
        sys.stdout.write(json.dumps(workflow_json(result.name, result, result.nodes, plan), indent=2) + "\n")
    else:
        info = WorkflowInfo.of(result.name, result, plan_parameters(plan), plan)
        sys.stdout.write(render_get(info, result.nodes))
    return EXIT_OK if result.phase == Phase.SUCCEEDED and not interrupts else EXIT_FINDINGS


def _backend_line(args: argparse.Namespace, sandbox_mode: str) -> str:
    """The run's first progress line: which backend runs its pods, and how."""
    if args.engine_cli is not None:
        return f"plait: backend container, engine {args.engine_cli.describe()}"
    if getattr(args, "kube_options", None) is not None:
        return "plait: backend kubernetes"
    return f"plait: backend local, sandbox {sandbox_mode}"


def _from_template(args: argparse.Namespace, folder: str) -> str:
    """`--from workflowtemplate/NAME`: a Workflow file that only references the template."""
    kind, _, name = (args.from_ref or "").partition("/")
    if kind.lower() in CRON_KINDS and name:
        return _from_cron(args, name)
    kinds = {"workflowtemplate": False, "wftmpl": False, "clusterworkflowtemplate": True,
             "cwftmpl": True}
    if kind.lower() not in kinds or not name:
        raise UsageError(f"--from {args.from_ref!r}: expected workflowtemplate/NAME, "
                         "clusterworkflowtemplate/NAME or cronwf/NAME")
    if args.path:
        args.templates = [*args.templates, args.path]
    ref: dict[str, Any] = {"name": name}
    if kinds[kind.lower()]:
        ref["clusterScope"] = True
    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
           "metadata": {"generateName": f"{name}-"}, "spec": {"workflowTemplateRef": ref}}
    path = os.path.join(folder, f"{name}.from.yaml")
    show_as(args, path, f"--from {args.from_ref}")
    args.from_template = (name, kinds[kind.lower()])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=2) + "\n")
    return path


CRON_KINDS = ("cronwf", "cronworkflow", "cwf")


def _from_cron(args: argparse.Namespace, name: str) -> str:
    """`--from cronwf/NAME`: the CronWorkflow NAME of FILE (or of the one --templates file),
    run once now as `argo submit --from cronwf/NAME` does."""
    path = args.path or (args.templates[0] if len(args.templates) == 1 else None)
    if path is None:
        raise UsageError(f"--from {args.from_ref}: give the file that defines the "
                         "CronWorkflow (FILE)")
    args.workflow = name
    return str(path)


def _runner_options(args: argparse.Namespace, sandbox_mode: str, pass_env: list[str]
                    ) -> dict[str, Any]:
    """What a detached runner is given (`runtime/runner.py`): file paths and settings."""
    images = args.images or os.environ.get("PLAIT_IMAGES")
    return {"secrets": [os.path.abspath(p) for p in args.secrets],
            "configmaps": [os.path.abspath(p) for p in args.configmaps],
            "images": os.path.abspath(images) if images else None,
            "parallelism": args.parallelism, "keep_pods": args.keep_pods,
            "sandbox": sandbox_mode, "pass_env": pass_env,   # names only: the runner has the values
            "ro_binds": list(getattr(args, "ro_binds", ())),  # a Hera workflow's Python
            "backend": args.backend_name,
            "engine": args.engine_cli.name if args.engine_cli is not None else None}


def detached_options(args: argparse.Namespace) -> dict[str, Any]:
    """The run options of a verb that starts detached runners (`submit`, `cron start`),
    checked as `submit` checks them (usage errors raised), and its files read once."""
    sandbox_mode, pass_env = _check_run_options(args)
    try:
        SecretStore.load(args.secrets, args.configmaps)
        ImageTable.load(args.images)
    except (SecretsError, ImageTableError) as exc:
        raise UsageError(str(exc)) from None
    return _runner_options(args, sandbox_mode, pass_env)


def cmd_submit(args: argparse.Namespace) -> int:
    """Start a workflow in a detached runner and print its name."""
    if args.parallelism is not None and args.parallelism < 1:
        raise UsageError("--parallelism must be at least 1")
    if not args.path and not args.from_ref:
        raise UsageError("submit needs FILE or --from workflowtemplate/NAME")
    dry = dryrun.requested(args)
    if not args.from_ref:                       # FILE.py[:NAME]: a Hera workflow
        python_paths(args, prepare=None if dry else _prepare_for(args))
    sandbox_mode, pass_env = ("", []) if dry else _check_run_options(args)
    with tempfile.TemporaryDirectory(prefix="plait-submit-") as folder:
        if args.from_ref:
            args.path = _from_template(args, folder)
        if dry:
            return dryrun.dry_run(args)
        plan = load_plan(args, run=True)
    if plan is None:
        return EXIT_FINDINGS
    plan = scheduled_now(apply_cluster_options(plan, args), base.now()).named()
    kube_options = kube.with_namespace(args.kube_options, plan) if args.kube_options else None
    if kube_options is not None:
        kube.check_connection(kube_options)
    try:   # read them now so a bad file is a usage error here, not a failed run later
        SecretStore.load(args.secrets, args.configmaps)
        ImageTable.load(args.images)
    except (SecretsError, ImageTableError) as exc:
        raise UsageError(str(exc)) from None
    store = _new_run_store(plan)
    options = _runner_options(args, sandbox_mode, pass_env)
    options["backend_options"] = kube_options
    params = [{"name": k, "value": v} for k, v in plan_parameters(plan)]
    # started now, as Argo's startedAt is set when the controller picks the workflow up
    control.submit(store, plan, arguments={"parameters": params}, options=options,
                   started_at=base.now())
    print_submitted(store, plan, args)
    if options.get("sandbox") == "none":          # said where the user looks, not only in get
        print(f"plait: note: {plan.name} runs UNSANDBOXED (--sandbox none): its pods can read "
              "and write what you can", file=sys.stderr)
    if args.log:       # `argo submit --log`: the logs to the end, then the run's exit code
        logs = args.logs_parser.parse_args([plan.name, "--follow"])
        module, func = logs.verb.split(":")
        getattr(importlib.import_module(f"plait.commands.{module}"), func)(logs)
        if not (args.watch or args.wait):
            return exit_of(wait(store, plan.name))
    if args.wait and args.output:
        # as argo's: `-o name|json|yaml --wait` waits quietly (stdout stays what -o printed);
        # `-o wide --wait` ends with the wide view
        row = wait(store, plan.name)
        if args.output == "wide" and row is not None:
            sys.stdout.write(get_text(store, plan.name, row, base.now(), "wide"))
        return exit_of(row)
    return after_start(store, plan.name, args.watch, args.wait)


def submitted_spec(plan: Plan, args: argparse.Namespace) -> dict[str, Any]:
    """The spec a run was submitted with, in Argo's words: the workflow's own (its arguments,
    name and entrypoint resolved, the cluster flags applied); a plan JSON keeps only its
    entrypoint and arguments."""
    done = getattr(args, "compiled", None)
    if done is None or done.workflow is None:
        spec: dict[str, Any] = {"entrypoint": plan.entrypoint,
                                "arguments": encode_io(plan.arguments)}
    else:
        spec = workflow_document(done.workflow, plan, True, done.supplied,
                                 entrypoint_fixed=args.entrypoint is not None).get("spec", {})
    return {**spec, **spec_settings(plan)}


def print_submitted(store: Store, plan: Plan, args: argparse.Namespace) -> None:
    """What `submit -o FORMAT` prints of the run it started: its name (the default), the
    Workflow object (`json`, `yaml`) or the `get -o wide` view."""
    row = store.workflow(plan.name)
    if args.output in ("json", "yaml") and row is not None:
        doc = submitted_workflow(row, plan, submitted_spec(plan, args))
        sys.stdout.write(document_text(doc, args.output))
    elif args.output == "wide" and row is not None:
        sys.stdout.write(get_text(store, plan.name, row, base.now(), "wide"))
    else:
        print(plan.name)
    sys.stdout.flush()
