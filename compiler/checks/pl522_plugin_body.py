"""PL522: a `plugin` body that does not name exactly one plugin (spec §19 rule 33)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YMap
from ..values import every_template


@dataclass(frozen=True)
class PluginBody(Message):
    """What: a `plugin:` template body with no key, or with several.

    Why: Argo rejects it: the single key names the executor plugin that runs the template,
    and its value is that plugin's configuration. Fix: one template per plugin call.

        plugin:
          hello: {message: hi}
          slack: {text: done}
        # fix: two templates, each with one plugin key
    """

    code = "PL522"
    keys: tuple[str, ...]

    def text(self) -> str:
        if not self.keys:
            return "plugin body names no plugin"
        return f"plugin body names {len(self.keys)} plugins ({', '.join(self.keys)}); exactly one is allowed"

    def hint_text(self) -> str | None:
        if not self.keys:
            return "write 'plugin: {<plugin-name>: {<its settings>}}'"
        return "split it into one template per plugin"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        body = tmpl.raw.get("plugin")
        if tmpl.kind != "plugin" or not isinstance(body, YMap) or len(body) == 1:
            continue
        keys = tuple(str(k) for k in body)
        span = body.key_span(keys[1]) if keys else tmpl.raw.key_span("plugin")
        yield PluginBody(span, keys)
