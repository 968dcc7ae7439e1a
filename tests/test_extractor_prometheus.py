from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params

from portscan.extractors import prometheus
from portscan.model import Diagnostic, Extraction, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "prometheus"


def summary(text: str) -> list[tuple[object, ...]]:
    """(port, line, col, target, tags) of every fact."""
    extraction = prometheus.extract("prometheus.yml", text)
    assert not extraction.diagnostics, extraction.diagnostics
    return [(f.port, f.location.line, f.location.col, f.target, f.tags) for f in extraction.facts]


def job(targets: str, name: str = "app") -> str:
    return (
        f"scrape_configs:\n  - job_name: {name}\n    static_configs:\n      - targets: {targets}\n"
    )


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES))
def test_fixture(relpath: str) -> None:
    check_fixture(prometheus, FIXTURES / relpath, relpath)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("prometheus.yml", True, id="prometheus"),
        pytest.param("deploy/prometheus.prod.yaml", True, id="prometheus-variant"),
        pytest.param("monitoring/prometheus/rules/alerts.yml", True, id="prometheus-folder"),
        pytest.param("monitoring/prometheus/targets.yaml", True, id="file-sd"),
        pytest.param("grafana/datasources.yml", True, id="datasource-name"),
        pytest.param("grafana-datasource-vm.yaml", True, id="datasource-in-name"),
        pytest.param("grafana/provisioning/datasources/vm.yml", True, id="provisioning"),
        pytest.param(
            "ops/grafana/provisioning/alerting/contact.yaml", True, id="provisioning-deep"
        ),
        pytest.param("blackbox.yml", True, id="blackbox"),
        pytest.param("blackbox-exporter.yaml", True, id="blackbox-variant"),
        pytest.param("monitoring/prometheus/docker-compose.yml", False, id="compose-in-folder"),
        pytest.param("grafana/dashboards/app.yml", False, id="grafana-not-provisioning"),
        pytest.param("prometheus.json", False, id="json"),
        pytest.param("monitoring/prometheus/README.md", False, id="readme"),
        pytest.param("config.yml", False, id="other-yaml"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert prometheus.matches(path) is expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"- targets: ['a:9100']\n", True, id="target"),
        pytest.param(b"url: http://vm:8428\n", True, id="url"),
        pytest.param(b"groups:\n  - name: x\n", False, id="nothing"),
    ],
)
def test_prefilter(content: bytes, expected: bool) -> None:
    assert prometheus.PREFILTER is not None
    assert bool(prometheus.PREFILTER.search(content)) is expected


def test_exact_fact() -> None:
    assert prometheus.extract("prometheus.yml", job("['mana-llm:3020']", "mana-llm")).facts == (
        PortFact(
            3020,
            Role.REFERENCE,
            Location("prometheus.yml", 4, 29, 4, 33),
            "prometheus",
            target="mana-llm",
            tags=("name=mana-llm",),
        ),
    )


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        pytest.param("['a:9100']", [(9100, 22, "a")], id="flow-single"),
        pytest.param('["a:9100", "b:9101"]', [(9100, 22, "a"), (9101, 32, "b")], id="flow-double"),
        pytest.param("[a:9100]", [(9100, 21, "a")], id="plain"),
        pytest.param("['10.0.0.5:9100']", [(9100, 29, "10.0.0.5")], id="ipv4"),
        pytest.param("['[::1]:9100']", [(9100, 26, "::1")], id="ipv6"),
        pytest.param("['a']", [], id="no-port"),
        pytest.param("['a:99999']", [], id="out-of-range"),
        pytest.param("['a:9100-9102']", [], id="range"),
        pytest.param("[':9100']", [], id="no-host"),
        pytest.param("['${HOST}:9100']", [], id="template"),
        pytest.param("[]", [], id="empty"),
        pytest.param("a:9100", [(9100, 20, "a")], id="scalar"),
        pytest.param("~", [], id="null"),
    ],
)
def test_targets(targets: str, expected: list[tuple[int, int, str]]) -> None:
    found = [(port, col, target) for port, line, col, target, _ in summary(job(targets))]
    assert found == expected


def test_url_targets_are_not_named_for_the_job() -> None:
    assert summary(job("['http://mana-auth:3001/health']", "blackbox")) == [
        (3001, 4, 37, "mana-auth", ()),
    ]


@pytest.mark.parametrize(
    ("replacement", "expected"),
    [
        pytest.param("blackbox:9115", [(9115, "blackbox")], id="host-port"),
        pytest.param("'blackbox:9115'", [(9115, "blackbox")], id="quoted"),
        pytest.param("${1}:9100", [], id="group-reference"),
        pytest.param("$1", [], id="group-only"),
        pytest.param("'3000'", [], id="number"),
    ],
)
def test_relabel_replacement(replacement: str, expected: list[tuple[int, str]]) -> None:
    text = (
        "scrape_configs:\n"
        "  - job_name: probe\n"
        "    relabel_configs:\n"
        "      - target_label: __address__\n"
        f"        replacement: {replacement}\n"
    )
    assert [(port, target) for port, _, _, target, _ in summary(text)] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("url: http://vm:8428/api/v1/write", [(8428, "vm")], id="url"),
        pytest.param("url: db:5432", [(5432, "db")], id="bare-url"),
        pytest.param("url: http://vm", [], id="implicit-port"),
        pytest.param("description: see http://grafana:3000/d/x", [(3000, "grafana")], id="any-url"),
        pytest.param("server: consul:8500", [], id="bare-elsewhere"),
        pytest.param('expr: up{instance="a:9100"} == 0', [], id="promql"),
        pytest.param("scrape_timeout: 3000s", [], id="duration"),
        pytest.param("port: 3000", [], id="port-key"),
    ],
)
def test_other_values(value: str, expected: list[tuple[int, str]]) -> None:
    assert [(port, target) for port, _, _, target, _ in summary(f"x:\n  {value}\n")] == expected


def test_anchors_and_merge_keys_are_read_once() -> None:
    text = (
        "x-static: &static\n"
        "  - targets: ['a:9100']\n"
        "scrape_configs:\n"
        "  - job_name: one\n"
        "    static_configs: *static\n"
        "  - job_name: two\n"
        "    static_configs: *static\n"
    )
    assert [(port, line) for port, line, *_ in summary(text)] == [(9100, 2)]


def test_merged_job_keeps_its_own_name() -> None:
    text = (
        "x-base: &base\n"
        "  scrape_interval: 5s\n"
        "scrape_configs:\n"
        "  - <<: *base\n"
        "    job_name: merged\n"
        "    static_configs: [{targets: ['m:9100']}]\n"
    )
    assert summary(text) == [(9100, 6, 36, "m", ("name=merged",))]


def test_alias_bomb_ends() -> None:
    lines = ["a0: &a0 [http://x:1000]"]
    for level in range(1, 30):
        lines.append(f"a{level}: &a{level} [*a{level - 1}, *a{level - 1}]")
    assert [port for port, *_ in summary("\n".join(lines) + "\n")] == [1000]


@pytest.mark.parametrize(
    ("text", "diagnostic"),
    [
        pytest.param(
            "scrape_configs:\n  - job_name: a\n   static_configs: [\n",
            Diagnostic("prometheus.yml", 3, "invalid YAML: did not find expected '-' indicator"),
            id="indentation",
        ),
        pytest.param(
            "a: 'unclosed\n",
            Diagnostic("prometheus.yml", 2, "invalid YAML: found unexpected end of stream"),
            id="quote",
        ),
    ],
)
def test_invalid_yaml_is_a_diagnostic(text: str, diagnostic: Diagnostic) -> None:
    assert prometheus.extract("prometheus.yml", text) == Extraction(diagnostics=(diagnostic,))


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="lone-cr")],
)
def test_line_endings_do_not_move_positions(newline: str) -> None:
    text = (FIXTURES / "prometheus.yml").read_text(encoding="utf-8")
    expected = prometheus.extract("prometheus.yml", text)
    assert expected.facts
    assert prometheus.extract("prometheus.yml", text.replace("\n", newline)) == expected


def test_empty_file_has_nothing() -> None:
    assert prometheus.extract("prometheus.yml", "") == Extraction()
    assert prometheus.extract("prometheus.yml", "# nothing\n") == Extraction()


def test_deepest_nesting_the_reader_allows_does_not_exhaust_the_stack() -> None:
    text = "a: " + "[" * 999 + "'http://deep:9100'" + "]" * 999 + "\n"
    assert [(port, target) for port, _, _, target, _ in summary(text)] == [(9100, "deep")]
