"""One module per output format, listed in one literal registry. Renderers never recompute.

A registry names its modules and imports one only when it is looked up: a scan renders
one format, and importing them all (the diagram, the pull-request report with its
tarfile and tempfile, the SARIF rule docs) cost a warm ``portscan scan`` a tenth of its
time. ``RENDERERS["github"]`` is the module :mod:`portscan.render.github` itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar, cast

from portscan.render.base import PortsRenderer, Renderer, RenderOptions, WhoRenderer

_T = TypeVar("_T")


class Registry(Mapping[str, _T], Generic[_T]):
    """Format name -> renderer module, imported on first lookup (modules are cached by
    the import system, so a lookup returns the same module every time)."""

    __slots__ = ("_modules",)

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = modules  # format -> module name inside portscan.render

    def __getitem__(self, name: str) -> _T:
        module = importlib.import_module(f"{__name__}.{self._modules[name]}")
        return cast(_T, module)

    def __contains__(self, name: object) -> bool:
        return name in self._modules  # without importing the module

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


RENDERERS: Registry[Renderer] = Registry(
    {
        "text": "text",
        "json": "json",
        "sarif": "sarif",
        "github": "github",
        "markdown": "markdown",
    }
)

#: ``portscan graph --format``: the service/host/port graph.
GRAPH_RENDERERS: Registry[Renderer] = Registry(
    {
        "mermaid": "graph_mermaid",
        "dot": "graph_dot",
        "json": "graph_json",
    }
)

#: ``portscan ports --format``: the port table.
PORTS_RENDERERS: Registry[PortsRenderer] = Registry(
    {
        "text": "ports_text",
        "json": "ports_json",
        "markdown": "ports_markdown",
    }
)

#: ``portscan who PORT --format``: every statement about one port.
WHO_RENDERERS: Registry[WhoRenderer] = Registry(
    {
        "text": "who_text",
        "json": "who_json",
    }
)

__all__ = [
    "GRAPH_RENDERERS",
    "PORTS_RENDERERS",
    "RENDERERS",
    "WHO_RENDERERS",
    "PortsRenderer",
    "Registry",
    "RenderOptions",
    "Renderer",
    "WhoRenderer",
]
