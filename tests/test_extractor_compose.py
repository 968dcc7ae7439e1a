from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from annotations import check_fixture

from portscan.extractors import compose
from portscan.model import TAG_CONTAINER, TAG_FLAG, TAG_RANGE, Diagnostic, Extraction, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "compose"
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".yml", ".yaml"))


def relpath(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def summary(extraction: Extraction) -> list[tuple[int, int, int, str, str | None, str]]:
    """(line, col, port, role, env, protocol) of every fact, in order."""
    return [
        (f.location.line, f.location.col, f.port, f.role.value, f.env, f.protocol)
        for f in extraction.facts
    ]


def facts(text: str) -> list[tuple[int, str, int, int]]:
    """(port, role, line, col) of a compose text without diagnostics."""
    extraction = compose.extract("compose.yml", text)
    assert extraction.diagnostics == ()
    return [(f.port, f.role.value, f.location.line, f.location.col) for f in extraction.facts]


def service(ports: str = "", **keys: str) -> str:
    """A one-service compose file; ``ports`` is the YAML of one ``ports:`` item."""
    lines = ["services:", "  web:"]
    if ports:
        lines += ["    ports:", f"      - {ports}"]
    for key, value in keys.items():
        lines.append(f"    {key}: {value}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "fixture", [pytest.param(path, id=relpath(path)) for path in FIXTURE_FILES]
)
def test_fixture(fixture: Path) -> None:
    check_fixture(compose, fixture, relpath(fixture))


def test_fixtures_exist() -> None:
    assert len(FIXTURE_FILES) >= 3


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("docker-compose.yml", True, id="docker-compose"),
        pytest.param("docker-compose.yaml", True, id="yaml-suffix"),
        pytest.param("docker-compose.macmini.yml", True, id="docker-compose-variant"),
        pytest.param("deploy/box/docker-compose.override.yml", True, id="nested"),
        pytest.param("compose.yaml", True, id="compose"),
        pytest.param("infra/compose.prod.yml", True, id="compose-variant"),
        pytest.param("docker-compose.yml.bak", False, id="backup"),
        pytest.param("docker-compose.json", False, id="json"),
        pytest.param("my-compose.yml", False, id="prefix"),
        pytest.param("compose/app.yml", False, id="folder-named-compose"),
        pytest.param("docker/compose", False, id="no-suffix"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert compose.matches(path) is expected


def test_prefilter_is_none() -> None:
    assert compose.PREFILTER is None


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param('"8080:80"', [(8080, "publish", 10), (80, "expose", 15)], id="quoted"),
        pytest.param("8080:80", [(8080, "publish", 9), (80, "expose", 14)], id="plain"),
        pytest.param("'8080:80'", [(8080, "publish", 10), (80, "expose", 15)], id="single"),
        pytest.param("22:22", [(22, "publish", 9), (22, "expose", 12)], id="sexagesimal"),
        pytest.param("2222:22", [(2222, "publish", 9), (22, "expose", 14)], id="sexagesimal-2"),
        pytest.param('"3000"', [(3000, "expose", 10)], id="container-only"),
        pytest.param("3000", [(3000, "expose", 9)], id="container-only-int"),
        pytest.param('"127.0.0.1::3000"', [(3000, "expose", 21)], id="random-host-port"),
        pytest.param(
            '"[::1]:8080:80"', [(8080, "publish", 16), (80, "expose", 21)], id="ipv6-brackets"
        ),
        pytest.param('"${HOST_PORT}:80"', [(80, "expose", 23)], id="unknown-host-port"),
        pytest.param('"8080:${PORT}"', [], id="unknown-container-port"),
    ],
)
def test_port_items(item: str, expected: list[tuple[int, str, int]]) -> None:
    found = [(port, role, col) for port, role, line, col in facts(service(item))]
    assert found == expected


def test_sexagesimal_trap_is_never_1342() -> None:
    extraction = compose.extract("compose.yml", "services:\n  a:\n    ports: [22:22, 2222:22]\n")
    assert [(f.port, f.role.value) for f in extraction.facts] == [
        (22, "publish"),
        (22, "expose"),
        (2222, "publish"),
        (22, "expose"),
    ]


def test_interpolated_host_port_keeps_variable_and_column() -> None:
    extraction = compose.extract("compose.yml", service('"${HOST_PORT:-8080}:80"'))
    publish, expose = sorted(extraction.facts, key=lambda f: f.role.value, reverse=True)
    assert (publish.port, publish.role, publish.env) == (8080, Role.PUBLISH, "HOST_PORT")
    assert (publish.location.col, publish.location.end_col) == (23, 27)
    assert (expose.port, expose.role, expose.env) == (80, Role.EXPOSE, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("${PORT:-3000}", 3000, id="default"),
        pytest.param("${PORT-3000}", 3000, id="default-unset-only"),
        pytest.param("${A:-${B:-3000}}", 3000, id="nested"),
        pytest.param("${PORT}", None, id="no-default"),
        pytest.param("$PORT", None, id="bare"),
        pytest.param("${PORT:?required}", None, id="required"),
        pytest.param("${PORT:+3000}", None, id="alternative"),
        pytest.param("${PORT:-3000", None, id="unterminated"),
        pytest.param("3000", 3000, id="literal"),
    ],
)
def test_environment_interpolation(value: str, expected: int | None) -> None:
    extraction = compose.extract("compose.yml", service(environment=f'{{PORT: "{value}"}}'))
    assert [f.port for f in extraction.facts] == ([] if expected is None else [expected])


def test_environment_override_tags_and_env() -> None:
    text = service(container_name="web-1", environment="[PORT=3025, WEB_1_PORT=3026]")
    (first, second) = compose.extract("compose.yml", text).facts
    assert (first.port, first.role, first.env, first.service) == (
        3025,
        Role.OVERRIDE,
        "PORT",
        "web",
    )
    assert first.tags == ("alias=web-1", TAG_CONTAINER)
    assert (second.port, second.env) == (3026, "WEB_1_PORT")


def test_other_services_port_variables_yield_nothing() -> None:
    text = service(environment="{REDIS_PORT: 6379, DB_PORT: '5432', LISTEN_PORT: 80}")
    assert compose.extract("compose.yml", text) == Extraction()


def test_command_flag_is_an_override_with_flag_tag() -> None:
    text = service(command='["python", "-m", "app", "--port", "3025"]')
    (fact,) = compose.extract("compose.yml", text).facts
    assert (fact.port, fact.role, fact.env) == (3025, Role.OVERRIDE, None)
    assert fact.tags == (TAG_CONTAINER, TAG_FLAG)
    assert fact.location.col == text.splitlines()[2].index("3025") + 1


def test_command_flag_from_a_variable_default_names_it() -> None:
    text = service(command='"serve --port ${APP_PORT:-3025}"')
    (fact,) = compose.extract("compose.yml", text).facts
    assert (fact.port, fact.env, fact.tags) == (3025, "APP_PORT", (TAG_CONTAINER, TAG_FLAG))


def test_entrypoint_shell_runs_the_command_as_script() -> None:
    text = service(entrypoint='["sh", "-c"]', command='["exec app --port 3025"]')
    assert [(f.port, f.tags) for f in compose.extract("compose.yml", text).facts] == [
        (3025, (TAG_CONTAINER, TAG_FLAG))
    ]


def test_host_network_publishes_container_ports() -> None:
    text = service('"8080:80"', network_mode="host", environment="{PORT: 80}")
    extraction = compose.extract("compose.yml", text)
    assert [(f.port, f.role, f.tags) for f in extraction.facts] == [
        (80, Role.PUBLISH, ()),
        (80, Role.OVERRIDE, ()),
    ]


@pytest.mark.parametrize(
    ("item", "expected_ports", "role"),
    [
        pytest.param('"3000-3002"', [3000, 3001, 3002], "expose", id="container-range"),
        pytest.param('"8000-8001:9000-9001"', [8000, 8001], "publish", id="host-range"),
        pytest.param('"8000-8001:9000-9001"', [9000, 9001], "expose", id="mapped-range"),
        pytest.param('"8000-8002:80"', [8000, 8001, 8002], "publish", id="host-range-one-port"),
    ],
)
def test_ranges(item: str, expected_ports: list[int], role: str) -> None:
    extraction = compose.extract("compose.yml", service(item))
    ranged = [f for f in extraction.facts if f.role.value == role]
    assert [f.port for f in ranged] == expected_ports
    assert all(TAG_RANGE in f.tags for f in ranged)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        pytest.param('"1-2000"', "port range of 2000 ports (more than 1024)", id="too-wide"),
        pytest.param(
            '"3000-3005:4000-4002"', "host and container port ranges differ in size", id="sizes"
        ),
        pytest.param('"99999:80"', "invalid host port '99999'", id="host-out-of-range"),
        pytest.param('"8080:http"', "invalid container port 'http'", id="named-port"),
        pytest.param("{published: 8080}", "port mapping without target", id="no-target"),
    ],
)
def test_invalid_port_entries_are_diagnostics(item: str, message: str) -> None:
    extraction = compose.extract("compose.yml", service(item))
    assert extraction.facts == ()
    assert extraction.diagnostics == (Diagnostic("compose.yml", 4, message),)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            "services:\n  web:\n    ports: [\n", 4, "invalid YAML: did not find", id="flow"
        ),
        pytest.param(
            "services:\n  web:\n    image: a\n   ports: b\n",
            4,
            "invalid YAML: did not find expected key",
            id="indentation",
        ),
        pytest.param(
            "services:\n  web: a: b\n", 2, "invalid YAML: mapping values are not allowed", id="map"
        ),
        pytest.param("a: 1\n\tb: 2\n", 2, "invalid YAML: found a tab character", id="tab"),
        pytest.param("a: &x 1\nb: *y\n", 2, "invalid YAML: found undefined alias", id="alias"),
        pytest.param("a: 1\n---\n- [\n", 4, "invalid YAML: did not find", id="second-document"),
        pytest.param("a: 1\nb: \x00\x01\n", 2, "invalid YAML: control characters", id="binary"),
        pytest.param("a: 1\nb: \ud800\n", 2, "invalid YAML: not valid Unicode", id="surrogate"),
        pytest.param("[" * 5000 + "]" * 5000, 1, "invalid YAML: exceeded maximum", id="deep"),
    ],
)
def test_malformed_yaml_is_a_diagnostic(text: str, line: int, message: str) -> None:
    extraction = compose.extract("compose.yml", text)
    assert extraction.facts == ()
    (diagnostic,) = extraction.diagnostics
    assert (diagnostic.path, diagnostic.line) == ("compose.yml", line)
    assert diagnostic.message.startswith(message), diagnostic.message


def test_binary_garbage_is_a_diagnostic() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 4
    extraction = compose.extract("compose.yml", garbage)
    assert extraction.facts == ()
    assert len(extraction.diagnostics) == 1
    assert extraction.diagnostics[0].message.startswith("invalid YAML")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("# only a comment: 8080:80\n", id="comment"),
        pytest.param("---\n...\n", id="empty-document"),
        pytest.param("- 8080:80\n", id="sequence-root"),
        pytest.param("8080:80\n", id="scalar-root"),
        pytest.param("services:\n", id="no-services"),
        pytest.param("services: [web, db]\n", id="services-sequence"),
        pytest.param("services:\n  web:\n", id="null-service"),
        pytest.param("services:\n  web: [8080]\n", id="sequence-service"),
        pytest.param("services:\n  web:\n    ports: 8080:80\n", id="ports-scalar"),
        pytest.param("services:\n  web:\n    ports: [[8080]]\n", id="ports-nested"),
        pytest.param("services:\n  web:\n    environment: PORT=80\n", id="env-scalar"),
        pytest.param("web:\n  ports: ['8080:80']\n", id="compose-v1-not-read"),
    ],
)
def test_no_facts(text: str) -> None:
    assert compose.extract("compose.yml", text) == Extraction()


@pytest.mark.parametrize("text", [pytest.param("", id="empty"), pytest.param("\n \n", id="blank")])
def test_empty_file_is_a_parse_error(text: str) -> None:
    assert compose.extract("compose.yml", text) == Extraction(
        diagnostics=(Diagnostic("compose.yml", None, "empty compose file"),)
    )


def test_every_document_is_read() -> None:
    text = "services: {a: {expose: ['1']}}\n---\nservices: {b: {expose: ['2']}}\n"
    extraction = compose.extract("compose.yml", text)
    assert [(f.service, f.port, f.location.line) for f in extraction.facts] == [
        ("a", 1, 1),
        ("b", 2, 3),
    ]


@pytest.mark.parametrize("newline", [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="cr")])
@pytest.mark.parametrize("fixture", [pytest.param(p, id=relpath(p)) for p in FIXTURE_FILES])
def test_line_endings_keep_positions(fixture: Path, newline: str) -> None:
    text = fixture.read_text(encoding="utf-8")
    expected = summary(compose.extract("compose.yml", text))
    converted = compose.extract("compose.yml", text.replace("\n", newline))
    assert converted.diagnostics == ()
    assert summary(converted) == expected


@pytest.mark.parametrize("fixture", [pytest.param(p, id=relpath(p)) for p in FIXTURE_FILES])
def test_pure_python_loader_gives_the_same_facts(
    fixture: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = fixture.read_text(encoding="utf-8")
    expected = compose.extract("compose.yml", text)
    monkeypatch.delattr(yaml, "CSafeLoader")
    assert compose.extract("compose.yml", text) == expected


def test_byte_order_mark_does_not_shift_columns() -> None:
    text = 'services: {web: {expose: ["80"]}}\n'
    plain = facts(text)
    assert facts("\ufeff" + text) == [(80, "expose", 1, plain[0][3] + 1)]


def test_yaml_only_line_breaks_do_not_shift_lines() -> None:
    # NEL, LS and PS break lines in YAML 1.1 but not in our line index.
    text = "# a\x85b\u2028c\u2029d\nservices: {web: {expose: ['80']}}\n"
    assert facts(text) == [(80, "expose", 2, 28)]


def test_escaped_quoted_scalar_falls_back_to_its_start() -> None:
    text = 'services:\n  web:\n    expose: ["\\x380"]\n'
    assert facts(text) == [(80, "expose", 3, 15)]


def test_merge_keys_read_each_mapping_once() -> None:
    text = (
        "x-a: &a {expose: ['80']}\n"
        "x-b: &b {<<: [*a, *a], expose: ['81']}\n"
        "services:\n"
        "  web:\n"
        "    <<: [*b, *a]\n"
        "    environment: {PORT: 82}\n"
    )
    assert facts(text) == [(81, "expose", 2, 34), (82, "override", 6, 25)]


def test_billion_laughs_completes_quickly() -> None:
    lines = ['x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"x-{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    lines.append('x-m0: &m0 {ports: ["8080:80"]}')
    for depth in range(1, 31):  # 9**30 merges unless each is read once
        lines.append(f"x-m{depth}: &m{depth} {{<<: [{', '.join([f'*m{depth - 1}'] * 9)}]}}")
    lines += ["services:", "  web:", "    <<: *m30"]
    for key in ("expose", "environment", "command", "entrypoint", "profiles"):
        lines.append(f"    {key}: *i")
    lines.append("    healthcheck: {test: *i}")
    started = time.perf_counter()
    extraction = compose.extract("compose.yml", "\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2.0
    assert [(f.port, f.role) for f in extraction.facts] == [
        (8080, Role.PUBLISH),
        (80, Role.EXPOSE),
    ]


def test_services_alias_bomb_is_cut_off() -> None:
    size = 400
    ports = ", ".join(f'"{1000 + i}:{1000 + i}"' for i in range(size))
    lines = [f"x-svc: &svc {{ports: [{ports}]}}", "services:"]
    lines += [f"  s{i}: *svc" for i in range(size)]
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    extraction = compose.extract("compose.yml", text)
    assert time.perf_counter() - started < 10.0
    assert extraction.diagnostics == (
        Diagnostic(
            "compose.yml", None, "compose file expands too far through aliases; read in part"
        ),
    )
    assert 0 < len(extraction.facts) < 2 * size * size


def test_facts_are_sorted_and_unique() -> None:
    text = "x-p: &p '80'\nservices:\n  web:\n    expose: [*p, *p, '81', *p]\n"
    extraction = compose.extract("compose.yml", text)
    assert [(f.port, f.location.line) for f in extraction.facts] == [(80, 1), (81, 4)]
