"""`plait cp NAME DEST` (issue 12, item 5): a run's output artifacts copied into a folder in
`argo cp`'s layout, archives unpacked, never written outside DEST."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from plait.runtime.store import Store

from ..helpers import cli, write

pytestmark = pytest.mark.usefixtures("plait_home")

ARTS = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: arts
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: make
        template: make
  - name: make
    container:
      image: busybox
      command: [sh, -c, "echo hi > /tmp/hello.txt; mkdir -p /tmp/dir/sub; echo a > /tmp/dir/a; echo b > /tmp/dir/sub/b"]
    outputs:
      artifacts:
      - {name: hello, path: /tmp/hello.txt}
      - {name: tree, path: /tmp/dir}
      - {name: plain, path: /tmp/hello.txt, archive: {none: {}}}
"""


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def _make_node(plait_home: Path) -> str:
    return next(n.id for n in Store.at(plait_home).nodes("arts").values() if n.display_name == "make")


def test_cp_copies_every_output_artifact_unpacked_in_argos_layout(capsys, tmp_path, plait_home):
    code, _, err = cli(capsys, "run", "--sandbox", "none", write(tmp_path, "wf.yaml", ARTS))
    assert code == 0, err
    node = _make_node(plait_home)
    dest = tmp_path / "out"
    code, out, err = cli(capsys, "cp", "arts", dest)
    assert code == 0, err
    at = f"default/arts/{node}/outputs"
    assert out == (f'Created "hello" artifact at "{dest}/{at}/hello/hello.txt"\n'
                   f'Created "tree" artifact at "{dest}/{at}/tree/dir"\n'
                   f'Created "plain" artifact at "{dest}/{at}/plain/hello.txt"\n')
    assert _files(dest) == {f"{at}/hello/hello.txt": "hi\n", f"{at}/plain/hello.txt": "hi\n",
                            f"{at}/tree/dir/a": "a\n", f"{at}/tree/dir/sub/b": "b\n"}


def test_cp_filters_and_path_template(capsys, tmp_path, plait_home):
    cli(capsys, "run", "--sandbox", "none", write(tmp_path, "wf.yaml", ARTS))
    dest = tmp_path / "out"
    code, out, err = cli(capsys, "cp", "@latest", dest, "--node", "make", "--artifact-name", "tree",
                         "--path", "{templateName}/{artifactName}")
    assert code == 0, err
    assert _files(dest) == {"make/tree/dir/a": "a\n", "make/tree/dir/sub/b": "b\n"}
    code, out, err = cli(capsys, "cp", "arts", dest, "--node-id", _make_node(plait_home),
                         "--template-name", "make", "--artifact-name", "hello", "--path", "x")
    assert code == 0, err
    assert (dest / "x" / "hello.txt").read_text() == "hi\n"
    code, out, err = cli(capsys, "cp", "arts", dest, "--artifact-name", "nope")
    assert code == 1 and out == ""
    assert err == "plait: error: run arts has no output artifact named 'nope'\n"
    code, _, err = cli(capsys, "cp", "arts", dest, "--path", "../{artifactName}")
    assert code == 2 and "plait: error: --path '../{artifactName}'" in err
    code, _, err = cli(capsys, "cp", "artz", dest)
    assert code == 1 and err == "plait: error: no run named 'artz'; did you mean 'arts'?\n"


def test_a_pods_symlink_out_of_its_artifact_is_refused(capsys, tmp_path):
    """Attack: the pod archives a folder holding a link to a host file; unpacking it must not
    create a link out of DEST."""
    text = ARTS.replace("echo b > /tmp/dir/sub/b", "ln -s /etc/passwd /tmp/dir/sub/b")
    cli(capsys, "run", "--sandbox", "none", write(tmp_path, "wf.yaml", text))
    dest = tmp_path / "out"
    code, out, err = cli(capsys, "cp", "arts", dest, "--artifact-name", "tree")
    assert code == 1 and out == ""
    assert "plait: error: artifact 'tree' of make:" in err
    assert not [p for p in dest.rglob("*") if p.is_symlink()]


def test_a_hostile_stored_archive_writes_nothing_outside_dest(capsys, tmp_path, plait_home):
    """Attack: the stored archive was replaced by one whose member climbs out (tar slip)."""
    cli(capsys, "run", "--sandbox", "none", write(tmp_path, "wf.yaml", ARTS))
    key = next(a["key"] for n in Store.at(plait_home).nodes("arts").values()
               for a in n.outputs.artifacts if a["name"] == "tree")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in ("dir/ok", "dir/../../../../escaped"):
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(b"bad"))
    (plait_home / "artifacts" / key).write_bytes(buf.getvalue())
    dest = tmp_path / "deep" / "out"
    code, out, err = cli(capsys, "cp", "arts", dest, "--artifact-name", "tree")
    assert code == 1 and out == ""
    assert "plait: error: artifact 'tree' of make:" in err
    assert not list(tmp_path.rglob("escaped"))
