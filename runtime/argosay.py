#!/usr/bin/env -S python3 -I
"""argosay: what Argo's test image `argoproj/argosay:v2` does, for pods that run without it.

Argo's examples and end-to-end tests run `argoproj/argosay:v2` with no `command`; its
entrypoint is `/argosay`, a small Go program (argo-workflows, test/e2e/images/argosay/v2/main).
The local backend pulls no image, so this file stands in for that program. It is deliberately
self-contained (standard library only, no plait imports): the sandbox binds it read-only into
the container, where nothing of plait is importable. The image table runs it as `python3 -I
FILE` (its `#!` line does the same), so its own folder, which holds plait modules such as
`types.py`, never shadows the standard library.

    argosay                          same as `argosay echo`
    argosay echo                     print "hello argo"
    argosay echo STRING              print STRING
    argosay echo STRING FILE         write STRING (no newline) to FILE, creating its folder
    argosay cat [FILE...]            copy each FILE to stdout
    argosay assert_contains FILE S   fail unless FILE contains S
    argosay sleep DURATION           sleep a Go duration (`10s`, `1.5m`, `1h2m`, `300ms`)
    argosay exit [CODE]              exit with CODE (default 0)

Behaviour kept from the Go program, because workflows observe it:
- `echo` prints with Go's builtin `println`, which writes to **stderr**, so a node's
  `outputs.result` (stdout) stays empty while its log shows the text.
- An error (wrong arguments, a missing file, a bad duration, an unknown command) is a Go
  `panic`: `panic: <message>` and a goroutine trace on stderr, exit code 2.
- `exit` with more than one argument, or none, exits 0; a code that is not an integer panics.
"""

from __future__ import annotations

import os
import re
import sys
import time

USAGE = ("usage: argosay [assert_contains file string|cat [file...]|echo [string] [file]"
         "|sleep duration|exit [code]]")

# Go's time.ParseDuration units, in seconds (`µs` is U+00B5, `μs` U+03BC: Go takes both).
_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0,
          "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)([^\d.]*)")


class Failure(Exception):
    """An error the Go program returns from main, which it then panics with."""


class Exit(Exception):
    """`argosay exit CODE` with a non-zero code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def go_duration(text: str) -> float:
    """Seconds in a Go duration string, with Go's error messages."""
    quoted = '"' + text + '"'
    rest = text
    sign = 1.0
    if rest[:1] in ("-", "+"):
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        raise Failure(f"time: invalid duration {quoted}")
    total = 0.0
    while rest:
        match = _PART.match(rest)
        if match is None:
            raise Failure(f"time: invalid duration {quoted}")
        number, unit = match.group(1), match.group(2)
        if not unit:
            raise Failure(f"time: missing unit in duration {quoted}")
        known = next((u for u in sorted(_UNITS, key=len, reverse=True) if unit.startswith(u)), None)
        if known is None:
            raise Failure(f'time: unknown unit "{unit}" in duration {quoted}')
        total += float(number) * _UNITS[known]
        rest = rest[match.start(2) + len(known):]
    return sign * total


def _read(name: str) -> bytes:
    try:
        with open(name, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise Failure(f"open {name}: {_errno_text(exc)}") from None


def _errno_text(exc: OSError) -> str:
    # Go prints the lowercase C library text ("no such file or directory").
    return (exc.strerror or str(exc)).lower()


def assert_contains(args: list[str]) -> None:
    if len(args) != 2:
        raise Failure("usage: assert_contains data string")
    name, wanted = args
    data = _read(name).decode("utf-8", "replace")
    if wanted not in data:
        raise Failure(f'expected "{name}" to contain "{wanted}", but was "{data}"')


def cat(args: list[str]) -> None:
    for name in args:
        sys.stdout.buffer.write(_read(name))
        sys.stdout.buffer.flush()


def echo(args: list[str]) -> None:
    if len(args) > 2:
        raise Failure("usage: argosay echo [string] [file]")
    if len(args) < 2:
        print(args[0] if args else "hello argo", file=sys.stderr, flush=True)
        return
    text, name = args
    folder = os.path.dirname(name) or "."
    try:
        if not os.path.exists(folder):
            os.makedirs(folder, 0o777, exist_ok=True)
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8", "surrogateescape"))
    except OSError as exc:
        what = "mkdir" if not os.path.isdir(folder) else "open"
        where = exc.filename if isinstance(exc.filename, str) else name
        raise Failure(f"{what} {where}: {_errno_text(exc)}") from None


def exit_(args: list[str]) -> None:
    if len(args) != 1:
        return
    text = args[0]
    if not re.fullmatch(r"[+-]?\d+", text):
        raise Failure(f'strconv.Atoi: parsing "{text}": invalid syntax')
    code = int(text)
    if code != 0:
        raise Exit(code)


def sleep(args: list[str]) -> None:
    if len(args) != 1:
        raise Failure("usage: argosay sleep duration")
    seconds = go_duration(args[0])
    if seconds > 0:
        time.sleep(seconds)


COMMANDS = {"assert_contains": assert_contains, "cat": cat, "echo": echo, "exit": exit_,
            "sleep": sleep}


def main(argv: list[str]) -> int:
    args = argv or ["echo"]
    try:
        command = COMMANDS.get(args[0])
        if command is None:
            raise Failure(USAGE)
        command(args[1:])
    except Exit as stop:
        return stop.code & 0xFF          # what the kernel keeps of os.Exit(code)
    except Failure as exc:
        sys.stdout.flush()
        print(f"panic: {exc}\n\ngoroutine 1 [running]:\nmain.main()", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
