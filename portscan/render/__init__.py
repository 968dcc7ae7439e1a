"""One module per output format, listed in one literal dict. Renderers never recompute."""

from __future__ import annotations

from portscan.render import json, text
from portscan.render.base import Renderer, RenderOptions

RENDERERS: dict[str, Renderer] = {
    "text": text,
    "json": json,
}

__all__ = ["RENDERERS", "RenderOptions", "Renderer"]
