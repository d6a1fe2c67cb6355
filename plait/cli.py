"""The `plait` command line: argument parsing, dispatch, exit codes and error printing.

Each verb lives in a module of `plait.commands` (one per verb family), imported only when
that verb runs, so `plait check` never loads the runtime. Option groups that several verbs
share (the workflow options, the run options) are defined once here.

Exit codes everywhere: 0 ok, 1 findings (or a failed workflow), 2 usage error,
3 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from typing import Any, Sequence

from . import __version__
from .commands.base import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError
from .compiler.argo_version import parse_version
from .compiler.names import object_name_problem

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "UsageError",
           "build_parser", "main"]

Sub = "argparse._SubParsersAction[argparse.ArgumentParser]"
RUN_HELP = "a run's name, or @latest"


def _argo_version(text: str) -> tuple[int, int]:
    try:
        return parse_version(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _workflow_name(value: str) -> str:
    """`--name`: a name Argo accepts as metadata.name (checked before anything is stored)."""
    problem = object_name_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def _verb(sub: Any, name: str, help_text: str, target: str,
          description: str | None = None) -> argparse.ArgumentParser:
    """A verb's parser; `target` is `module:function` in `plait.commands`."""
    # allow_abbrev=False: as argo's flags, an option is spelt out (`--temp` is not
    # `--templates`), so a misspelt flag is an error, never another option
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, allow_abbrev=False,
                                                description=description or help_text)
    p.set_defaults(verb=target, verb_parser=p)
    return p


# -- shared option groups ----------------------------------------------------------------------

def _parameter_options(p: argparse.ArgumentParser,
                       help_text: str = "a workflow argument (overrides spec.arguments)") -> None:
    p.add_argument("-p", "--parameter", dest="parameters", action="append", default=[],
                   metavar="NAME=VALUE", help=help_text)
    p.add_argument("-f", "--parameter-file", metavar="FILE", help="YAML/JSON map of workflow arguments")


def _argo_version_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--argo-version", metavar="X.Y", type=_argo_version,
                   help="Argo release the workflow is for: 3.5, 3.6, 3.7 or 4.x (default: 4.1, "
                        "or argo-version in [tool.plait]); 3.x accepts fields v4 removed")


def _templates_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--templates", action="append", default=[], metavar="PATH",
                   help="more WorkflowTemplates to resolve templateRef against")


def _workflow_options(p: argparse.ArgumentParser,
                      entrypoint_help: str = "run this template instead of spec.entrypoint") -> None:
    """How a workflow file becomes a plan: compile, dot, run and submit."""
    _parameter_options(p)
    p.add_argument("--entrypoint", metavar="TEMPLATE", help=entrypoint_help)
    p.add_argument("--name", metavar="NAME", type=_workflow_name,
                   help="the workflow name (default: generateName; a run adds 5 random chars)")
    p.add_argument("--workflow", metavar="NAME",
                   help="which Workflow of the file (metadata.name or generateName)")
    _templates_option(p)
    _argo_version_option(p)


def _run_options(p: argparse.ArgumentParser) -> None:
    """What a run is given and how its pods run: run and submit."""
    p.add_argument("--secrets", action="append", default=[], metavar="FILE",
                   help="Kubernetes Secret manifests for secretKeyRef and secret volumes "
                        "(repeatable)")
    p.add_argument("--configmaps", action="append", default=[], metavar="FILE",
                   help="Kubernetes ConfigMap manifests for configMapKeyRef and configMap "
                        "volumes (repeatable)")
    p.add_argument("--images", metavar="FILE",
                   help="image -> {entrypoint, cmd} table for containers without a command")
    p.add_argument("--parallelism", type=int, metavar="N",
                   help="most pods running at once (default: 4 x CPU cores)")
    p.add_argument("--backend", choices=("local", "container", "kubernetes"),
                   help="local: pods as sandboxed host processes (default); container: pods as "
                        "containers of their real images through podman or docker; kubernetes: "
                        "Pods on the cluster of --kubeconfig/--context (pip install "
                        "'plait[kubernetes]') (also $PLAIT_BACKEND, or backend in [tool.plait])")
    p.add_argument("--engine", choices=("podman", "docker"),
                   help="the container backend's engine (default: podman if it answers, else "
                        "docker; also $PLAIT_ENGINE, or engine in [tool.plait])")
    p.add_argument("--sandbox", choices=("auto", "bwrap", "none"),
                   help="auto/bwrap: pods run in bubblewrap, refused where none works (default, "
                        "or $PLAIT_SANDBOX); none: pods run as plain host processes, and the run "
                        "says so")
    p.add_argument("--pass-env", action="append", default=[], metavar="NAME",
                   help="pass this host environment variable to every pod (repeatable; also "
                        "$PLAIT_PASS_ENV, names separated by commas); pods get no other host variable")
    p.add_argument("--keep-pods", action="store_true",
                   help="debugging: keep each pod's folder under $PLAIT_HOME/pods (and, with "
                        "--backend container, its containers) after it ended (scratch files, "
                        "raw output files: they may hold secrets)")
    p.add_argument("--dry-run", action="store_true",
                   help="check and compile, print the Workflow as Argo YAML (as argo submit "
                        "--dry-run -o yaml); run nothing")
    p.add_argument("--server-dry-run", action="store_true",
                   help="as --dry-run, named from generateName and placed in a namespace, as "
                        "the API server answers a dry run")
    p.add_argument("--executor-image", metavar="IMAGE",
                   help="kubernetes: the static busybox image of plait's init/wait containers "
                        "(default: busybox)")
    _cluster_options(p)


# `argo` client flags that name a cluster connection or a client setting: (flags, takes a value)
IGNORED_FLAGS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("--kubeconfig",), True), (("--context",), True), (("--cluster",), True),
    (("--user",), True), (("--token",), True), (("--server",), True),
    (("-s", "--argo-server"), True), (("--argo-base-href",), True), (("-H", "--header"), True),
    (("--as",), True), (("--as-group",), True), (("--as-uid",), True),
    (("--certificate-authority",), True), (("--client-certificate",), True),
    (("--client-key",), True), (("--tls-server-name",), True), (("--proxy-url",), True),
    (("--request-timeout",), True), (("--username",), True), (("--password",), True),
    (("--loglevel",), True), (("--gloglevel",), True), (("--log-format",), True),
    (("--scheduled-time",), True), (("--pod-priority-class",), True),
    (("-e", "--argo-http1"), False), (("--secure",), False),
    (("-k", "--insecure-skip-verify"), False), (("--insecure-skip-tls-verify",), False),
    (("--disable-compression",), False), (("-v", "--verbose"), False),
)


def _cluster_options(p: argparse.ArgumentParser) -> None:
    """The cluster flags of `argo submit`, and the client flags plait accepts and ignores."""
    g = p.add_argument_group("as argo submit (recorded on the run)")
    g.add_argument("-n", "--namespace", metavar="NS",
                   help="the run's namespace ({{workflow.namespace}}; default: the "
                        "workflow's, or default)")
    g.add_argument("--serviceaccount", metavar="NAME",
                   help="the pods' serviceAccountName ({{workflow.serviceAccountName}})")
    g.add_argument("-l", "--labels", action="append", default=[], metavar="K=V[,K=V]",
                   help="labels added to the workflow ({{workflow.labels.K}}; repeatable)")
    g.add_argument("--annotations", action="append", default=[], metavar="K=V[,K=V]",
                   help="annotations added to the workflow ({{workflow.annotations.K}}; "
                        "repeatable)")
    g.add_argument("--generate-name", metavar="PREFIX",
                   help="the workflow's metadata.generateName (a set name still wins)")
    g.add_argument("--priority", type=int, metavar="N",
                   help="the workflow's spec.priority ({{workflow.priority}})")
    g.add_argument("--instanceid", metavar="ID",
                   help="recorded as the workflows.argoproj.io/controller-instanceid label")
    ignored = p.add_argument_group(
        "argo client flags", "accepted with a note, no meaning on this machine: "
        + ", ".join(flags[-1] for flags, _ in IGNORED_FLAGS))
    for flags, value in IGNORED_FLAGS:
        dest = "ignored_" + flags[-1].lstrip("-").replace("-", "_")
        if value:
            ignored.add_argument(*flags, dest=dest, metavar="X", help=argparse.SUPPRESS)
        else:
            ignored.add_argument(*flags, dest=dest, action="store_true", help=argparse.SUPPRESS)


def _follow_options(p: argparse.ArgumentParser) -> None:
    """`--watch` / `--wait` of the verbs that start a runner."""
    how = p.add_mutually_exclusive_group()
    how.add_argument("--watch", action="store_true", help="then show the live tree until it ends")
    how.add_argument("--wait", action="store_true", help="then block and print the final `get` view")


# -- the verbs ---------------------------------------------------------------------------------

def _add_check(sub: Any, name: str, help_text: str) -> None:
    p = _verb(sub, name, help_text, "check:cmd_check")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="workflow files or directories (- reads standard input)")
    p.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                   help="output format (default: text)")
    _parameter_options(p, "a workflow argument to check against spec.arguments")
    _templates_option(p)
    p.add_argument("--fail-on", choices=("error", "warning"), default="error",
                   help="lowest severity that makes the exit code 1 (default: error)")
    _argo_version_option(p)
    p.add_argument("--no-snippet", action="store_true", help="text format: no source lines")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def _add_compile_verbs(sub: Any) -> None:
    p = _verb(sub, "compile", "check a workflow and write its execution plan (JSON) or Argo YAML",
              "compile:cmd_compile")
    p.add_argument("path", metavar="FILE", help="the workflow file")
    _workflow_options(p)
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    p.add_argument("--emit", choices=("plan", "argo"), default="plan",
                   help="plan: plait's JSON plan (default); argo: Workflow YAML for real Argo")
    p = _verb(sub, "dot", "draw a workflow's execution plan as a Graphviz DOT graph", "dot:cmd_dot")
    p.add_argument("path", metavar="FILE|PLAN|NAME",
                   help="a workflow file, a plan JSON from `plait compile`, or a run's name (or @latest)")
    _workflow_options(p, "draw from this template instead of spec.entrypoint")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    p.add_argument("--render", choices=("svg", "png"),
                   help="run Graphviz `dot` and write an image to OUT (without -o: NAME.svg "
                        "or .png next to the input, or here for a run)")


def _add_run_verbs(sub: Any) -> None:
    p = _verb(sub, "run",
              "run a workflow (or a compiled plan) on this machine, pods as sandboxed processes",
              "run:cmd_run")
    p.add_argument("path", metavar="FILE|PLAN", help="a workflow file, or a plan JSON from `plait compile`")
    _workflow_options(p)
    _run_options(p)
    p.add_argument("-o", "--output", choices=("tree", "json"), default="tree",
                   help="tree: the final `argo get` view (default); json: the Workflow object, alone on stdout")
    _add_logs(sub)              # listed between run and submit, as before
    p = _verb(sub, "submit", "start a workflow in a detached runner and print its name",
              "run:cmd_submit")
    p.add_argument("path", nargs="?", metavar="FILE|PLAN", help="a workflow file or a plan JSON")
    p.add_argument("--from", dest="from_ref", metavar="KIND/NAME",
                   help="start from a stored template: workflowtemplate/NAME (with --templates), "
                        "or cronwf/NAME (the CronWorkflow of FILE, once now)")
    _workflow_options(p)
    _run_options(p)
    p.add_argument("-o", "--output", choices=("name", "json", "yaml", "wide"),
                   help="name: the run's name (the default); json/yaml: the submitted Workflow "
                        "object; wide: the `get -o wide` view")
    p.add_argument("--log", action="store_true",
                   help="then print the run's logs as they come (`logs -f`) until it ends; "
                        "exit 1 unless it Succeeded")
    p.set_defaults(logs_parser=sub.choices["logs"])
    _follow_options(p)


def _add_logs(sub: Any) -> None:
    p = _verb(sub, "logs", "print a run's logs, each line prefixed with its pod name", "runs:cmd_logs")
    p.add_argument("name", metavar="NAME", help=RUN_HELP)
    p.add_argument("node", nargs="?", metavar="POD|NODE", help="only this pod, or this node's pods: pod name, node id, name or display name")
    p.add_argument("-c", "--container", default="main", help="the container's logs (default: main)")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until the run ends")
    p.add_argument("--since", metavar="DURATION", help="only lines of the last DURATION (e.g. 5m)")
    p.add_argument("--since-time", metavar="TIME", help="only lines from TIME on (RFC3339)")
    p.add_argument("--tail", type=int, metavar="N", help="only the last N lines of each pod")
    p.add_argument("--grep", metavar="REGEX", help="only the lines this regular expression finds")
    p.add_argument("--timestamps", action="store_true", help="each line's time before its text")
    p.add_argument("--no-color", action="store_true", help="no colours, also on a terminal")


def _add_cp(sub: Any) -> None:
    p = _verb(sub, "cp", "copy a run's output artifacts into a folder, unpacked (argo cp)",
              "cp:cmd_cp")
    p.add_argument("name", metavar="NAME", help=RUN_HELP)
    p.add_argument("dest", metavar="DEST", help="the folder to copy into (created)")
    p.add_argument("--node", "--node-id", dest="node", metavar="NODE",
                   help="only this node: display name, node name, node ID or pod name")
    p.add_argument("--template-name", metavar="TEMPLATE", help="only nodes of this template")
    p.add_argument("--artifact-name", metavar="NAME", help="only the artifacts of this name")
    p.add_argument("--path", default="{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}",
                   help="the folder under DEST for each artifact; variables {namespace} "
                        "{workflowName} {nodeId} {templateName} {artifactName} (default: %(default)s)")


def _add_runs_verbs(sub: Any) -> None:
    p = _verb(sub, "list", "list runs, running first, then latest finished (every filter given must hold)",
              "runs:cmd_list")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--running", action="store_true", help="only Pending/Running runs")
    which.add_argument("--completed", action="store_true", help="only finished runs")
    p.add_argument("--status", action="append", default=[], metavar="PHASE[,PHASE]",
                   help="only runs in these phases (e.g. Failed,Error; repeatable)")
    p.add_argument("--since", metavar="DURATION", help="only runs created in the last DURATION")
    p.add_argument("-l", "--selector", metavar="SELECTOR",
                   help="label selector: k=v, k!=v, k, !k, k in (a,b), comma = and")
    p.add_argument("--prefix", default="", metavar="PREFIX", help="only runs named PREFIX...")
    p.add_argument("--no-headers", action="store_true", help="the table without its header")
    p.add_argument("-o", "--output", choices=("table", "wide", "name", "json", "yaml"),
                   default="table", help="wide adds PRIORITY, P/R/C (pods pending/running/"
                   "completed) and PARAMETERS")
    p = _verb(sub, "get", "show a run: Argo's header and tree", "runs:cmd_get")
    p.add_argument("name", metavar="NAME", help=RUN_HELP)
    p.add_argument("-o", "--output", choices=("tree", "wide", "short", "name", "json", "yaml"),
                   default="tree", help="wide: the tree with ARTIFACTS and NODENAME; short: "
                   "the tree alone (as argo); json/yaml: the Workflow object")
    p = _verb(sub, "watch", "follow a run: the live tree until it ends", "runs:cmd_watch")
    p.add_argument("name", nargs="?", default="@latest", metavar="NAME",
                   help=f"{RUN_HELP} (default: @latest)")
    p = _verb(sub, "wait", "block until runs end; exit 1 when one Failed or Errored (argo wait)",
              "runs:cmd_wait")
    p.add_argument("names", nargs="+", metavar="NAME", help="runs' names, or @latest")
    p.add_argument("--ignore-not-found", action="store_true",
                   help="a name that names no run is not an error")


def _add_control_verbs(sub: Any) -> None:
    for name, help_text in (("stop", "stop a run: kill its pods, run its exit handlers"),
                            ("terminate", "terminate a run: kill everything, no exit handlers")):
        p = _verb(sub, name, help_text, f"control:cmd_{name}")
        p.add_argument("name", metavar="NAME", help=RUN_HELP)
    p = _verb(sub, "delete", "delete runs: store rows, logs, artifacts, pod folders and volumes",
              "control:cmd_delete")
    p.add_argument("names", nargs="*", metavar="NAME", help="runs' names, or @latest")
    p.add_argument("--completed", action="store_true", help="every finished run")
    p.add_argument("--older", metavar="DURATION", help="finished runs that ended longer ago (e.g. 1h, 2d)")
    p.add_argument("--all", action="store_true", help="every run (running ones are terminated)")
    p = _verb(sub, "retry", "re-run a Failed/Error run in place, keeping its succeeded nodes",
              "control:cmd_retry")
    p.add_argument("name", metavar="NAME", help=RUN_HELP)
    _parameter_options(p, "override a workflow parameter (as argo retry -p)")
    _follow_options(p)
    p = _verb(sub, "resubmit", "start a new run from a run's plan and arguments",
              "control:cmd_resubmit")
    p.add_argument("name", metavar="NAME", help=RUN_HELP)
    p.add_argument("--name", dest="new_name", metavar="NEW", type=_workflow_name, help="the new run's name "
                   "(default: the workflow's generateName, or NAME-, plus 5 random characters)")
    _parameter_options(p, "override a workflow parameter (as argo resubmit -p)")
    _follow_options(p)
    p = _verb(sub, "resume", "continue a run whose runner was lost, or resume its suspended nodes",
              "control:cmd_resume")
    p.add_argument("name", metavar="NAME", help=RUN_HELP)
    _follow_options(p)


def _add_cron_verbs(sub: Any) -> None:
    """`plait cron VERB` (plait/commands/cron.py), as `argo cron VERB`."""
    p = sub.add_parser("cron", help="schedule CronWorkflows on this machine (argo cron)",
                       allow_abbrev=False, description="schedule CronWorkflows on this machine (argo cron)")
    verbs = p.add_subparsers(dest="cron_verb", metavar="VERB")
    p.set_defaults(verb="cron:cmd_usage", verb_parser=p)
    v = _verb(verbs, "start", "check CronWorkflows and keep them scheduled by a detached "
              "scheduler", "cron:cmd_start")
    v.add_argument("paths", nargs="+", metavar="FILE", help="files holding CronWorkflows")
    _parameter_options(v)
    _templates_option(v)
    _argo_version_option(v)
    _run_options(v)
    v = _verb(verbs, "list", "list the scheduled CronWorkflows", "cron:cmd_list")
    v.add_argument("-o", "--output", choices=("table", "name", "json"), default="table")
    v = _verb(verbs, "get", "show a CronWorkflow: settings, status, what the scheduler logged",
              "cron:cmd_get")
    v.add_argument("name", metavar="NAME")
    v.add_argument("-o", "--output", choices=("text", "json"), default="text")
    for name, help_text in (("suspend", "stop scheduling until resume"),
                            ("resume", "schedule again"),
                            ("stop", "no more runs on this machine (kept, with its runs)"),
                            ("delete", "remove CronWorkflows and the runs they started")):
        v = _verb(verbs, name, help_text, f"cron:cmd_{name}")
        v.add_argument("names", nargs="*", metavar="NAME")
        v.add_argument("--all", action="store_true", help="every stored CronWorkflow")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plait", allow_abbrev=False, description="Check, compile and run Argo Workflows locally.")
    parser.add_argument("--version", action="version", version=f"plait {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_check(sub, "check", "find mistakes in workflow files before they run")
    _add_check(sub, "lint", "alias of check")
    p = _verb(sub, "explain", "explain a diagnostic code", "check:cmd_explain")
    p.add_argument("code", metavar="CODE", help="e.g. PL301; 'all' lists every code")
    _verb(sub, "schema", "print plait's JSON Schema (for editors)", "check:cmd_schema",
          description="print plait's JSON Schema for yaml-language-server and editors")
    _add_compile_verbs(sub)
    _add_run_verbs(sub)
    _add_runs_verbs(sub)
    _add_cp(sub)
    _add_control_verbs(sub)
    _add_cron_verbs(sub)
    return parser


def _not_utf8(argv: Sequence[str]) -> str | None:
    """The first argument that is not valid UTF-8 (Python hands such bytes over as lone
    surrogates), else None. Names, values and paths end up in the run's store, its JSON
    and its output, which hold UTF-8 only: refused up front, not half-way into a run."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    bad = _not_utf8(sys.argv[1:] if argv is None else argv)
    if bad is not None:
        print(f"plait: error: argument {bad!r} is not valid UTF-8", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:       # the verb's usage, not the top-level one
            getattr(args, "verb_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "verb", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        module, func = args.verb.split(":")
        # per-verb dispatch: only the module of this verb is imported (`plait check` stays fast)
        run = getattr(importlib.import_module(f"plait.commands.{module}"), func)
        return int(run(args))
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
