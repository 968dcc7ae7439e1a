"""The renderer protocol and its options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from portscan.model import ScanResult


@dataclass(frozen=True, slots=True)
class RenderOptions:
    color: bool = False


class Renderer(Protocol):
    def render(self, result: ScanResult, options: RenderOptions) -> str: ...
