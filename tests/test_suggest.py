"""``portscan suggest``: free ports for a service, and why the ports near them are taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_trees import make_repo, run

from portscan.api import scan
from portscan.config import Config, load_config
from portscan.model import Graph
from portscan.suggest import (
    Blocker,
    UnknownServiceError,
    current_port,
    find_service,
    format_suggestion,
    suggest,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "example-monorepo"
BOX = ROOT / "fixtures" / "move" / "box"


def graph_of(root: Path) -> tuple[Graph, Config]:
    config = load_config(root)
    return scan(root, config).graph, config


def test_example_image_gen_gets_the_free_ports_of_the_ai_range() -> None:
    graph, config = graph_of(EXAMPLE)
    found = suggest(graph, config, "mana-image-gen", 3)
    assert found.free == (3022, 3023, 3024)
    assert (found.hosts, found.deployed, found.category, found.span) == (
        ("mac-mini",),
        True,
        "ai",
        (3020, 3029),
    )
    assert [c.port for c in found.candidates] == [3020, 3021, 3022, 3023, 3024]
    assert {b.kind for b in found.candidates[0].blockers} == {
        "bound",
        "default",
        "documented",
        "referenced",
    }
    # the stale route search.mana.how -> localhost:3021 on mac-mini takes 3021
    assert {b.kind for b in found.candidates[1].blockers} == {"referenced"}


def test_verbose_text_says_why_each_port_was_skipped() -> None:
    graph, config = graph_of(BOX)
    found = suggest(graph, config, "api", 2)
    assert format_suggestion(found, verbose=True) == (
        "api: category web (5100-5119); runs on box\n"
        "5100  skipped: bound by web on box (publish, deploy/box/docker-compose.yml:18);"
        " source default of web (services/web/main.py:5); documented for web in docs/PORTS.md:7\n"
        "5101  free\n"
        "5102  free\n"
    )
    assert format_suggestion(found) == "5101\n5102\n"


def test_the_service_s_own_ports_and_other_hosts_are_skipped(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "portscan.toml": (
                '[hosts.a]\nfiles = ["deploy/a/**"]\n'
                "[hosts.b]\nservices = { other = 4002 }\n"
                "[services.api]\ncategory = 'web'\n"
                "[ranges]\nweb = [4000, 4005]\n"
            ),
            "services/api/main.py": 'import os\nPORT = int(os.getenv("PORT", "4000"))\n',
            "deploy/a/docker-compose.yml": (
                'services:\n  api:\n    environment:\n      PORT: 4001\n    ports: ["4001:4001"]\n'
            ),
            "services/doc/README.md": "# doc\n\nRuns on port 4003.\n",
            "deploy/a/cloudflared.yml": "ingress:\n  - service: http://localhost:4004\n",
        },
    )
    graph, config = graph_of(tmp_path)
    found = suggest(graph, config, "api", 1)
    reasons = {c.port: [(b.kind, b.reason) for b in c.blockers] for c in found.candidates}
    assert reasons == {
        4000: [("current", "api's own source default (services/api/main.py:2)")],
        4001: [("current", "api binds it on a")],
        4002: [
            (
                "bound",
                "bound by other on b, another host: a latent collision (declared, portscan.toml:4)",
            )
        ],
        4003: [("documented", "documented for doc in services/doc/README.md:3")],
        4004: [
            (
                "referenced",
                "referenced on a by deploy/a/cloudflared.yml:2 (localhost:4004)",
            )
        ],
        4005: [],
    }
    assert found.free == (4005,)


@pytest.mark.parametrize(
    ("span", "reserved", "expected"),
    [
        pytest.param(
            (5430, 5433), "[reserved]\n5432 = 'postgres'\n", (5430, 5431, 5433), id="reserved"
        ),
        pytest.param((5430, 5433), "[reserved]\n5432 = 'api'\n", (5430, 5431, 5432), id="own"),
        pytest.param((1021, 1026), "", (1024, 1025, 1026), id="privileged"),
    ],
)
def test_reserved_and_privileged_ports_are_skipped(
    tmp_path: Path, span: tuple[int, int], reserved: str, expected: tuple[int, ...]
) -> None:
    make_repo(
        tmp_path,
        {
            "portscan.toml": (
                f"[services.api]\ncategory = 'db'\n[ranges]\ndb = [{span[0]}, {span[1]}]\n{reserved}"
            ),
            "services/api/main.py": 'import os\nPORT = int(os.getenv("PORT", "9000"))\n',
        },
    )
    graph, config = graph_of(tmp_path)
    assert suggest(graph, config, "api", 3).free == expected


def test_without_a_range_the_ports_above_the_current_one(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "services/api/main.py": 'import os\nPORT = int(os.getenv("PORT", "7000"))\n',
            "services/other/main.py": 'import os\nPORT = int(os.getenv("PORT", "7001"))\n',
        },
    )
    graph, config = graph_of(tmp_path)
    found = suggest(graph, config, "api", 2)
    assert (found.span, found.current, found.free) == (None, 7000, (7002, 7003))
    assert format_suggestion(found, verbose=True) == (
        "api: no category range; ports above its current 7000; not deployed yet;"
        " checked no known host\n"
        "7001  skipped: source default of other (services/other/main.py:2)\n"
        "7002  free\n"
        "7003  free\n"
    )


def test_an_undeployed_service_is_checked_on_every_host() -> None:
    graph, config = graph_of(EXAMPLE)
    found = suggest(graph, config, "mana-voice-bot", 1)
    assert (found.deployed, found.hosts) == (False, ("mac-mini", "windows-gpu"))
    assert (found.current, found.free) == (3050, (3051,))


def test_current_port_prefers_what_the_service_binds() -> None:
    graph, _ = graph_of(EXAMPLE)
    assert current_port(graph, "mana-image-gen") == 3025  # binds 3025, defaults to 3026
    assert current_port(graph, "mana-web") == 5000  # not deployed: its lowest default
    assert current_port(graph, "searxng") == 8080  # only exposes
    assert current_port(graph, "nothing") is None


def test_a_service_with_no_port_and_no_range_cannot_be_suggested_for(tmp_path: Path) -> None:
    graph, config = graph_of(EXAMPLE)
    with pytest.raises(UnknownServiceError, match="no port yet and no category range"):
        suggest(graph, config, "ghost", 1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("mana-llm", "mana-llm", id="exact"),
        pytest.param("com.mana.image-gen", "mana-image-gen", id="config-alias"),
        pytest.param("llm", "mana-llm", id="suffix"),
        pytest.param("MANA-LLM", "mana-llm", id="case"),
        pytest.param("searx", None, id="unknown"),
        pytest.param("mana", None, id="ambiguous-prefix"),
    ],
)
def test_find_service(name: str, expected: str | None) -> None:
    graph, config = graph_of(EXAMPLE)
    if expected is None:
        with pytest.raises(UnknownServiceError):
            find_service(graph, config, name)
    else:
        assert find_service(graph, config, name) == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("video", "unknown service 'video' (known: mana-video-gen)", id="near"),
        pytest.param("gen", "'gen' is ambiguous: mana-image-gen, mana-video-gen", id="ambiguous"),
    ],
)
def test_unknown_service_messages(name: str, message: str) -> None:
    graph, config = graph_of(EXAMPLE)
    with pytest.raises(UnknownServiceError) as caught:
        find_service(graph, config, name)
    assert str(caught.value) == message


def test_long_lines_count_the_reasons_they_leave_out() -> None:
    from portscan.suggest import Candidate, Suggestion

    blockers = tuple(Blocker("default", f"source default of s{i}") for i in range(5))
    found = Suggestion("x", ("h",), True, None, None, 10, (Candidate(11, blockers),))
    assert format_suggestion(found, verbose=True).splitlines()[1] == (
        "11  skipped: source default of s0; source default of s1; source default of s2; and 2 more"
    )


# -- the command -----------------------------------------------------------------------


def test_cli_prints_one_port_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "suggest", "image-gen", str(EXAMPLE), "--count", "2") == (
        0,
        "3022\n3023\n",
        "",
    )


def test_cli_exits_1_when_the_range_is_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(
        tmp_path,
        {
            "portscan.toml": "[services.api]\ncategory = 'x'\n[ranges]\nx = [6000, 6001]\n",
            "services/api/main.py": 'import os\nPORT = int(os.getenv("PORT", "6000"))\n',
            "services/other/main.py": 'import os\nPORT = int(os.getenv("PORT", "6001"))\n',
        },
    )
    code, out, err = run(capsys, "suggest", "api", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == "portscan: only 0 free port(s) for api in 6000-6001\n"


def test_cli_unknown_service_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "suggest", "nope", str(EXAMPLE))
    assert (code, out) == (2, "")
    assert err.startswith("portscan: unknown service 'nope' (known: ")
