from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params

from portscan.extractors import dockerfile
from portscan.model import (
    TAG_CONTAINER,
    TAG_FLAG,
    TAG_IMAGE,
    TAG_RANGE,
    Diagnostic,
    Extraction,
    Location,
    PortFact,
    Role,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "dockerfile"


def summary(text: str) -> list[tuple[int, str, int, int, str | None, tuple[str, ...]]]:
    """(port, role, line, col, env, tags) of every fact, for compact tables."""
    extraction = dockerfile.extract("Dockerfile", text)
    assert not extraction.diagnostics, extraction.diagnostics
    return [
        (f.port, f.role.value, f.location.line, f.location.col, f.env, f.tags)
        for f in extraction.facts
    ]


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES))
def test_fixture(relpath: str) -> None:
    check_fixture(dockerfile, FIXTURES / relpath, relpath)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("Dockerfile", True, id="plain"),
        pytest.param("services/api/Dockerfile", True, id="nested"),
        pytest.param("Dockerfile.prod", True, id="suffix"),
        pytest.param("api.Dockerfile", True, id="prefix"),
        pytest.param("worker.dockerfile", True, id="lowercase-extension"),
        pytest.param("Containerfile", True, id="containerfile"),
        pytest.param("dockerfile", True, id="lowercase"),
        pytest.param("Dockerfile.dockerignore", False, id="ignore-file"),
        pytest.param("Dockerfile.md", False, id="markdown"),
        pytest.param("Dockerfiles/readme.txt", False, id="folder-name"),
        pytest.param("docker-compose.yml", False, id="compose"),
        pytest.param("MyDockerfile", False, id="no-separator"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert dockerfile.matches(path) is expected


def test_exact_facts() -> None:
    text = 'FROM x\nEXPOSE 3000-3001/UDP\nCMD ["app", "-p", "8080"]\n'
    location = Location("Dockerfile", 2, 8, 2, 17)
    assert dockerfile.extract("Dockerfile", text).facts == (
        PortFact(
            3000,
            Role.EXPOSE,
            location,
            "dockerfile",
            protocol="udp",
            tags=(TAG_CONTAINER, TAG_IMAGE, TAG_RANGE),
        ),
        PortFact(
            3001,
            Role.EXPOSE,
            location,
            "dockerfile",
            protocol="udp",
            tags=(TAG_CONTAINER, TAG_IMAGE, TAG_RANGE),
        ),
        PortFact(
            8080,
            Role.DEFAULT,
            Location("Dockerfile", 3, 20, 3, 24),
            "dockerfile",
            tags=(TAG_FLAG, TAG_IMAGE),
        ),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("ENV PORT=5000\n", [(5000, "default", 1, 10, "PORT", (TAG_IMAGE,))], id="env"),
        pytest.param(
            "env PORT 5000\n", [(5000, "default", 1, 10, "PORT", (TAG_IMAGE,))], id="lower"
        ),
        pytest.param(
            'ENV PORT "5000"\n',
            [(5000, "default", 1, 11, "PORT", (TAG_IMAGE,))],
            id="legacy-quoted",
        ),
        pytest.param(
            "ENV A=1 \\\n    PORT='5000' B=2\n",
            [(5000, "default", 2, 11, "PORT", (TAG_IMAGE,))],
            id="continued",
        ),
        pytest.param(
            "ENV PORT=${PORT-5000}\n",
            [(5000, "default", 1, 17, "PORT", (TAG_IMAGE,))],
            id="fallback",
        ),
        pytest.param("ARG PORT\n", [], id="arg-without-default"),
        pytest.param("ENV PORT=$PORT\n", [], id="variable"),
        pytest.param("ENV PORT=99999\n", [], id="out-of-range"),
        pytest.param("ENV PORT\n", [], id="legacy-without-value"),
        pytest.param("ARG API_URL=http://api:3000\n", [], id="arg-urls-are-build-time"),
        pytest.param("RUN curl http://localhost:3000\n", [], id="run-urls-are-build-time"),
        pytest.param("HEALTHCHECK NONE\n", [], id="healthcheck-none"),
        pytest.param(
            'CMD ["sh", "-c", "echo \\"hi\\" && exec node s.js --port 3000"]\n',
            [(3000, "default", 1, 56, None, (TAG_FLAG, TAG_IMAGE))],
            id="json-escapes-before-the-port",
        ),
        pytest.param(
            "ENTRYPOINT PORT=3000 node server.js\n",
            [(3000, "default", 1, 17, "PORT", (TAG_IMAGE,))],
            id="shell-assignment",
        ),
        pytest.param('CMD ["node", "--port", "3000"\n', [], id="broken-json-is-shell-form"),
        pytest.param(
            "RUN <<-'EOT'\n\tEXPOSE 4000\n\tEOT\nEXPOSE 4001\n",
            [(4001, "expose", 4, 8, None, (TAG_CONTAINER, TAG_IMAGE))],
            id="heredoc-body-skipped",
        ),
        pytest.param("", [], id="empty"),
        pytest.param("# just a comment\n\n", [], id="comments-only"),
        pytest.param(
            "EXPOSE 80\n  \\\n",
            [(80, "expose", 1, 8, None, (TAG_CONTAINER, TAG_IMAGE))],
            id="lone-backslash",
        ),
    ],
)
def test_forms(text: str, expected: list[tuple[object, ...]]) -> None:
    assert summary(text) == expected


@pytest.mark.parametrize(
    ("text", "diagnostic"),
    [
        pytest.param(
            "FROM x\nEXPOZE 3000\nEXPOSE 3001\n",
            Diagnostic("Dockerfile", 2, "unknown instruction: EXPOZE"),
            id="unknown-instruction",
        ),
        pytest.param(
            "FROM x\n{{ if .Debug }}\n",
            Diagnostic("Dockerfile", 2, "unknown instruction: {{"),
            id="template",
        ),
        pytest.param(
            "FROM x\nEXPOSE 3000 # comment\n",
            Diagnostic("Dockerfile", 2, "invalid EXPOSE port: #"),
            id="trailing-comment",
        ),
        pytest.param(
            "EXPOSE \\\n  3002-3001\n",
            Diagnostic("Dockerfile", 2, "invalid EXPOSE port: 3002-3001"),
            id="reversed-range",
        ),
        pytest.param(
            "EXPOSE 70000\n",
            Diagnostic("Dockerfile", 1, "invalid EXPOSE port: 70000"),
            id="too-large",
        ),
        pytest.param(
            "EXPOSE 1-65535\n",
            Diagnostic("Dockerfile", 1, "EXPOSE range too wide: 1-65535"),
            id="range-too-wide",
        ),
    ],
)
def test_malformed_lines_are_diagnostics(text: str, diagnostic: Diagnostic) -> None:
    assert dockerfile.extract("Dockerfile", text).diagnostics == (diagnostic,)


def test_diagnostic_keeps_the_other_facts() -> None:
    extraction = dockerfile.extract("Dockerfile", "FROM x\nEXPOZE 3000\nEXPOSE 3001\n")
    assert [fact.port for fact in extraction.facts] == [3001]


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / "Dockerfile").read_text(encoding="utf-8")
    expected = dockerfile.extract("Dockerfile", text)
    assert expected.facts
    assert dockerfile.extract("Dockerfile", text.replace("\n", newline)) == expected


def test_prefilter_is_none() -> None:
    assert dockerfile.PREFILTER is None
    assert dockerfile.extract("Dockerfile", "FROM scratch\n") == Extraction()
