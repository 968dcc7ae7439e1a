"""cloudflared tunnel configs: the local services a tunnel's ingress rules route to.

.. code-block:: yaml

    tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef
    ingress:
      - hostname: calc.example.com
        service: http://localhost:3001     # reference 3001 on localhost, name=calc.example.com
      - hostname: ssh.example.com
        service: ssh://localhost:22        # reference 22 on localhost, name=ssh.example.com
      - service: http_status:404           # the catch-all rule: no port

The ``service`` of every rule of the top-level ``ingress`` list that writes an explicit
port (``http``, ``https``, ``tcp``, ``ssh``, ``rdp`` ... URLs) is a ``reference`` with the
URL's host as target. A rule's ``hostname`` is the public name the route serves; it
becomes the tag ``name=<hostname>``, which resolve uses to tell which service a route
means. ``unix:`` sockets, ``http_status:404``, ``hello_world`` and URLs without a port
(an implicit 80/443) name no port.

The file is read with PyYAML's node API, so each fact points at its digits. Files named
for cloudflared (a ``cloudflared``/``.cloudflared`` folder, ``*cloudflared*.yml``) are
always read; ``config.yml``, a name many tools use, counts only when it holds a top-level
``ingress`` list, and its YAML errors are reported only when it looks like a tunnel config
(a line that starts with ``ingress:``).
"""

from __future__ import annotations

import re

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    ExtractError,
    ExtractOptions,
    sorted_facts,
)
from portscan.extractors.urls import url_ports
from portscan.extractors.yamlnodes import (
    YamlSource,
    as_scalar,
    as_sequence,
    compose_documents,
    entries,
    scalar_text,
)
from portscan.model import TAG_NAME, Diagnostic, Extraction, Location, PortFact, Role

NAME = "cloudflared"
#: Only a file with ingress rules holds a route.
PREFILTER: re.Pattern[bytes] | None = re.compile(rb"ingress")

_YAML_SUFFIX = re.compile(r"\.ya?ml$")
_CLOUDFLARED_FOLDERS = frozenset({"cloudflared", ".cloudflared"})
_GENERIC_NAMES = frozenset({"config.yml", "config.yaml"})
_INGRESS_LINE = re.compile(r"^\ufeff?ingress[ \t]*:", re.MULTILINE)


def matches(path: str) -> bool:
    """``**/cloudflared/**/*.yml``, ``*cloudflared*.yml`` and ``config.yml`` (``.yaml`` too)."""
    name = path.rsplit("/", 1)[-1]
    if _YAML_SUFFIX.search(name) is None:
        return False
    return _named_for_cloudflared(path) or name.lower() in _GENERIC_NAMES


def _named_for_cloudflared(path: str) -> bool:
    *folders, name = path.split("/")
    return "cloudflared" in name.lower() or any(
        folder.lower() in _CLOUDFLARED_FOLDERS for folder in folders
    )


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """The reference of every ingress rule that routes to an explicit port."""
    try:
        documents = compose_documents(text)
    except ExtractError as error:
        if _named_for_cloudflared(path) or _INGRESS_LINE.search(text):
            return Extraction(diagnostics=(Diagnostic(path, error.line, error.message),))
        return Extraction()
    source = YamlSource(text)
    facts: list[PortFact] = []
    for document in documents:
        for rule in as_sequence(entries(document).get("ingress")) or []:
            facts.extend(_rule_facts(path, source, rule))
    return Extraction(sorted_facts(facts))


def _rule_facts(path: str, source: YamlSource, rule: object) -> list[PortFact]:
    """The references of one ingress rule (a mapping with ``service`` and maybe
    ``hostname``)."""
    items = entries(rule)
    service = as_scalar(items.get("service"))
    if service is None:
        return []
    hostname = (scalar_text(items.get("hostname")) or "").strip()
    tags = (TAG_NAME + hostname,) if hostname else ()
    value = source.scalar(service)
    facts: list[PortFact] = []
    for found in url_ports(value.text):
        line, col = source.index.position(value.offsets[found.start])
        facts.append(
            PortFact(
                port=found.port,
                role=Role.REFERENCE,
                location=Location(path, line, col, line, col + found.end - found.start),
                extractor=NAME,
                target=found.host,
                tags=tags,
            )
        )
    return facts
