"""The renderer registries: every format names a module that renders, imported on demand."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portscan.render import (
    GRAPH_RENDERERS,
    PORTS_RENDERERS,
    RENDERERS,
    WHO_RENDERERS,
    Registry,
    github,
    graph_dot,
    json,
    text,
)


@pytest.mark.parametrize(
    ("registry", "formats"),
    [
        pytest.param(RENDERERS, ["text", "json", "sarif", "github", "markdown"], id="scan"),
        pytest.param(GRAPH_RENDERERS, ["mermaid", "dot", "json"], id="graph"),
        pytest.param(PORTS_RENDERERS, ["text", "json", "markdown"], id="ports"),
        pytest.param(WHO_RENDERERS, ["text", "json"], id="who"),
    ],
)
def test_every_format_is_a_module_that_renders(
    registry: Registry[object], formats: list[str]
) -> None:
    assert list(registry) == formats
    assert len(registry) == len(formats)
    for name in formats:
        module = registry[name]
        assert module.__name__.startswith("portscan.render.")  # type: ignore[attr-defined]
        assert callable(module.render)  # type: ignore[attr-defined]


def test_a_lookup_is_the_module_itself() -> None:
    assert RENDERERS["text"] is text
    assert RENDERERS["json"] is json
    assert RENDERERS["github"] is github
    assert GRAPH_RENDERERS["dot"] is graph_dot
    assert RENDERERS.get("xml") is None
    assert "markdown" in RENDERERS
    assert "xml" not in RENDERERS
    with pytest.raises(KeyError):
        RENDERERS["xml"]


def test_a_registry_imports_only_the_format_looked_up() -> None:
    """Looking up ``text`` imports neither the other formats nor what they need."""
    probe = (
        "import sys; from portscan.render import RENDERERS; RENDERERS['text']; "
        "print(sorted(m for m in sys.modules if m.startswith('portscan.render.') "
        "or m in ('portscan.report', 'portscan.audit', 'portscan.ruledocs', 'tarfile')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert (
        done.stdout.strip()
        == "['portscan.render.base', 'portscan.render.notes', 'portscan.render.text']"
    )
