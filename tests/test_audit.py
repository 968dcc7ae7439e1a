"""The port table and ``who``: pure questions over a graph, and their three renderings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_trees import run

from portscan.audit import PortRow, Use, port_table, who_uses
from portscan.model import (
    TAG_EXAMPLE,
    TAG_IMAGE,
    TAG_TEST,
    Binding,
    Graph,
    Landing,
    LandingStatus,
    Location,
    PortFact,
    Role,
    Scope,
)
from portscan.render import PORTS_RENDERERS, WHO_RENDERERS

COMPOSE = "compose.yml"
PUBLISH = Binding("api", "box", 8080, "tcp", "publish", Location(COMPOSE, 4, 10))
INSIDE = Binding(
    "api", "box", 3000, "tcp", "override", Location(COMPOSE, 6, 13), scope=Scope.CONTAINER
)
DECLARED = Binding("llm", "gpu", 8080, "tcp", "declared", Location("portscan.toml", 9, 20))
DNS = Binding("dns", "box", 53, "udp", "publish", Location(COMPOSE, 9, 10))


def fact(port: int, role: Role, path: str, line: int, col: int = 5, **fields: object) -> PortFact:
    return PortFact(port, role, Location(path, line, col), "test", **fields)  # type: ignore[arg-type]


REFERENCE = fact(
    8080, Role.REFERENCE, "web/client.ts", 2, service="web", target="box.lan", host="local"
)
EXTERNAL = fact(
    8080, Role.REFERENCE, "web/client.ts", 4, service="web", target="example.com", host="local"
)
FACTS = (
    fact(3000, Role.DEFAULT, "api/main.py", 3, service="api", env="PORT"),
    fact(3000, Role.DEFAULT, "api/start.sh", 2, service="api", env="PORT"),
    fact(3000, Role.DEFAULT, "api/Dockerfile", 4, service="api", env="PORT", tags=(TAG_IMAGE,)),
    fact(3000, Role.DEFAULT, "api/.env.example", 1, service="api", env="PORT", tags=(TAG_EXAMPLE,)),
    fact(3999, Role.DEFAULT, "api/test_main.py", 1, service="api", tags=(TAG_TEST,)),
    fact(8080, Role.PUBLISH, COMPOSE, 4, 10, service="api", host="box"),
    fact(3000, Role.EXPOSE, COMPOSE, 4, 15, service="api", host="box", tags=("container",)),
    fact(
        3000,
        Role.OVERRIDE,
        COMPOSE,
        6,
        13,
        service="api",
        host="box",
        env="PORT",
        tags=("container",),
    ),
    fact(8080, Role.DOC, "README.md", 12, service="api"),
    fact(53, Role.PUBLISH, COMPOSE, 9, 10, service="dns", host="box", protocol="udp"),
    REFERENCE,
    EXTERNAL,
)
GRAPH = Graph(
    facts=FACTS,
    bindings=(PUBLISH, INSIDE, DECLARED, DNS),
    hosts=("box", "gpu"),
    services=("api", "dns", "llm", "web"),
    landings=(
        Landing(REFERENCE, LandingStatus.LANDS, "box", PUBLISH),
        Landing(EXTERNAL, LandingStatus.EXTERNAL, None),
    ),
)


def test_port_table() -> None:
    assert port_table(GRAPH) == (
        PortRow(53, "udp", "box", "dns", "publish", "host", (DNS.location,)),
        PortRow(3000, "tcp", "box", "api", "override", "container", (INSIDE.location,)),
        PortRow(
            3000,
            "tcp",
            None,
            "api",
            "default",
            "source",
            (Location("api/main.py", 3, 5), Location("api/start.sh", 2, 5)),
        ),
        PortRow(
            3000, "tcp", None, "api", "example", "source", (Location("api/.env.example", 1, 5),)
        ),
        PortRow(3000, "tcp", None, "api", "image", "source", (Location("api/Dockerfile", 4, 5),)),
        PortRow(8080, "tcp", "box", "api", "publish", "host", (PUBLISH.location,)),
        PortRow(8080, "tcp", "gpu", "llm", "declared", "host", (DECLARED.location,)),
    )


def test_ports_text() -> None:
    assert PORTS_RENDERERS["text"].render(port_table(GRAPH)) == (
        "PORT    HOST       SERVICE  VIA                   WHERE\n"
        "53/udp  box        dns      publish               compose.yml:9\n"
        "3000    box        api      override (container)  compose.yml:6\n"
        "3000    (default)  api      default               api/main.py:3, api/start.sh:2\n"
        "3000    (default)  api      example               api/.env.example:1\n"
        "3000    (default)  api      image                 api/Dockerfile:4\n"
        "8080    box        api      publish               compose.yml:4\n"
        "8080    gpu        llm      declared              portscan.toml:9\n"
    )


def test_ports_markdown_escapes_cells() -> None:
    row = PortRow(80, "tcp", "a|b", "web", "publish", "host", (Location("x|y.yml", 2),))
    assert PORTS_RENDERERS["markdown"].render([row]) == (
        "| port | host | service | via | where |\n"
        "|---|---|---|---|---|\n"
        "| 80 | a\\|b | web | publish | x\\|y.yml:2 |\n"
    )


def test_ports_json() -> None:
    document = json.loads(PORTS_RENDERERS["json"].render(port_table(GRAPH)))
    assert document["version"] == 1
    assert document["ports"][2] == {
        "port": 3000,
        "protocol": "tcp",
        "host": None,
        "service": "api",
        "via": "default",
        "scope": "source",
        "locations": [
            {"path": "api/main.py", "line": 3, "col": 5},
            {"path": "api/start.sh", "line": 2, "col": 5},
        ],
    }


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_no_ports(output_format: str) -> None:
    assert PORTS_RENDERERS[output_format].render([]) == "No ports found.\n"


def test_who_groups_by_host_and_references_by_where_they_land() -> None:
    uses = who_uses(GRAPH, 8080)
    assert [
        (u.group, u.role, u.location.path, u.location.line, u.binds, u.landing) for u in uses
    ] == [
        ("box", "publish", COMPOSE, 4, True, None),
        ("box", "reference", "web/client.ts", 2, False, "lands"),
        ("gpu", "declared", "portscan.toml", 9, True, None),
        ("(external)", "reference", "web/client.ts", 4, False, "external"),
        ("(source)", "doc", "README.md", 12, False, None),
    ]


def test_who_text() -> None:
    assert WHO_RENDERERS["text"].render(3000, who_uses(GRAPH, 3000)) == (
        "box\n"
        "  compose.yml:4:15      expose    api  container\n"
        "  compose.yml:6:13      override  api  env=PORT, container, binds\n"
        "\n"
        "(source)\n"
        "  api/.env.example:1:5  default   api  env=PORT, example\n"
        "  api/Dockerfile:4:5    default   api  env=PORT, image\n"
        "  api/main.py:3:5       default   api  env=PORT\n"
        "  api/start.sh:2:5      default   api  env=PORT\n"
        "\n"
        "6 statements about port 3000.\n"
    )


def test_who_text_shows_protocol_target_and_landing() -> None:
    out = WHO_RENDERERS["text"].render(53, who_uses(GRAPH, 53))
    assert (
        out == "box\n  compose.yml:9:10  publish  dns  udp, binds\n\n1 statement about port 53.\n"
    )
    out = WHO_RENDERERS["text"].render(8080, who_uses(GRAPH, 8080))
    assert "  web/client.ts:2:5   reference  web  target=box.lan, lands\n" in out


def test_who_json() -> None:
    document = json.loads(WHO_RENDERERS["json"].render(53, who_uses(GRAPH, 53)))
    assert document == {
        "version": 1,
        "port": 53,
        "uses": [
            {
                "group": "box",
                "role": "publish",
                "service": "dns",
                "protocol": "udp",
                "path": COMPOSE,
                "line": 9,
                "col": 10,
                "env": None,
                "target": None,
                "tags": [],
                "binds": True,
                "landing": None,
            }
        ],
    }


def test_who_of_an_unused_port() -> None:
    assert who_uses(GRAPH, 4242) == ()
    assert WHO_RENDERERS["text"].render(4242, ()) == "Nothing uses port 4242.\n"
    assert json.loads(WHO_RENDERERS["json"].render(4242, ())) == {
        "version": 1,
        "port": 4242,
        "uses": [],
    }


def test_a_test_default_is_a_fact_for_who_but_no_row_of_the_table() -> None:
    assert [u.role for u in who_uses(GRAPH, 3999)] == ["default"]
    assert all(row.port != 3999 for row in port_table(GRAPH))


def test_use_sorting_puts_hosts_then_external_then_source() -> None:
    place = Location("a", 1)
    uses = [
        Use("(source)", "doc", None, "tcp", place),
        Use("(external)", "reference", None, "tcp", place),
        Use("z", "publish", None, "tcp", place),
    ]
    assert [u.group for u in sorted(uses, key=Use.sort_key)] == ["z", "(external)", "(source)"]


def test_commands_on_an_empty_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ports", str(tmp_path)) == (0, "No ports found.\n", "")
    assert run(capsys, "ports", str(tmp_path), "--format", "json") == (
        0,
        '{\n  "version": 1,\n  "ports": []\n}\n',
        "",
    )
    assert run(capsys, "who", "3025", str(tmp_path)) == (0, "Nothing uses port 3025.\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["who", "0"], "0 is not in the range 1<=x<=65535", id="port-zero"),
        pytest.param(["who", "70000"], "70000 is not in the range", id="port-too-big"),
        pytest.param(["who", "http"], "'http' is not a valid integer", id="not-a-number"),
        pytest.param(["ports", "--format", "yaml"], "Invalid value for '--format'", id="format"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args, str(tmp_path))
    assert (code, out) == (2, "")
    assert message in err
