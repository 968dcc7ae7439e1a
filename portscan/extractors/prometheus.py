"""Prometheus, Grafana and blackbox configs: the host:port pairs monitoring connects to.

.. code-block:: yaml

    scrape_configs:
      - job_name: mana-llm
        static_configs:
          - targets: ['mana-llm:3020', 'localhost:9100']   # references, name=mana-llm
      - job_name: blackbox
        static_configs:
          - targets: ['http://mana-auth:3001/health']      # reference 3001 on mana-auth
        relabel_configs:
          - target_label: __address__
            replacement: blackbox:9115                     # reference 9115 on blackbox
    remote_write:
      - url: http://victoriametrics:8428/api/v1/write      # reference 8428

Every connection is a ``reference`` with its host as target:

- each item of a ``targets`` list (``static_configs``, alertmanagers, file-based service
  discovery files that are a top-level list of ``{targets: [...]}``): ``host:port`` or a
  URL with a port (blackbox probes);
- a ``replacement`` of a relabel rule that is a ``host:port`` (``blackbox:9115``);
- a ``url`` that is a URL with a port, or a bare ``host:port`` (Grafana's Postgres and
  MySQL datasources write ``url: db:5432``);
- a URL with an explicit port in any other string value (``remote_write``,
  ``http_sd_configs``, Grafana datasources and contact points).

The ``host:port`` targets and replacements of a ``scrape_configs`` item are tagged
``name=<job_name>``: a job is usually named for what it scrapes, so resolve can tell
which service a target means. URLs are not: a blackbox job named ``blackbox`` probes
``http://mana-auth:3001/health``, which is not the blackbox exporter.
``scrape_interval: 3000s``, ``port: 3000`` in a label or ``instance="x:9100"`` inside a
PromQL expression are not connections.

The file is read with PyYAML's node API, so each fact points at its digits. Every node
is visited once, so aliases cannot blow the walk up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portscan.extractors.addresses import parse_address
from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    PORTISH,
    ExtractError,
    ExtractOptions,
    sorted_facts,
)
from portscan.extractors.shellwords import SourceText
from portscan.extractors.urls import url_ports
from portscan.extractors.yamlnodes import (
    NULL_TAG,
    YamlSource,
    as_mapping,
    as_scalar,
    as_sequence,
    compose_documents,
    entries,
    scalar_text,
)
from portscan.model import TAG_NAME, Diagnostic, Extraction, Location, PortFact, Role

NAME = "prometheus"
#: Every fact is a ``host:port``.
PREFILTER: re.Pattern[bytes] | None = PORTISH

#: Keys whose value may be a bare ``host:port`` (no scheme).
ADDRESS_KEYS = frozenset({"replacement", "url"})

_YAML_SUFFIX = re.compile(r"\.ya?ml$")
_COMPOSE_NAME = re.compile(r"(?:docker-)?compose[^/]*\.ya?ml")


def matches(path: str) -> bool:
    """``prometheus*.yml``, ``**/prometheus/**/*.yml``, ``*datasource*.yml``,
    ``**/grafana/provisioning/**/*.yml`` and ``blackbox*.yml`` (``.yaml`` too); compose
    files in those folders are compose's."""
    *folders, name = path.lower().split("/")
    if _YAML_SUFFIX.search(name) is None or _COMPOSE_NAME.fullmatch(name):
        return False
    if name.startswith(("prometheus", "blackbox")) or "datasource" in name:
        return True
    if "prometheus" in folders:
        return True
    return any(
        folder == "grafana" and folders[at + 1 : at + 2] == ["provisioning"]
        for at, folder in enumerate(folders)
    )


@dataclass(frozen=True, slots=True)
class _Hit:
    """A port found in a scalar: where its digits are, and the host it names."""

    word: SourceText
    start: int
    end: int
    port: int
    host: str
    tags: tuple[str, ...]


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """The references of a monitoring config."""
    try:
        documents = compose_documents(text)
    except ExtractError as error:
        return Extraction(diagnostics=(Diagnostic(path, error.line, error.message),))
    source = YamlSource(text)
    walker = _Walker(source)
    for document in documents:
        walker.walk(document)
    facts = []
    for hit in walker.hits:
        line, col = source.index.position(hit.word.offsets[hit.start])
        facts.append(
            PortFact(
                port=hit.port,
                role=Role.REFERENCE,
                location=Location(path, line, col, line, col + hit.end - hit.start),
                extractor=NAME,
                target=hit.host,
                tags=hit.tags,
            )
        )
    return Extraction(sorted_facts(facts))


#: A node still to visit: the node, the key it sits under, the tags of what it holds.
_Pending = tuple[object, str | None, tuple[str, ...]]


class _Walker:
    """Visits every node of a file once, with the key it sits under. The walk keeps its
    own stack, so nesting as deep as the YAML reader allows cannot exhaust Python's."""

    def __init__(self, source: YamlSource) -> None:
        self.source = source
        self.hits: list[_Hit] = []
        self._seen: set[int] = set()

    def walk(self, root: object) -> None:
        pending: list[_Pending] = [(root, None, ())]
        while pending:
            node, key, tags = pending.pop()
            if id(node) in self._seen:
                continue
            self._seen.add(id(node))
            if (mapping := as_mapping(node)) is not None:
                for name, value in entries(mapping).items():
                    if name == "scrape_configs":
                        pending.extend(_jobs(value, tags))
                    elif name == "targets":
                        self.targets(value, tags)
                    else:
                        pending.append((value, name, tags))
            elif (items := as_sequence(node)) is not None:
                pending.extend((item, key, tags) for item in items)
            elif (scalar := as_scalar(node)) is not None and scalar.tag != NULL_TAG:
                word = self.source.scalar(scalar)
                if key in ADDRESS_KEYS:
                    self.hits.extend(_address(word, tags) or _urls(word))
                else:
                    self.hits.extend(_urls(word))

    def targets(self, node: object, tags: tuple[str, ...]) -> None:
        if id(node) in self._seen:
            return
        self._seen.add(id(node))
        items = as_sequence(node)
        for item in items if items is not None else [node]:
            scalar = as_scalar(item)
            if scalar is None or scalar.tag == NULL_TAG:
                continue
            word = self.source.scalar(scalar)
            self.hits.extend(_address(word, tags) or _urls(word))


def _jobs(node: object, tags: tuple[str, ...]) -> list[_Pending]:
    """The scrape configs to visit, each with the ``name=<job_name>`` of its job."""
    jobs = as_sequence(node)
    if jobs is None:
        return [(node, "scrape_configs", tags)]
    pending: list[_Pending] = []
    for job in jobs:
        name = (scalar_text(entries(job).get("job_name")) or "").strip()
        pending.append((job, None, (TAG_NAME + name,) if name else tags))
    return pending


def _address(word: SourceText, tags: tuple[str, ...]) -> list[_Hit]:
    """A whole value that is a bare ``host:port``; a host is required. URLs are left to
    :func:`_urls`."""
    stripped = word.strip()
    found = None if "://" in stripped.text else parse_address(stripped.text)
    if found is None or found.host is None:
        return []
    return [_Hit(stripped, found.start, found.end, found.port, found.host, tags)]


def _urls(word: SourceText) -> list[_Hit]:
    """Every URL with a port inside a value. A URL is what a job probes (blackbox) or
    where it sends data, not what the job is named for: no ``name=`` tag."""
    return [
        _Hit(word, found.start, found.end, found.port, found.host, ())
        for found in url_ports(word.text)
    ]
