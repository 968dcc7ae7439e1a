from __future__ import annotations

import pytest

from portscan.extractors.addresses import Address, parse_address


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        pytest.param("app:3000", Address("app", 3000, 3000, 4, 8), id="host-port"),
        pytest.param("127.0.0.1:9000", Address("127.0.0.1", 9000, 9000, 10, 14), id="ipv4"),
        pytest.param("[::1]:443", Address("::1", 443, 443, 6, 9), id="ipv6"),
        pytest.param(":8080", Address(None, 8080, 8080, 1, 5), id="no-host"),
        pytest.param("*:80", Address("*", 80, 80, 2, 4), id="wildcard"),
        pytest.param("http://app:3000/api", Address("app", 3000, 3000, 11, 15), id="url"),
        pytest.param("h2c://grpc:50051", Address("grpc", 50051, 50051, 11, 16), id="scheme"),
        pytest.param("user:pw@db:5432", Address("db", 5432, 5432, 11, 15), id="userinfo"),
        pytest.param("app:3000?x=1", Address("app", 3000, 3000, 4, 8), id="query"),
        pytest.param("app", None, id="no-port"),
        pytest.param("https://example.com", None, id="implicit-port"),
        pytest.param("unix:/run/app.sock", None, id="socket"),
        pytest.param("app:0", None, id="zero"),
        pytest.param("app:65536", None, id="too-big"),
        pytest.param("app:3000x", None, id="trailing-letters"),
        pytest.param("$host:3000", None, id="variable-host"),
        pytest.param("app:3000-3002", None, id="range-not-allowed"),
        pytest.param("app: 3000", None, id="space"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_address(word: str, expected: Address | None) -> None:
    assert parse_address(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        pytest.param("app:8001-8003", [8001, 8002, 8003], id="range"),
        pytest.param("app:8001", [8001], id="single"),
        pytest.param("app:8003-8001", None, id="backwards"),
        pytest.param("app:8001-99999", None, id="end-out-of-range"),
    ],
)
def test_ranges(word: str, expected: list[int] | None) -> None:
    found = parse_address(word, ranges=True)
    assert (None if found is None else list(found.ports)) == expected
