"""URL references shared by extractors: ``scheme://host:port`` inside any string.

A URL names a port only when it writes one: ``http://mana-llm:3025/v1`` references
3025 on ``mana-llm``; ``https://example.com`` (an implicit 443) is not a fact. The scan
is pure text, so every extractor can run it over a value it has already decoded and map
the offsets back to the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from portscan.extractors.base import parse_port

#: ``scheme://[userinfo@]host:port``. The host is a name, an IPv4 address or a bracketed
#: IPv6 address; a templated host (``${API_HOST}``) is not a host we can name, so it is
#: skipped. The port must end the authority: ``:30000000`` and ``:3000abc`` do not match.
#: A scheme may follow any non-alphanumeric character, so the default of
#: ``${API_URL:-http://api:3000}`` is found. Its length is bounded: unbounded, every
#: letter after a ``.``, ``+`` or ``-`` starts a scan to the end of the run, and a line of
#: ``a.a.a.a...`` takes time quadratic in its length (minutes for 100 KB).
_URL = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9+.-]{0,63}://"
    r"(?:[^\s/?#@'\"`<>]*@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_~%-]+(?:\.[A-Za-z0-9_~%-]+)*)"
    r":(?P<port>\d{1,5})(?![\w])"
)


@dataclass(frozen=True, slots=True)
class UrlPort:
    """One explicit port in a URL and where its digits are in the scanned string."""

    port: int
    host: str  # as written, without IPv6 brackets: "localhost", "mana-llm", "::1"
    start: int  # offset of the first digit in the scanned string
    end: int  # offset just past the last digit


def url_ports(text: str) -> Iterator[UrlPort]:
    """Every ``scheme://host:port`` in ``text``, in order of appearance."""
    for match in _URL.finditer(text):
        port = parse_port(match.group("port"))
        if port is None:
            continue
        host = match.group("host").strip("[]")
        yield UrlPort(port, host, match.start("port"), match.end("port"))
