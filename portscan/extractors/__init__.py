"""The extractors, one module per file format, listed in one literal dict.

Each module satisfies :class:`portscan.extractors.base.Extractor`. The registry names
the modules and imports one the first time it is looked up: a scan that re-reads five
edited TypeScript files imports the TypeScript extractor and nothing else, and importing
``portscan.extractors.base`` costs no extractor at all. Asking which extractors claim a
path (:func:`claimed_by`) needs every ``matches`` and so imports them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import cast

from portscan.extractors.base import Extractor

#: name (the module's ``NAME``) -> module, in the order extractors run on a file.
_MODULES: dict[str, str] = {
    "python": "portscan.extractors.python",
    "compose": "portscan.extractors.compose",
    "launchd": "portscan.extractors.launchd",
    "shell": "portscan.extractors.shell",
    "typescript": "portscan.extractors.typescript",
    "packagejson": "portscan.extractors.packagejson",
    "go": "portscan.extractors.golang",
    "dockerfile": "portscan.extractors.dockerfile",
    "dotenv": "portscan.extractors.dotenv",
    "systemd": "portscan.extractors.systemd",
    "cloudflared": "portscan.extractors.cloudflared",
    "caddy": "portscan.extractors.caddy",
    "nginx": "portscan.extractors.nginx",
    "prometheus": "portscan.extractors.prometheus",
    "markdown": "portscan.extractors.markdown",
}


class _Registry(Mapping[str, Extractor]):
    """A read-only mapping of extractor names to their modules, imported on lookup."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, Extractor] = {}
        self._all: tuple[Extractor, ...] | None = None

    def __getitem__(self, name: str) -> Extractor:
        loaded = self._loaded.get(name)
        if loaded is None:
            loaded = self._loaded[name] = cast(
                Extractor, importlib.import_module(self._modules[name])
            )
        return loaded

    def all(self) -> tuple[Extractor, ...]:
        """Every extractor, in order (importing those not imported yet)."""
        if self._all is None:
            self._all = tuple(self[name] for name in self._modules)
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


_REGISTRY = _Registry(_MODULES)
EXTRACTORS: Mapping[str, Extractor] = _REGISTRY


def claimed_by(path: str) -> tuple[Extractor, ...]:
    """The extractors that read the file at ``path`` (POSIX, relative to the root)."""
    return tuple(extractor for extractor in _REGISTRY.all() if extractor.matches(path))


__all__ = ["EXTRACTORS", "claimed_by"]
