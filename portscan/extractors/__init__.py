"""The extractors, one module per file format, listed in one literal dict.

Each module satisfies :class:`portscan.extractors.base.Extractor`. Modules import their
parsers lazily, so importing this registry is cheap.
"""

from __future__ import annotations

from portscan.extractors import (
    caddy,
    cloudflared,
    compose,
    dockerfile,
    dotenv,
    golang,
    launchd,
    markdown,
    nginx,
    packagejson,
    prometheus,
    python,
    shell,
    systemd,
    typescript,
)
from portscan.extractors.base import Extractor

EXTRACTORS: dict[str, Extractor] = {
    "python": python,
    "compose": compose,
    "launchd": launchd,
    "shell": shell,
    "typescript": typescript,
    "packagejson": packagejson,
    "go": golang,
    "dockerfile": dockerfile,
    "dotenv": dotenv,
    "systemd": systemd,
    "cloudflared": cloudflared,
    "caddy": caddy,
    "nginx": nginx,
    "prometheus": prometheus,
    "markdown": markdown,
}


def claimed_by(path: str) -> tuple[Extractor, ...]:
    """The extractors that read the file at ``path`` (POSIX, relative to the root)."""
    return tuple(extractor for extractor in EXTRACTORS.values() if extractor.matches(path))


__all__ = ["EXTRACTORS", "claimed_by"]
