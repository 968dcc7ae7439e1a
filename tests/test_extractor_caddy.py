from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params

from portscan.extractors import caddy
from portscan.model import TAG_RANGE, Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "caddy"


def summary(text: str) -> list[tuple[object, ...]]:
    """(port, role, line, col, target, env, tags) of every fact, for compact tables."""
    extraction = caddy.extract("Caddyfile", text)
    assert not extraction.diagnostics, extraction.diagnostics
    return [
        (f.port, f.role.value, f.location.line, f.location.col, f.target, f.env, f.tags)
        for f in extraction.facts
    ]


def upstreams(line: str) -> list[tuple[int, str | None]]:
    """(port, target) of the references of one directive in a site block."""
    facts = caddy.extract("Caddyfile", f"example.com {{\n\t{line}\n}}\n").facts
    return [(f.port, f.target) for f in facts]


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES))
def test_fixture(relpath: str) -> None:
    check_fixture(caddy, FIXTURES / relpath, relpath)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("Caddyfile", True, id="plain"),
        pytest.param("deploy/Caddyfile", True, id="nested"),
        pytest.param("Caddyfile.prod", True, id="suffix"),
        pytest.param("sites/api.caddyfile", True, id="extension"),
        pytest.param("caddyfile", True, id="lower-case"),
        pytest.param("Caddyfile.md", False, id="documentation"),
        pytest.param("Caddyfile.dev", True, id="any-other-suffix"),
        pytest.param("caddy.json", False, id="json-config"),
        pytest.param("MyCaddyfile", False, id="prefix"),
        pytest.param("caddy/config.yml", False, id="folder"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert caddy.matches(path) is expected


def test_prefilter_is_none() -> None:
    assert caddy.PREFILTER is None


def test_exact_facts() -> None:
    text = ":8080 {\n\treverse_proxy app:3000\n}\ncalc.example.com {\n\treverse_proxy localhost:3001\n}\n"
    assert caddy.extract("Caddyfile", text).facts == (
        PortFact(8080, Role.OVERRIDE, Location("Caddyfile", 1, 2, 1, 6), "caddy", service="caddy"),
        PortFact(3000, Role.REFERENCE, Location("Caddyfile", 2, 20, 2, 24), "caddy", target="app"),
        PortFact(
            3001,
            Role.REFERENCE,
            Location("Caddyfile", 5, 26, 5, 30),
            "caddy",
            target="localhost",
            tags=("name=calc.example.com",),
        ),
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("reverse_proxy localhost:3001", [(3001, "localhost")], id="host-port"),
        pytest.param("reverse_proxy :3001", [(3001, "localhost")], id="port-only"),
        pytest.param("reverse_proxy http://app:3000", [(3000, "app")], id="http"),
        pytest.param("reverse_proxy h2c://grpc:50051", [(50051, "grpc")], id="h2c"),
        pytest.param("reverse_proxy [::1]:3000", [(3000, "::1")], id="ipv6"),
        pytest.param(
            "reverse_proxy app:3000 app2:3000", [(3000, "app"), (3000, "app2")], id="several"
        ),
        pytest.param("reverse_proxy /api/* app:3000", [(3000, "app")], id="path-matcher"),
        pytest.param("reverse_proxy @api app:3000", [(3000, "app")], id="named-matcher"),
        pytest.param("reverse_proxy * app:3000", [(3000, "app")], id="any-matcher"),
        pytest.param('reverse_proxy "app:3000"', [(3000, "app")], id="quoted"),
        pytest.param("php_fastcgi unix//run/php.sock", [], id="socket"),
        pytest.param("reverse_proxy app", [], id="implicit-port"),
        pytest.param("reverse_proxy https://api.example.com", [], id="implicit-https"),
        pytest.param("reverse_proxy {env.BACKEND}", [], id="runtime-placeholder"),
        pytest.param("reverse_proxy app:{$PORT}", [], id="unknown-variable"),
        pytest.param("reverse_proxy app:99999", [], id="out-of-range"),
        pytest.param("reverse_proxy app:3002-3001", [], id="backwards-range"),
        pytest.param("redir https://example.com:8443{uri}", [], id="not-a-proxy"),
        pytest.param("encode gzip  # reverse_proxy app:3000", [], id="comment"),
        pytest.param("respond 3000", [], id="status-like"),
    ],
)
def test_upstreams(line: str, expected: list[tuple[int, str | None]]) -> None:
    assert upstreams(line) == expected


def test_port_range_is_one_fact_per_port() -> None:
    facts = caddy.extract("Caddyfile", ":80 {\n\treverse_proxy app:8001-8003\n}\n").facts
    references = [f for f in facts if f.role is Role.REFERENCE]
    assert [f.port for f in references] == [8001, 8002, 8003]
    assert all(TAG_RANGE in f.tags for f in references)
    assert {(f.location.col, f.location.end_col) for f in references} == {(20, 24)}


def test_environment_default_is_the_port_and_the_env() -> None:
    assert summary("localhost:{$PORT:8080} {\n\treverse_proxy app:{$APP_PORT:3000}\n}\n") == [
        (8080, "override", 1, 18, None, "PORT", ()),
        (3000, "reference", 2, 31, "app", "APP_PORT", ("name=localhost",)),
    ]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param(":8080", [(8080, 2)], id="port"),
        pytest.param("localhost:8080", [(8080, 11)], id="host-port"),
        pytest.param("http://localhost:8080", [(8080, 18)], id="scheme"),
        pytest.param("https://example.com:8443/api", [(8443, 21)], id="path"),
        pytest.param("[::1]:8080", [(8080, 7)], id="ipv6"),
        pytest.param("example.com:80, example.org:81", [(80, 13), (81, 29)], id="list"),
        pytest.param("example.com", [], id="implicit"),
        pytest.param("http://example.com", [], id="implicit-http"),
        pytest.param("*.example.com", [], id="wildcard"),
    ],
)
def test_site_addresses(address: str, expected: list[tuple[int, int]]) -> None:
    found = [
        (port, col)
        for port, role, line, col, *_ in summary(f"{address} {{\n\tfile_server\n}}\n")
        if role == "override" and line == 1
    ]
    assert found == expected


@pytest.mark.parametrize(
    ("address", "tags"),
    [
        pytest.param("calc.example.com", ("name=calc.example.com",), id="host"),
        pytest.param("https://calc.example.com:8443/x", ("name=calc.example.com",), id="url"),
        pytest.param(
            "calc.example.com, www.calc.example.com", ("name=calc.example.com",), id="first"
        ),
        pytest.param("[::1]:8080", ("name=[::1]",), id="ipv6"),
        pytest.param(":8080", (), id="no-host"),
        pytest.param("{$SITE}", (), id="placeholder"),
        pytest.param("(snippet)", (), id="snippet"),
        pytest.param("&(route)", (), id="named-route"),
    ],
)
def test_name_tag(address: str, tags: tuple[str, ...]) -> None:
    text = f"{address} {{\n\treverse_proxy app:3000\n}}\n"
    (reference,) = [f for f in caddy.extract("Caddyfile", text).facts if f.role is Role.REFERENCE]
    assert reference.tags == tags


def test_global_options() -> None:
    text = "{\n\thttp_port 8080\n\thttps_port 8443\n\tadmin off\n\tdebug\n}\n:80 {\n}\n"
    assert [(p, role, line) for p, role, line, *_ in summary(text)] == [
        (8080, "override", 2),
        (8443, "override", 3),
        (80, "override", 7),
    ]


def test_single_site_without_braces() -> None:
    text = "import common\nlocalhost:8080\nreverse_proxy app:3000\n"
    assert [(p, role, line, tags) for p, role, line, _, _, _, tags in summary(text)] == [
        (8080, "override", 2, ()),
        (3000, "reference", 3, ("name=localhost",)),
    ]


def test_nested_blocks_and_to_lines() -> None:
    text = (
        "api.example.com {\n"
        "\troute /v1/* {\n"
        "\t\thandle {\n"
        "\t\t\treverse_proxy {\n"
        "\t\t\t\tto app:3000\n"
        "\t\t\t\ttransport http {\n"
        "\t\t\t\t\tto ignored:3999\n"
        "\t\t\t\t}\n"
        "\t\t\t}\n"
        "\t\t}\n"
        "\t}\n"
        "}\n"
    )
    assert [(p, line) for p, _, line, *_ in summary(text)] == [(3000, 5)]


def test_heredoc_body_is_skipped() -> None:
    text = ":80 {\n\trespond <<EOF\n\t\t} port 3000 {\n\t\tEOF 200\n\treverse_proxy app:3001\n}\n"
    assert [(p, line) for p, _, line, *_ in summary(text)] == [(80, 1), (3001, 5)]


def test_escaped_quote_inside_a_quoted_word() -> None:
    text = ':80 {\n\theader X "a \\" } b"\n\treverse_proxy app:3000\n}\n'
    assert [(p, line) for p, _, line, *_ in summary(text)] == [(80, 1), (3000, 3)]


@pytest.mark.parametrize(
    ("text", "diagnostics", "ports"),
    [
        pytest.param(
            ":80 {\n\treverse_proxy app:3000\n",
            (Diagnostic("Caddyfile", 1, "invalid Caddyfile: '{' is never closed"),),
            [80, 3000],
            id="unclosed",
        ),
        pytest.param(
            ":80 {\n}\n}\n:81 {\n}\n",
            (Diagnostic("Caddyfile", 3, "invalid Caddyfile: unexpected '}'"),),
            [80, 81],
            id="stray-close",
        ),
        pytest.param(
            ':80 {\n\treverse_proxy app:3000\n\trespond "oops\n}\n',
            (
                Diagnostic("Caddyfile", 1, "invalid Caddyfile: '{' is never closed"),
                Diagnostic("Caddyfile", 3, "invalid Caddyfile: unterminated quoted string"),
            ),
            [80, 3000],
            id="unterminated-quote",
        ),
    ],
)
def test_malformed_files_are_diagnostics(
    text: str, diagnostics: tuple[Diagnostic, ...], ports: list[int]
) -> None:
    extraction = caddy.extract("Caddyfile", text)
    assert tuple(sorted(extraction.diagnostics, key=lambda d: d.line or 0)) == diagnostics
    assert [fact.port for fact in extraction.facts] == ports


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / "Caddyfile").read_text(encoding="utf-8")
    expected = caddy.extract("Caddyfile", text)
    assert expected.facts
    assert caddy.extract("Caddyfile", text.replace("\n", newline)) == expected


def test_byte_order_mark_is_not_part_of_the_address() -> None:
    assert [(p, col) for p, _, _, col, *_ in summary("\ufeff:8080 {\n}\n")] == [(8080, 3)]


def test_empty_file_has_nothing() -> None:
    assert caddy.extract("Caddyfile", "") == Extraction()
    assert caddy.extract("Caddyfile", "# only a comment\n\n") == Extraction()


def test_blocks_nested_too_deeply_are_a_diagnostic_not_a_crash() -> None:
    depth = caddy.MAX_DEPTH
    text = ":80 {\n" + "handle {\n" * depth + "reverse_proxy a:3000\n" + "}\n" * (depth + 1)
    extraction = caddy.extract("Caddyfile", text)
    assert extraction.diagnostics == (
        Diagnostic("Caddyfile", depth + 1, "invalid Caddyfile: blocks nested too deeply"),
    )
    assert [fact.port for fact in extraction.facts] == [80]
    shallow = ":80 {\n" + "handle {\n" * (depth - 1) + "reverse_proxy a:3000\n" + "}\n" * depth
    assert [fact.port for fact in caddy.extract("Caddyfile", shallow).facts] == [80, 3000]
