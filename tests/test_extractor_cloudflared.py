from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params

from portscan.extractors import cloudflared
from portscan.model import Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "cloudflared"


def summary(text: str, path: str = "cloudflared.yml") -> list[tuple[object, ...]]:
    """(port, line, col, target, tags) of every fact, for compact tables."""
    extraction = cloudflared.extract(path, text)
    assert not extraction.diagnostics, extraction.diagnostics
    return [(f.port, f.location.line, f.location.col, f.target, f.tags) for f in extraction.facts]


def rule(service: str, hostname: str | None = "a.example.com") -> str:
    """A config with one ingress rule and the catch-all."""
    lines = ["tunnel: t", "ingress:"]
    if hostname is not None:
        lines += [f"  - hostname: {hostname}", f"    service: {service}"]
    else:
        lines += [f"  - service: {service}"]
    return "\n".join([*lines, "  - service: http_status:404", ""])


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES))
def test_fixture(relpath: str) -> None:
    check_fixture(cloudflared, FIXTURES / relpath, relpath)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("cloudflared.yml", True, id="named"),
        pytest.param("deploy/cloudflared-config.yaml", True, id="named-nested"),
        pytest.param("infra/cloudflared/tunnel.yml", True, id="folder"),
        pytest.param("infra/cloudflared/mac-mini/tunnel.yml", True, id="folder-deep"),
        pytest.param("home/.cloudflared/config.yml", True, id="dot-folder"),
        pytest.param("config.yml", True, id="generic-config"),
        pytest.param("deploy/config.yaml", True, id="generic-config-yaml"),
        pytest.param("cloudflared.json", False, id="json"),
        pytest.param("cloudflared/README.md", False, id="readme-in-folder"),
        pytest.param("settings.yml", False, id="other-yaml"),
        pytest.param("config.yml.bak", False, id="backup"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert cloudflared.matches(path) is expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"ingress:\n  - service: http://x:1\n", True, id="ingress"),
        pytest.param(b"server:\n  port: 3000\n", False, id="no-ingress"),
    ],
)
def test_prefilter(content: bytes, expected: bool) -> None:
    assert cloudflared.PREFILTER is not None
    assert bool(cloudflared.PREFILTER.search(content)) is expected


def test_exact_fact() -> None:
    assert cloudflared.extract("c/config.yml", rule("http://localhost:3001")).facts == (
        PortFact(
            3001,
            Role.REFERENCE,
            Location("c/config.yml", 4, 31, 4, 35),
            "cloudflared",
            target="localhost",
            tags=("name=a.example.com",),
        ),
    )


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        pytest.param("http://localhost:3001", [(3001, 4, 31, "localhost")], id="http"),
        pytest.param('"https://mana-llm:3025/v1"', [(3025, 4, 32, "mana-llm")], id="quoted"),
        pytest.param("'tcp://10.0.0.5:5432'", [(5432, 4, 30, "10.0.0.5")], id="tcp"),
        pytest.param("rdp://[::1]:3389", [(3389, 4, 26, "::1")], id="ipv6"),
        pytest.param("ssh://localhost:22", [(22, 4, 30, "localhost")], id="ssh"),
        pytest.param("http://localhost", [], id="implicit-port"),
        pytest.param("unix:/tmp/app.sock", [], id="unix"),
        pytest.param("http_status:404", [], id="status"),
        pytest.param("hello_world", [], id="hello-world"),
        pytest.param("bastion", [], id="bastion"),
        pytest.param("http://localhost:70000", [], id="out-of-range"),
        pytest.param("", [], id="empty"),
    ],
)
def test_services(service: str, expected: list[tuple[object, ...]]) -> None:
    found = [(port, line, col, target) for port, line, col, target, _ in summary(rule(service))]
    assert found == expected


@pytest.mark.parametrize(
    ("hostname", "tags"),
    [
        pytest.param("calc.example.com", ("name=calc.example.com",), id="hostname"),
        pytest.param('"*.example.com"', ("name=*.example.com",), id="wildcard"),
        pytest.param('""', (), id="empty"),
        pytest.param(None, (), id="catch-all-with-port"),
    ],
)
def test_hostname_tag(hostname: str | None, tags: tuple[str, ...]) -> None:
    (fact,) = cloudflared.extract("cloudflared.yml", rule("http://localhost:3001", hostname)).facts
    assert fact.tags == tags


def test_folded_service_points_at_its_digits() -> None:
    text = "ingress:\n  - service: >-\n      http://mana-auth:3001\n"
    assert summary(text) == [(3001, 3, 24, "mana-auth", ())]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("tunnel: t\nurl: http://localhost:8000\n", id="no-ingress"),
        pytest.param("ingress:\n  enabled: true\n  port: 3000\n", id="ingress-is-a-mapping"),
        pytest.param("ingress: http://localhost:3000\n", id="ingress-is-a-scalar"),
        pytest.param("ingress:\n  - http://localhost:3000\n", id="rules-are-not-mappings"),
        pytest.param(
            "spec:\n  ingress:\n    - service: http://localhost:3000\n", id="not-top-level"
        ),
        pytest.param("", id="empty-file"),
        pytest.param("- a\n- b\n", id="top-level-list"),
    ],
)
def test_no_top_level_ingress_list_yields_nothing(text: str) -> None:
    assert cloudflared.extract("config.yml", text) == Extraction()


def test_every_document_is_read() -> None:
    text = rule("http://localhost:3001") + "---\n" + rule("http://localhost:3002")
    assert [port for port, *_ in summary(text)] == [3001, 3002]


@pytest.mark.parametrize(
    ("path", "text", "diagnostics"),
    [
        pytest.param(
            "cloudflared.yml",
            "ingress:\n  - service: http://localhost:3001\n   bad: [\n",
            (
                Diagnostic(
                    "cloudflared.yml", 3, "invalid YAML: did not find expected '-' indicator"
                ),
            ),
            id="named-file",
        ),
        pytest.param(
            "config.yml",
            "tunnel: t\ningress:\n  - service: http://x:1\n  - {\n",
            (Diagnostic("config.yml", 5, "invalid YAML: did not find expected node content"),),
            id="generic-file-that-looks-like-a-tunnel",
        ),
        pytest.param(
            "config.yml",
            "# ingress is configured elsewhere\nkey: [unclosed\n",
            (),
            id="generic-file-of-another-tool",
        ),
    ],
)
def test_invalid_yaml(path: str, text: str, diagnostics: tuple[Diagnostic, ...]) -> None:
    extraction = cloudflared.extract(path, text)
    assert extraction.facts == ()
    assert extraction.diagnostics == diagnostics


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / "cloudflared-config.yml").read_text(encoding="utf-8")
    expected = cloudflared.extract("cloudflared.yml", text)
    assert expected.facts
    assert cloudflared.extract("cloudflared.yml", text.replace("\n", newline)) == expected


def test_byte_order_mark_keeps_columns() -> None:
    text = "\ufeffingress:\n  - service: http://localhost:3001\n"
    assert summary(text) == [(3001, 2, 31, "localhost", ())]
