"""`plait run|submit --backend kubernetes`: the client is optional, the connection is made as
kubectl makes it, and `--dry-run` prints what would be sent without a cluster."""

from __future__ import annotations

import sys

import pytest
from ruamel.yaml import YAML

from plait.runtime.backends import kube_connect

HELLO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: hello-kube}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: say, arguments: {parameters: [{name: m, value: one}]}}
      - {name: b, template: say, arguments: {parameters: [{name: m, value: two}]}}
      - {name: c, template: say, depends: a, arguments: {parameters: [{name: m, value: three}]}}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.m}}"]}
"""

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: c, user: u, namespace: team-a}
- name: other
  context: {cluster: c, user: u}
clusters:
- name: c
  cluster: {server: "http://127.0.0.1:1"}
users:
- name: u
  user: {token: abc}
"""


@pytest.fixture
def hello(tmp_path):
    path = tmp_path / "hello.yaml"
    path.write_text(HELLO)
    return str(path)


def test_without_the_client_it_says_what_to_install(capsys, monkeypatch, hello, tmp_path):
    from plait.cli import main
    monkeypatch.setitem(sys.modules, "kubernetes", None)        # import kubernetes fails
    monkeypatch.setenv("PLAIT_HOME", str(tmp_path / "home"))
    for verb in ("run", "submit"):
        assert main([verb, "--backend", "kubernetes", hello]) == 2
        err = capsys.readouterr().err
        assert "pip install 'plait[kubernetes]'" in err and "Traceback" not in err


def test_dry_run_prints_the_first_pods_without_a_cluster(capsys, monkeypatch, hello, tmp_path):
    from plait.cli import main
    monkeypatch.setenv("PLAIT_HOME", str(tmp_path / "home"))
    assert main(["run", "--backend", "kubernetes", "--dry-run", "-n", "ci", hello]) == 0
    docs = list(YAML(typ="safe").load_all(capsys.readouterr().out))
    # a and b are ready; c waits for a
    assert [d["kind"] for d in docs] == ["Pod", "Pod"]
    names = sorted(d["metadata"]["annotations"]["workflows.argoproj.io/node-name"] for d in docs)
    assert names == ["hello-kube.a", "hello-kube.b"]
    for d in docs:
        assert d["metadata"]["namespace"] == "ci"
        assert d["metadata"]["labels"]["workflows.argoproj.io/workflow"] == "hello-kube"
    argv = sorted(next(c for c in d["spec"]["containers"] if c["name"] == "main")["command"][-1]
                  for d in docs)
    assert argv == ["one", "two"]
    assert not (tmp_path / "home" / "plait.db").exists()       # nothing was recorded


def test_dry_run_prints_pods_only_for_the_kubernetes_backend(capsys, hello):
    from plait.cli import main
    assert main(["run", "--dry-run", hello]) == 0       # argo submit --dry-run: the Workflow
    out = capsys.readouterr().out
    assert "kind: Workflow" in out and "kind: Pod" not in out


def test_connection_as_kubectl_makes_it(tmp_path, monkeypatch):
    pytest.importorskip("kubernetes", reason="pip install 'plait[kubernetes]'")
    config = tmp_path / "config"
    config.write_text(KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(config))
    conn = kube_connect.connect()
    assert (conn.namespace, conn.context, conn.server) == ("team-a", "dev", "http://127.0.0.1:1")
    conn = kube_connect.connect(context="other")
    assert (conn.namespace, conn.context) == ("default", "other")
    assert kube_connect.connect(namespace="ns1").namespace == "ns1"
    with pytest.raises(kube_connect.ConnectionFailed, match="--context nope: not in the kubeconfig"):
        kube_connect.connect(context="nope")
    monkeypatch.delenv("KUBECONFIG")
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))
    with pytest.raises(kube_connect.ConnectionFailed, match="no kubeconfig found"):
        kube_connect.connect()
    with pytest.raises(kube_connect.ConnectionFailed, match="no such file"):
        kube_connect.connect(kubeconfig=str(tmp_path / "missing"))


def test_a_bad_context_is_a_usage_error(capsys, tmp_path, monkeypatch, hello):
    pytest.importorskip("kubernetes", reason="pip install 'plait[kubernetes]'")
    from plait.cli import main
    config = tmp_path / "config"
    config.write_text(KUBECONFIG)
    monkeypatch.setenv("PLAIT_HOME", str(tmp_path / "home"))
    assert main(["run", "--backend", "kubernetes", "--kubeconfig", str(config),
                 "--context", "nope", hello]) == 2
    err = capsys.readouterr().err
    assert "--context nope: not in the kubeconfig" in err
    assert "no meaning on this machine" not in err          # the flags are used, not ignored
