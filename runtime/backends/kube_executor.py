"""The executor of the kubernetes backend: Argo's emissary idea without a plait image.

Argo runs its own `argoexec` image next to main to place inputs and read outputs back. plait
publishes no image, so it borrows a small public static one (`busybox` by default,
`--executor-image`) and does the same with shell scripts:

- an `init` container (first of the init containers) copies the image's static
  `/bin/busybox` into the pod's `plait-exec` emptyDir, mounted at `/plait` in every container
  plait wraps;
- main's command runs under `/plait/busybox sh -c MAIN_SCRIPT plait-exec <command...>`: it
  extracts the input artifacts (from the pod's Secret, mounted at `/plait-in`) to their paths,
  runs the command with its stdout also copied to `/plait/stdout`, writes the exit code to
  `/plait/ctr/<name>.exit`, then (in a containerSet, once every other container of the set
  wrote its exit file too, as Argo reads a containerSet's outputs once all of them ended)
  archives each output path to `/plait/out/<i>.tgz` (or marks it missing) and writes
  `/plait/out/done` last;
- a `wait` container (the executor image) waits for those files and prints, framed and
  base64-encoded, the exit code, the end of main's stdout (Argo's `result`, 256 KiB) and each
  output archive on its stdout, which plait reads through the pod's log (`parse_frames`);
- sidecars with a command run under SIDECAR_SCRIPT, which stops them (SIGTERM, then SIGKILL
  after `GRACE` seconds) once main's exit file exists, as Argo stops sidecars when main ends.
  A sidecar without a command (its image's entrypoint) stops when plait deletes the pod.

Why a log and not `exec`/`cp`: logs are readable with the `pods/log` permission every
`kubectl logs` user has, stream through one well-kept client call, and need no tar in the
user's image. The frame format (one header line, then base64 lines):

    @@plait exit 0
    @@plait message         (only when main's command was not found: the runtime's words)
    @@plait result
    aGVsbG8K
    @@plait file 0          (output path 0, a gzip tar of the path's last segment)
    ...
    @@plait missing 1       (output path 1 did not exist)
    @@plait end
"""

from __future__ import annotations

import base64
import binascii
import io
import posixpath
import shlex
import tarfile
from dataclasses import dataclass, field
from typing import BinaryIO

EXEC_DIR = "/plait"                    # the emptyDir plait's scripts share
EXEC_VOLUME = "plait-exec"
INPUT_DIR = "/plait-in"                # the pod's Secret: input archives
INPUT_VOLUME = "plait-inputs"
SCRIPT_DIR = "/argo/staging"           # Argo's path for a script template's source
SCRIPT_VOLUME = "plait-script"
BUSYBOX = f"{EXEC_DIR}/busybox"
RESULT_BYTES = 256 * 1024              # outputs.result: the end of main's stdout
GRACE = 10                             # seconds between a sidecar's SIGTERM and SIGKILL
FRAME = "@@plait"


def init_command() -> list[str]:
    """The `init` container: the executor image's static busybox into the shared emptyDir."""
    return ["/bin/busybox", "sh", "-c",
            f"/bin/busybox cp /bin/busybox {BUSYBOX} && /bin/busybox mkdir -p "
            f"{EXEC_DIR}/out {EXEC_DIR}/ctr && /bin/busybox chmod 0777 {EXEC_DIR}/out "
            f"{EXEC_DIR}/ctr"]


def _q(text: str) -> str:
    return shlex.quote(text)


def main_script(name: str, *, inputs: list[dict], outputs: list[str], capture: bool,
                after: list[str], others: list[str] | None = None) -> str:
    """The shell text main (or a containerSet container) runs under: wait for the containers
    it depends on, place inputs, run `"$@"`, write the exit file; then, for the container
    whose outputs count (`others` not None: the set's other containers, waited for first),
    archive the outputs and write `out/done` last."""
    exit_file = f"{EXEC_DIR}/ctr/{_q(name)}.exit"
    done = f"{EXEC_DIR}/out/done" if others is not None else ""
    lines = [f"B={BUSYBOX}",
             f"end() {{ echo $1 > {exit_file}.tmp && $B mv {exit_file}.tmp {exit_file}; }}"]
    give_up = f"end 1; {'$B touch ' + done + '; ' if done else ''}exit 1"
    for dep in after:      # containerSet dependencies: run once each one ended with 0
        lines += [f"until [ -e {EXEC_DIR}/ctr/{_q(dep)}.exit ]; do $B sleep 0.2; done",
                  f'if [ "$($B cat {EXEC_DIR}/ctr/{_q(dep)}.exit)" != 0 ]; then '
                  f'echo "plait: dependency {dep} failed" >&2; {give_up}; fi']
    for i, entry in enumerate(inputs):
        path = str(entry["path"])
        parent = posixpath.dirname(path.rstrip("/")) or "/"
        lines.append(f"$B mkdir -p {_q(parent)} && $B tar -xzf {INPUT_DIR}/in-{i}.tgz "
                     f"-C {_q(parent)} || {{ echo 'plait: cannot place input artifact at "
                     f"{path}' >&2; {give_up}; }}")
        if entry.get("mode") is not None:
            lines.append(f"$B chmod {int(entry['mode']):o} {_q(path)}")
    # A command that is not on PATH never starts: the container runtime's words (Argo's
    # emissary looks the name up the same way) go to the wait container as a message frame,
    # instead of the shell's own "not found".
    lines += ["m=",
              'case $1 in */*) ;; *) m="exec: \\"$1\\": executable file not found in \\$PATH"',
              '  IFS=:; for d in $PATH; do',
              '    if [ -f "${d:-.}/$1" ] && [ -x "${d:-.}/$1" ]; then m=; break; fi; done',
              "  unset IFS ;; esac",
              'if [ -n "$m" ]; then',
              f'  echo "$m" >&2; echo "$m" > {EXEC_DIR}/ctr/{_q(name)}.msg; c=127',
              "else"]
    # main runs as the shell's child, which forwards SIGTERM to it (a shell that is a
    # container's PID 1 ignores it): a deleted pod's main stops at once, as under Argo's
    # emissary, rather than after the grace period. `exec 3<&0`: main keeps the container's
    # stdin, which a background command would lose.
    run = '"$@" <&3 3<&-'
    if capture:
        lines += [f"$B mkfifo {EXEC_DIR}/stdout.fifo",
                  f"$B tee {EXEC_DIR}/stdout < {EXEC_DIR}/stdout.fifo &",
                  "T=$!",
                  f"exec 3<&0; {run} > {EXEC_DIR}/stdout.fifo &"]
    else:
        lines.append(f"exec 3<&0; {run} &")
    lines += ["P=$!",
              "trap '$B kill -TERM $P 2>/dev/null' TERM",
              "wait $P; c=$?",
              "while $B kill -0 $P 2>/dev/null; do wait $P; c=$?; done"]
    if capture:
        lines.append("wait $T")
    lines += ["fi", "end $c"]
    for other in others or []:
        lines.append(f"until [ -e {EXEC_DIR}/ctr/{_q(other)}.exit ]; do $B sleep 0.2; done")
    for i, path in enumerate(outputs):
        trimmed = path.rstrip("/") or "/"
        parent = posixpath.dirname(trimmed) or "/"
        base = posixpath.basename(trimmed) or "."
        archive = f"{EXEC_DIR}/out/{i}.tgz"
        # a link at the path itself is followed, as main sees the path (not those inside)
        lines.append(f"if [ -L {_q(trimmed)} ]; then r=$($B readlink -f {_q(trimmed)}); "
                     f'd=$($B dirname "$r"); n=$($B basename "$r"); '
                     f"else d={_q(parent)}; n={_q(base)}; fi; "
                     f'if [ -e "$d/$n" ] && $B tar -czf {archive} -C "$d" "$n"; then :; '
                     f"else $B rm -f {archive}; : > {EXEC_DIR}/out/{i}.missing; fi")
    if done:
        lines.append(f"$B touch {done}")
    lines.append("exit $c")
    return "\n".join(lines) + "\n"


def sidecar_script(main: str) -> str:
    """A sidecar: its command in the background, stopped once main's exit file exists."""
    return "\n".join([
        f"B={BUSYBOX}",
        '"$@" &',
        "p=$!",
        "trap '$B kill -TERM $p 2>/dev/null' TERM",
        "while $B kill -0 $p 2>/dev/null; do",
        f"  if [ -e {EXEC_DIR}/ctr/{_q(main)}.exit ]; then",
        f"    $B kill -TERM $p; ( $B sleep {GRACE}; $B kill -KILL $p 2>/dev/null ) &",
        "    wait $p; exit 0",
        "  fi",
        "  $B sleep 0.5",
        "done",
        "wait $p",
    ]) + "\n"


def wait_script(main: str, outputs: int, capture: bool, others: list[str]) -> str:
    """The `wait` container: once main (and every other wrapped container) wrote its exit
    file and main its outputs (`out/done`), print the frames (see the module docstring)."""
    lines = ["trap 'exit 143' TERM"]         # PID 1: a deleted pod's wait stops at once
    for name in [main, *others]:
        lines.append(f"until [ -e {EXEC_DIR}/ctr/{_q(name)}.exit ]; do sleep 0.2; done")
    lines.append(f"until [ -e {EXEC_DIR}/out/done ]; do sleep 0.2; done")
    lines.append(f'echo "{FRAME} exit $(cat {EXEC_DIR}/ctr/{_q(main)}.exit)"')
    lines.append(f"if [ -e {EXEC_DIR}/ctr/{_q(main)}.msg ]; then echo '{FRAME} message'; "
                 f"base64 {EXEC_DIR}/ctr/{_q(main)}.msg; fi")
    if capture:
        lines.append(f"if [ -e {EXEC_DIR}/stdout ]; then echo '{FRAME} result'; "
                     f"tail -c {RESULT_BYTES} {EXEC_DIR}/stdout | base64; fi")
    for i in range(outputs):
        lines.append(f"if [ -e {EXEC_DIR}/out/{i}.tgz ]; then echo '{FRAME} file {i}'; "
                     f"base64 {EXEC_DIR}/out/{i}.tgz; else echo '{FRAME} missing {i}'; fi")
    lines.append(f"echo '{FRAME} end'")
    return "\n".join(lines) + "\n"


def own_links(archive: bytes, out: BinaryIO) -> str:
    """An output archive from main's wrapper (a gzip tar of one path) written to `out` as an
    uncompressed tar without the symlinks whose target leads outside the output (absolute,
    or climbing above its root entry); returns the root entry's name. Such a link is the
    image's or the pod's view of a world plait does not copy (an image's
    `/etc/mtab -> /proc/mounts` in `path: /etc`): it is left out, as the container backend
    leaves out an image's links that lead outside. Everything else is checked again when
    the archive is extracted (`artifacts.extract`)."""
    root = ""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as src, \
            tarfile.open(fileobj=out, mode="w") as dst:
        for member in src:
            name = _relative(member.name)
            root = root or name.split("/")[0]
            if member.issym():
                target = _relative(posixpath.join(posixpath.dirname(name), member.linkname))
                if (member.linkname.startswith("/") or target == ".." or
                        target.startswith("../") or
                        not (target == root or target.startswith(root + "/"))):
                    continue
            dst.addfile(member, src.extractfile(member) if member.isreg() else None)
    return root


def _relative(name: str) -> str:
    path = posixpath.normpath(name)
    return "" if path == "." else path


class FrameError(ValueError):
    """The wait container's log is not a complete, well-formed frame stream."""


@dataclass
class Collected:
    """What the wait container handed over: main's exit code, its stdout tail, and each
    output path's archive (None: the path did not exist)."""

    exit_code: int | None = None
    message: str | None = None         # why main's command never started
    result: bytes | None = None
    files: dict[int, bytes | None] = field(default_factory=dict)


def parse_frames(lines: list[str], limit: int) -> Collected:
    """The frames of the wait container's log (`limit`: bytes of decoded data in all)."""
    out = Collected()
    kind, key = "", -1
    chunks: list[str] = []
    size = 0
    ended = False

    def close() -> None:
        nonlocal size
        if kind in ("result", "file", "message"):
            try:
                data = base64.b64decode("".join(chunks), validate=True)
            except (binascii.Error, ValueError):
                raise FrameError(f"the wait container's {kind} frame is not base64") from None
            size += len(data)
            if size > limit:
                raise FrameError(f"the pod's outputs exceed {limit} bytes")
            if kind == "result":
                out.result = data
            elif kind == "message":
                out.message = data.decode("utf-8", errors="replace").strip()
            else:
                out.files[key] = data

    for line in lines:
        if line.startswith(FRAME + " "):
            close()
            words = line.split()
            kind, chunks = words[1], []
            if kind == "exit":
                try:
                    out.exit_code = int(words[2])
                except (IndexError, ValueError):
                    raise FrameError(f"bad exit frame {line!r}") from None
            elif kind in ("file", "missing"):
                try:
                    key = int(words[2])
                except (IndexError, ValueError):
                    raise FrameError(f"bad {kind} frame {line!r}") from None
                if kind == "missing":
                    out.files[key] = None
            elif kind == "end":
                ended = True
                break
        elif kind in ("result", "file", "message"):
            chunks.append(line.strip())
    if not ended:
        raise FrameError("the wait container's log ended before its last frame")
    return out


__all__ = ["BUSYBOX", "Collected", "EXEC_DIR", "EXEC_VOLUME", "FrameError", "INPUT_DIR",
           "INPUT_VOLUME", "RESULT_BYTES", "own_links", "SCRIPT_DIR", "SCRIPT_VOLUME", "init_command",
           "main_script", "parse_frames", "sidecar_script", "wait_script"]
