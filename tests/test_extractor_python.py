from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params, fixture_paths

from portscan.extractors import python
from portscan.model import TAG_TEST, Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "python"
FIXTURE_PATHS = fixture_paths(FIXTURES, "*.py")


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES, "*.py"))
def test_fixture(relpath: str) -> None:
    check_fixture(python, FIXTURES / relpath, relpath)


def test_fixtures_are_all_there() -> None:
    assert {
        "cli.py",
        "conftest.py",
        "constants.py",
        "env_defaults.py",
        "references.py",
        "servers.py",
        "services/api/api_test.py",
        "services/api/main.py",
        "settings.py",
        "tests/test_api.py",
    } <= set(FIXTURE_PATHS)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("main.py", True, id="py"),
        pytest.param("services/mana-llm/app/config.py", True, id="nested"),
        pytest.param("stubs/os.pyi", False, id="stub"),
        pytest.param("main.pyc", False, id="bytecode"),
        pytest.param("notes.py.md", False, id="markdown"),
        pytest.param("Makefile", False, id="no-suffix"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert python.matches(path) is expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b'PORT = int(os.getenv("PORT", "3025"))', True, id="port-name"),
        pytest.param(b"uvicorn.run(app, port=3025)", True, id="keyword"),
        pytest.param(b'BASE = "http://localhost:3020/v1"', True, id="url"),
        pytest.param(b'HTTPServer(("", 8000), Handler)', True, id="server-address"),
        pytest.param(b'sock.bind(("0.0.0.0", 7000))', True, id="bind-address"),
        pytest.param(b"sock.connect((HOST, 7000))", True, id="connect-address"),
        pytest.param(b"session.bind(engine)", False, id="bind-not-an-address"),
        pytest.param(b"time.sleep(3000)", False, id="sleep"),
        pytest.param(b"from reporting import report", False, id="report"),
        pytest.param(b"API_PORT = 8080", True, id="suffix"),
        pytest.param(b"settings.api_port_default = 8080", True, id="inner-word"),
        pytest.param(b"def import_session(limit: int = 54): ...", False, id="import-underscore"),
        pytest.param(b"def export_filter(items): ...", False, id="export-underscore"),
        pytest.param(b"report_path = 'out.txt'", False, id="report-underscore"),
    ],
)
def test_prefilter(content: bytes, expected: bool) -> None:
    assert (python.PREFILTER.search(content) is not None) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("test_api.py", True, id="test-prefix"),
        pytest.param("svc/api_test.py", True, id="test-suffix"),
        pytest.param("svc/conftest.py", True, id="conftest"),
        pytest.param("tests/helpers.py", True, id="tests-dir"),
        pytest.param("svc/test/util.py", True, id="test-dir"),
        pytest.param("svc/main.py", False, id="source"),
        pytest.param("svc/latest/main.py", False, id="substring-dir"),
        pytest.param("svc/contest.py", False, id="substring-name"),
        pytest.param("svc/testing.py", False, id="testing"),
    ],
)
def test_is_test_path(path: str, expected: bool) -> None:
    assert python.is_test_path(path) is expected


def fact(port: int, line: int, col: int, **fields: object) -> PortFact:
    role = fields.pop("role", Role.DEFAULT)
    assert isinstance(role, Role)
    location = Location("a.py", line, col, line, col + len(str(port)))
    return PortFact(port, role, location, "python", **fields)  # type: ignore[arg-type]


def test_extract_exact_facts() -> None:
    text = (
        'PORT = int(os.getenv("PORT", "3025"))\n'
        "class Settings(BaseSettings):\n"
        "    api_port: int = 8000\n"
        'uvicorn.run(app, host="0.0.0.0", port=5000)\n'
        'redis.Redis(host="redis", port=6379)\n'
        'LLM_URL = os.getenv("LLM_URL", "http://mana-llm:3026/v1")\n'
        'parser.add_argument("--port", default=8080)\n'
    )
    assert python.extract("a.py", text) == Extraction(
        facts=(
            fact(3025, 1, 31, env="PORT"),
            fact(8000, 3, 21, env="API_PORT"),
            fact(5000, 4, 39),
            fact(6379, 5, 32, role=Role.REFERENCE, target="redis"),
            fact(3026, 6, 49, role=Role.REFERENCE, env="LLM_URL", target="mana-llm"),
            fact(8080, 7, 39),
        )
    )


@pytest.mark.parametrize(
    ("text", "env"),
    [
        pytest.param("PORT = 3025\n", "PORT", id="constant"),
        pytest.param("port = 3025\n", "port", id="module-variable-as-written"),
        pytest.param("class S:\n    port = 3025\n", "PORT", id="class-field-upper"),
        pytest.param('x = os.getenv("PORT", 3025)\n', "PORT", id="getenv"),
        pytest.param("uvicorn.run(app, port=3025)\n", None, id="keyword"),
        pytest.param('p.add_argument("--port", default=3025)\n', None, id="flag"),
        pytest.param(
            'click.option("--port", envvar="APP_PORT", default=3025)\n', "APP_PORT", id="envvar"
        ),
        pytest.param(
            'class S(BaseSettings):\n    port: int = 3025\n    model_config = {"env_prefix": "a_"}\n',
            "A_PORT",
            id="prefix-declared-after-field",
        ),
        pytest.param(
            "class Outer:\n    class Inner:\n        port = 3025\n    env_prefix = 'x_'\n",
            "PORT",
            id="prefix-of-outer-class-only",
        ),
    ],
)
def test_env(text: str, env: str | None) -> None:
    (found,) = python.extract("a.py", text).facts
    assert (found.port, found.env) == (3025, env)


def test_one_literal_one_fact() -> None:
    # The constant, the keyword, int() and the getenv all see the same literal.
    text = 'API_PORT = int(os.getenv("PORT", "3025"))\nrun(port=int(os.getenv("PORT", 3026)))\n'
    facts = python.extract("a.py", text).facts
    assert [(f.port, f.env, f.location.line) for f in facts] == [
        (3025, "PORT", 1),
        (3026, "PORT", 2),
    ]


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="cr"), pytest.param("\n", id="lf")],
)
def test_line_endings(newline: str) -> None:
    text = newline.join(
        [
            "# header",
            "",
            "PORT = 3000",
            'DOC = """',
            "  see http://localhost:3001/x",
            '"""',
            'uvicorn.run(app, port="3002")',
            "",
        ]
    )
    facts = python.extract("a.py", text).facts
    assert [(f.port, f.location.line, f.location.col, f.location.end_col) for f in facts] == [
        (3000, 3, 8, 12),
        (3001, 5, 24, 28),
        (3002, 7, 24, 28),
    ]


def test_multiline_string_url_points_at_its_line() -> None:
    text = 'LONG = """\ncalls http://mana-tts:3022/speak\n"""\n'
    (found,) = python.extract("a.py", text).facts
    assert (found.location.line, found.location.col, found.env, found.target) == (
        2,
        23,
        "LONG",
        "mana-tts",
    )


def test_non_ascii_and_tabs_keep_columns() -> None:
    line = '\tgrüße = "🎉"; PORT = 3000; u = f"🎉{x} http://api:3001"'
    facts = python.extract("a.py", f"if True:\n{line}\n").facts
    assert [(f.port, f.location.line, f.location.col) for f in facts] == [
        (3000, 2, line.index("3000") + 1),
        (3001, 2, line.index("3001") + 1),
    ]


def test_byte_order_mark_does_not_shift_columns() -> None:
    text = "\ufeffPORT = 3025\nAPI_PORT = 3026\n"
    facts = python.extract("a.py", text).facts
    assert [(f.location.line, f.location.col) for f in facts] == [(1, 9), (2, 12)]


def test_leading_zero_string_spans_its_digits() -> None:
    (found,) = python.extract("a.py", 'PORT = "08080"\n').facts
    assert (found.port, found.location.col, found.location.end_col) == (8080, 9, 14)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param("PORT = 3025\nx = = 2\n", 2, "invalid Python: invalid syntax", id="parser"),
        pytest.param(
            "PORT = 3025\nx = (\n",
            2,
            "invalid Python: '(' was never closed",
            id="unclosed",
        ),
        pytest.param(
            "a = 1\r\nb = 'abc\r\nPORT = 3025\r\n",
            2,
            "invalid Python: unterminated string literal (detected at line 2)",
            id="tokenizer-crlf",
        ),
        pytest.param("a = 1\n  PORT = 3025\n", 2, "invalid Python: unexpected indent", id="indent"),
    ],
)
def test_syntax_error_is_a_diagnostic(text: str, line: int, message: str) -> None:
    extraction = python.extract("a.py", text)
    assert extraction.facts == ()
    assert extraction.diagnostics == (Diagnostic("a.py", line, message),)


def test_null_byte_is_a_diagnostic() -> None:
    (diagnostic,) = python.extract("a.py", "PORT = 3025\x00\n").diagnostics
    assert diagnostic.path == "a.py"
    assert diagnostic.message.startswith("invalid Python: ")


def test_deep_parentheses_do_not_crash() -> None:
    # 1500 nested parentheses once overflowed a native parser's stack (SIGSEGV, which
    # kills the process): CPython refuses more than 200, and so does the extractor. Run in
    # a child so a crash would fail only this test.
    code = (
        "from portscan.extractors import python\n"
        "text = 'PORT = 3025\\nx = ' + '(' * 1500 + '1' + ')' * 1500 + '\\n'\n"
        "print([(d.line, d.message) for d in python.extract('a.py', text).diagnostics])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    expected = "[(None, 'Python source nested too deeply to analyze')]\n"
    assert (result.returncode, result.stdout) == (0, expected), result.stderr


@pytest.mark.parametrize(
    ("depth", "nested"),
    [
        pytest.param(200, False, id="200-brackets-read"),
        pytest.param(201, True, id="201-brackets-refused-like-cpython"),
        pytest.param(python.MAX_NESTING - 10, False, id="deep-chain-read"),
        pytest.param(python.MAX_NESTING + 10, True, id="deeper-chain-refused"),
    ],
)
def test_nesting_limit(depth: int, nested: bool) -> None:
    """Past CPython's limits, or deeper than MAX_NESTING syntax levels, a file is one
    diagnostic."""
    body = "[" * depth + "]" * depth if depth <= 201 else "a" + "[0]" * depth
    extraction = python.extract("a.py", f"PORT = 3025\nx = {body}\n")
    if nested:
        assert extraction == Extraction(
            diagnostics=(Diagnostic("a.py", None, "Python source nested too deeply to analyze"),)
        )
    else:
        assert [f.port for f in extraction.facts] == [3025]


def test_long_implicit_concatenation_is_read() -> None:
    # 600 parts are one string node: its parts are read from the source text.
    text = "x = (\n" + '    "a"\n' * 600 + '    "http://h:81"\n)\n'
    limit = sys.getrecursionlimit()
    facts = python.extract("a.py", text).facts
    assert [(f.port, f.location.line, f.location.col) for f in facts] == [(81, 602, 15)]
    assert sys.getrecursionlimit() == limit


def test_recursion_error_is_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    def too_deep(path: str, text: str, deadline: float | None) -> list[PortFact]:
        raise RecursionError

    monkeypatch.setattr(python, "_facts", too_deep)
    limit = sys.getrecursionlimit()
    assert python.extract("a.py", "PORT = 3025\n") == Extraction(
        diagnostics=(Diagnostic("a.py", None, "Python source nested too deeply to analyze"),)
    )
    assert sys.getrecursionlimit() == limit


@pytest.mark.parametrize(
    ("text", "col"),
    [
        pytest.param("PORT = (3025)\n", 9, id="parenthesized-int"),
        pytest.param('PORT = ( "3025" )\n', 11, id="parenthesized-str"),
        pytest.param('PORT = rb"3025"\n', 11, id="prefixed-str"),
        pytest.param("PORT = '''3025'''\n", 11, id="triple-quoted"),
    ],
)
def test_column_skips_parentheses_prefix_and_quotes(text: str, col: int) -> None:
    (found,) = python.extract("a.py", text).facts
    assert (found.port, found.location.col, found.location.end_col) == (3025, col, col + 4)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("import os\n\nprint(os.getcwd())\n", id="no-ports"),
        pytest.param("# PORT = 3025 in a comment\n", id="comment"),
        pytest.param('"""Runs on http://localhost:3025 and port 3025."""\n', id="docstring"),
        pytest.param('PORT = os.environ["PORT"]\n', id="no-default"),
        pytest.param("uvicorn.run(app, port=port)\n", id="variable"),
        pytest.param("def f():\n    port = 3025\n", id="function-local"),
        pytest.param("timeout = 3000\nRETRIES = 4150\n", id="not-port-names"),
        pytest.param("PORT = 0x0BD1\n", id="hex"),
        pytest.param("PORT = 3_025\n", id="underscores"),
        pytest.param("PORT = 3025.0\n", id="float"),
        pytest.param("PORT = True\n", id="bool"),
        pytest.param('PORT = f"{3025}"\n', id="fstring-field"),
        pytest.param('PORT = "30" "25"\n', id="split-digits"),
    ],
)
def test_no_facts(text: str) -> None:
    assert python.extract("a.py", text) == Extraction()


def test_test_code_is_tagged() -> None:
    (found,) = python.extract("tests/test_a.py", "PORT = 3025\n").facts
    assert found.tags == (TAG_TEST,)


def test_udp_server_protocol() -> None:
    (found,) = python.extract("a.py", 'socketserver.UDPServer(("", 5353), H)\n').facts
    assert (found.port, found.protocol, found.role) == (5353, "udp", Role.DEFAULT)


def test_extraction_never_imports_libcst() -> None:
    code = (
        "import sys\n"
        "from portscan.extractors import python\n"
        "python.extract('a.py', 'PORT = 3025\\n')\n"
        "assert 'libcst' not in sys.modules, 'libcst imported by extraction'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'URL = f"http://{{x}}:1 http://api:{port} http://b:3002/{{"\n',
            [(3002, 1, 51, "b")],
            id="fstring-braces-and-fields",
        ),
        pytest.param(
            'URL = ("http://a:3001"  # "http://c:9"\n       "x" f"http://b:3002")\n',
            [(3001, 1, 18, "a"), (3002, 2, 23, "b")],
            id="concatenation-with-comment",
        ),
        pytest.param(
            'É = 1; URL = """\n\u00e9 http://b:3002\n"""\n',
            [(3002, 2, 12, "b")],
            id="non-ascii-before-multiline",
        ),
        pytest.param(
            "URL = 'it\\'s http://b:3002'\n",
            [(3002, 1, 23, "b")],
            id="escaped-quote",
        ),
    ],
)
def test_string_parts(text: str, expected: list[tuple[int, int, int, str]]) -> None:
    facts = python.extract("a.py", text).facts
    assert [(f.port, f.location.line, f.location.col, f.target) for f in facts] == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x = " + "a." * 500_000 + "a\n", id="megabyte-dotted-chain"),
        pytest.param("x = " + "+".join(["1"] * 200_000) + "\n", id="long-sum"),
    ],
)
def test_pathological_chains_are_refused(text: str) -> None:
    assert python.extract("a.py", "PORT = 3025\n" + text) == Extraction(
        diagnostics=(Diagnostic("a.py", None, "Python source nested too deeply to analyze"),)
    )


def test_python2_is_a_diagnostic() -> None:
    (diagnostic,) = python.extract("a.py", 'PORT = 3025\nprint "x"\n').diagnostics
    assert (diagnostic.line, diagnostic.message.startswith("invalid Python: ")) == (2, True)
