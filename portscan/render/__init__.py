"""One module per output format, listed in one literal dict. Renderers never recompute."""

from __future__ import annotations

from portscan.render import (
    github,
    graph_dot,
    graph_json,
    graph_mermaid,
    json,
    markdown,
    ports_json,
    ports_markdown,
    ports_text,
    sarif,
    text,
    who_json,
    who_text,
)
from portscan.render.base import PortsRenderer, Renderer, RenderOptions, WhoRenderer

RENDERERS: dict[str, Renderer] = {
    "text": text,
    "json": json,
    "sarif": sarif,
    "github": github,
    "markdown": markdown,
}

#: ``portscan graph --format``: the service/host/port graph.
GRAPH_RENDERERS: dict[str, Renderer] = {
    "mermaid": graph_mermaid,
    "dot": graph_dot,
    "json": graph_json,
}

#: ``portscan ports --format``: the port table.
PORTS_RENDERERS: dict[str, PortsRenderer] = {
    "text": ports_text,
    "json": ports_json,
    "markdown": ports_markdown,
}

#: ``portscan who PORT --format``: every statement about one port.
WHO_RENDERERS: dict[str, WhoRenderer] = {
    "text": who_text,
    "json": who_json,
}

__all__ = [
    "GRAPH_RENDERERS",
    "PORTS_RENDERERS",
    "RENDERERS",
    "WHO_RENDERERS",
    "PortsRenderer",
    "RenderOptions",
    "Renderer",
    "WhoRenderer",
]
