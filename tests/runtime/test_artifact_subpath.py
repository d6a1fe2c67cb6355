"""An argument artifact's `subPath` (issue 10): as Argo's wfScope.resolveArtifact does
(workflow/controller/scope.go: the rendered subPath is appended to the artifact's key with
AppendToKey), the consumer gets that file or folder of the artifact, in steps and in DAGs.
Argo's example: examples/artifact-passing-subpath.yaml (`archive: none` folder, subPath a file).
A subPath never reaches outside the producer's artifact, nor another run's files."""

from __future__ import annotations

from plait.runtime.types import Phase

from ..conftest import need_examples
from .test_fidelity import by_name, go

PRODUCER = """
  - name: produce
    container:
      image: busybox
      command: [sh, -c]
      args: ["mkdir -p /tmp/out/sub && echo top > /tmp/out/a.txt && echo deep > /tmp/out/sub/b.txt
              && ln -s a.txt /tmp/out/alias {{inputs.parameters.extra}}"]
    inputs:
      parameters:
      - {name: extra, value: ""}
    outputs:
      artifacts:
      - {name: out, path: /tmp/out, archive: {none: {}}}
      - {name: packed, path: /tmp/out}
  - name: cat
    inputs:
      artifacts:
      - {name: in, path: /tmp/in}
    container:
      image: busybox
      command: [sh, -c]
      args: ["if [ -d /tmp/in ]; then ls /tmp/in; else cat /tmp/in; fi"]
"""


def _steps(*subs: str, art: str = "out", extra: str = "") -> str:
    steps = "".join(f"""
        - - name: c{i}
            template: cat
            arguments:
              artifacts:
              - {{name: in, from: "{{{{steps.p.outputs.artifacts.{art}}}}}", subPath: "{sub}"}}"""
                    for i, sub in enumerate(subs))
    return f"""\
      entrypoint: main
      arguments:
        parameters:
        - {{name: file, value: a.txt}}
      templates:
      - name: main
        steps:
        - - name: p
            template: produce
            arguments:
              parameters:
              - {{name: extra, value: "{extra}"}}{steps}
    """


def test_sub_path_picks_a_file_or_folder_of_the_artifact_in_steps(tmp_path):
    r = go(tmp_path, _steps("a.txt", "sub", "sub/b.txt", "{{workflow.parameters.file}}", "alias"),
           PRODUCER)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert n["[1].c0"].outputs.result == "top"
    assert n["[2].c1"].outputs.result == "b.txt"          # the folder `sub`, listed
    assert n["[3].c2"].outputs.result == "deep"
    assert n["[4].c3"].outputs.result == "top"            # subPath is templated
    assert n["[5].c4"].outputs.result == "top"            # a link inside the artifact


def test_sub_path_in_a_dag(tmp_path):
    r = go(tmp_path, """\
      entrypoint: main
      templates:
      - name: main
        dag:
          tasks:
          - {name: p, template: produce}
          - name: c
            depends: p
            template: cat
            arguments:
              artifacts:
              - {name: in, from: "{{tasks.p.outputs.artifacts.out}}", subPath: sub/b.txt}
    """, PRODUCER)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert by_name(r)[".c"].outputs.result == "deep"


def test_a_sub_path_that_climbs_errors_the_consumer(tmp_path):
    r = go(tmp_path, _steps("../../other"), PRODUCER)
    n = by_name(r)
    assert n["[1].c0"].phase is Phase.ERROR
    assert "must be a relative path inside the artifact" in n["[1].c0"].message
    assert r.phase is not Phase.SUCCEEDED


def test_a_sub_path_of_an_archived_artifact_says_why(tmp_path):
    """Argo appends the subPath to the `.tgz` key too, and the key does not exist; plait says
    so and names `archive: none`."""
    r = go(tmp_path, _steps("a.txt", art="packed"), PRODUCER)
    c = by_name(r)["[1].c0"]
    assert c.phase is Phase.ERROR
    assert "is an archive" in c.message and "archive: none" in c.message


def test_a_link_in_the_artifact_to_another_runs_files_reads_nothing(tmp_path):
    """Attack: the producer plants, in its `archive: none` folder, a relative link that from the
    artifact store leads into another run's artifacts; the consumer asks for it by subPath."""
    other = tmp_path / "home0" / "artifacts" / "other-run" / "pod"
    other.mkdir(parents=True)
    (other / "secret.txt").write_text("other run's secret")
    plant = "&& ln -s ../../../other-run/pod/secret.txt /tmp/out/steal"
    r = go(tmp_path, _steps("steal", extra=plant), PRODUCER)
    c = by_name(r)["[1].c0"]
    assert c.phase is Phase.ERROR, (c.phase, c.message)
    assert "leads outside workflow" in c.message
    assert "secret" not in (c.outputs.result or "")


def test_sub_path_example_runs_to_argos_result(tmp_path):
    r = go(tmp_path, file=str(need_examples() / "artifact-passing-subpath.yaml"))
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert n["[2].consume-artifact"].outputs.result == "hello world"

