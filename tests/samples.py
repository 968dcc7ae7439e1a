"""Sample records shared by tests that must notice a field added to a model type."""

from __future__ import annotations

from dataclasses import fields

from portscan.model import Location, PortFact, Role


def fact_with_every_field() -> PortFact:
    """A fact whose every field differs from its default (a field added to PortFact
    later gets a placeholder string), so a copy that drops a field compares unequal."""
    values: dict[str, object] = {}
    for field in fields(PortFact):
        values[field.name] = {
            "port": 8443,
            "role": Role.PUBLISH,
            "location": Location("a/b.yml", 3, 7, 4, 11),
            "extractor": "compose",
            "protocol": "udp",
            "tags": ("alias=x", "range"),
        }.get(field.name, f"<{field.name}>")
    return PortFact(**values)  # type: ignore[arg-type]
