"""What Argo would produce for each example the conformance suite runs: the table.

Each `Case` names an example (`examples/<file>` in ../shared/argo, or `variants/<file>` here,
whose header comment says what changed and why) and what Argo's status would hold after the run:
the workflow phase, node phases keyed by the node's name relative to the workflow (`""` is the
root, `[0].hello1` a step, `.A` a DAG task, `(1)` a retry attempt, `.onExit` the exit handler),
outputs, messages (substrings), log lines (`plait logs NAME NODE` must contain the text) and, for
random examples, a `check` that asserts what is certain (coinflip: the branch taken matches the
flip). `{wf}` in expected text stands for the run's name.

Sources for the expectations: spec §2-§17 (node names §3, loops §7, outputs §8, retries §10,
failure semantics §11, timeouts §12, exit handlers §13, daemons §15) and the examples' own
comments; examples that Argo's e2e suite runs without the `no-test: expected-failure` label
are expected to succeed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

Nodes = dict[str, dict[str, Any]]     # relative node name -> status.nodes entry


@dataclass(frozen=True)
class Case:
    id: str
    example: str                                        # examples/x.yaml | variants/x.yaml
    phase: str                                          # the workflow's phase
    nodes: dict[str, str] = field(default_factory=dict)          # rel name -> phase
    absent: tuple[str, ...] = ()                        # rel names that must not exist
    types: dict[str, str] = field(default_factory=dict)          # rel name -> node type
    results: dict[str, str] = field(default_factory=dict)        # rel name -> outputs.result
    exit_codes: dict[str, str] = field(default_factory=dict)     # rel name -> outputs.exitCode
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)   # rel -> {param: value}
    artifacts: dict[str, tuple[str, ...]] = field(default_factory=dict)   # rel -> artifact names
    messages: dict[str, str] = field(default_factory=dict)       # rel name -> message substring
    display: dict[str, str] = field(default_factory=dict)        # rel name -> displayName
    logs: dict[Any, str] = field(default_factory=dict)           # rel | (rel, container) -> text
    workflow_message: str | None = None                 # substring of status.message
    global_parameters: dict[str, str] = field(default_factory=dict)  # status.outputs.parameters
    pods: int | None = None                             # exact number of Pod nodes
    args: tuple[str, ...] = ()        # extra `plait run` arguments ({conformance}: this folder,
                                      # {unique}: digits unique to the run, also doc["test"])
    check: Callable[[dict, Nodes], None] | None = None  # what is certain about random runs
    never: tuple[str, ...] = ()                         # text that must appear nowhere (secrets)
    needs: tuple[str, ...] = ()                         # "bwrap": only faithful in a sandbox
    min_seconds: float | None = None                    # wall time bounds of the whole run
    max_seconds: float | None = None
    timeout: float = 60.0                               # the test's own limit


# -- checks for random examples ---------------------------------------------------------------

def _phase(nodes: Nodes, rel: str) -> str | None:
    node = nodes.get(rel)
    return node["phase"] if node else None


def _result(nodes: Nodes, rel: str) -> str | None:
    return (nodes.get(rel, {}).get("outputs") or {}).get("result")


def check_coinflip(doc: dict, nodes: Nodes) -> None:
    """The branch taken matches the flip."""
    flip = _result(nodes, "[0].flip-coin")
    assert flip in ("heads", "tails"), flip
    other = "tails" if flip == "heads" else "heads"
    assert _phase(nodes, f"[1].{flip}") == "Succeeded"
    assert _phase(nodes, f"[1].{other}") == "Skipped"
    assert nodes[f"[1].{other}"]["message"] == f"when '{flip} == {other}' evaluated false"


def check_coinflip_recursive(doc: dict, nodes: Nodes) -> None:
    """Follow the flips down: tails recurses into `[1].tails`, heads ends the chain."""
    prefix, depth = "", 0
    while True:
        flip = _result(nodes, f"{prefix}[0].flip-coin")
        assert flip in ("heads", "tails"), (prefix, flip)
        if flip == "heads":
            assert _phase(nodes, f"{prefix}[1].heads") == "Succeeded"
            assert _phase(nodes, f"{prefix}[1].tails") == "Skipped"
            break
        assert _phase(nodes, f"{prefix}[1].heads") == "Skipped"
        assert _phase(nodes, f"{prefix}[1].tails") == "Succeeded"
        assert nodes[f"{prefix}[1].tails"]["type"] == "Steps"
        prefix, depth = f"{prefix}[1].tails", depth + 1
        assert depth < 100
    deeper = [rel for rel in nodes if rel.startswith(f"{prefix}[1].tails[")]
    assert deeper == [], deeper


def check_conditionals_complex(doc: dict, nodes: Nodes) -> None:
    first, second = _result(nodes, "[0].flip-coin"), _result(nodes, "[2].flip-again")
    assert first in ("heads", "tails") and second in ("heads", "tails")

    def ran(rel: str, expected: bool) -> None:
        assert _phase(nodes, rel) == ("Succeeded" if expected else "Skipped"), (rel, first, second)

    ran("[1].heads", first == "heads")
    ran("[1].tails", first == "tails")
    ran("[3].complex-condition", second == "tails")     # (h && t) || (t && t)
    ran("[3].heads-regex", second == "heads")
    ran("[3].tails-regex", second == "tails")


def check_random_int(doc: dict, nodes: Nodes) -> None:
    # 1..100 with GNU od; busybox's (alpine's, as the example's image) reads the 2 bytes as a
    # signed number, so -49..50 there
    value = _result(nodes, "[0].generate")
    assert value is not None and value.strip().lstrip("-").isdigit(), value
    assert -49 <= int(value) <= 100, value


def retry_consistent(rel: str, limit: int | None) -> Callable[[dict, Nodes], None]:
    """A Retry node: attempts `rel(0)`, `rel(1)`, ... in order; every attempt but the last
    Failed/Errored; the Retry node ends with the last attempt's phase; a failed Retry node used
    all `limit + 1` attempts (spec §10)."""

    def check(doc: dict, nodes: Nodes) -> None:
        retry = nodes[rel]
        assert retry["type"] == "Retry", retry
        attempts = []
        while f"{rel}({len(attempts)})" in nodes:
            attempts.append(nodes[f"{rel}({len(attempts)})"])
        assert attempts, f"no attempts under {rel!r}"
        assert len(retry.get("children", [])) == len(attempts)
        for earlier in attempts[:-1]:
            assert earlier["phase"] in ("Failed", "Error"), earlier
        assert attempts[-1]["phase"] == retry["phase"]
        if limit is not None:
            assert len(attempts) <= limit + 1
            if retry["phase"] != "Succeeded":
                assert len(attempts) == limit + 1
                assert "No more retries left" in retry["message"]
    return check


def both(*checks: Callable[[dict, Nodes], None]) -> Callable[[dict, Nodes], None]:
    """One check that runs each of `checks` in turn."""

    def check(doc: dict, nodes: Nodes) -> None:
        for each in checks:
            each(doc, nodes)
    return check


def check_retry_with_steps(doc: dict, nodes: Nodes) -> None:
    phases = []
    for rel in ("[0].hello1", "[1].hello2a", "[1].hello2b"):
        if rel in nodes:
            retry_consistent(rel, 10)(doc, nodes)
            phases.append(nodes[rel]["phase"])
    assert phases, "hello1 never ran"
    expected = "Succeeded" if phases == ["Succeeded"] * 3 else "Failed"
    assert doc["status"]["phase"] == expected, phases


def check_retry_conditional(doc: dict, nodes: Nodes) -> None:
    """Retries go on while the exit code is 2 (the expression); exit code 1 stops them."""
    retry_consistent("[1].retry", None)(doc, nodes)
    codes = []
    while f"[1].retry({len(codes)})" in nodes:
        codes.append((nodes[f"[1].retry({len(codes)})"].get("outputs") or {}).get("exitCode"))
    assert all(code == "2" for code in codes[:-1]), codes
    assert codes[-1] == "1" or len(codes) == 11, codes


def check_retry_backoff(doc: dict, nodes: Nodes) -> None:
    """Backoff 1s then 2s between the attempts (second-precision times: floor keeps the bound)."""
    from datetime import datetime

    def t(rel: str, key: str) -> float:
        return datetime.strptime(nodes[rel][key], "%Y-%m-%dT%H:%M:%SZ").timestamp()

    assert t("(1)", "startedAt") - t("(0)", "finishedAt") >= 1
    assert t("(2)", "startedAt") - t("(1)", "finishedAt") >= 2


def check_recursive_for_loop(doc: dict, nodes: Nodes) -> None:
    """counter 0 -> 10: each level prints counter+1 and recurses while the result is < 10."""
    prefix = "[0].recurse"
    for expected in range(1, 11):
        assert _result(nodes, f"{prefix}[0].iterate-counter") == str(expected), (prefix, expected)
        cont = f"{prefix}[1].continue"
        if expected < 10:
            assert _phase(nodes, cont) == "Succeeded" and nodes[cont]["type"] == "Steps"
            prefix = cont
        else:
            assert _phase(nodes, cont) == "Skipped"
            assert nodes[cont]["message"] == "when '10 < 10' evaluated false"


def check_parallelism_two(doc: dict, nodes: Nodes) -> None:
    starts = {n["startedAt"] for rel, n in nodes.items() if n["type"] == "Pod"}
    assert len(starts) >= 3, f"six 1s pods two at a time start in >= 3 different seconds: {starts}"


def check_no_leftover_process(doc: dict, nodes: Nodes) -> None:
    """No process of the killed pod survives it (whole process groups are killed)."""
    import os
    import time

    marker = f"sleep 31.{doc['test']['unique']}".encode()
    time.sleep(0.2)
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    cmdline = fh.read().replace(b"\0", b" ")
            except OSError:
                continue
            assert marker not in cmdline, f"leftover process {pid}: {cmdline!r}"


def check_expression_tag(doc: dict, nodes: Nodes) -> None:
    params = {p["name"]: p["value"] for p in nodes[".task-0(0:3)"]["outputs"]["parameters"]}
    assert params["output"].startswith("hello 30 @ 20"), params


# -- the table --------------------------------------------------------------------------------

SUCCEEDED, FAILED, ERROR, SKIPPED, OMITTED = "Succeeded", "Failed", "Error", "Skipped", "Omitted"
EX = "examples/"
VAR = "variants/"

CASES: tuple[Case, ...] = (
    Case("hello-world", EX + "hello-world.yaml", SUCCEEDED, nodes={"": SUCCEEDED}, types={"": "Pod"},
         logs={"": "hello world"}, pods=1),
    Case("steps", EX + "steps.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED, "[0]": SUCCEEDED, "[0].hello1": SUCCEEDED, "[1]": SUCCEEDED,
                "[1].hello2a": SUCCEEDED, "[1].hello2b": SUCCEEDED},
         types={"": "Steps", "[0]": "StepGroup", "[0].hello1": "Pod"},
         display={"[0].hello1": "hello1", "[0]": "[0]"},
         logs={"[0].hello1": "hello1", "[1].hello2a": "hello2a", "[1].hello2b": "hello2b"}, pods=3),
    Case("dag-diamond", EX + "dag-diamond.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED, ".A": SUCCEEDED, ".B": SUCCEEDED, ".C": SUCCEEDED, ".D": SUCCEEDED},
         types={"": "DAG", ".A": "Pod"}, logs={".D": "D"}, pods=4),
    Case("dag-multiroot", EX + "dag-multiroot.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED, ".A": SUCCEEDED, ".B": SUCCEEDED, ".C": SUCCEEDED, ".D": SUCCEEDED},
         pods=4),
    Case("dag-nested", EX + "dag-nested.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED, **{f".{o}": SUCCEEDED for o in "ABCD"},
                **{f".{o}.{i}": SUCCEEDED for o in "ABCD" for i in "ABCD"}},
         types={".A": "DAG", ".A.A": "Pod"}, logs={".C.B": "CB"}, pods=16),
    Case("dag-enhanced-depends", EX + "dag-enhanced-depends.yaml", SUCCEEDED,
         nodes={".A": SUCCEEDED, ".B": SUCCEEDED, ".C": FAILED, ".should-execute-1": SUCCEEDED,
                ".should-execute-2": SUCCEEDED, ".should-not-execute": OMITTED,
                ".should-execute-3": SUCCEEDED},
         types={".should-not-execute": "Skipped"}, messages={".C": "exit code 1"}),
    Case("dag-continue-on-fail", EX + "dag-continue-on-fail.yaml", FAILED,
         nodes={".A": SUCCEEDED, ".B": FAILED, ".C": SUCCEEDED, ".D": SUCCEEDED, ".E": FAILED,
                ".F": SUCCEEDED, ".G": OMITTED}),
    Case("dag-disable-failFast", VAR + "dag-disable-failFast.yaml", FAILED,
         nodes={".A": SUCCEEDED, ".B": SUCCEEDED, ".B(0)": SUCCEEDED, ".C": FAILED,
                ".C(0)": FAILED, ".C(1)": FAILED, ".C(2)": FAILED, ".C(3)": FAILED,
                ".D": SUCCEEDED, ".E": SUCCEEDED},
         absent=(".B(1)", ".C(4)"), types={".C": "Retry", ".C(0)": "Pod"},
         messages={".C": "No more retries left", ".C(3)": "exit code 2"}, exit_codes={".C(3)": "2"}),
    Case("loops", EX + "loops.yaml", SUCCEEDED,
         nodes={"[0].print-message-loop(0:hello world)": SUCCEEDED,
                "[0].print-message-loop(1:goodbye world)": SUCCEEDED},
         logs={"[0].print-message-loop(1:goodbye world)": "goodbye world"}, pods=2),
    Case("loops-maps", EX + "loops-maps.yaml", SUCCEEDED,
         nodes={"[0].test-linux(0:image:debian,tag:9.1)": SUCCEEDED,
                "[0].test-linux(1:image:debian,tag:8.9)": SUCCEEDED,
                "[0].test-linux(2:image:alpine,tag:3.6)": SUCCEEDED,
                "[0].test-linux(3:image:ubuntu,tag:17.10)": SUCCEEDED}, pods=4),
    Case("loops-sequence", EX + "loops-sequence.yaml", SUCCEEDED,
         nodes={**{f"[0].sequence-count({i}:{i})": SUCCEEDED for i in range(5)},
                **{f"[0].sequence-start-end({i}:{100 + i})": SUCCEEDED for i in range(6)},
                **{f"[0].sequence-param({i}:{200 + i})": SUCCEEDED for i in range(3)},
                **{f"[0].sequence-negative({i}:{5 - i})": SUCCEEDED for i in range(6)},
                **{f"[0].sequence-format({i}:testuser{i:02X})": SUCCEEDED for i in range(5)}},
         logs={"[0].sequence-format(4:testuser04)": "testuser04"}, pods=25),
    Case("loops-param-argument", EX + "loops-param-argument.yaml", SUCCEEDED,
         nodes={"[0].test-linux(0:image:debian,tag:9.1)": SUCCEEDED,
                "[0].test-linux(3:image:ubuntu,tag:17.10)": SUCCEEDED},
         display={"[0].test-linux(0:image:debian,tag:9.1)": "os-debian-9.1",
                  "[0].test-linux(3:image:ubuntu,tag:17.10)": "os-ubuntu-17.10"}, pods=4),
    Case("loops-param-result", VAR + "loops-param-result.yaml", SUCCEEDED,
         nodes={"[0].generate": SUCCEEDED, "[1].sleep(0:0)": SUCCEEDED, "[1].sleep(1:1)": SUCCEEDED,
                "[1].sleep(2:2)": SUCCEEDED},
         absent=("[1].sleep(3:3)",), results={"[0].generate": "[0, 1, 2]"},
         logs={"[1].sleep(2:2)": "sleeping for 2 seconds"}, pods=4),
    Case("parameter-aggregation", EX + "parameter-aggregation.yaml", SUCCEEDED,
         nodes={**{f"[0].odd-or-even({i}:{i + 1})": SUCCEEDED for i in range(4)},
                "[1].print-nums": SUCCEEDED, "[2].print-evenness": SUCCEEDED,
                "[3].divide-by-2(0:evenness:odd,num:1)": SKIPPED,
                "[3].divide-by-2(1:evenness:even,num:2)": SUCCEEDED,
                "[3].divide-by-2(2:evenness:odd,num:3)": SKIPPED,
                "[3].divide-by-2(3:evenness:even,num:4)": SUCCEEDED,
                "[4].print(0:1)": SUCCEEDED, "[4].print(1:2)": SUCCEEDED},
         absent=("[4].print(2:3)",),
         parameters={"[0].odd-or-even(0:1)": {"num": "1", "evenness": "odd"},
                     "[0].odd-or-even(3:4)": {"num": "4", "evenness": "even"}},
         results={"[3].divide-by-2(1:evenness:even,num:2)": "1",
                  "[3].divide-by-2(3:evenness:even,num:4)": "2"},
         messages={"[3].divide-by-2(0:evenness:odd,num:1)": "evaluated false"},
         logs={"[1].print-nums": '["1","2","3","4"]', "[2].print-evenness": '["odd","even","odd","even"]',
               "[4].print(1:2)": "2"}),
    Case("parameter-aggregation-dag", EX + "parameter-aggregation-dag.yaml", SUCCEEDED,
         nodes={".odd-or-even": SUCCEEDED, **{f".odd-or-even({i}:{i + 1})": SUCCEEDED for i in range(4)},
                ".print-nums": SUCCEEDED, ".print-evenness": SUCCEEDED,
                ".divide-by-2(0:evenness:odd,num:1)": SKIPPED,
                ".divide-by-2(1:evenness:even,num:2)": SUCCEEDED,
                ".divide-by-2(3:evenness:even,num:4)": SUCCEEDED,
                ".print(0:1)": SUCCEEDED, ".print(1:2)": SUCCEEDED},
         types={".odd-or-even": "TaskGroup"},
         results={".divide-by-2(3:evenness:even,num:4)": "2"},
         logs={".print-nums": '["1","2","3","4"]'}),
    Case("parameter-aggregation-script", EX + "parameter-aggregation-script.yaml", SUCCEEDED,
         nodes={**{f"[0].odd-or-even({i}:{i + 1})": SUCCEEDED for i in range(4)},
                "[1].divide-by-2(0:evenness:odd,num:1)": SKIPPED,
                "[1].divide-by-2(1:evenness:even,num:2)": SUCCEEDED,
                "[1].divide-by-2(3:evenness:even,num:4)": SUCCEEDED},
         results={"[0].odd-or-even(1:2)": '{"num": 2, "evenness": "even"}',
                  "[1].divide-by-2(1:evenness:even,num:2)": "1",
                  "[1].divide-by-2(3:evenness:even,num:4)": "2"}),
    Case("conditionals", EX + "conditionals.yaml", SUCCEEDED,
         nodes={"[0].print-hello-govaluate": SUCCEEDED, "[0].print-hello-expr": SUCCEEDED,
                "[0].print-hello-expr-json": SUCCEEDED},
         logs={"[0].print-hello-govaluate": "< hello >"}, needs=("cowsay",)),
    Case("conditionals-false", EX + "conditionals.yaml", SUCCEEDED, args=("-p", "should-print=false"),
         nodes={"[0].print-hello-govaluate": SKIPPED, "[0].print-hello-expr": SKIPPED,
                "[0].print-hello-expr-json": SKIPPED},
         types={"[0].print-hello-govaluate": "Skipped"},
         messages={"[0].print-hello-govaluate": "when 'false == true' evaluated false"}, pods=0),
    Case("conditionals-complex", EX + "conditionals-complex.yaml", SUCCEEDED,
         nodes={"[0].flip-coin": SUCCEEDED, "[2].flip-again": SUCCEEDED},
         check=check_conditionals_complex),
    Case("coinflip", EX + "coinflip.yaml", SUCCEEDED, nodes={"[0].flip-coin": SUCCEEDED},
         check=check_coinflip),
    Case("coinflip-recursive", EX + "coinflip-recursive.yaml", SUCCEEDED,
         nodes={"[0].flip-coin": SUCCEEDED}, check=check_coinflip_recursive),
    Case("output-parameter", EX + "output-parameter.yaml", SUCCEEDED,
         nodes={"[0].generate-parameter": SUCCEEDED, "[1].consume-parameter": SUCCEEDED},
         parameters={"[0].generate-parameter": {"hello-param": "hello world"}},
         logs={"[1].consume-parameter": "hello world"}),
    Case("global-parameters", EX + "global-parameters.yaml", SUCCEEDED, nodes={"": SUCCEEDED},
         logs={"": "hello world"}),
    Case("global-parameters-p", EX + "global-parameters.yaml", SUCCEEDED,
         args=("-p", "message=bonjour"), nodes={"": SUCCEEDED}, logs={"": "bonjour"}),
    Case("arguments-parameters", EX + "arguments-parameters.yaml", SUCCEEDED, nodes={"": SUCCEEDED},
         logs={"": "hello world"}),
    Case("arguments-parameters-p", EX + "arguments-parameters.yaml", SUCCEEDED,
         args=("-p", "message=goodbye world"), logs={"": "goodbye world"}),
    Case("global-outputs", EX + "global-outputs.yaml", SUCCEEDED,
         nodes={"[0].generate": SUCCEEDED, "[1].consume-globals": SUCCEEDED,
                "[1].consume-globals[0].consume-global-param": SUCCEEDED,
                "[1].consume-globals[0].consume-global-art": SUCCEEDED,
                ".onExit": SUCCEEDED, ".onExit[0].consume-global-param": SUCCEEDED,
                ".onExit[0].consume-global-art": SUCCEEDED},
         parameters={"[0].generate": {"hello-param": "hello world"}},
         artifacts={"[0].generate": ("hello-art",)},
         global_parameters={"my-global-param": "hello world"},
         logs={".onExit[0].consume-global-param": "hello world",
               ".onExit[0].consume-global-art": "hello world",
               "[1].consume-globals[0].consume-global-art": "hello world"}),
    Case("scripts-bash", EX + "scripts-bash.yaml", SUCCEEDED,
         nodes={"[0].generate": SUCCEEDED, "[1].print": SUCCEEDED},
         logs={"[1].print": "result was: "}, check=check_random_int),
    Case("scripts-python", EX + "scripts-python.yaml", SUCCEEDED,
         nodes={"[0].generate": SUCCEEDED, "[1].print": SUCCEEDED},
         logs={"[1].print": "result was: "}, check=check_random_int),
    Case("exit-handlers", EX + "exit-handlers.yaml", FAILED,
         nodes={"": FAILED, ".onExit": SUCCEEDED, ".onExit[0].notify": SUCCEEDED,
                ".onExit[0].celebrate": SKIPPED, ".onExit[0].cry": SUCCEEDED},
         messages={"": "exit code 1"}, workflow_message="exit code 1",
         logs={".onExit[0].notify": "send e-mail: {wf} Failed", ".onExit[0].cry": "boohoo!"}),
    Case("exit-handler-with-param", EX + "exit-handler-with-param.yaml", SUCCEEDED,
         nodes={"[0].step-1": SUCCEEDED, "[0].step-1.onExit": SUCCEEDED},
         parameters={"[0].step-1": {"result": "hello world"}},
         results={"[0].step-1.onExit": "hello world"}),
    Case("retry-container", EX + "retry-container.yaml", "*", check=retry_consistent("", 10)),
    Case("retry-script", EX + "retry-script.yaml", "*", check=retry_consistent("", 10)),
    Case("retry-on-error", EX + "retry-on-error.yaml", "*", check=retry_consistent("", 2)),
    Case("retry-container-to-completion", EX + "retry-container-to-completion.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED}, types={"": "Retry"}, check=retry_consistent("", None), timeout=120),
    Case("retry-with-steps", EX + "retry-with-steps.yaml", "*", check=check_retry_with_steps,
         logs={"[0].hello1(0)": "retries: 0"}),
    Case("retry-conditional", EX + "retry-conditional.yaml", FAILED,
         nodes={"[0].safe-to-retry": SUCCEEDED, "[1].retry": FAILED},
         results={"[0].safe-to-retry": "true"}, check=check_retry_conditional),
    Case("retry-backoff", VAR + "retry-backoff.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED, "(0)": FAILED, "(1)": FAILED, "(2)": SUCCEEDED}, absent=("(3)",),
         types={"": "Retry", "(0)": "Pod"}, logs={"(2)": "attempt 2"}, check=check_retry_backoff,
         min_seconds=3),
    Case("continue-on-fail", EX + "continue-on-fail.yaml", SUCCEEDED,
         nodes={"[0].A": SUCCEEDED, "[1].B": SUCCEEDED, "[1].C": FAILED, "[2].D": SUCCEEDED}),
    Case("exit-code-output-variable", EX + "exit-code-output-variable.yaml", SUCCEEDED,
         nodes={"[0].failing-container": FAILED, "[1].echo-container": SUCCEEDED},
         exit_codes={"[0].failing-container": "123"},
         messages={"[0].failing-container": "exit code 123"},
         logs={"[1].echo-container": "Exit code was: 123"}),
    Case("timeouts-step", VAR + "timeouts-step.yaml", FAILED, nodes={"": FAILED},
         messages={"": "Pod was active on the node longer than the specified deadline"},
         logs={"": "123"}, max_seconds=20),
    Case("timeouts-workflow", VAR + "timeouts-workflow.yaml", FAILED,
         nodes={"": FAILED, "[0].sleep-one-day(0:1)": FAILED, "[0].sleep-one-day(1:2)": FAILED,
                "[0].sleep-one-day(2:3)": FAILED}, max_seconds=20),
    Case("step-level-timeout", VAR + "step-level-timeout.yaml", FAILED,
         nodes={"[0].sleep1": FAILED, "[0].sleep2": FAILED}, max_seconds=20, timeout=20),
    Case("forever", VAR + "forever.yaml", FAILED, nodes={"": FAILED}, logs={"": "1"},
         max_seconds=20),
    Case("exit-handler-deadline", VAR + "exit-handler-deadline.yaml", FAILED,
         nodes={"": FAILED, ".onExit": SUCCEEDED}, logs={".onExit": "exit handler ran: Failed"},
         max_seconds=20),
    Case("timeout-process-group", VAR + "timeout-process-group.yaml", FAILED, nodes={"": FAILED},
         messages={"": "Pod was active on the node longer than the specified deadline"},
         logs={"": "started child"}, check=check_no_leftover_process, max_seconds=20,
         args=("-p", "marker={unique}")),
    Case("daemon-step", VAR + "daemon-step.yaml", SUCCEEDED,
         nodes={"[0].influx": SUCCEEDED, "[1].init-database": SUCCEEDED, "[2].producer-1": SUCCEEDED,
                "[2].producer-2": SUCCEEDED, "[3].consumer": SUCCEEDED},
         logs={"[3].consumer": "200"}),
    Case("dag-daemon-task", VAR + "dag-daemon-task.yaml", SUCCEEDED,
         nodes={".influx": SUCCEEDED, ".init-database": SUCCEEDED, ".producer-1": SUCCEEDED,
                ".producer-2": SUCCEEDED, ".consumer": SUCCEEDED},
         logs={".consumer": "200"}),
    Case("sidecar", VAR + "sidecar.yaml", SUCCEEDED, nodes={"": SUCCEEDED},
         logs={"": "sidecar answered 200"}),
    Case("init-container", EX + "init-container.yaml", SUCCEEDED, nodes={"": SUCCEEDED},
         logs={"": "bye", ("", "hello"): "hello"}),
    Case("volumes-emptydir", EX + "volumes-emptydir.yaml", SUCCEEDED, nodes={"": SUCCEEDED},
         logs={"": "Volume mounted and found"}, needs=("bwrap",)),
    Case("artifact-passing", EX + "artifact-passing.yaml", SUCCEEDED,
         nodes={"[0].generate-artifact": SUCCEEDED, "[1].consume-artifact": SUCCEEDED},
         artifacts={"[0].generate-artifact": ("hello-art",)},
         logs={"[1].consume-artifact": "hello world"}),
    Case("secrets", EX + "secrets.yaml", SUCCEEDED, nodes={"": SUCCEEDED},
         args=("--secrets", "{conformance}/secrets.yaml"),
         logs={"": "secret from env: ***"}, never=("S00perS3cretPa55word", "UzAwcGVyUzNjcmV0UGE1NXdvcmQ=")),
    Case("parallelism-limit", VAR + "parallelism-limit.yaml", SUCCEEDED,
         nodes={f"[0].sleep({i}:{w})": SUCCEEDED
                for i, w in enumerate(["this", "workflow", "should", "take", "three", "seconds"])},
         check=check_parallelism_two, min_seconds=2.9, pods=6),
    Case("recursive-for-loop", EX + "recursive-for-loop.yaml", SUCCEEDED,
         nodes={"[0].recurse": SUCCEEDED}, check=check_recursive_for_loop, pods=10),
    Case("fibonacci-seq-conditional-param", EX + "fibonacci-seq-conditional-param.yaml", SUCCEEDED,
         nodes={"[0].fibonaccimain": SUCCEEDED, "[1].printresult": SUCCEEDED},
         parameters={"[0].fibonaccimain": {"fib": "5"}}, logs={"[1].printresult": "5"}, timeout=120),
    Case("expression-tag-template-workflow", EX + "expression-tag-template-workflow.yaml", SUCCEEDED,
         nodes={".task-0(0:3)": SUCCEEDED}, absent=(".task-0(1:1)",), check=check_expression_tag),
    Case("dag-inline-workflow", EX + "dag-inline-workflow.yaml", SUCCEEDED, nodes={".a": SUCCEEDED},
         logs={".a": "hello argo"}),
    Case("steps-inline-workflow", EX + "steps-inline-workflow.yaml", SUCCEEDED,
         nodes={"[0].a": SUCCEEDED}, logs={"[0].a": "hello argo"}),
    # dag.target (the example's comment: target E runs A, C and E; B and D get no node)
    Case("dag-targets", EX + "dag-targets.yaml", SUCCEEDED,
         nodes={".A": SUCCEEDED, ".C": SUCCEEDED, ".E": SUCCEEDED}, absent=(".B", ".D"), pods=3,
         logs={".E": "E"}),
    Case("dag-targets-b-e", EX + "dag-targets.yaml", SUCCEEDED,
         nodes={".A": SUCCEEDED, ".B": SUCCEEDED, ".C": SUCCEEDED, ".E": SUCCEEDED},
         absent=(".D",), pods=4, args=("-p", "target=B E")),
    # template failFast with parallelism 1: the failing item stops the loop, later items never
    # start, the steps node and the workflow carry Argo's failFast message
    Case("loops-arbitrary-sequential-steps", EX + "loops-arbitrary-sequential-steps.yaml", FAILED,
         nodes={"[0].unit-step(0:exit_code:0,message:succeeds 1)": SUCCEEDED,
                "[0].unit-step(2:exit_code:0,message:succeeds 3)": SUCCEEDED,
                "[0].unit-step(3:exit_code:1,message:will fail and stop here)": FAILED},
         absent=("[0].unit-step(4:exit_code:0,message:will not run)",
                 "[0].unit-step(5:exit_code:0,message:will not run)"),
         messages={"": "template has failed or errored children and failFast enabled"},
         workflow_message="template has failed or errored children and failFast enabled", pods=4),
    # the example as written (B sleeps 30s), next to the shortened variant above
    Case("dag-disable-failFast-as-written", EX + "dag-disable-failFast.yaml", FAILED,
         nodes={".A": SUCCEEDED, ".B": SUCCEEDED, ".C": FAILED, ".C(3)": FAILED,
                ".D": SUCCEEDED, ".E": SUCCEEDED},
         absent=(".C(4)",), messages={".C": "No more retries left"}, timeout=120),
)

# How the list maps onto the table: everything in it runs, the slow, networked or
# database-backed ones as variants (each variant's header says what changed and why). loops-maps
# and loops-param-argument run as written: the image is not pulled, `cat /etc/os-release` runs
# from the host, so only names, phases and display names are asserted.
