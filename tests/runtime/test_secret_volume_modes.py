"""`defaultMode: 0400` as Argo reads it (octal: Go's YAML 1.1 reader, as Kubernetes documents
for mode bits), through `plait run` on the local backend; the container backend's own run of
it is `test_container_backend.test_secret_volume_has_its_mode_and_the_logs_are_masked`."""

from __future__ import annotations

import json
import textwrap

from tests.helpers import plait_process


def test_a_yaml_octal_default_mode_gives_the_files_that_mode(tmp_path):
    secrets = tmp_path / "secret.yaml"
    secrets.write_text(textwrap.dedent("""
        apiVersion: v1
        kind: Secret
        metadata: {name: s}
        stringData: {k: v}
        """))
    flow = tmp_path / "modes.yaml"
    flow.write_text(textwrap.dedent("""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: modes}
        spec:
          entrypoint: main
          volumes:
          - {name: s, secret: {secretName: s, defaultMode: 0400}}
          - {name: t, secret: {secretName: s, items: [{key: k, path: k, mode: 0640}]}}
          templates:
          - name: main
            container:
              image: busybox
              command: [sh, -c, "stat -Lc %a /s/k /t/k"]
              volumeMounts: [{name: s, mountPath: /s}, {name: t, mountPath: /t}]
        """))
    proc = plait_process(tmp_path / "home", "run", "-o", "json", "--secrets", secrets, flow)
    doc = json.loads(proc.stdout)
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    node = next(n for n in doc["status"]["nodes"].values() if n["type"] == "Pod")
    assert node["outputs"]["result"].split() == ["400", "640"], proc.stderr
