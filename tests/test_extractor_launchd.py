from __future__ import annotations

import plistlib
from collections.abc import Callable
from pathlib import Path

import pytest
from annotations import check_fixture

from portscan.extractors import launchd
from portscan.model import TAG_FLAG, Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "launchd"


def plist(body: str) -> str:
    """A complete XML plist around a ``<dict>`` body."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<plist version="1.0">\n'
        "<dict>\n"
        f"{body}"
        "</dict>\n"
        "</plist>\n"
    )


@pytest.mark.parametrize(
    "fixture",
    [pytest.param(path, id=path.name) for path in sorted(FIXTURES.glob("*.plist"))],
)
def test_fixture(fixture: Path) -> None:
    check_fixture(launchd, fixture)


def test_fixtures_exist() -> None:
    assert len(list(FIXTURES.glob("*.plist"))) >= 3


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("com.mana.image-gen.plist", True, id="label-name"),
        pytest.param("scripts/mac-mini/com.mana.llm.plist", True, id="nested"),
        pytest.param("Info.plist", True, id="any-plist"),
        pytest.param("com.mana.llm.plist.bak", False, id="backup"),
        pytest.param("plist", False, id="bare-word"),
        pytest.param("deploy/plist.sh", False, id="script"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert launchd.matches(path) is expected


def test_prefilter_is_none_for_binary_plists() -> None:
    assert launchd.PREFILTER is None


def test_exact_facts() -> None:
    text = plist(
        "<key>Label</key><string>com.acme.flux</string>\n"
        "<key>ProgramArguments</key>\n"
        "<array><string>uvicorn</string><string>--port</string><string>5125</string></array>\n"
        "<key>EnvironmentVariables</key>\n"
        "<dict><key>PORT</key><string>5125</string></dict>\n"
    )
    facts = launchd.extract("a.plist", text).facts
    assert facts == (
        PortFact(
            port=5125,
            role=Role.OVERRIDE,
            location=Location("a.plist", 6, 63, 6, 67),
            extractor="launchd",
            service="com.acme.flux",
            tags=(TAG_FLAG,),
        ),
        PortFact(
            port=5125,
            role=Role.OVERRIDE,
            location=Location("a.plist", 8, 30, 8, 34),
            extractor="launchd",
            service="com.acme.flux",
            env="PORT",
        ),
    )


def test_repeated_literal_in_one_script_points_at_the_flag() -> None:
    text = plist(
        "<key>ProgramArguments</key>\n"
        "<array><string>sh</string><string>-c</string>\n"
        "<string>run --workers 3025 --port 3025</string></array>\n"
    )
    (fact,) = launchd.extract("a.plist", text).facts
    assert (fact.location.line, fact.location.col) == (6, 35)
    assert fact.service is None


def test_escaped_characters_before_the_port_keep_columns() -> None:
    text = plist(
        "<key>ProgramArguments</key>\n"
        "<array><string>sh</string><string>-c</string>\n"
        "<string>a &amp;&amp; b &#x3c; c --port &quot;3030&quot;</string></array>\n"
    )
    (fact,) = launchd.extract("a.plist", text).facts
    line = text.splitlines()[fact.location.line - 1]
    assert line[fact.location.col - 1 :].startswith("3030")


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / "com.mana.web.plist").read_text(encoding="utf-8")
    expected = [(f.port, f.location) for f in launchd.extract("a.plist", text).facts]
    converted = launchd.extract("a.plist", text.replace("\n", newline))
    assert not converted.diagnostics
    assert [(f.port, f.location) for f in converted.facts] == expected


@pytest.mark.parametrize(
    "decode",
    [
        pytest.param(lambda data: data.decode("utf-8", "surrogateescape"), id="surrogateescape"),
        pytest.param(lambda data: data.decode("latin-1"), id="latin-1"),
    ],
)
def test_binary_plist_facts_sit_at_line_one(decode: Callable[[bytes], str]) -> None:
    data = plistlib.dumps(
        {
            "Label": "com.mana.llm",
            "ProgramArguments": ["/usr/bin/uvicorn", "--port", "3025"],
            "EnvironmentVariables": {"PORT": 3026, "LLM_URL": "http://mana-llm:3027"},
        },
        fmt=plistlib.FMT_BINARY,
    )
    extraction = launchd.extract("b.plist", decode(data))
    assert not extraction.diagnostics
    assert [(f.port, f.role, f.env, f.target, f.tags) for f in extraction.facts] == [
        (3025, Role.OVERRIDE, None, None, (TAG_FLAG,)),
        (3026, Role.OVERRIDE, "PORT", None, ()),
        (3027, Role.REFERENCE, "LLM_URL", "mana-llm", ()),
    ]
    assert {f.location for f in extraction.facts} == {Location("b.plist", 1, 1)}
    assert {f.service for f in extraction.facts} == {"com.mana.llm"}


def test_entity_declarations_are_refused_before_parsing() -> None:
    bomb = (
        '<?xml version="1.0"?>\n'
        "<!DOCTYPE plist [\n"
        '  <!ENTITY lol "lol">\n'
        '  <!entity lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        "]>\n"
        "<plist><dict><key>PORT</key><string>&lol2;</string></dict></plist>\n"
    )
    assert launchd.extract("bomb.plist", bomb).diagnostics == (
        Diagnostic("bomb.plist", 3, "plist declares XML entities; not expanded"),
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            plist("<key>PORT</key>\n<string>3025</strin>\n"),
            5,
            "invalid plist: mismatched tag",
            id="mismatched-tag",
        ),
        pytest.param(
            plist("<key>PORT</key>\n<string>3025\n"),
            6,
            "invalid plist: mismatched tag",
            id="unclosed",
        ),
        pytest.param(
            plist("<string>no key</string>\n"),
            4,
            "invalid plist: unexpected element at line 4",
            id="value-without-key",
        ),
        pytest.param("", None, "empty plist", id="empty"),
        pytest.param("bplist00garbage", None, "invalid plist: Invalid file", id="bad-binary"),
    ],
)
def test_malformed_plist_is_a_diagnostic(text: str, line: int | None, message: str) -> None:
    assert launchd.extract("bad.plist", text) == Extraction(
        diagnostics=(Diagnostic("bad.plist", line, message),)
    )


def test_bad_date_is_a_diagnostic_not_a_crash() -> None:
    text = plist("<key>Label</key><string>x</string><key>D</key><date>soon</date>\n")
    (diagnostic,) = launchd.extract("bad.plist", text).diagnostics
    assert diagnostic.message.startswith("invalid plist:")
    assert diagnostic.line is None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            plist(
                "<key>CFBundleVersion</key><string>3000</string>\n<key>PORT</key><string>3025</string>\n"
            ),
            id="info-plist",
        ),
        pytest.param(
            '<?xml version="1.0"?><plist><array><string>--port</string>'
            "<string>3025</string></array></plist>",
            id="array-root",
        ),
        pytest.param(
            plist("<key>Label</key><string>x</string>\n<key>KeepAlive</key><true/>\n"),
            id="job-without-ports",
        ),
        pytest.param(
            plist(
                "<key>Label</key><string>x</string>\n"
                "<key>EnvironmentVariables</key><dict>\n"
                "<key>PORT</key><true/><key>API_PORT</key><string>auto</string>\n"
                "<key>HTTP_PORT</key><integer>70000</integer><key>PORT2</key><dict/>\n"
                "</dict>\n"
                "<key>ProgramArguments</key><string>not a list</string>\n"
                "<key>Sockets</key><dict><key>L</key><dict>"
                "<key>SockServiceName</key><string>ssh</string></dict></dict>\n"
            ),
            id="values-that-are-not-ports",
        ),
    ],
)
def test_no_facts(text: str) -> None:
    assert launchd.extract("x.plist", text) == Extraction()


def test_unlocatable_value_falls_back_to_its_key() -> None:
    text = plist(
        "<key>Label</key><string>x</string>\n"
        "<key>EnvironmentVariables</key><dict>\n"
        "<key>PORT</key><string><![CDATA[3025]]></string>\n"
        "</dict>\n"
    )
    (fact,) = launchd.extract("x.plist", text).facts
    assert (fact.port, fact.env, fact.location.line) == (3025, "PORT", 6)


def test_sockets_in_a_listener_array_advance_through_the_text() -> None:
    text = plist(
        "<key>Label</key><string>x</string>\n"
        "<key>Sockets</key><dict><key>Listeners</key><array>\n"
        "<dict><key>SockServiceName</key><string>9000</string></dict>\n"
        "<dict><key>SockServiceName</key><integer>9000</integer>"
        "<key>SockType</key><string>stream</string></dict>\n"
        "</array></dict>\n"
    )
    facts = launchd.extract("x.plist", text).facts
    assert [(f.port, f.protocol, f.location.line) for f in facts] == [
        (9000, "tcp", 6),
        (9000, "tcp", 7),
    ]


def test_huge_character_reference_in_cdata_does_not_escape() -> None:
    text = plist(
        "<key>Label</key><string>x</string>\n"
        "<key>EnvironmentVariables</key><dict>\n"
        "<key>NOTE</key><string><![CDATA[&#99999999999;]]></string>\n"
        "<key>PORT</key><string>3025</string>\n"
        "</dict>\n"
    )
    (fact,) = launchd.extract("x.plist", text).facts
    assert (fact.port, fact.location.line, fact.location.col) == (3025, 7, 24)


def test_binary_plist_with_a_non_string_key() -> None:
    data = plistlib.dumps(
        {"Label": "x", "EnvironmentVariables": {"PORT": 3026, "API_PORT": 3027}},
        fmt=plistlib.FMT_BINARY,
    )
    # The ASCII-string object "PORT" (marker 0x54) becomes the integer 7 (marker 0x10);
    # the three bytes left over are never referenced.
    patched = data.replace(b"\x54PORT", b"\x10\x07ORT", 1)
    assert plistlib.loads(patched)["EnvironmentVariables"] == {7: 3026, "API_PORT": 3027}
    facts = launchd.extract("b.plist", patched.decode("latin-1")).facts
    assert [(f.port, f.env) for f in facts] == [(3027, "API_PORT")]
