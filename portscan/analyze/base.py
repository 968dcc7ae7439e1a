"""What every finding module shares: the context it reads and small helpers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from portscan.config import Config
from portscan.model import Diagnostic, Finding, Graph, Location, Severity


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a rule may read. Rules never parse files and never print."""

    graph: Graph
    config: Config
    errors: tuple[Diagnostic, ...] = ()


class Rule(Protocol):
    """A finding module: a stable code and name, a default severity and ``check``."""

    @property
    def CODE(self) -> str: ...  # noqa: N802 - module-level constants in the rules

    @property
    def NAME(self) -> str: ...  # noqa: N802

    @property
    def SEVERITY(self) -> Severity: ...  # noqa: N802

    @property
    def SUMMARY(self) -> str: ...  # noqa: N802

    def check(self, context: Context) -> Iterator[Finding]: ...


def where(location: Location) -> str:
    return f"{location.path}:{location.line}"


def listing(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    values = list(items)
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]
