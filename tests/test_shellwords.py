from __future__ import annotations

import pytest

from portscan.extractors.shellwords import (
    CommandPort,
    SourceText,
    command_ports,
    logical_lines,
    port_value,
    shell_scripts,
    shell_words,
)


def verbatim(text: str) -> SourceText:
    return SourceText.verbatim(text, 0)


@pytest.mark.parametrize(
    ("text", "comments", "joiner", "expected"),
    [
        pytest.param("a\nb\n", ("#",), "", ["a", "b"], id="plain"),
        pytest.param("a \\\n b\nc", ("#",), "", ["a  b", "c"], id="continued"),
        pytest.param("a \\\n b", ("#",), " ", ["a   b"], id="systemd-joiner"),
        pytest.param("a \\  \n b", ("#",), "", ["a  b"], id="blank-after-backslash"),
        pytest.param("a \\\n# note\n\n b", ("#",), "", ["a  b"], id="comment-in-continuation"),
        pytest.param("# c\n; d\nx", ("#", ";"), "", ["x"], id="comments"),
        pytest.param("a \\", ("#",), "", ["a "], id="continued-at-end"),
        pytest.param("", ("#",), "", [], id="empty"),
    ],
)
def test_logical_lines(
    text: str, comments: tuple[str, ...], joiner: str, expected: list[str]
) -> None:
    lines = list(logical_lines(text, comments, joiner))
    assert [line.text for line in lines] == expected
    for line in lines:
        assert len(line.offsets) == len(line.text)


def test_logical_line_offsets_point_into_the_file() -> None:
    text = "RUN a \\\r\n  --port 80\r\n"
    (line,) = logical_lines(text)
    at = line.text.index("80")
    assert text[line.offsets[at] : line.offsets[at] + 2] == "80"


@pytest.mark.parametrize(
    ("text", "operators", "expected"),
    [
        pytest.param("a  b\tc", True, ["a", "b", "c"], id="whitespace"),
        pytest.param("a 'b c' \"d e\"", True, ["a", "b c", "d e"], id="quotes"),
        pytest.param("x\"a\"'b'y", True, ["xaby"], id="adjacent-quotes"),
        pytest.param('"a \\"b\\" \\n"', True, ['a "b" \\n'], id="double-quote-escapes"),
        pytest.param("a\\ b", True, ["a b"], id="backslash"),
        pytest.param("a&&b;c|d", True, ["a", "&&", "b", ";", "c", "|", "d"], id="operators"),
        pytest.param("a&&b;c", False, ["a&&b;c"], id="no-operators"),
        pytest.param("a #b\nc", True, ["a", "c"], id="comment-to-end-of-line"),
        pytest.param("a#b", True, ["a#b"], id="hash-inside-word"),
        pytest.param("a #b", False, ["a", "#b"], id="no-comments"),
        pytest.param("a ''", True, ["a", ""], id="empty-quoted-word"),
        pytest.param("a 'open", True, ["a", "open"], id="unterminated"),
        pytest.param("", True, [], id="empty"),
    ],
)
def test_shell_words(text: str, operators: bool, expected: list[str]) -> None:
    words = shell_words(verbatim(text), operators)
    assert [word.text for word in words] == expected
    for word in words:
        assert len(word.offsets) == len(word.text)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["bash", "-c", "x"], [2], id="bash-c"),
        pytest.param(["/bin/sh", "-lc", "x"], [2], id="login"),
        pytest.param(["/usr/bin/env", "zsh", "-e", "-c", "x"], [4], id="options-first"),
        pytest.param(["bash", "script.sh", "-c", "x"], [], id="script-file"),
        pytest.param(["bash", "-c"], [], id="missing-script"),
        pytest.param(["python", "-c", "x"], [], id="not-a-shell"),
        pytest.param(["bash", "--login", "x"], [], id="long-option"),
    ],
)
def test_shell_scripts(argv: list[str], expected: list[int]) -> None:
    assert list(shell_scripts(argv)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("3000", (3000, 0), id="literal"),
        pytest.param(" 3000", (3000, 1), id="padded"),
        pytest.param("${PORT:-3000}", (3000, 8), id="fallback"),
        pytest.param("${PORT-3000}", (3000, 7), id="unset-fallback"),
        pytest.param("${PORT:=3000}", (3000, 8), id="assign-fallback"),
        pytest.param("${PORT}", None, id="variable"),
        pytest.param("${PORT:-abc}", None, id="fallback-not-a-port"),
        pytest.param("3.0.25", None, id="version"),
        pytest.param("70000", None, id="out-of-range"),
        pytest.param("", None, id="empty"),
    ],
)
def test_port_value(value: str, expected: tuple[int, int] | None) -> None:
    assert port_value(value) == expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param("uvicorn app:app --port 3025", [(3025, "--port", None)], id="flag"),
        pytest.param("app --port=3025", [(3025, "--port", None)], id="flag-equals"),
        pytest.param("gunicorn -b 0.0.0.0:8000", [(8000, "-b", None)], id="bind"),
        pytest.param("app --port ${PORT:-3025}", [(3025, "--port", "PORT")], id="fallback"),
        pytest.param(
            "app --bind=0.0.0.0:${PORT:-8000}", [(8000, "--bind", "PORT")], id="bind-fallback"
        ),
        pytest.param("PORT=3030 node s.js", [(3030, None, "PORT")], id="assignment"),
        pytest.param("export API_PORT='3031'", [(3031, None, "API_PORT")], id="export"),
        pytest.param(
            "cd x && exec bash -c 'app --workers 3025 --port 3025'",
            [(3025, "--port", None)],
            id="nested-script",
        ),
        pytest.param("sleep 3000; TIMEOUT=3000 app", [], id="traps"),
        pytest.param("docker run -p 8080:80 img", [], id="docker-publish"),
        pytest.param("app # --port 3000", [], id="commented-out"),
        pytest.param("app --port ${PORT}", [], id="variable"),
    ],
)
def test_command_ports(command: str, expected: list[tuple[int, str | None, str | None]]) -> None:
    found = list(command_ports(verbatim(command)))
    assert [(hit.port, hit.flag, hit.env) for hit in found] == expected
    for hit in found:
        assert command[hit.offset :].startswith(str(hit.port))


def test_nested_script_points_at_the_flag_value() -> None:
    command = "bash -c 'app --workers 3025 --port 3025'"
    assert list(command_ports(verbatim(command))) == [CommandPort(3025, 35, "--port", None)]
