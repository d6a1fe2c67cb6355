"""A `configMapKeyRef` whose ConfigMap was not given (`--configmaps FILE`) ends the workflow or
the node as Argo does, with a message naming the ConfigMap and how to give it, never a
traceback: workflow-level arguments (Argo's operator.go setGlobalParameters: the workflow
Fails before any node with `failed to set global parameters: ...`), a template's input
parameter and a step's argument (the node Errors), and the exit handler's arguments."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from plait.compiler.compile import compile_file
from plait.runtime import run
from plait.runtime.secrets import SecretStore
from plait.runtime.types import Phase

from ..conftest import need_examples
from .test_fidelity import HEADER, by_name, local


def example() -> str:
    return str(need_examples() / "global-parameters-from-configmap.yaml")


GLOBAL = ("failed to set global parameters: failed to set global parameter message from "
          "configmap with name simple-parameters and key msg: configmap 'simple-parameters' "
          "not found (give its manifest with --configmaps FILE)")

ECHO = """
  - name: echo
    inputs:
      parameters:
      - name: m
    container:
      image: busybox
      command: [echo, "{{inputs.parameters.m}}"]
"""


def go(tmp_path, *parts: str, secrets=None):
    path = tmp_path / "wf.yaml"
    path.write_text(HEADER + "".join(textwrap.indent(textwrap.dedent(p), "  ") for p in parts))
    plan, diags = compile_file(str(path), name="wf")
    assert plan is not None, [str(d) for d in diags]
    home = tmp_path / f"home{len(list(tmp_path.glob('home*')))}"
    backend = local.LocalBackend(home=home, sandbox="none", parallelism=2, secrets=secrets)
    return run(plan, backend, home=home, secrets=secrets)


def test_the_example_without_configmaps_fails_the_workflow_with_argos_message(tmp_path):
    plan, diags = compile_file(example(), name="wf")
    assert plan is not None, [str(d) for d in diags]
    home = tmp_path / "home"
    r = run(plan, local.LocalBackend(home=home, sandbox="none"), home=home, secrets=SecretStore())
    assert r.phase is Phase.FAILED
    assert r.message == GLOBAL
    assert r.nodes == {}                      # Argo starts no node


def test_the_example_with_its_configmap_runs(tmp_path):
    store = SecretStore()
    store.add_config("simple-parameters", {"msg": "hello from the configmap"})
    plan, _ = compile_file(example(), name="wf")
    home = tmp_path / "home"
    r = run(plan, local.LocalBackend(home=home, sandbox="none", secrets=store), home=home,
            secrets=store)
    assert r.phase is Phase.SUCCEEDED, r.message


def test_plait_run_without_configmaps_prints_no_traceback(tmp_path):
    env = {"PLAIT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, "-m", "plait", "run", "--sandbox", "none", example()],
                       capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in p.stderr + p.stdout
    assert "--configmaps FILE" in p.stdout + p.stderr
    assert "Failed" in p.stdout
    assert p.returncode not in (2, 3), p.stderr


def test_a_template_input_from_a_missing_configmap_errors_its_node(tmp_path):
    r = go(tmp_path, """\
      entrypoint: main
      templates:
      - name: main
        inputs:
          parameters:
          - name: m
            valueFrom:
              configMapKeyRef: {name: absent, key: k}
        container:
          image: busybox
          command: [echo, "{{inputs.parameters.m}}"]
    """)
    assert r.phase is Phase.ERROR
    n = by_name(r)
    assert n[""].phase is Phase.ERROR
    assert "configmap 'absent' not found" in n[""].message
    assert "--configmaps FILE" in n[""].message


def test_a_step_argument_from_a_missing_configmap_key_errors_the_step(tmp_path):
    store = SecretStore()
    store.add_config("cm", {"other": "x"})
    r = go(tmp_path, """\
      entrypoint: main
      templates:
      - name: main
        steps:
        - - name: a
            template: echo
            arguments:
              parameters:
              - name: m
                valueFrom:
                  configMapKeyRef: {name: cm, key: k}
    """, ECHO, secrets=store)
    assert r.phase in (Phase.ERROR, Phase.FAILED)
    n = by_name(r)
    bad = [x for x in n.values() if "has no key 'k'" in (x.message or "")]
    assert bad and bad[0].phase is Phase.ERROR, {k: (x.phase, x.message) for k, x in n.items()}


def test_a_missing_configmap_default_and_optional_are_no_error(tmp_path):
    r = go(tmp_path, """\
      entrypoint: main
      arguments:
        parameters:
        - name: g
          valueFrom:
            configMapKeyRef: {name: absent, key: k}
            default: fallback
      templates:
      - name: main
        steps:
        - - name: a
            template: echo
            arguments:
              parameters:
              - {name: m, value: "{{workflow.parameters.g}}"}
    """, ECHO)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert by_name(r)["[0].a"].inputs["parameters"] == [{"name": "m", "value": "fallback"}]


def test_exit_handler_arguments_from_a_missing_configmap_error_the_exit_node(tmp_path):
    r = go(tmp_path, """\
      entrypoint: main
      hooks:
        exit:
          template: echo
          arguments:
            parameters:
            - name: m
              valueFrom:
                configMapKeyRef: {name: absent, key: k}
      templates:
      - name: main
        container:
          image: busybox
          command: ["true"]
    """, ECHO)
    n = by_name(r)
    assert n[""].phase is Phase.SUCCEEDED
    assert n[".onExit"].phase is Phase.ERROR
    assert "configmap 'absent' not found" in n[".onExit"].message
    assert r.phase is Phase.ERROR and "--configmaps FILE" in r.message
