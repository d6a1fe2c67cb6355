"""Hera workflows for the local runtime's tests: each builder returns a Workflow (or a
WorkflowTemplate); tests/hera/test_hera_workflows.py runs each and asserts the phase Argo
gives it and the nodes Argo would show.

Written for these tests (Hera's own examples are not in its PyPI package). Script templates
are Hera's `@script` (inline source, image python:3.x) unless marked `constructor="runner"`,
whose functions this module defines at top level so a pod can import them again. (No
`from __future__ import annotations` here: Hera reads the functions' annotations as types.)
"""


from hera.workflows import (
    DAG,
    Artifact,
    Container,
    Env,
    Parameter,
    RetryStrategy,
    Steps,
    Suspend,
    Workflow,
    WorkflowTemplate,
    script,
)
from hera.workflows.models import ContinueOn

# -- templates -----------------------------------------------------------------------------


@script()
def echo(message: str):
    print(message)


@script()
def fail(message: str = "boom"):
    import sys
    print(message)
    sys.exit(3)


@script()
def add_numbers(a: int, b: float, flag: bool, items: list):
    print(a + b + (1 if flag else 0) + sum(items))


@script()
def fan_out():
    import json
    print(json.dumps([{"n": 1}, {"n": 2}, {"n": 3}]))


@script()
def square(n: int):
    print(n * n)


@script(outputs=[Parameter(name="word", value_from={"path": "/tmp/word.txt"})])
def write_word(word: str):
    with open("/tmp/word.txt", "w") as fh:
        fh.write(word.upper())


@script(outputs=[Artifact(name="report", path="/tmp/report.txt")])
def make_report(title: str):
    with open("/tmp/report.txt", "w") as fh:
        fh.write(f"# {title}\nall good\n")


@script(inputs=[Artifact(name="report", path="/tmp/in/report.txt")])
def read_report():
    print(open("/tmp/in/report.txt").read().splitlines()[0])


@script()
def coin(side: str):
    print(side)


@script(retry_strategy=RetryStrategy(limit=3))
def flaky():
    import sys
    attempt = int("{{retries}}")
    print(f"attempt {attempt}")
    sys.exit(0 if attempt >= 2 else 1)


@script(retry_strategy=RetryStrategy(limit=2))
def always_fails():
    import sys
    print("no luck")
    sys.exit(1)


@script()
def report_status(status: str):
    print(f"workflow ended {status}")


@script(env=[Env(name="GREETING", value="hola")])
def greet_from_env():
    import os
    print(os.environ["GREETING"])


@script(timeout="1s")
def too_slow():
    import time
    time.sleep(30)


@script(constructor="runner")
def runner_add(a: int, b: int) -> int:
    return a + b


@script(constructor="runner")
def runner_summary(names: list) -> dict:
    return {"count": len(names), "first": names[0]}


# -- workflows -----------------------------------------------------------------------------


def steps_sequence() -> Workflow:
    with Workflow(generate_name="steps-", entrypoint="main") as w:
        with Steps(name="main") as s:
            echo(name="first", arguments={"message": "one"})
            with s.parallel():
                echo(name="left", arguments={"message": "two-a"})
                echo(name="right", arguments={"message": "two-b"})
            echo(name="last", arguments={"message": "three"})
    return w


def dag_diamond() -> Workflow:
    with Workflow(generate_name="diamond-", entrypoint="main") as w:
        with DAG(name="main"):
            a = echo(name="A", arguments={"message": "A"})
            b = echo(name="B", arguments={"message": "B"})
            c = echo(name="C", arguments={"message": "C"})
            d = echo(name="D", arguments={"message": "D"})
            a >> [b, c] >> d
    return w


def loop_items() -> Workflow:
    with Workflow(generate_name="items-", entrypoint="main") as w:
        with Steps(name="main"):
            echo(name="say", arguments={"message": "{{item}}"}, with_items=["a", "b", "c"])
    return w


def loop_param() -> Workflow:
    with Workflow(generate_name="fanout-", entrypoint="main") as w:
        with DAG(name="main"):
            gen = fan_out(name="gen")
            sq = square(name="sq", arguments={"n": "{{item.n}}"}, with_param=gen.result)
            gen >> sq
    return w


def loop_sequence() -> Workflow:
    with Workflow(generate_name="seq-", entrypoint="main") as w:
        with Steps(name="main"):
            square(name="sq", arguments={"n": "{{item}}"},
                   with_sequence={"start": "1", "end": "3"})
    return w


def typed_inputs() -> Workflow:
    with Workflow(generate_name="typed-", entrypoint="main") as w:
        with Steps(name="main"):
            add_numbers(name="sum", arguments={"a": 1, "b": 2.5, "flag": True, "items": [1, 2]})
    return w


def output_parameter() -> Workflow:
    with Workflow(generate_name="outparam-", entrypoint="main") as w:
        with Steps(name="main"):
            word = write_word(name="word", arguments={"word": "plait"})
            echo(name="use", arguments={"message": word.get_parameter("word")})
    return w


def dag_parameters() -> Workflow:
    with Workflow(generate_name="dagparam-", entrypoint="main") as w:
        with DAG(name="main"):
            word = write_word(name="word", arguments={"word": "dag"})
            use = echo(name="use", arguments={"message": word.get_parameter("word")})
            word >> use
    return w


def steps_condition() -> Workflow:
    with Workflow(generate_name="coin-", entrypoint="main") as w:
        with Steps(name="main"):
            flip = coin(name="flip", arguments={"side": "heads"})
            echo(name="heads", arguments={"message": "it was heads"},
                 when=f"{flip.result} == heads")
            echo(name="tails", arguments={"message": "it was tails"},
                 when=f"{flip.result} == tails")
    return w


def dag_condition() -> Workflow:
    with Workflow(generate_name="dagcoin-", entrypoint="main") as w:
        with DAG(name="main"):
            flip = coin(name="flip", arguments={"side": "tails"})
            heads = echo(name="heads", arguments={"message": "heads"}, when=f"{flip.result} == heads")
            tails = echo(name="tails", arguments={"message": "tails"}, when=f"{flip.result} == tails")
            flip >> [heads, tails]
    return w


def dag_depends_failed() -> Workflow:
    with Workflow(generate_name="onfail-", entrypoint="main") as w:
        with DAG(name="main"):
            broken = fail(name="broken")
            cleanup = echo(name="cleanup", arguments={"message": "cleaning"})
            after = echo(name="after", arguments={"message": "never"})
            broken.on_failure(cleanup)
            broken >> after
    return w


def artifacts() -> Workflow:
    with Workflow(generate_name="art-", entrypoint="main") as w:
        with Steps(name="main"):
            made = make_report(name="make", arguments={"title": "Weekly"})
            read_report(name="read", arguments=[made.get_artifact("report")])
    return w


def retry_then_succeed() -> Workflow:
    with Workflow(generate_name="flaky-", entrypoint="main") as w:
        with Steps(name="main"):
            flaky(name="flaky")
    return w


def retry_exhausted() -> Workflow:
    with Workflow(generate_name="retryfail-", entrypoint="main") as w:
        with Steps(name="main"):
            always_fails(name="try")
    return w


def exit_handler_after_failure() -> Workflow:
    with Workflow(generate_name="exit-", entrypoint="main", on_exit="cleanup") as w:
        with Steps(name="cleanup"):
            report_status(name="notify", arguments={"status": "{{workflow.status}}"})
        with Steps(name="main"):
            fail(name="work")
    return w


def exit_handler_after_success() -> Workflow:
    with Workflow(generate_name="exitok-", entrypoint="main", on_exit="cleanup") as w:
        with Steps(name="cleanup"):
            report_status(name="notify", arguments={"status": "{{workflow.status}}"})
        with Steps(name="main"):
            echo(name="work", arguments={"message": "working"})
    return w


def continue_on_failure() -> Workflow:
    with Workflow(generate_name="continue-", entrypoint="main") as w:
        with Steps(name="main"):
            fail(name="optional", continue_on=ContinueOn(failed=True))
            echo(name="next", arguments={"message": "still here"})
    return w


def failing_step() -> Workflow:
    with Workflow(generate_name="failing-", entrypoint="main") as w:
        with Steps(name="main"):
            fail(name="oops", arguments={"message": "bad input"})
            echo(name="never", arguments={"message": "unreachable"})
    return w


def nested_steps() -> Workflow:
    with Workflow(generate_name="nested-", entrypoint="outer") as w:
        with Steps(name="inner") as inner:
            echo(name="deep", arguments={"message": "from inside"})
        with Steps(name="outer"):
            echo(name="before", arguments={"message": "before"})
            inner(name="call-inner")
    return w


def container_template() -> Workflow:
    with Workflow(generate_name="container-", entrypoint="main") as w:
        hello = Container(name="hello", image="alpine:3.19", command=["sh", "-c"],
                          args=["echo hello from a container"])
        with Steps(name="main"):
            hello(name="hello")
    return w


def suspend_duration() -> Workflow:
    with Workflow(generate_name="pause-", entrypoint="main") as w:
        pause = Suspend(name="pause", duration=1)
        with Steps(name="main"):
            pause(name="wait")
            echo(name="after", arguments={"message": "resumed"})
    return w


def env_variables() -> Workflow:
    with Workflow(generate_name="env-", entrypoint="main") as w:
        with Steps(name="main"):
            greet_from_env(name="greet")
    return w


def step_timeout() -> Workflow:
    with Workflow(generate_name="slow-", entrypoint="main") as w:
        with Steps(name="main"):
            too_slow(name="slow")
    return w


def parallelism_one() -> Workflow:
    with Workflow(generate_name="serial-", entrypoint="main", parallelism=1) as w:
        with Steps(name="main"):
            echo(name="one", arguments={"message": "{{item}}"}, with_items=["x", "y"])
    return w


def workflow_parameters() -> Workflow:
    with Workflow(generate_name="wfparams-", entrypoint="main",
                  arguments={"who": "world"}) as w:
        with Steps(name="main"):
            echo(name="hello", arguments={"message": "hello {{workflow.parameters.who}}"})
    return w


def template_only() -> WorkflowTemplate:
    with WorkflowTemplate(name="wftmpl-hello", entrypoint="main") as w:
        with Steps(name="main"):
            echo(name="hello", arguments={"message": "from a WorkflowTemplate"})
    return w


def runner_scripts() -> Workflow:
    with Workflow(generate_name="runner-", entrypoint="main") as w:
        with Steps(name="main"):
            total = runner_add(name="add", arguments={"a": 2, "b": 40})
            runner_summary(name="summary", arguments={"names": ["ada", "bob"]})
            echo(name="show", arguments={"message": total.result})
    return w
