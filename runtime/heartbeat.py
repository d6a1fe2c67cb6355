"""The run's one heartbeat: which process runs a workflow, and when it was last seen alive.

A thread (not a task of the engine's event loop, so a busy loop cannot make a live run look
lost) records `store.set_runner(wf, pid, now)` every `every` seconds while the run lasts, and
`pid=None` once it is over. `runtime.runs.runner_alive` reads both; a detached runner and
`plait run` beat the same way, through the engine.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any


class Heartbeat:
    """Beats for `wf` in `store` from `start()` until `stop()`."""

    def __init__(self, store: Any, wf: str, every: float) -> None:
        self.store, self.wf, self.every = store, wf, every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="plait-heartbeat", daemon=True)

    def _record(self) -> None:
        try:
            self.store.set_runner(self.wf, pid=os.getpid(), heartbeat=time.time())
        except Exception as exc:  # a busy store must not end the run; the next beat retries
            logging.getLogger("plait.runtime").warning("heartbeat failed: %s", exc)

    def _beat(self) -> None:
        while not self._done.wait(self.every):
            self._record()

    def start(self) -> "Heartbeat":
        self._record()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop beating and record that no process runs the workflow any more."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        self.store.set_runner(self.wf, pid=None, heartbeat=time.time())


__all__ = ["Heartbeat"]
