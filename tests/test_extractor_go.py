from __future__ import annotations

from pathlib import Path

import pytest

from portscan.extractors import golang, queries
from portscan.extractors.base import ExtractOptions
from portscan.model import TAG_TEST, Diagnostic, Location, PortFact
from tests.annotations import check_fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "extractors" / "go"
RULES = queries.bundled_rules_dir() / "go"


def _facts(text: str, path: str = "services/api/main.go") -> tuple[PortFact, ...]:
    extraction = golang.extract(path, text)
    assert extraction.diagnostics == ()
    return extraction.facts


def _summary(text: str, path: str = "services/api/main.go") -> list[tuple[object, ...]]:
    """(line, col, port, role, env, target, protocol, tags) of every fact."""
    return [
        (
            fact.location.line,
            fact.location.col,
            fact.port,
            fact.role.value,
            fact.env,
            fact.target,
            fact.protocol,
            fact.tags,
        )
        for fact in _facts(text, path)
    ]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("main.go", id="forms-and-traps"),
        pytest.param("server_test.go", id="test-file"),
    ],
)
def test_fixture(name: str) -> None:
    check_fixture(golang, FIXTURES / name, f"services/api/{name}")


@pytest.mark.parametrize(
    "rule",
    [pytest.param(path.name, id=path.stem) for path in sorted(RULES.glob("*.scm"))],
)
def test_every_go_rule_has_a_fixture_example(rule: str) -> None:
    hits = [
        match
        for fixture in sorted(FIXTURES.glob("*.go"))
        for match in queries.run_rules("go", fixture.read_text(encoding="utf-8"))
        if Path(match.rule.path).name == rule
    ]
    assert hits, f"no fixture line exercises rules/go/{rule}"


@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        pytest.param("main.go", True, id="go"),
        pytest.param("cmd/server/server_test.go", True, id="test"),
        pytest.param("main.go.tmpl", False, id="template"),
        pytest.param("go.mod", False, id="go-mod"),
        pytest.param("golang/README.md", False, id="directory-named-go"),
    ],
)
def test_matches(path: str, claimed: bool) -> None:
    assert golang.matches(path) is claimed


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            'var x = getEnv("PORT", "3050")',
            [(2, 25, 3050, "default", "PORT", None, "tcp", ())],
            id="env-helper",
        ),
        pytest.param(
            'var x = viper.GetInt("server.port", 8080)',
            [(2, 37, 8080, "default", "server.port", None, "tcp", ())],
            id="dotted-config-key",
        ),
        pytest.param(
            'var x = cfg.Get("PORT", ":8080")',
            [(2, 27, 8080, "default", "PORT", None, "tcp", ())],
            id="address-default",
        ),
        pytest.param(
            'var p = flag.Int("port", 8080, "listen port")',
            [(2, 26, 8080, "default", None, None, "tcp", ())],
            id="flag-has-no-env-and-no-flag-tag",
        ),
        pytest.param(
            'var c, _ = net.ListenPacket("udp4", "0.0.0.0:5353")',
            [(2, 46, 5353, "default", None, None, "udp", ())],
            id="udp-from-network-argument",
        ),
        pytest.param(
            'var l, _ = net.Listen("tcp6", "[::]:9000")',
            [(2, 37, 9000, "default", None, None, "tcp", ())],
            id="tcp6",
        ),
        pytest.param(
            'var s = &Server{ListenAddr: "[::]:7000"}',
            [(2, 35, 7000, "default", None, None, "tcp", ())],
            id="any-server-struct",
        ),
        pytest.param(
            'var u = getEnv("API_URL", "https://[::1]:8443/x")',
            [(2, 42, 8443, "reference", "API_URL", "::1", "tcp", ())],
            id="ipv6-url",
        ),
        pytest.param('var x = getEnv("TIMEOUT", 3000)', [], id="timeout-helper"),
        pytest.param('var x = getEnv("PORT", 70000)', [], id="out-of-range"),
        pytest.param('var x = getEnv("PORT")', [], id="no-default"),
        pytest.param('var x = getEnv(key, "3050")', [], id="name-not-a-literal"),
        pytest.param('var x = fmt.Sprintf("PORT", 3050, 1)', [], id="three-arguments"),
        pytest.param("const PortTimeout = 3000", [], id="port-timeout"),
        pytest.param("const Support = 3000", [], id="support"),
        pytest.param('const Version = "3.0.25"', [], id="version"),
        pytest.param('var d = "2024-03-25:1200"', [], id="date-like"),
        pytest.param("// const Port = 9999", [], id="comment"),
        pytest.param('// see "http://localhost:9999"', [], id="url-in-comment"),
        pytest.param('var db = Opts{Addr: "postgres:5432"}', [], id="client-address"),
        pytest.param('var u = "https://example.com/x"', [], id="url-without-port"),
    ],
)
def test_forms(code: str, expected: list[tuple[object, ...]]) -> None:
    assert _summary(f"package main\n{code}\n") == expected


def test_test_files_tag_every_fact() -> None:
    code = 'package main\nconst Port = 8080\nvar u = "http://localhost:9090/x"\n'
    assert [fact.tags for fact in _facts(code, "api/server_test.go")] == [(TAG_TEST,), (TAG_TEST,)]
    assert [fact.tags for fact in _facts(code, "api/server.go")] == [(), ()]


def test_fallback_names_the_environment_variable_not_the_go_variable() -> None:
    code = (
        "package main\n"
        "func main() {\n"
        '\tport := os.Getenv("PORT")\n'
        '\tif port == "" {\n'
        '\t\tport = "8080"\n'
        "\t}\n"
        "}\n"
    )
    assert _summary(code) == [(5, 11, 8080, "default", "PORT", None, "tcp", ())]


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings(newline: str) -> None:
    lines = ["package main", "", "const Port = 8080", 'var u = "http://mana-llm:3025/v1"']
    assert _summary(newline.join(lines) + newline) == [
        (3, 14, 8080, "default", "Port", None, "tcp", ()),
        (4, 26, 3025, "reference", "u", "mana-llm", "tcp", ()),
    ]


def test_columns_count_characters_not_bytes() -> None:
    code = 'package main\nvar grüße, p = "ü", getEnv("PORT", "3050") // 端口\n'
    assert _summary(code) == [(2, 37, 3050, "default", "PORT", None, "tcp", ())]


def test_location_spans_the_digits() -> None:
    (fact,) = _facts('package main\nvar s = http.Server{Addr: "0.0.0.0:8080"}\n')
    assert fact.location == Location("services/api/main.go", 2, 36, 2, 40)


@pytest.mark.parametrize(
    ("code", "line"),
    [
        pytest.param("}}}}\n", 1, id="garbage"),
        pytest.param("\n\n<html><body>port 80</body></html>\n", 3, id="html-on-line-3"),
    ],
)
def test_nothing_parses_is_a_diagnostic(code: str, line: int) -> None:
    extraction = golang.extract("main.go", code)
    assert extraction.diagnostics == (Diagnostic("main.go", line, "invalid Go: nothing parses"),)


def test_a_broken_function_keeps_the_rest() -> None:
    code = "package main\nfunc f( {\n\nconst Port = 8080\n"
    extraction = golang.extract("main.go", code)
    assert extraction.diagnostics == ()
    assert [(f.location.line, f.port) for f in extraction.facts] == [(4, 8080)]


def test_house_rules_from_config_folders(tmp_path: Path) -> None:
    rules = tmp_path / "go"
    rules.mkdir()
    (rules / "house.scm").write_text(
        "(call_expression\n"
        "  function: (selector_expression field: (field_identifier) @_fn)\n"
        "  arguments: (argument_list . (interpreted_string_literal) @env . (_)"
        " . (int_literal) @port)\n"
        '  (#eq? @_fn "MustPort"))\n',
        encoding="utf-8",
    )
    (rules / "house.toml").write_text(
        'role = "default"\nenv = "port-name"\ntags = []\ndescription = "house helper"\n',
        encoding="utf-8",
    )
    code = 'package main\nvar p = conf.MustPort("ADMIN_PORT", 10, 9400)\n'
    assert golang.extract("main.go", code).facts == ()
    options = ExtractOptions(rule_dirs=(str(tmp_path),))
    facts = golang.extract("main.go", code, options).facts
    assert [(f.port, f.env, f.location.col) for f in facts] == [(9400, "ADMIN_PORT", 41)]
