"""Where plait keeps its state: the store, step logs, artifacts and the user's image table.

`$PLAIT_HOME` when set, else `$XDG_STATE_HOME/plait`, else `~/.local/state/plait` (the XDG
base-directory default for state that outlives a run but is not configuration).
"""

from __future__ import annotations

import os
from pathlib import Path

DB_NAME = "plait.db"
LOGS_DIR = "logs"
ARTIFACTS_DIR = "artifacts"
IMAGES_FILE = "images.yaml"


def plait_home() -> Path:
    """The state directory (not created here: `ensure_home` does that)."""
    explicit = os.environ.get("PLAIT_HOME")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    # The XDG spec says a relative $XDG_STATE_HOME is invalid and must be ignored.
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "plait"
    return Path.home() / ".local" / "state" / "plait"


def ensure_home(home: Path | None = None) -> Path:
    """Create the state directory (mode 0700: logs may hold data the user considers private)."""
    path = home if home is not None else plait_home()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
