"""Network addresses as proxies, listeners and scrape configs write them.

``url_ports`` (in :mod:`portscan.extractors.urls`) finds URLs inside any text; the formats
here write a whole word that is one address, often without a scheme:
``127.0.0.1:3001``, ``app:3000``, ``:8080``, ``[::1]:443``, ``http://app:3000/api``,
``h2c://grpc:50051`` and, where a format allows it, a port range ``localhost:8001-8003``.
An address without an explicit port (``example.com``, ``https://example.com``,
``unix:/run/app.sock``) names no port and parses to None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portscan.extractors.base import parse_port

#: ``[scheme://][userinfo@][host]:port[-last][/path]``, matched against a whole word. The
#: host is a name (``*`` wildcards allowed, as listeners write them), an IPv4 address or
#: a bracketed IPv6 address, and may be empty (``:8080``).
_ADDRESS = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?"
    r"(?:[^\s/?#@\[\]]*@)?"
    r"(?P<host>\[[0-9A-Za-z:.%]*\]|[A-Za-z0-9_*%~-]+(?:\.[A-Za-z0-9_*%~-]+)*)?"
    r":(?P<port>\d{1,5})(?:-(?P<last>\d{1,5}))?"
    r"(?:[/?#].*)?",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Address:
    """One address and where its port digits are in the parsed word."""

    host: str | None  # without IPv6 brackets; None when the address writes no host
    port: int
    last: int  # the last port of a range; equal to ``port`` for a single port
    start: int  # offset of the first port digit in the word
    end: int  # offset just past the digits of ``port``

    @property
    def ports(self) -> range:
        return range(self.port, self.last + 1)


def parse_address(word: str, *, ranges: bool = False) -> Address | None:
    """The address that ``word`` is, or None when it is anything else.

    With ``ranges``, ``host:8001-8003`` is an address of three ports; without, it is not
    an address. A range that runs backwards is never one.
    """
    match = _ADDRESS.fullmatch(word)
    if match is None:
        return None
    port = parse_port(match.group("port"))
    raw_last = match.group("last")
    last = port if raw_last is None else parse_port(raw_last)
    if port is None or last is None or last < port or (raw_last is not None and not ranges):
        return None
    host = match.group("host")
    return Address(
        host=host.strip("[]") if host else None,
        port=port,
        last=last,
        start=match.start("port"),
        end=match.end("port"),
    )
