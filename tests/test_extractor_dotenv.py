from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params

from portscan.extractors import dotenv
from portscan.model import TAG_EXAMPLE, Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "dotenv"


def summary(text: str, path: str = ".env") -> list[tuple[int, str, int, int, str | None]]:
    """(port, role, line, col, env) of every fact, for compact tables."""
    extraction = dotenv.extract(path, text)
    assert not extraction.diagnostics, extraction.diagnostics
    return [
        (f.port, f.role.value, f.location.line, f.location.col, f.env) for f in extraction.facts
    ]


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES))
def test_fixture(relpath: str) -> None:
    check_fixture(dotenv, FIXTURES / relpath, relpath)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(".env", True, id="plain"),
        pytest.param("services/llm/.env", True, id="nested"),
        pytest.param(".env.production", True, id="suffix"),
        pytest.param(".env.example", True, id="example"),
        pytest.param("deploy/production.env", True, id="extension"),
        pytest.param(".envrc", False, id="direnv"),
        pytest.param("env.py", False, id="python"),
        pytest.param(".environment", False, id="longer-name"),
        pytest.param("production.env.bak", False, id="backup"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert dotenv.matches(path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(".env", False, id="plain"),
        pytest.param(".env.production", False, id="production"),
        pytest.param("deploy/production.env", False, id="production-extension"),
        pytest.param("examples/.env", False, id="folder-does-not-count"),
        pytest.param(".env.example", True, id="example"),
        pytest.param(".env.sample", True, id="sample"),
        pytest.param(".env.template", True, id="template"),
        pytest.param(".env.dist", True, id="dist"),
        pytest.param(".env.development", True, id="development"),
        pytest.param(".env.dev", True, id="dev"),
        pytest.param(".env.local", True, id="local"),
        pytest.param(".env.test", True, id="test"),
        pytest.param(".env.production.local", True, id="local-override"),
        pytest.param("example.env", True, id="example-extension"),
        pytest.param(".env.EXAMPLE", True, id="case"),
    ],
)
def test_is_example(path: str, expected: bool) -> None:
    assert dotenv.is_example(path) is expected


def test_exact_facts_of_an_example_file() -> None:
    text = "PORT=3030\nAPI_URL=http://api:3061/v1\n"
    assert dotenv.extract("svc/.env.example", text).facts == (
        PortFact(
            3030,
            Role.DEFAULT,
            Location("svc/.env.example", 1, 6, 1, 10),
            "dotenv",
            env="PORT",
            tags=(TAG_EXAMPLE,),
        ),
        PortFact(
            3061,
            Role.REFERENCE,
            Location("svc/.env.example", 2, 20, 2, 24),
            "dotenv",
            env="API_URL",
            target="api",
            tags=(TAG_EXAMPLE,),
        ),
    )


def test_exact_facts_of_a_deployment_file() -> None:
    assert dotenv.extract(".env", "PORT=3030\n").facts == (
        PortFact(3030, Role.OVERRIDE, Location(".env", 1, 6, 1, 10), "dotenv", env="PORT"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("PORT=3030", [(3030, "override", 1, 6, "PORT")], id="no-final-newline"),
        pytest.param("  export  PORT=3030\n", [(3030, "override", 1, 16, "PORT")], id="export"),
        pytest.param("PORT = 3030\n", [(3030, "override", 1, 8, "PORT")], id="spaces"),
        pytest.param('PORT=" 3030 "\n', [(3030, "override", 1, 8, "PORT")], id="padded-quote"),
        pytest.param(
            "PORT=${APP_PORT:-3030}\n", [(3030, "override", 1, 18, "PORT")], id="fallback"
        ),
        pytest.param("PORT=${APP_PORT}\n", [], id="variable"),
        pytest.param("PORT=\n", [], id="empty-value"),
        pytest.param("PORT=70000\n", [], id="out-of-range"),
        pytest.param("PORT=3030abc\n", [], id="not-digits"),
        pytest.param("TIMEOUT=3000\n", [], id="timeout"),
        pytest.param("VERSION=3.0.25\n", [], id="version"),
        pytest.param("# PORT=9999\n", [], id="commented-out"),
        pytest.param("PORT=#3030\n", [], id="hash-value"),
        pytest.param("PORT=3030#x\n", [], id="hash-inside-value"),
        pytest.param(
            'MSG="line one\nPORT=9999\n"\nPORT=3030\n',
            [(3030, "override", 4, 6, "PORT")],
            id="multi-line-value-is-not-assignments",
        ),
        pytest.param(
            "MSG='it''s'\nPORT=3030\n",
            [(3030, "override", 2, 6, "PORT")],
            id="adjacent-single-quotes",
        ),
        pytest.param(
            'NOTE="say \\"hi\\" at http://web:8080"\n',
            [(8080, "reference", 1, 32, "NOTE")],
            id="escaped-double-quotes",
        ),
        pytest.param("", [], id="empty-file"),
    ],
)
def test_forms(text: str, expected: list[tuple[object, ...]]) -> None:
    assert summary(text) == expected


@pytest.mark.parametrize(
    ("text", "diagnostics", "ports"),
    [
        pytest.param(
            "PORT=3030\nnot an assignment\nAPI_PORT=3031\n",
            (Diagnostic(".env", 2, "invalid .env line: expected KEY=value"),),
            [3030, 3031],
            id="not-an-assignment",
        ),
        pytest.param(
            "PORT=3030\n1PORT=3031\n",
            (Diagnostic(".env", 2, "invalid .env line: expected KEY=value"),),
            [3030],
            id="bad-key",
        ),
        pytest.param(
            'PORT=3030\nMSG="never closed\nAPI_PORT=3031\n',
            (Diagnostic(".env", 2, "unterminated quoted value for MSG"),),
            [3030],
            id="unterminated-quote",
        ),
    ],
)
def test_malformed_lines_are_diagnostics(
    text: str, diagnostics: tuple[Diagnostic, ...], ports: list[int]
) -> None:
    extraction = dotenv.extract(".env", text)
    assert extraction.diagnostics == diagnostics
    assert [fact.port for fact in extraction.facts] == ports


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / ".env").read_text(encoding="utf-8")
    expected = dotenv.extract(".env", text)
    assert expected.facts
    assert dotenv.extract(".env", text.replace("\n", newline)) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"PORT=3030\n", True, id="port"),
        pytest.param(b"ADMIN_PORT=3030\n", True, id="suffix"),
        pytest.param(b"API=http://api:3061\n", True, id="url"),
        pytest.param(b"TIMEOUT=3000\nDEBUG=1\n", False, id="nothing-portish"),
        pytest.param(b"grpc_port=50051\n", True, id="lower-case"),
        pytest.param(b"export_dir=/tmp\nREPORT_DIR=/out\n", False, id="words-with-port"),
    ],
)
def test_prefilter(content: bytes, expected: bool) -> None:
    assert dotenv.PREFILTER is not None
    assert bool(dotenv.PREFILTER.search(content)) is expected


def test_empty_file_has_nothing() -> None:
    assert dotenv.extract(".env", "") == Extraction()
