"""Regressions: the inputs the fuzzer and the adversarial probes found, pinned exactly.

Each case once raised, pointed outside its file, quoted a megabyte back, or hung; the
fix is named beside it.
"""

from __future__ import annotations

import pytest

from portscan.extractors import compose, launchd, packagejson, urls
from portscan.model import Diagnostic, Location


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # The YAML scanner reports the end of a text without a final line break on a line
        # of its own, one past the last (yamlnodes.compose_documents clamps it).
        pytest.param("class Settings:\n;", 2, id="no-final-newline"),
        pytest.param('services:\n  web:\n    ports: ["8080:80"]\n  x', 4, id="after-services"),
        pytest.param("class Settings:\n;\n", 3, id="final-newline-is-a-line"),
    ],
)
def test_a_yaml_error_at_the_end_points_inside_the_file(text: str, line: int) -> None:
    assert compose.extract("docker-compose.yml", text).diagnostics == (
        Diagnostic("docker-compose.yml", line, "invalid YAML: could not find expected ':'"),
    )


def test_a_plist_value_found_by_its_key_has_no_span() -> None:
    """``<array\\n>`` is valid XML the locator does not match: the value is pinned to its
    key, and the fact claims a start, not a span past the end of that line."""
    text = (
        '<?xml version="1.0"?>\n<plist version="1.0">\n<dict>\n'
        "\t<key>Label</key><string>com.x</string>\n"
        "\t<key>ProgramArguments</key>\n"
        "\t<array\n>\n\t\t<string>serve</string>\n\t\t<string>--port=3030</string>\n\t</array>\n"
        "</dict>\n</plist>\n"
    )
    (fact,) = launchd.extract("com.x.plist", text).facts
    assert (fact.port, fact.location) == (3030, Location("com.x.plist", 5, 29))


def test_a_number_longer_than_int_conversion_allows() -> None:
    """JSON bounds no number; ``int()`` refuses 4300 digits with a ValueError, which once
    escaped the extractor (packagejson.read_json no longer converts)."""
    text = '{"v": ' + "9" * 5000 + ', "scripts": {"dev": "vite --port 5010"}}'
    extraction = packagejson.extract("package.json", text)
    assert extraction.diagnostics == ()
    assert [(f.port, f.location.col) for f in extraction.facts] == [(5010, 5041)]


@pytest.mark.parametrize(
    ("depth", "deep"),
    [pytest.param(packagejson.MAX_DEPTH, False, id="at-limit"), pytest.param(300, True, id="past")],
)
def test_json_nesting_limit_does_not_depend_on_the_stack(depth: int, deep: bool) -> None:
    """An explicit limit, so a worker process and the main one agree (the recursive
    readers used to fail at whatever depth the caller's stack left them)."""
    text = "[" * depth + "]" * depth
    diagnostics = packagejson.extract("package.json", text).diagnostics
    expected = (Diagnostic("package.json", 1, "invalid JSON: nested too deeply"),) if deep else ()
    assert diagnostics == expected


def test_a_diagnostic_quotes_a_value_not_a_megabyte() -> None:
    text = 'services:\n  web:\n    ports: ["' + "1" * 100_000 + ':80"]\n'
    assert compose.extract("docker-compose.yml", text).diagnostics == (
        Diagnostic("docker-compose.yml", 3, f"invalid host port '{'1' * 40}...'"),
    )


def test_url_scan_is_linear_on_dotted_runs() -> None:
    """``a.a.a...``: every letter after a dot could start a URL scheme, and an unbounded
    scheme scanned to the end of the run from each (100 KB took 36 s). No time is
    asserted: a regression makes this test hang, not fail."""
    assert list(urls.url_ports("a." * 500_000)) == []
    found = list(urls.url_ports("x." * 500_000 + "http://h:80/"))
    assert [(u.port, u.host) for u in found] == [(80, "h")]
