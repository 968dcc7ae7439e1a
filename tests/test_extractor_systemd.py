from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params

from portscan.extractors import systemd
from portscan.model import TAG_FLAG, Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "systemd"


def summary(text: str, path: str = "app.service") -> list[tuple[object, ...]]:
    """(port, role, line, col, env, protocol, tags) of every fact, for compact tables."""
    extraction = systemd.extract(path, text)
    assert not extraction.diagnostics, extraction.diagnostics
    return [
        (f.port, f.role.value, f.location.line, f.location.col, f.env, f.protocol, f.tags)
        for f in extraction.facts
    ]


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES))
def test_fixture(relpath: str) -> None:
    check_fixture(systemd, FIXTURES / relpath, relpath)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("mana-llm.service", True, id="service"),
        pytest.param("deploy/linux/mana-dns.socket", True, id="socket"),
        pytest.param("worker@.service", True, id="template"),
        pytest.param("mana-llm.timer", False, id="timer"),
        pytest.param("mana-llm.service.d/override.conf", False, id="drop-in"),
        pytest.param("services/mana-llm/service.py", False, id="python"),
        pytest.param("mana-llm.service.bak", False, id="backup"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert systemd.matches(path) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("mana-llm.service", "mana-llm", id="service"),
        pytest.param("deploy/mana-dns.socket", "mana-dns", id="nested-socket"),
        pytest.param("worker@.service", "worker", id="template"),
        pytest.param("worker@2.service", "worker", id="instance"),
        pytest.param("a.b.service", "a.b", id="dotted"),
    ],
)
def test_unit_name(path: str, expected: str) -> None:
    assert systemd.unit_name(path) == expected


def test_exact_facts() -> None:
    text = "[Service]\nEnvironment=PORT=8080\nExecStart=/usr/bin/app --port 8081\n"
    assert systemd.extract("deploy/app.service", text).facts == (
        PortFact(
            8080,
            Role.OVERRIDE,
            Location("deploy/app.service", 2, 18, 2, 22),
            "systemd",
            service="app",
            env="PORT",
        ),
        PortFact(
            8081,
            Role.OVERRIDE,
            Location("deploy/app.service", 3, 31, 3, 35),
            "systemd",
            service="app",
            tags=(TAG_FLAG,),
        ),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "[Service]\nEnvironment=PORT=8080 API_PORT=8081\n",
            [
                (8080, "override", 2, 18, "PORT", "tcp", ()),
                (8081, "override", 2, 32, "API_PORT", "tcp", ()),
            ],
            id="two-assignments",
        ),
        pytest.param(
            '[Service]\nEnvironment=PORT="8080"\n',
            [(8080, "override", 2, 19, "PORT", "tcp", ())],
            id="quoted-value",
        ),
        pytest.param(
            "[Service]\nEnvironment=A=1 \\\n  PORT=8080\n",
            [(8080, "override", 3, 8, "PORT", "tcp", ())],
            id="continuation",
        ),
        pytest.param(
            "[Service]\nExecStart=/usr/bin/app \\\n  # a comment inside\n  --port=8000\n",
            [(8000, "override", 4, 10, None, "tcp", (TAG_FLAG,))],
            id="comment-inside-continuation",
        ),
        pytest.param(
            "[Service]\nExecStart=!!/usr/bin/app -p 8000\n",
            [(8000, "override", 2, 29, None, "tcp", (TAG_FLAG,))],
            id="double-bang-prefix",
        ),
        pytest.param(
            "[Service]\nExecStart=/usr/bin/app --bind [::1]:8000\n",
            [(8000, "override", 2, 37, None, "tcp", (TAG_FLAG,))],
            id="ipv6-bind",
        ),
        pytest.param(
            "[Service]\nExecStart=/bin/sh -c 'app --port ${PORT:-8000}'\n",
            [(8000, "override", 2, 42, "PORT", "tcp", ())],
            id="fallback-in-script",
        ),
        pytest.param(
            "[Socket]\nListenDatagram=[::]:5353\n",
            [(5353, "override", 2, 21, None, "udp", ())],
            id="datagram",
        ),
        pytest.param("[Service]\nExecStart=\n", [], id="reset"),
        pytest.param("[Service]\nExecStop=/usr/bin/app --port 8000\n", [], id="exec-stop"),
        pytest.param("[Service]\nEnvironmentFile=/etc/app.env\n", [], id="environment-file"),
        pytest.param("[Unit]\nEnvironment=PORT=8080\n", [], id="environment-outside-service"),
        pytest.param("[Service]\nListenStream=8080\n", [], id="listen-outside-socket"),
        pytest.param("Environment=PORT=8080\n", [], id="before-any-section"),
        pytest.param("[Socket]\nListenStream=8080 # comment\n", [], id="no-trailing-comments"),
        pytest.param("[Socket]\nListenStream=70000\n", [], id="out-of-range"),
        pytest.param("[Socket]\nListenSequentialPacket=/run/a\n", [], id="seqpacket"),
        pytest.param("[Service]\nRestartSec=3000\nTimeoutSec=3000\n", [], id="timeouts"),
        pytest.param("", [], id="empty"),
        pytest.param(
            "[Socket]\nListenStream=80\n \\\n",
            [(80, "override", 2, 14, None, "tcp", ())],
            id="lone-backslash",
        ),
    ],
)
def test_forms(text: str, expected: list[tuple[object, ...]]) -> None:
    assert summary(text) == expected


def test_socket_names_the_service_it_activates() -> None:
    text = "[Socket]\nListenStream=8080\nService=mana-api.service\n"
    (fact,) = systemd.extract("api.socket", text).facts
    assert fact.service == "mana-api"


@pytest.mark.parametrize(
    ("text", "diagnostic"),
    [
        pytest.param(
            "[Service]\nthis is not a setting\nEnvironment=PORT=8080\n",
            Diagnostic("a.service", 2, "invalid unit file line: expected [Section] or Key=Value"),
            id="missing-equals",
        ),
        pytest.param(
            "[Service\nEnvironment=PORT=8080\n",
            Diagnostic("a.service", 1, "invalid unit file line: expected [Section] or Key=Value"),
            id="unclosed-section",
        ),
        pytest.param(
            "[Service]\n=8080\n",
            Diagnostic("a.service", 2, "invalid unit file line: expected [Section] or Key=Value"),
            id="empty-key",
        ),
    ],
)
def test_malformed_lines_are_diagnostics(text: str, diagnostic: Diagnostic) -> None:
    assert systemd.extract("a.service", text).diagnostics == (diagnostic,)


def test_diagnostic_keeps_the_other_facts() -> None:
    text = "[Service]\nthis is not a setting\nEnvironment=PORT=8080\n"
    assert [fact.port for fact in systemd.extract("a.service", text).facts] == [8080]


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / "mana-llm.service").read_text(encoding="utf-8")
    expected = systemd.extract("mana-llm.service", text)
    assert expected.facts
    assert systemd.extract("mana-llm.service", text.replace("\n", newline)) == expected


def test_prefilter_is_none() -> None:
    assert systemd.PREFILTER is None
    assert systemd.extract("a.service", "[Unit]\nDescription=x\n") == Extraction()
