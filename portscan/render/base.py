"""The renderer protocol and its options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from portscan.model import ScanResult

if TYPE_CHECKING:
    from portscan.audit import PortRow, Use


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render, beyond the result itself.

    ``changed``: paths (POSIX, relative to the root) whose findings come first, for
    formats that order by relevance to a change (``github``). ``docs_url``: the base URL
    of the finding docs (``.../rules/``); the SARIF ``helpUri`` of PS001 is
    ``docs_url + "PS001.md"``, and no ``helpUri`` is written without it.
    """

    color: bool = False
    changed: frozenset[str] = frozenset()
    docs_url: str | None = None


class Renderer(Protocol):
    def render(self, result: ScanResult, options: RenderOptions) -> str: ...


class PortsRenderer(Protocol):
    """A format of ``portscan ports``: the rows of :func:`portscan.audit.port_table`."""

    def render(self, rows: Sequence[PortRow]) -> str: ...


class WhoRenderer(Protocol):
    """A format of ``portscan who``: the uses of :func:`portscan.audit.who_uses`."""

    def render(self, port: int, uses: Sequence[Use]) -> str: ...
