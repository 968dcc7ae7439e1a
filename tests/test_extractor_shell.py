from __future__ import annotations

from pathlib import Path

import pytest

from portscan.extractors import queries, shell
from portscan.model import (
    TAG_CONTAINER,
    TAG_EXAMPLE,
    TAG_FLAG,
    TAG_RANGE,
    Diagnostic,
    Location,
    PortFact,
    Role,
)
from tests.annotations import check_fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "extractors" / "shell"
RULES = queries.bundled_rules_dir() / "bash"


def _facts(text: str, path: str = "scripts/start.sh") -> tuple[PortFact, ...]:
    extraction = shell.extract(path, text)
    assert extraction.diagnostics == ()
    return extraction.facts


def _summary(text: str, path: str = "scripts/start.sh") -> list[tuple[object, ...]]:
    """(line, col, port, role, env, target, protocol, tags, extractor) of every fact."""
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
            fact.extractor,
        )
        for fact in _facts(text, path)
    ]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("start.sh", id="forms-and-traps"),
        pytest.param("setup-image-gen.sh", id="heredocs"),
        pytest.param("run-server", id="extensionless-shebang"),
    ],
)
def test_fixture(name: str) -> None:
    check_fixture(shell, FIXTURES / name, f"scripts/{name}")


@pytest.mark.parametrize(
    "rule",
    [pytest.param(path.name, id=path.stem) for path in sorted(RULES.glob("*.scm"))],
)
def test_every_bash_rule_has_a_fixture_example(rule: str) -> None:
    hits = [
        match
        for fixture in sorted(FIXTURES.iterdir())
        for match in queries.run_rules("bash", fixture.read_text(encoding="utf-8"))
        if Path(match.rule.path).name == rule
    ]
    assert hits, f"no fixture line exercises rules/bash/{rule}"


@pytest.mark.parametrize(
    ("path", "claimed"),
    [
        pytest.param("start.sh", True, id="sh"),
        pytest.param("scripts/mac-mini/setup-image-gen.sh", True, id="nested-sh"),
        pytest.param("tools/build.bash", True, id="bash"),
        pytest.param("dev/env.zsh", True, id="zsh"),
        pytest.param("Start Server.command", True, id="command"),
        pytest.param("start", True, id="start"),
        pytest.param("bin/setup-mac", True, id="setup-prefix"),
        pytest.param("run_dev", True, id="run-prefix"),
        pytest.param("deploy", True, id="deploy"),
        pytest.param("docker/entrypoint", True, id="entrypoint"),
        pytest.param("start.py", False, id="python-named-start"),
        pytest.param("run.js", False, id="js-named-run"),
        pytest.param("setup.cfg", False, id="setup-cfg"),
        pytest.param("Makefile", False, id="makefile"),
        pytest.param("bin/serve", False, id="other-extensionless"),
        pytest.param("scripts.sh/README.md", False, id="directory-named-sh"),
    ],
)
def test_matches(path: str, claimed: bool) -> None:
    assert shell.matches(path) is claimed


@pytest.mark.parametrize(
    ("first_line", "read"),
    [
        pytest.param("#!/bin/sh", True, id="sh"),
        pytest.param("#!/bin/bash -e", True, id="bash-with-option"),
        pytest.param("#!/usr/bin/env bash", True, id="env-bash"),
        pytest.param("#!/usr/bin/env -S zsh -f", True, id="env-split-zsh"),
        pytest.param("#! /bin/dash", True, id="space-after-bang"),
        pytest.param("\ufeff#!/bin/bash", True, id="bom"),
        pytest.param("#!/usr/bin/env python3", False, id="python"),
        pytest.param("#!/usr/bin/env node", False, id="node"),
        pytest.param("#!", False, id="empty-shebang"),
        pytest.param("set -e", False, id="no-shebang"),
        pytest.param("# PORT=3025", False, id="comment"),
    ],
)
def test_extensionless_files_need_a_shell_shebang(first_line: str, read: bool) -> None:
    text = f"{first_line}\nPORT=3025\n"
    facts = shell.extract("deploy/start-api", text).facts
    assert [fact.port for fact in facts] == ([3025] if read else [])
    # a .sh file is a shell script whatever its first line says
    assert [fact.port for fact in shell.extract("start-api.sh", text).facts] == [3025]


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        pytest.param(b"PORT=3025\n", True, id="port-word"),
        pytest.param(b"next start -p 3025\n", True, id="short-flag"),
        pytest.param(b"python3 -m http.server 8000\n", True, id="http-server"),
        pytest.param(b"cat <<EOF\n<key>PORT</key>\nEOF\n", True, id="plist-key"),
        pytest.param(b'curl "http://localhost:3025/"\n', True, id="url"),
        pytest.param(b"set -e\necho hello\nsleep 3000\n", False, id="nothing"),
        pytest.param(b'"$BIN" --port="$api_port"\n', True, id="flag-and-variable"),
        pytest.param(b"export_token() {\n  echo token\n}\n", False, id="export-function"),
        pytest.param(b"import_data && report_status\n", False, id="underscore-words"),
    ],
)
def test_prefilter(data: bytes, kept: bool) -> None:
    assert shell.PREFILTER is not None
    assert (shell.PREFILTER.search(data) is not None) is kept


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "PORT=${PORT:-3020}",
            [(1, 14, 3020, "default", "PORT", None, "tcp", (), "shell")],
            id="fallback",
        ),
        pytest.param(
            'export PORT="${VLLM_PORT:-8100}"',
            [(1, 27, 8100, "default", "VLLM_PORT", None, "tcp", (), "shell")],
            id="inner-variable-decides",
        ),
        pytest.param(
            "PORT=${1:-3000}",
            [(1, 11, 3000, "default", "PORT", None, "tcp", (), "shell")],
            id="positional-fallback",
        ),
        pytest.param(
            "uvicorn app --port ${PORT:-8000}",
            [(1, 28, 8000, "default", "PORT", None, "tcp", (), "shell")],
            id="flag-fallback-is-an-env-default",
        ),
        pytest.param(
            "uvicorn app --port=8001",
            [(1, 20, 8001, "default", None, None, "tcp", (TAG_FLAG,), "shell")],
            id="flag",
        ),
        pytest.param(
            "uvicorn app '--port=8002'",
            [(1, 21, 8002, "default", None, None, "tcp", (TAG_FLAG,), "shell")],
            id="quoted-flag",
        ),
        pytest.param(
            'sudo -E nohup uvicorn app --port "8003" &',
            [(1, 35, 8003, "default", None, None, "tcp", (TAG_FLAG,), "shell")],
            id="wrapped-command",
        ),
        pytest.param(
            "php -S 0.0.0.0:8004",
            [(1, 16, 8004, "default", None, None, "tcp", (TAG_FLAG,), "shell")],
            id="php-builtin-server",
        ),
        pytest.param(
            "docker run -p 3000-3001:4000-4001/udp img",
            [
                (1, 15, 3000, "publish", None, None, "udp", (TAG_RANGE,), "shell"),
                (1, 15, 3001, "publish", None, None, "udp", (TAG_RANGE,), "shell"),
                (1, 25, 4000, "expose", None, None, "udp", (TAG_CONTAINER, TAG_RANGE), "shell"),
                (1, 25, 4001, "expose", None, None, "udp", (TAG_CONTAINER, TAG_RANGE), "shell"),
            ],
            id="docker-range",
        ),
        pytest.param(
            "podman run --publish=[::1]:8080:80 img",
            [
                (1, 28, 8080, "publish", None, None, "tcp", (), "shell"),
                (1, 33, 80, "expose", None, None, "tcp", (TAG_CONTAINER,), "shell"),
            ],
            id="podman-ipv6",
        ),
        pytest.param(
            "docker run -p8080:80 -p 9000 img",
            [
                (1, 14, 8080, "publish", None, None, "tcp", (), "shell"),
                (1, 19, 80, "expose", None, None, "tcp", (TAG_CONTAINER,), "shell"),
                (1, 25, 9000, "expose", None, None, "tcp", (TAG_CONTAINER,), "shell"),
            ],
            id="docker-attached-and-container-only",
        ),
        pytest.param(
            'curl "${API_URL:-http://api:3000}/health"',
            [(1, 29, 3000, "reference", "API_URL", "api", "tcp", (), "shell")],
            id="url-fallback-in-argument",
        ),
        pytest.param(
            "docker run -p 127.0.0.1::80 img",
            [(1, 26, 80, "expose", None, None, "tcp", (TAG_CONTAINER,), "shell")],
            id="docker-random-host-port",
        ),
        pytest.param("docker build -p 8080 .", [], id="docker-non-run"),
        pytest.param("docker run -p 8080:80x img", [], id="docker-bad-mapping"),
        pytest.param("docker run -p 1-9000:1-9000 img", [], id="docker-huge-range"),
        pytest.param("docker exec web curl --port 80", [], id="docker-exec"),
        pytest.param("redis-cli -p 6379 ping", [], id="client-flag"),
        pytest.param("read -p 'Port: ' PORT", [], id="prompt"),
        pytest.param("echo $(( 3000 + 1 ))", [], id="arithmetic"),
        pytest.param("PORT=$((BASE + 25))", [], id="computed"),
        pytest.param("RETRY_TIMEOUT=${RETRY_TIMEOUT:-3000}", [], id="timeout-fallback"),
        pytest.param("x=1 # --port 9999 http://localhost:9998", [], id="comment"),
        pytest.param("open https://example.com/", [], id="url-without-port"),
    ],
)
def test_forms(line: str, expected: list[tuple[object, ...]]) -> None:
    assert _summary(line + "\n") == expected


def test_heredoc_plist_lands_on_script_lines() -> None:
    text = (
        "#!/bin/bash\n"
        'cat > "$PLIST" <<EOF\n'
        "<plist><dict>\n"
        "<key>Label</key><string>com.x</string>\n"
        "<key>EnvironmentVariables</key><dict>\n"
        "<key>PORT</key><string>3025</string>\n"
        "</dict></dict></plist>\n"
        "EOF\n"
        "PORT=3026\n"
    )
    facts = _facts(text)
    assert [(f.location, f.role, f.extractor, f.service, f.env) for f in facts] == [
        (Location("scripts/start.sh", 6, 24, 6, 28), Role.OVERRIDE, "launchd", "com.x", "PORT"),
        (Location("scripts/start.sh", 9, 6, 9, 10), Role.DEFAULT, "shell", None, "PORT"),
    ]


@pytest.mark.parametrize(
    "opening",
    [
        pytest.param("cat <<EOF > x.plist", id="unquoted"),
        pytest.param("cat <<'EOF' > x.plist", id="single-quoted"),
        pytest.param('cat <<"EOF" > x.plist', id="double-quoted"),
        pytest.param("cat <<\\EOF > x.plist", id="backslash"),
    ],
)
def test_heredoc_variables_stay_text(opening: str) -> None:
    text = (
        f"{opening}\n"
        "<plist><dict><key>Label</key><string>com.x</string>\n"
        "<key>EnvironmentVariables</key><dict>\n"
        "<key>PORT</key><string>${PORT:-3025}</string>\n"
        "<key>API_PORT</key><string>3027</string>\n"
        "</dict></dict></plist>\n"
        "EOF\n"
    )
    assert [(f.location.line, f.port, f.extractor) for f in _facts(text)] == [(5, 3027, "launchd")]


def test_tab_stripped_heredoc_keeps_file_columns() -> None:
    text = (
        "if true; then\n"
        "\tcat > /etc/systemd/system/api.service <<-EOF\n"
        "\t\t[Service]\n"
        "\t\tEnvironment=PORT=3020\n"
        "\t\t\tExecStart=/srv/api --port 3021\n"
        "\tEOF\n"
        "fi\n"
    )
    facts = _facts(text)
    assert [(f.location, f.extractor, f.service) for f in facts] == [
        (Location("scripts/start.sh", 4, 20, 4, 24), "systemd", "api"),
        (Location("scripts/start.sh", 5, 30, 5, 34), "systemd", "api"),
    ]
    lines = text.split("\n")
    for fact in facts:
        assert lines[fact.location.line - 1][fact.location.col - 1 :].startswith(str(fact.port))


@pytest.mark.parametrize(
    ("statement", "extractor", "service"),
    [
        pytest.param("docker compose -f - up -d <<EOF", "compose", "web", id="compose-stdin"),
        pytest.param("docker-compose --file=- config <<EOF", "compose", "web", id="compose-v1"),
        pytest.param('cat > "$COMPOSE" <<EOF', "compose", "web", id="compose-by-content"),
        pytest.param("tee -a compose.prod.yml <<EOF", "compose", "web", id="compose-by-name"),
    ],
)
def test_heredoc_compose(statement: str, extractor: str, service: str) -> None:
    text = f'{statement}\nservices:\n  web:\n    ports:\n      - "8080:80"\nEOF\n'
    facts = _facts(text)
    assert [(f.location.line, f.location.col, f.port, f.role) for f in facts] == [
        (5, 10, 8080, Role.PUBLISH),
        (5, 15, 80, Role.EXPOSE),
    ]
    assert {(f.extractor, f.service) for f in facts} == {(extractor, service)}


@pytest.mark.parametrize(
    ("statement", "service"),
    [
        pytest.param("sudo tee /etc/systemd/system/stt.service <<EOF", "stt", id="named-unit"),
        pytest.param('cat > "$UNIT_FILE" <<EOF', None, id="computed-name"),
        pytest.param('cat > "/etc/systemd/system/${NAME}.service" <<EOF', None, id="templated"),
    ],
)
def test_heredoc_systemd_names_its_service_from_a_written_name(
    statement: str, service: str | None
) -> None:
    text = f"{statement}\n[Service]\nEnvironment=PORT=3020\nEOF\n"
    assert [(f.port, f.extractor, f.service) for f in _facts(text)] == [(3020, "systemd", service)]


@pytest.mark.parametrize(
    ("target", "role", "tags"),
    [
        pytest.param(".env", Role.OVERRIDE, (), id="env"),
        pytest.param('"$APP_DIR/.env.production"', Role.OVERRIDE, (), id="env-production"),
        pytest.param(".env.example", Role.DEFAULT, (TAG_EXAMPLE,), id="example-by-name"),
    ],
)
def test_heredoc_dotenv(target: str, role: Role, tags: tuple[str, ...]) -> None:
    text = f"cat > {target} <<EOF\nPORT=3030\nEOF\n"
    assert [(f.location.line, f.port, f.role, f.extractor, f.tags) for f in _facts(text)] == [
        (2, 3030, role, "dotenv", tags)
    ]


_SCRIPT = "uvicorn app --port 3050\n"
_UNIT = "[Service]\nEnvironment=PORT=3051\n"


@pytest.mark.parametrize(
    ("statement", "body", "expected"),
    [
        pytest.param("bash <<EOF", _SCRIPT, [(2, 3050, "shell")], id="bash"),
        pytest.param("sudo sh -s -- -v <<EOF", _SCRIPT, [(2, 3050, "shell")], id="sh-s-arguments"),
        pytest.param("ssh -i k -p 22 me@box <<EOF", _SCRIPT, [(2, 3050, "shell")], id="ssh-login"),
        pytest.param("ssh box 'sudo bash -s' <<EOF", _SCRIPT, [(2, 3050, "shell")], id="ssh-bash"),
        pytest.param("ssh box 'cat > /etc/x.service' <<EOF", _SCRIPT, [], id="ssh-remote-file"),
        pytest.param(
            "ssh box 'cat > /etc/x.service' <<EOF", _UNIT, [(3, 3051, "systemd")], id="ssh-unit"
        ),
        pytest.param("bash <<EOF", _UNIT, [], id="a-script-is-not-a-unit"),
        pytest.param("bash deploy.sh <<EOF", _SCRIPT, [], id="script-reads-data"),
        pytest.param('bash -c "cat" <<EOF', _SCRIPT, [], id="command-string"),
        pytest.param("cat <<EOF", _SCRIPT, [], id="printed"),
    ],
)
def test_heredoc_read_by_a_shell(
    statement: str, body: str, expected: list[tuple[int, int, str]]
) -> None:
    facts = _facts(f"{statement}\n{body}EOF\n")
    assert [(f.location.line, f.port, f.extractor) for f in facts] == expected


def test_undelegated_heredoc_keeps_shell_readings() -> None:
    text = "cat <<EOF\nPORT=3000 is not parsed\nsee ${UI_PORT:-3042}\nEOF\n"
    assert _summary(text) == [(3, 16, 3042, "default", "UI_PORT", None, "tcp", (), "shell")]


def test_delegate_diagnostics_point_at_the_script() -> None:
    text = "x=1\ncat > broken.plist <<EOF\n<plist><dict>\n<key>PORT\n</dict>\nEOF\n"
    extraction = shell.extract("scripts/setup.sh", text)
    assert extraction.facts == ()
    # expat reports the mismatched tag on body line 3, which is script line 5
    assert extraction.diagnostics == (
        Diagnostic("scripts/setup.sh", 5, "invalid plist: mismatched tag"),
    )


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings(newline: str) -> None:
    lines = [
        "#!/bin/bash",
        "PORT=${PORT:-3020}",
        "cat > x.plist <<EOF",
        "<plist><dict><key>Label</key><string>com.x</string>",
        "<key>EnvironmentVariables</key><dict><key>PORT</key><string>3025</string>",
        "</dict></dict></plist>",
        "EOF",
        "uvicorn app --port 3026",
    ]
    text = newline.join(lines) + newline
    assert _summary(text) == [
        (2, 14, 3020, "default", "PORT", None, "tcp", (), "shell"),
        (5, 61, 3025, "override", "PORT", None, "tcp", (), "launchd"),
        (8, 20, 3026, "default", None, None, "tcp", (TAG_FLAG,), "shell"),
    ]


def test_columns_count_characters_not_bytes() -> None:
    text = 'echo "héllo wörld" && uvicorn app --port 3025 # ünïcode\n'
    assert _summary(text) == [(1, 42, 3025, "default", None, None, "tcp", (TAG_FLAG,), "shell")]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(")))\n", 1, id="only-closers"),
        pytest.param("\n\n)) ((\n", 3, id="error-on-line-3"),
    ],
)
def test_nothing_parses_is_a_diagnostic(text: str, line: int) -> None:
    extraction = shell.extract("scripts/start.sh", text)
    assert extraction.diagnostics == (
        Diagnostic("scripts/start.sh", line, "invalid shell script: nothing parses"),
    )


def test_a_partly_misread_script_keeps_its_facts() -> None:
    # tree-sitter-bash does not read two heredocs on one line; the rest still counts
    text = "cat <<A <<B\na\nA\nb\nB\nPORT=3025\n"
    assert [(f.location.line, f.port) for f in _facts(text)] == [(6, 3025)]


def test_empty_script() -> None:
    assert shell.extract("start.sh", "").facts == ()
