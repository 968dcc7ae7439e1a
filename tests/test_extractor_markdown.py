from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params

from portscan.extractors import markdown
from portscan.model import TAG_FLAG, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "markdown"


def claims(text: str) -> list[tuple[object, ...]]:
    """(port, line, col, service, env, protocol) of every fact."""
    extraction = markdown.extract("README.md", text)
    assert not extraction.diagnostics, extraction.diagnostics
    assert all(f.role is Role.DOC and f.extractor == "markdown" for f in extraction.facts)
    return [
        (f.port, f.location.line, f.location.col, f.service, f.env, f.protocol)
        for f in extraction.facts
    ]


def ports(text: str) -> list[int]:
    return [port for port, *_ in claims(text)]


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES))
def test_fixture(relpath: str) -> None:
    check_fixture(markdown, FIXTURES / relpath, relpath)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("README.md", True, id="readme"),
        pytest.param("docs/PORTS.markdown", True, id="markdown"),
        pytest.param("site/docs/ports.mdx", True, id="mdx"),
        pytest.param("NOTES.MD", True, id="upper-case"),
        pytest.param("CHANGELOG.md", False, id="changelog"),
        pytest.param("docs/changes.md", False, id="changes"),
        pytest.param("HISTORY.md", False, id="history"),
        pytest.param("README", False, id="no-suffix"),
        pytest.param("README.rst", False, id="rst"),
        pytest.param("md/config.yml", False, id="folder"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert markdown.matches(path) is expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"Runs on port 3025.", True, id="port"),
        pytest.param(b"mana-auth (3001)", True, id="parenthesised"),
        pytest.param(b"| Service | 3001 |\n", False, id="no-port-word"),
        pytest.param(b"We had 3000 users.", False, id="prose"),
    ],
)
def test_prefilter(content: bytes, expected: bool) -> None:
    assert markdown.PREFILTER is not None
    assert bool(markdown.PREFILTER.search(content)) is expected


def test_exact_fact() -> None:
    assert markdown.extract("svc/README.md", "### mana-llm\n\nRuns on port 3025.\n").facts == (
        PortFact(
            3025,
            Role.DOC,
            Location("svc/README.md", 3, 14, 3, 18),
            "markdown",
            service="mana-llm",
        ),
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # labels
        pytest.param("Port: 3064", [(3064, 7, None, None)], id="label"),
        pytest.param("- **Port**: 3025", [(3025, 13, None, None)], id="bold-label"),
        pytest.param("**Port:** 3030 (production)", [(3030, 11, None, None)], id="bold-colon"),
        pytest.param("Default port: `3025`", [(3025, 16, None, None)], id="code-number"),
        pytest.param("httpPort: 8080", [(8080, 11, None, None)], id="camel-label"),
        pytest.param("PORT: 3025", [(3025, 7, None, "PORT")], id="env-label"),
        pytest.param(
            "Set `MANA_LLM_PORT=3025`.", [(3025, 20, None, "MANA_LLM_PORT")], id="env-assignment"
        ),
        pytest.param(
            "Ports: 3025 / 3026", [(3025, 8, None, None), (3026, 15, None, None)], id="list"
        ),
        # "on port"
        pytest.param("It runs on port 3025.", [(3025, 17, None, None)], id="runs-on"),
        pytest.param("listens on port `3025`", [(3025, 18, None, None)], id="listens-on"),
        pytest.param("at port 8080/tcp", [(8080, 9, None, None)], id="at-port"),
        pytest.param(
            "exposes the default HTTP port 8080", [(8080, 31, None, None)], id="adjectives"
        ),
        pytest.param(
            "on ports 3000, 3001 and 3002",
            [(3000, 10, None, None), (3001, 16, None, None), (3002, 25, None, None)],
            id="on-ports",
        ),
        # parentheses
        pytest.param("mana-auth (3001)", [(3001, 12, "mana-auth", None)], id="service-paren"),
        pytest.param("`auth` (3001)", [(3001, 9, "auth", None)], id="code-service-paren"),
        pytest.param(
            "**mana-llm** (3025)", [(3025, 15, "mana-llm", None)], id="bold-service-paren"
        ),
        pytest.param("mana_llm (:3025)", [(3025, 12, "mana_llm", None)], id="colon-paren"),
        pytest.param("mana-llm (port 3025, GPU)", [(3025, 16, "mana-llm", None)], id="port-paren"),
        pytest.param(
            "The gateway (Port: 3025)", [(3025, 20, None, None)], id="port-paren-no-service"
        ),
        pytest.param("mana-llm (3025/udp)", [(3025, 11, "mana-llm", None)], id="paren-protocol"),
    ],
)
def test_prose_claims(line: str, expected: list[tuple[object, ...]]) -> None:
    found = [(port, col, service, env) for port, _, col, service, env, _ in claims(line + "\n")]
    assert found == expected


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("Released 2026-04-08.", id="date"),
        pytest.param("Upgrade to v3.0.25 first.", id="version"),
        pytest.param("- 3000-3009: Core", id="range-list"),
        pytest.param("Ports: 3000-3009", id="range-label"),
        pytest.param("Ports: 3000 - 3009", id="spaced-range"),
        pytest.param("on port 3000 to 3009", id="worded-range"),
        pytest.param("Meet at 10:30.", id="time"),
        pytest.param("Fixed in #3025.", id="issue"),
        pytest.param("We had 3000 users.", id="users"),
        pytest.param("Port 3025 is free.", id="no-colon-in-prose"),
        pytest.param("Timeout: 3000", id="other-label"),
        pytest.param("Report: 3000", id="word-ending-in-port"),
        pytest.param("Port: 3.5", id="decimal"),
        pytest.param("Port: 3025ms", id="unit"),
        pytest.param("Port: 99%", id="percent"),
        pytest.param("Port: 70000", id="out-of-range"),
        pytest.param("Port: 7", id="one-digit"),
        pytest.param("see http://x/?port=3025", id="query-string"),
        pytest.param("Released in 2024 (3000 downloads)", id="paren-not-closed"),
        pytest.param("Version (3000)", id="paren-after-plain-word"),
        pytest.param("2026-04-08 (3025)", id="paren-after-date"),
        pytest.param("mana-llm (3025 and more)", id="paren-with-text"),
        pytest.param("<!-- on port 3025 -->", id="html-comment"),
    ],
)
def test_traps(line: str) -> None:
    assert claims(line + "\n") == []


@pytest.mark.parametrize(
    ("heading", "service"),
    [
        pytest.param("mana-llm", "mana-llm", id="kebab"),
        pytest.param("mana_llm", "mana_llm", id="snake"),
        pytest.param("`auth`", "auth", id="code"),
        pytest.param("**mana-llm**", "mana-llm", id="bold"),
        pytest.param("mana-llm (Port 3025)", "mana-llm", id="paren"),
        pytest.param("mana-llm: the gateway", "mana-llm", id="colon"),
        pytest.param("mana-llm \u2014 the gateway", "mana-llm", id="dash"),
        pytest.param("mana-llm - the gateway", "mana-llm", id="hyphen"),
        pytest.param("Installation", None, id="word"),
        pytest.param("Getting started", None, id="words"),
        pytest.param("getting-started guide", None, id="kebab-in-a-phrase"),
        pytest.param("Port: 3064", None, id="port-label"),
        pytest.param("2026-04-08", None, id="date"),
    ],
)
def test_heading_service(heading: str, service: str | None) -> None:
    assert markdown.heading_service(heading) == service


def test_nearest_heading_that_names_a_service() -> None:
    text = (
        "# mana-monorepo\n"  # 1: a title names no service
        "Port: 3001\n"  # 2
        "## Services\n"  # 3
        "### mana-llm\n"  # 4
        "#### Configuration\n"  # 5
        "Port: 3025\n"  # 6: the enclosing mana-llm
        "### mana-stt ###\n"  # 7: closing hashes
        "Port: 3020\n"  # 8
        "## Deployment\n"  # 9: leaves the services section
        "Port: 3030\n"  # 10
        "mana-auth\n"  # 11
        "---------\n"  # 12: a setext heading of level 2
        "Port: 3001\n"  # 13
    )
    assert [(port, line, service) for port, line, _, service, _, _ in claims(text)] == [
        (3001, 2, None),
        (3025, 6, "mana-llm"),
        (3020, 8, "mana-stt"),
        (3030, 10, None),
        (3001, 13, "mana-auth"),
    ]


def test_heading_claims() -> None:
    text = "## Port 3064\n### mana-llm (Port 3025)\n## Ports: 3000, 3001\n"
    assert [(port, line, col, service) for port, line, col, service, _, _ in claims(text)] == [
        (3064, 1, 9, None),
        (3025, 2, 20, "mana-llm"),
        (3000, 3, 11, None),
        (3001, 3, 17, None),
    ]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        pytest.param(
            "| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n",
            [(3001, 3, 3, "mana-auth", None)],
            id="port-first",
        ),
        pytest.param(
            "| Service | Port |\n| :-- | --: |\n| `mana-auth` | `3001` |\n",
            [(3001, 3, 18, "mana-auth", None)],
            id="service-first",
        ),
        pytest.param(
            "Name | Ports\n--- | ---\n[mana-auth](x) | 3001, 3002\n",
            [(3001, 3, 18, "mana-auth", None), (3002, 3, 24, "mana-auth", None)],
            id="no-outer-pipes",
        ),
        pytest.param(
            "| App | Dev port |\n|---|---|\n| web (vite) | 5173 (dev) |\n",
            [(5173, 3, 16, "web", None)],
            id="suffixed-header",
        ),
        pytest.param(
            "| Port | Service |\n|---|---|\n| 53/udp | dns |\n",
            [(53, 3, 3, "dns", None)],
            id="protocol",
        ),
        pytest.param(
            "| Variable | Default |\n|---|---|\n| `API_PORT` | 3015 |\n| PORT | `3016` |\n",
            [(3015, 3, 16, None, "API_PORT"), (3016, 4, 11, None, "PORT")],
            id="env-table",
        ),
        pytest.param(
            "| Service | Env | Port |\n|---|---|---|\n| mana-llm | MANA_LLM_PORT | 3025 |\n",
            [(3025, 3, 30, "mana-llm", "MANA_LLM_PORT")],
            id="service-env-port",
        ),
        pytest.param(
            "| Key | Value |\n|---|---|\n| Port | 3025 |\n",
            [(3025, 3, 10, None, None)],
            id="key-value",
        ),
        pytest.param(
            "| Port | Notes |\n|---|---|\n| 3025 | the LLM |\n",
            [(3025, 3, 3, None, None)],
            id="no-service-column",
        ),
        pytest.param(
            "| Setting | Value |\n|---|---|\n| Listen | on port 3025 |\n",
            [(3025, 3, 20, None, None)],
            id="prose-in-a-cell",
        ),
    ],
)
def test_tables(table: str, expected: list[tuple[object, ...]]) -> None:
    found = [(port, line, col, service, env) for port, line, col, service, env, _ in claims(table)]
    assert found == expected


@pytest.mark.parametrize(
    "row",
    [
        pytest.param("| 3006-3009 | (reserved) |", id="reserved-range"),
        pytest.param("| 3006 \u2013 3009 | mana-x |", id="en-dash-range"),
        pytest.param("| 3010 | (reserved) |", id="reserved"),
        pytest.param("| 3010 | Reserved for mana-x |", id="reserved-words"),
        pytest.param("| 3011 | - |", id="dash"),
        pytest.param("| 3011 |  |", id="empty"),
        pytest.param("| 3012 | free |", id="free"),
        pytest.param("| TBD | mana-future |", id="no-port"),
        pytest.param("| 3013 or later | mana-x |", id="words-after-port"),
        pytest.param("| 2026-04-08 | mana-x |", id="date"),
    ],
)
def test_table_traps(row: str) -> None:
    assert claims(f"| Port | Service |\n|---|---|\n{row}\n") == []


def test_table_without_port_column_or_label_is_prose() -> None:
    text = "| Date | Change |\n|---|---|\n| 2026-04-08 | moved 3025 |\n| 2026-04-09 | now on port 3026 |\n"
    assert ports(text) == [3026]


def test_table_ends_at_a_blank_line() -> None:
    text = "| Port | Service |\n|---|---|\n| 3001 | auth |\n\n| 3002 | not a row |\n"
    assert ports(text) == [3001]


def test_reserved_row_in_a_table_without_service_column() -> None:
    text = "| Port | Notes |\n|---|---|\n| 3010 | reserved |\n| 3011 |  |\n"
    assert ports(text) == [3011]


FENCE_CASES = [
    pytest.param(
        "bash", "uvicorn app:main --port 3020", [(3020, 25, None, (TAG_FLAG,))], id="bash"
    ),
    pytest.param(
        "sh", "$ uvicorn app:main --port 3020", [(3020, 27, None, (TAG_FLAG,))], id="prompt"
    ),
    pytest.param(
        "console", "$ PORT=3021 npm start\nlistening on 3000", [(3021, 8, None, ())], id="console"
    ),
    pytest.param("env", "PORT=3022\nTIMEOUT=3000", [(3022, 6, None, ())], id="env"),
    pytest.param("dotenv", "URL=http://a:3023", [(3023, 14, "a", ())], id="dotenv-url"),
    pytest.param("ts", "app.listen(3024);", [(3024, 12, None, ())], id="ts"),
    pytest.param("javascript", "server.listen(3025)", [(3025, 15, None, ())], id="javascript"),
    pytest.param("python", "uvicorn.run(app, port=3026)", [(3026, 23, None, ())], id="python"),
    pytest.param("py", "PORT = int(os.getenv('PORT', '3027'))", [(3027, 31, None, ())], id="py"),
    pytest.param(
        "yaml",
        "services:\n  web:\n    expose: ['3028']",
        [(3028, 15, None, ("container",))],
        id="compose",
    ),
    pytest.param(
        "yml",
        "ingress:\n  - service: http://localhost:3029",
        [(3029, 31, "localhost", ())],
        id="cloudflared",
    ),
    pytest.param(
        "dockerfile", "EXPOSE 3030", [(3030, 8, None, ("container", "image"))], id="dockerfile"
    ),
    pytest.param("go", 'http.ListenAndServe(":3031", nil)', [(3031, 23, None, ())], id="go"),
    pytest.param("nginx", "listen 3032;", [(3032, 8, None, ())], id="nginx"),
    pytest.param("Caddyfile", ":3033 {\n}", [(3033, 2, None, ())], id="caddyfile-any-case"),
    pytest.param(
        "{.bash}", "uvicorn a --port 3034", [(3034, 18, None, (TAG_FLAG,))], id="pandoc-attributes"
    ),
    pytest.param(
        'ts title="server.ts"', "app.listen(3035);", [(3035, 12, None, ())], id="info-attributes"
    ),
    pytest.param("yaml", "server:\n  port: 3099", [], id="other-yaml"),
    pytest.param("text", "Listening on port 3099", [], id="text"),
    pytest.param("", "on port 3099", [], id="no-language"),
    pytest.param("json", '{"port": 3099}', [], id="json"),
    pytest.param("python", "def (:\n    port=3099", [], id="syntax-error-is-dropped"),
    pytest.param("bash", "sleep 3099", [], id="no-port"),
]


@pytest.mark.parametrize(("language", "body", "expected"), FENCE_CASES)
def test_fenced_blocks(language: str, body: str, expected: list[tuple[object, ...]]) -> None:
    extraction = markdown.extract("README.md", f"Intro\n\n```{language}\n{body}\n```\n")
    assert extraction.diagnostics == ()
    assert all(f.role is Role.DOC and f.extractor == "markdown" for f in extraction.facts)
    assert all(f.location.line >= 4 for f in extraction.facts)
    found = [(f.port, f.location.col, f.target, f.tags) for f in extraction.facts]
    assert found == expected


def test_fenced_block_keeps_env_and_takes_the_heading_service() -> None:
    text = "## mana-stt\n\n```sh\nexport PORT=3020\n```\n"
    assert claims(text) == [(3020, 4, 13, "mana-stt", "PORT", "tcp")]


def test_compose_service_key_beats_the_heading() -> None:
    text = "## mana-stt\n\n```yaml\nservices:\n  tts:\n    expose: ['3028']\n```\n"
    assert [(port, service) for port, _, _, service, _, _ in claims(text)] == [(3028, "tts")]


def test_indented_fence_restores_columns() -> None:
    text = "1. Run:\n\n   ```python\n   app.run(port=5000)\n   ```\n"
    assert claims(text) == [(5000, 4, 17, None, None, "tcp")]


def test_fences_and_their_edges() -> None:
    text = (
        "~~~sh\n"
        "uvicorn a --port 3001\n"
        "```\n"  # does not close a ~~~ fence
        "uvicorn b --port 3002\n"
        "~~~\n"
        "on port 3003\n"
        "````md\n"
        "```sh\n"  # a nested fence is text of the md block
        "uvicorn c --port 3004\n"
        "```\n"
        "````\n"
        "```sh\n"
        "uvicorn d --port 3005\n"  # never closed: runs to the end
    )
    assert [(port, line) for port, line, *_ in claims(text)] == [
        (3001, 2),
        (3002, 4),
        (3003, 6),
        (3005, 13),
    ]


def test_prose_rules_do_not_run_in_code_comments_or_front_matter() -> None:
    text = (
        "---\n"
        "port: 3001\n"
        "---\n"
        "<!--\n"
        "on port 3002\n"
        "-->\n"
        "text <!-- on port 3003 --> on port 3004\n"
        "```text\n"
        "Port: 3005\n"
        "```\n"
    )
    assert [(port, line) for port, line, *_ in claims(text)] == [(3004, 7)]


def test_lone_dashes_are_not_front_matter_later() -> None:
    assert ports("intro\n\n---\nPort: 3001\n---\n") == [3001]


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / "PORTS.md").read_text(encoding="utf-8")
    expected = markdown.extract("PORTS.md", text)
    assert len(expected.facts) > 20
    assert markdown.extract("PORTS.md", text.replace("\n", newline)) == expected


def test_empty_document_has_nothing() -> None:
    assert markdown.extract("README.md", "") == Extraction()
    assert markdown.extract("README.md", "# Title\n\nNothing to see.\n") == Extraction()
