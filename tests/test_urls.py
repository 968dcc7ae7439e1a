from __future__ import annotations

import pytest

from portscan.extractors.urls import UrlPort, url_ports


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("http://mana-llm:3025/v1", [(3025, "mana-llm")], id="name"),
        pytest.param("http://localhost:3000", [(3000, "localhost")], id="end-of-text"),
        pytest.param("http://192.168.1.5:8080/x", [(8080, "192.168.1.5")], id="ipv4"),
        pytest.param("http://[::1]:8080/", [(8080, "::1")], id="ipv6-unbracketed"),
        pytest.param(
            "postgres://mana:s3cret@db.internal:5432/mana", [(5432, "db.internal")], id="userinfo"
        ),
        pytest.param("redis://redis:6379,", [(6379, "redis")], id="punctuation-after"),
        pytest.param("${API_URL:-http://api:3000}", [(3000, "api")], id="shell-default"),
        pytest.param("a=http://a:1 b=ws://b:2", [(1, "a"), (2, "b")], id="two"),
        pytest.param("https://example.com/a:3000", [], id="implicit-port"),
        pytest.param("http://host:99999", [], id="out-of-range"),
        pytest.param("http://host:0", [], id="zero"),
        pytest.param("http://host:3000abc", [], id="not-a-port"),
        pytest.param("http://${API_HOST}:3000", [], id="templated-host"),
        pytest.param("localhost:3000", [], id="no-scheme"),
        pytest.param("", [], id="empty"),
    ],
)
def test_url_ports(text: str, expected: list[tuple[int, str]]) -> None:
    found = list(url_ports(text))
    assert [(url.port, url.host) for url in found] == expected
    for url in found:
        assert text[url.start : url.end] == str(url.port)


def test_offsets() -> None:
    assert list(url_ports("x http://a:80/")) == [UrlPort(80, "a", 11, 13)]
