"""``portscan graph``: Mermaid, DOT and JSON drawings of services, hosts and ports."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from portscan.cli import main
from portscan.model import (
    Binding,
    Graph,
    Landing,
    LandingStatus,
    Location,
    PortFact,
    Role,
    ScanResult,
    ScanStats,
    Scope,
    Severity,
    make_finding,
)
from portscan.render import GRAPH_RENDERERS, RenderOptions, graph_dot, graph_json, graph_mermaid
from portscan.render.diagram import build

COMPOSE = "deploy/compose.yml"
API_PUBLISH = Binding("api", "box", 8080, "tcp", "publish", Location(COMPOSE, 4, 10))
WEB_PUBLISH = Binding("web", "box", 8080, "tcp", "publish", Location(COMPOSE, 7, 10))
WORKER = Binding(
    "worker", "box", 9000, "tcp", "override", Location(COMPOSE, 10, 13), scope=Scope.CONTAINER
)
DNS = Binding("dns", "box", 53, "udp", "publish", Location(COMPOSE, 12, 10))


def fact(port: int, role: Role, path: str, line: int, **fields: str) -> PortFact:
    return PortFact(port, role, Location(path, line, 5), "test", **fields)  # type: ignore[arg-type]


TO_API = fact(8080, Role.REFERENCE, "web/app.ts", 3, service="web", target="localhost", host="box")
NOWHERE = fact(7000, Role.REFERENCE, "Caddyfile", 2, target="localhost", host="box")
WRONG = fact(9000, Role.REFERENCE, "web/app.ts", 5, service="web", target="worker", host="box")
OUTSIDE = fact(443, Role.REFERENCE, "web/app.ts", 8, service="web", target="example.com")

GRAPH = Graph(
    facts=(
        fact(3000, Role.DEFAULT, "api/main.py", 1, service="api", env="PORT"),
        fact(3000, Role.DEFAULT, "web/main.py", 1, service="web", env="PORT"),
        TO_API,
        NOWHERE,
        WRONG,
        OUTSIDE,
    ),
    bindings=(API_PUBLISH, WEB_PUBLISH, WORKER, DNS),
    hosts=("box",),
    services=("api", "dns", "web", "worker"),
    landings=(
        Landing(TO_API, LandingStatus.LANDS, "box", API_PUBLISH),
        Landing(NOWHERE, LandingStatus.DANGLING, "box"),
        Landing(WRONG, LandingStatus.MISROUTE, "box", WORKER, expected="billing"),
        Landing(OUTSIDE, LandingStatus.EXTERNAL, None),
    ),
)
COLLISION = make_finding(
    "PS001",
    "active-collision",
    Severity.ERROR,
    "port 8080/tcp is bound twice on host box",
    port=8080,
    services=("api", "web"),
    hosts=("box",),
    locations=(WEB_PUBLISH.location, API_PUBLISH.location),
)
RESULT = ScanResult(".", GRAPH, (COLLISION,), (), ScanStats(3, 3, 6, 1))

EXPECTED_MERMAID = """\
flowchart LR
  subgraph h_box["box"]
    p_box_53_udp(("53/udp"))
    p_box_7000_tcp(("7000"))
    p_box_8080_tcp(("8080"))
    p_box_worker_9000_tcp(("9000 in container"))
  end
  subgraph g_defaults["source defaults"]
    d_3000_tcp(("3000"))
  end
  e_example_com_443_tcp{{"example.com:443"}}
  f_Caddyfile[/"Caddyfile"/]
  s_api["api"]
  s_dns["dns"]
  s_web["web"]
  s_worker["worker"]
  f_Caddyfile -->|"dangling reference"| p_box_7000_tcp
  s_api -.->|"default"| d_3000_tcp
  s_api -->|"publish"| p_box_8080_tcp
  s_dns -->|"publish"| p_box_53_udp
  s_web -.->|"default"| d_3000_tcp
  s_web -->|"reference"| e_example_com_443_tcp
  s_web -->|"publish"| p_box_8080_tcp
  s_web -->|"reference"| p_box_8080_tcp
  s_web -->|"misroute (expects billing)"| p_box_worker_9000_tcp
  s_worker -->|"override"| p_box_worker_9000_tcp
  classDef alert stroke:#d33,stroke-width:2px,color:#d33
  class p_box_7000_tcp,p_box_8080_tcp,p_box_worker_9000_tcp alert
  linkStyle 0,2,6,8 stroke:#d33,stroke-width:2px,color:#d33
"""


def test_registry() -> None:
    assert {"mermaid": graph_mermaid, "dot": graph_dot, "json": graph_json} == GRAPH_RENDERERS


def test_mermaid_exact() -> None:
    assert graph_mermaid.render(RESULT, RenderOptions()) == EXPECTED_MERMAID


def test_the_same_graph_in_another_order_draws_the_same_bytes() -> None:
    shuffled = replace(
        GRAPH,
        bindings=tuple(reversed(GRAPH.bindings)),
        facts=tuple(reversed(GRAPH.facts)),
        landings=tuple(reversed(GRAPH.landings)),
        services=tuple(reversed(GRAPH.services)),
    )
    for renderer in GRAPH_RENDERERS.values():
        again = renderer.render(replace(RESULT, graph=shuffled), RenderOptions())
        assert again == renderer.render(RESULT, RenderOptions())


def mermaid_sanity(text: str) -> None:
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    depth = 0
    declared: set[str] = set()
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("subgraph "):
            depth += 1
        elif stripped == "end":
            depth -= 1
            assert depth >= 0
        elif " -->|" in stripped or " -.->|" in stripped:
            source, _, rest = stripped.partition(" ")
            target = rest.rsplit(" ", 1)[1]
            assert {source, target} <= declared, stripped
        elif not stripped.startswith(("classDef ", "class ", "linkStyle ")):
            match = re.match(r"([A-Za-z0-9_]+)[\[\(\{]", stripped)
            assert match, stripped
            declared.add(match.group(1))
    assert depth == 0


def dot_sanity(text: str) -> None:
    assert text.startswith("digraph portscan {\n")
    assert text.endswith("}\n")
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    assert '"' not in unquoted.replace('""', "")
    depth = 0
    for char in unquoted:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    assert unquoted.count("[") == unquoted.count("]")


def test_mermaid_syntax_sanity() -> None:
    mermaid_sanity(graph_mermaid.render(RESULT, RenderOptions()))


def test_dot_syntax_and_red() -> None:
    text = graph_dot.render(RESULT, RenderOptions())
    dot_sanity(text)
    assert (
        '    "port:box:8080/tcp" [label="8080", shape=circle, color="#dd3333",'
        ' fontcolor="#dd3333"];' in text.splitlines()
    )
    assert (
        '  "file:Caddyfile" -> "port:box:7000/tcp" [label="dangling reference",'
        ' color="#dd3333", fontcolor="#dd3333"];' in text.splitlines()
    )
    assert '  "service:api" -> "default:3000/tcp" [label="default", style=dashed];' in text


def test_json_document() -> None:
    document = json.loads(graph_json.render(RESULT, RenderOptions()))
    assert document["version"] == 1
    assert document["clusters"] == [
        {"id": "host:box", "label": "box"},
        {"id": "defaults", "label": "source defaults"},
    ]
    alerts = [node["id"] for node in document["nodes"] if node["alert"]]
    assert alerts == ["port:box:7000/tcp", "port:box:8080/tcp", "port:box:worker:9000/tcp"]
    assert document["edges"][0] == {
        "source": "file:Caddyfile",
        "target": "port:box:7000/tcp",
        "kind": "reference",
        "label": "dangling reference",
        "alert": True,
    }


def test_container_ports_of_two_services_are_two_nodes() -> None:
    other = Binding(
        "queue", "box", 9000, "tcp", "override", Location("q.yml", 1), scope=Scope.CONTAINER
    )
    graph = Graph((), (WORKER, other), ("box",), ("queue", "worker"))
    diagram = build(replace(RESULT, graph=graph, findings=()))
    assert [node.id for node in diagram.nodes if node.kind == "port"] == [
        "port:box:queue:9000/tcp",
        "port:box:worker:9000/tcp",
    ]


def test_two_bindings_of_one_service_to_one_port_merge_their_labels() -> None:
    override = Binding("api", "box", 8080, "tcp", "override", Location("x.plist", 3))
    graph = replace(GRAPH, bindings=(API_PUBLISH, override), landings=(), facts=())
    diagram = build(replace(RESULT, graph=graph, findings=()))
    assert [(e.source, e.target, e.label) for e in diagram.edges] == [
        ("service:api", "port:box:8080/tcp", "override, publish")
    ]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("port:mac-mini:3015/tcp", "p_mac_mini_3015_tcp", id="port"),
        pytest.param("service:mana-llm", "s_mana_llm", id="service"),
        pytest.param("host:gpu box", "h_gpu_box", id="host-with-space"),
        pytest.param("file:a/b.c", "f_a_b_c", id="file"),
        pytest.param("external:example.com:443/tcp", "e_example_com_443_tcp", id="external"),
        pytest.param("defaults", "g_defaults", id="cluster"),
        pytest.param("service:end", "s_end", id="reserved-word"),
    ],
)
def test_mermaid_ids(key: str, expected: str) -> None:
    assert graph_mermaid.sanitize(key) == expected


def test_mermaid_ids_that_sanitize_alike_stay_distinct() -> None:
    ids = graph_mermaid.id_map(["service:a-b", "service:a_b", "service:c"])
    assert ids["service:c"] == "s_c"
    assert ids["service:a-b"] != ids["service:a_b"]
    assert all(re.fullmatch(r"s_a_b_[0-9a-f]{8}", ids[k]) for k in ("service:a-b", "service:a_b"))


@pytest.mark.parametrize(
    ("text", "mermaid", "dot"),
    [
        pytest.param("api", '"api"', '"api"', id="plain"),
        pytest.param('say "hi"', '"say #quot;hi#quot;"', '"say \\"hi\\""', id="quotes"),
        pytest.param("#1 <b>", '"#35;1 #lt;b#gt;"', '"#1 <b>"', id="entities"),
        pytest.param("a\\b", '"a\\b"', '"a\\\\b"', id="backslash"),
    ],
)
def test_label_escaping(text: str, mermaid: str, dot: str) -> None:
    assert graph_mermaid.label(text) == mermaid
    assert graph_dot.quote(text) == dot


def test_odd_service_names_stay_valid() -> None:
    odd = Binding('we"b [x]', "my host", 80, "tcp", "publish", Location("c.yml", 1))
    graph = Graph((), (odd,), ("my host",), ('we"b [x]',))
    result = ScanResult(".", graph, (), (), ScanStats(1, 1, 0, 0))
    mermaid_sanity(graph_mermaid.render(result, RenderOptions()))
    dot_sanity(graph_dot.render(result, RenderOptions()))


@pytest.mark.parametrize(
    ("output_format", "expected"),
    [
        pytest.param("mermaid", "flowchart LR\n", id="mermaid"),
        pytest.param(
            "dot",
            'digraph portscan {\n  rankdir=LR;\n  node [fontname="Helvetica"];\n'
            '  edge [fontname="Helvetica", fontsize=10];\n}\n',
            id="dot",
        ),
        pytest.param(
            "json",
            '{\n  "version": 1,\n  "clusters": [],\n  "nodes": [],\n  "edges": []\n}\n',
            id="json",
        ),
    ],
)
def test_empty_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str, expected: str
) -> None:
    assert main(["graph", str(tmp_path), "--format", output_format]) == 0
    assert capsys.readouterr() == (expected, "")
