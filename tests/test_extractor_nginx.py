from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params

from portscan.extractors import nginx
from portscan.model import Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "nginx"


def summary(text: str, path: str = "nginx.conf") -> list[tuple[object, ...]]:
    """(port, role, line, col, target, protocol, tags) of every fact."""
    extraction = nginx.extract(path, text)
    assert not extraction.diagnostics, extraction.diagnostics
    return [
        (f.port, f.role.value, f.location.line, f.location.col, f.target, f.protocol, f.tags)
        for f in extraction.facts
    ]


def in_server(*lines: str) -> str:
    return "server {\n" + "".join(f"    {line}\n" for line in lines) + "}\n"


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES))
def test_fixture(relpath: str) -> None:
    check_fixture(nginx, FIXTURES / relpath, relpath)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("nginx.conf", True, id="plain"),
        pytest.param("deploy/nginx.conf", True, id="nested"),
        pytest.param("nginx.prod.conf", True, id="variant"),
        pytest.param("deploy/nginx/app.conf", True, id="nginx-folder"),
        pytest.param("infra/nginx/conf.d/default.conf", True, id="nginx-folder-deep"),
        pytest.param("nginx/templates/default.conf.template", True, id="template"),
        pytest.param("etc/sites-available/calc", True, id="sites-available"),
        pytest.param("sites-enabled/calc.conf", True, id="sites-enabled"),
        pytest.param("conf.d/app.conf", True, id="conf-d"),
        pytest.param("conf.d/app.ini", False, id="conf-d-other-suffix"),
        pytest.param("app.conf", False, id="any-conf"),
        pytest.param("deploy/nginx/README.md", False, id="readme-in-nginx-folder"),
        pytest.param("sites-available/sub/calc", False, id="below-sites-available"),
        pytest.param("nginx-proxy/app.conf", False, id="other-folder"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert nginx.matches(path) is expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"server { listen 80; }", True, id="listen"),
        pytest.param(b"location / { proxy_pass http://a:1; }", True, id="pass"),
        pytest.param(b"worker_processes 4;\n", False, id="nothing"),
    ],
)
def test_prefilter(content: bytes, expected: bool) -> None:
    assert nginx.PREFILTER is not None
    assert bool(nginx.PREFILTER.search(content)) is expected


def test_exact_facts() -> None:
    text = "server {\n    listen 8080;\n    server_name a.example.com;\n    location / { proxy_pass http://app:3000; }\n}\n"
    assert nginx.extract("nginx.conf", text).facts == (
        PortFact(
            8080, Role.OVERRIDE, Location("nginx.conf", 2, 12, 2, 16), "nginx", service="nginx"
        ),
        PortFact(
            3000,
            Role.REFERENCE,
            Location("nginx.conf", 4, 40, 4, 44),
            "nginx",
            target="app",
            tags=("name=a.example.com",),
        ),
    )


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        pytest.param("listen 8080;", [(8080, 12, "tcp")], id="port"),
        pytest.param("listen 0.0.0.0:8080 ssl;", [(8080, 20, "tcp")], id="address"),
        pytest.param("listen [::]:443 ssl http2;", [(443, 17, "tcp")], id="ipv6"),
        pytest.param("listen *:80 default_server;", [(80, 14, "tcp")], id="wildcard"),
        pytest.param("listen localhost:8000;", [(8000, 22, "tcp")], id="host"),
        pytest.param("listen 53 udp;", [(53, 12, "udp")], id="udp"),
        pytest.param("listen 443 quic reuseport;", [(443, 12, "udp")], id="quic"),
        pytest.param('listen "8081";', [(8081, 13, "tcp")], id="quoted"),
        pytest.param("listen 127.0.0.1;", [], id="implicit-port"),
        pytest.param("listen unix:/run/nginx.sock;", [], id="socket"),
        pytest.param("listen ${NGINX_PORT};", [], id="template-variable"),
        pytest.param("listen 70000;", [], id="out-of-range"),
        pytest.param("# listen 8080;", [], id="comment"),
    ],
)
def test_listen(listen: str, expected: list[tuple[int, int, str]]) -> None:
    found = [(p, col, proto) for p, _, _, col, _, proto, _ in summary(in_server(listen))]
    assert found == expected


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        pytest.param("proxy_pass http://app:3000;", [(3000, "app")], id="http"),
        pytest.param("proxy_pass http://app:3000/api/;", [(3000, "app")], id="path"),
        pytest.param("proxy_pass https://[::1]:8443;", [(8443, "::1")], id="ipv6"),
        pytest.param("proxy_pass app:3000;", [(3000, "app")], id="stream-style"),
        pytest.param("grpc_pass grpc://rpc:50051;", [(50051, "rpc")], id="grpc"),
        pytest.param("grpc_pass rpc:50051;", [(50051, "rpc")], id="grpc-bare"),
        pytest.param("fastcgi_pass 127.0.0.1:9000;", [(9000, "127.0.0.1")], id="fastcgi"),
        pytest.param("uwsgi_pass uwsgi://py:3031;", [(3031, "py")], id="uwsgi"),
        pytest.param("scgi_pass scgi:4000;", [(4000, "scgi")], id="scgi"),
        pytest.param("memcached_pass cache:11211;", [(11211, "cache")], id="memcached"),
        pytest.param("fastcgi_pass unix:/run/php.sock;", [], id="socket"),
        pytest.param("proxy_pass http://app;", [], id="implicit-port"),
        pytest.param("proxy_pass $backend;", [], id="variable"),
        pytest.param("proxy_pass http://$host:3000;", [], id="variable-host"),
        pytest.param('set $backend "http://api:3001";', [(3001, "api")], id="set-url"),
        pytest.param("set $limit 3000;", [], id="set-number"),
        pytest.param("proxy_connect_timeout 3000;", [], id="timeout"),
        pytest.param("proxy_set_header Host $host:3000;", [], id="header"),
        pytest.param("return 301 https://example.com:8443$request_uri;", [], id="redirect"),
    ],
)
def test_backends(directive: str, expected: list[tuple[int, str]]) -> None:
    found = [(p, target) for p, _, _, _, target, _, _ in summary(in_server(directive))]
    assert found == expected


def test_upstream_servers_are_the_references_of_a_pass_to_it() -> None:
    text = (
        "upstream llm {\n"
        "    server 127.0.0.1:3025 weight=5;\n"
        "    server gpu:3026 backup;\n"
        "}\n"
        "server { server_name a.example.com; location / { proxy_pass http://llm/v1; } }\n"
        "server { server_name b.example.com; location / { proxy_pass http://llm; } }\n"
        "server { location / { proxy_pass http://llm; } }\n"
    )
    assert summary(text) == [
        (
            3025,
            "reference",
            2,
            22,
            "127.0.0.1",
            "tcp",
            ("name=a.example.com", "name=b.example.com"),
        ),
        (3026, "reference", 3, 16, "gpu", "tcp", ("name=a.example.com", "name=b.example.com")),
    ]


def test_upstream_used_only_by_udp_servers_is_udp() -> None:
    text = (
        "stream {\n"
        "    upstream dns { server 10.0.0.53:53; }\n"
        "    server { listen 53 udp; proxy_pass dns; }\n"
        "    server { listen 5353 udp; proxy_pass dns2:53; }\n"
        "}\n"
    )
    assert [(p, role, target, proto) for p, role, _, _, target, proto, _ in summary(text)] == [
        (53, "reference", "10.0.0.53", "udp"),
        (53, "override", None, "udp"),
        (5353, "override", None, "udp"),
        (53, "reference", "dns2", "udp"),
    ]


def test_pass_to_an_upstream_with_a_port_is_nginx_own_error() -> None:
    text = (
        "upstream llm { server a:3025; }\nserver { location / { proxy_pass http://llm:8080; } }\n"
    )
    extraction = nginx.extract("nginx.conf", text)
    assert extraction.diagnostics == (
        Diagnostic("nginx.conf", 2, 'upstream "llm" may not have port 8080'),
    )
    assert [f.port for f in extraction.facts] == [3025]


@pytest.mark.parametrize(
    ("names", "tags"),
    [
        pytest.param(
            "server_name calc.example.com www.calc.example.com;",
            ("name=calc.example.com",),
            id="first",
        ),
        pytest.param(
            "server_name _ calc.example.com;", ("name=calc.example.com",), id="skip-catch-all"
        ),
        pytest.param(
            'server_name "" calc.example.com;', ("name=calc.example.com",), id="skip-empty"
        ),
        pytest.param(
            "server_name ~^(.+)\\.example\\.com$ b.example.com;",
            ("name=b.example.com",),
            id="skip-regex",
        ),
        pytest.param("server_name *.example.com;", ("name=*.example.com",), id="wildcard"),
        pytest.param("server_name _;", (), id="only-catch-all"),
        pytest.param("", (), id="none"),
    ],
)
def test_server_name_tag(names: str, tags: tuple[str, ...]) -> None:
    text = in_server(names, "location / { proxy_pass http://app:3000; }")
    (fact,) = nginx.extract("nginx.conf", text).facts
    assert fact.tags == tags


def test_map_values_are_references() -> None:
    text = 'map $host $b {\n    default http://web:5173;\n    api.x "http://api:3001";\n    ~^x 0;\n}\n'
    assert [(p, line, target) for p, _, line, _, target, _, _ in summary(text)] == [
        (5173, 2, "web"),
        (3001, 3, "api"),
    ]


def test_tokenizer() -> None:
    text = (
        "server {\n"
        "    listen 8080;# a comment right after\n"
        '    location ~ "^/x{2}$" { return 200; }\n'
        '    add_header X-Note "a ; { } # b";\n'
        "    add_header X-Esc 'it\\'s';\n"
        "    set $u http://app:3000${request_uri};\n"
        "    location /a#b { proxy_pass http://h:3001; }\n"
        "}\n"
    )
    assert [(p, line) for p, _, line, *_ in summary(text)] == [(8080, 2), (3000, 6), (3001, 7)]


@pytest.mark.parametrize(
    ("text", "diagnostics", "ports"),
    [
        pytest.param(
            "server {\n    listen 8080;\n",
            (Diagnostic("nginx.conf", 1, 'invalid nginx config: "{" is never closed'),),
            [8080],
            id="unclosed",
        ),
        pytest.param(
            "server { listen 8080; }\n}\n",
            (Diagnostic("nginx.conf", 2, 'invalid nginx config: unexpected "}"'),),
            [8080],
            id="stray-close",
        ),
        pytest.param(
            "server {\n    listen 8080\n}\n",
            (Diagnostic("nginx.conf", 2, 'invalid nginx config: expecting ";" before "}"'),),
            [8080],
            id="missing-semicolon",
        ),
        pytest.param(
            "listen 8080",
            (
                Diagnostic(
                    "nginx.conf",
                    1,
                    'invalid nginx config: unexpected end of file, expecting ";" or "}"',
                ),
            ),
            [8080],
            id="end-of-file",
        ),
        pytest.param(
            "server { listen 8080; ; }\n",
            (Diagnostic("nginx.conf", 1, 'invalid nginx config: unexpected ";"'),),
            [8080],
            id="empty-statement",
        ),
        pytest.param(
            "{ listen 8080; }\n",
            (Diagnostic("nginx.conf", 1, 'invalid nginx config: unexpected "{"'),),
            [8080],
            id="anonymous-block",
        ),
        pytest.param(
            'server {\n    listen 8080;\n    return 200 "oops;\n}\n',
            (
                Diagnostic("nginx.conf", 1, 'invalid nginx config: "{" is never closed'),
                Diagnostic("nginx.conf", 3, "invalid nginx config: unterminated quoted string"),
            ),
            [8080],
            id="unterminated-quote",
        ),
    ],
)
def test_malformed_files_are_diagnostics(
    text: str, diagnostics: tuple[Diagnostic, ...], ports: list[int]
) -> None:
    extraction = nginx.extract("nginx.conf", text)
    assert extraction.diagnostics == diagnostics
    assert [fact.port for fact in extraction.facts] == ports


def test_conf_d_file_of_another_daemon_is_not_nginx() -> None:
    supervisor = "[program:app]\ncommand=uvicorn app:main --port 3000\n"
    assert nginx.extract("conf.d/app.conf", supervisor) == Extraction()
    assert nginx.extract("conf.d/app.conf", "server { listen 8080; }\n").facts


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / "nginx.conf").read_text(encoding="utf-8")
    expected = nginx.extract("nginx.conf", text)
    assert expected.facts
    assert nginx.extract("nginx.conf", text.replace("\n", newline)) == expected


def test_empty_file_has_nothing() -> None:
    assert nginx.extract("nginx.conf", "") == Extraction()


def test_blocks_nested_too_deeply_are_a_diagnostic_not_a_crash() -> None:
    depth = nginx.MAX_DEPTH + 1
    text = "listen 81;\n" + "a {\n" * depth + "listen 80;\n" + "}\n" * depth
    extraction = nginx.extract("nginx.conf", text)
    assert extraction.diagnostics == (
        Diagnostic("nginx.conf", depth + 1, "invalid nginx config: blocks nested too deeply"),
    )
    assert [fact.port for fact in extraction.facts] == [81]
    shallow = "a {\n" * (depth - 1) + "listen 80;\n" + "}\n" * (depth - 1)
    assert [fact.port for fact in nginx.extract("nginx.conf", shallow).facts] == [80]
