from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params, fixture_paths

from portscan.extractors import packagejson
from portscan.extractors.shellwords import SourceText
from portscan.model import TAG_FLAG, Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "packagejson"
FIXTURE_PATHS = fixture_paths(FIXTURES, "*.json")


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES, "*.json"))
def test_fixture(relpath: str) -> None:
    check_fixture(packagejson, FIXTURES / relpath, relpath)


def test_fixtures_exist() -> None:
    assert len(FIXTURE_PATHS) >= 2
    assert all((FIXTURES / f"{rel}.expect").is_file() for rel in FIXTURE_PATHS)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("package.json", True, id="root"),
        pytest.param("apps/web/package.json", True, id="workspace"),
        pytest.param("node_modules/vite/package.json", False, id="node-modules"),
        pytest.param("apps/web/node_modules/x/package.json", False, id="nested-node-modules"),
        pytest.param("package-lock.json", False, id="lockfile"),
        pytest.param("apps/package.json5", False, id="json5"),
        pytest.param("my-package.json", False, id="other-json"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert packagejson.matches(path) is expected


def scripts(*commands: str, newline: str = "\n") -> str:
    body = f",{newline}".join(f'    "s{i}": "{cmd}"' for i, cmd in enumerate(commands))
    return newline.join(["{", '  "scripts": {', body, "  }", "}", ""])


def test_exact_fact() -> None:
    text = scripts("next dev -p 3000")
    assert packagejson.extract("package.json", text).facts == (
        PortFact(
            3000,
            Role.DEFAULT,
            Location("package.json", 3, 24, 3, 28),
            "packagejson",
            tags=(TAG_FLAG,),
        ),
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param("vite --port 5010", [(5010, None, (TAG_FLAG,))], id="port-flag"),
        pytest.param("vite --port=5010", [(5010, None, (TAG_FLAG,))], id="port-equals"),
        pytest.param("PORT=3000 node server.js", [(3000, "PORT", ())], id="assignment"),
        pytest.param(
            "cross-env API_PORT=3002 nest start", [(3002, "API_PORT", ())], id="cross-env"
        ),
        pytest.param("serve -l 5000 dist", [(5000, None, (TAG_FLAG,))], id="serve-listen"),
        pytest.param("npx serve --listen 5001", [(5001, None, (TAG_FLAG,))], id="serve-long"),
        pytest.param("serve --listen :5002", [(5002, None, (TAG_FLAG,))], id="serve-address"),
        pytest.param("next dev -p ${PORT:-3004}", [(3004, "PORT", (TAG_FLAG,))], id="fallback"),
        pytest.param("split -l 1000 a.csv", [], id="split-lines"),
        pytest.param("serve dist && split -l 1000 a.csv", [], id="serve-ends-at-operator"),
        pytest.param("docker run -p 8080:80 img", [], id="docker-publish"),
        pytest.param("tsc -p tsconfig.json", [], id="tsc-project"),
        pytest.param("sleep 3000", [], id="sleep"),
        pytest.param("vite --port $PORT", [], id="variable"),
        pytest.param("REPORT=3000 node a.js", [], id="not-a-port-name"),
    ],
)
def test_script_ports(
    command: str, expected: list[tuple[int, str | None, tuple[str, ...]]]
) -> None:
    facts = packagejson.extract("package.json", scripts(command)).facts
    assert [(f.port, f.env, f.tags) for f in facts] == expected
    assert all(f.role is Role.DEFAULT for f in facts)


def test_url_in_script_is_a_reference() -> None:
    (found,) = packagejson.extract("package.json", scripts("wait-on http://api:3000/x")).facts
    assert (found.port, found.role, found.target, found.env) == (3000, Role.REFERENCE, "api", None)


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="cr"), pytest.param("\n", id="lf")],
)
def test_line_endings(newline: str) -> None:
    text = scripts("vite --port 5010", "next dev -p 3000", newline=newline)
    facts = packagejson.extract("package.json", text).facts
    assert [(f.port, f.location.line, f.location.col) for f in facts] == [
        (5010, 3, 24),
        (3000, 4, 24),
    ]


def test_escapes_before_the_port_keep_the_column() -> None:
    line = r'    "dev": "echo \"\u00e9\ud83c\udf89\" && vite --port 5010"'
    text = "{\n" + '  "scripts": {\n' + line + "\n  }\n}\n"
    (found,) = packagejson.extract("package.json", text).facts
    assert found.location.col == line.index("5010") + 1


def test_byte_order_mark() -> None:
    text = "\ufeff" + scripts("vite --port 5010")
    (found,) = packagejson.extract("package.json", text).facts
    assert (found.location.line, found.location.col) == (3, 24)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            '{\n  "scripts": {\n    "dev": "vite --port 5010",\n  }\n}\n',
            4,
            "invalid JSON: Expecting property name enclosed in double quotes",
            id="trailing-comma",
        ),
        pytest.param("", 1, "invalid JSON: Expecting value", id="empty"),
        pytest.param('{"a": 1}\n{"b": 2}\n', 2, "invalid JSON: Extra data", id="extra-data"),
    ],
)
def test_invalid_json_is_a_diagnostic(text: str, line: int, message: str) -> None:
    extraction = packagejson.extract("package.json", text)
    assert extraction.facts == ()
    assert extraction.diagnostics == (Diagnostic("package.json", line, message),)


def test_deep_nesting_is_a_diagnostic() -> None:
    (diagnostic,) = packagejson.extract("package.json", "[" * 100_000).diagnostics
    assert diagnostic.path == "package.json"
    assert diagnostic.message.startswith("invalid JSON")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('["vite --port 5010"]', id="top-level-array"),
        pytest.param('{"scripts": ["vite --port 5010"]}', id="scripts-array"),
        pytest.param('{"scripts": {"dev": 5010}}', id="script-number"),
        pytest.param('{"proxy": 3000}', id="proxy-number"),
        pytest.param('{"config": ["port", 8080]}', id="config-array"),
        pytest.param('{"config": {"port": {"value": 8080}}}', id="config-object"),
        pytest.param('{"config": {"port": ""}}', id="config-empty"),
        pytest.param('{"name": "x", "port": 3000}', id="top-level-port-is-not-npm"),
    ],
)
def test_no_facts(text: str) -> None:
    extraction = packagejson.extract("package.json", text)
    assert extraction == Extraction()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('{"config": {"port": 8080}}', [(8080, "port", 21)], id="number"),
        pytest.param('{"config": {"API_PORT": "8081"}}', [(8081, "API_PORT", 26)], id="string"),
        pytest.param('{"config": {"port": 70000}}', [], id="out-of-range"),
    ],
)
def test_config_ports(value: str, expected: list[tuple[int, str, int]]) -> None:
    facts = packagejson.extract("package.json", value).facts
    assert [(f.port, f.env, f.location.col) for f in facts] == expected


def test_read_json_maps_each_character_to_its_offset() -> None:
    text = r'{"k": ["a\n\u00e9\ud83c\udf89b", 1.5e3, true, null, {}]}'
    document = packagejson.read_json(text)
    assert isinstance(document, dict)
    items = document["k"]
    assert isinstance(items, list)
    string = items[0]
    assert isinstance(string, SourceText)
    assert string.text == "a\n\u00e9\U0001f389b"
    assert [text[offset] for offset in string.offsets] == ["a", "\\", "\\", "\\", "b"]
    assert items[1] == packagejson.Scalar("1.5e3", text.index("1.5e3"))
    assert items[4] == {}
