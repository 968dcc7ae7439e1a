from __future__ import annotations

import pytest

from portscan.extractors.base import ExtractError
from portscan.extractors.yamlnodes import (
    YamlSource,
    as_mapping,
    as_scalar,
    as_sequence,
    compose_documents,
    entries,
    scalar_text,
)


def first_scalar(text: str, key: str = "a") -> tuple[str, list[int]]:
    """The value of ``key`` in the first document and the 1-based column of each char."""
    (document,) = compose_documents(text)
    scalar = as_scalar(entries(document)[key])
    assert scalar is not None
    word = YamlSource(text).scalar(scalar)
    index = YamlSource(text).index
    return word.text, [index.position(offset)[1] for offset in word.offsets]


@pytest.mark.parametrize(
    ("text", "value", "first_col"),
    [
        pytest.param("a: http://x:1\n", "http://x:1", 4, id="plain"),
        pytest.param('a: "http://x:1"\n', "http://x:1", 5, id="double-quoted"),
        pytest.param("a: 'http://x:1'\n", "http://x:1", 5, id="single-quoted"),
        pytest.param("a: |\n  http://x:1\n", "http://x:1\n", 3, id="literal-block"),
        pytest.param("\ufeffa: b\n", "b", 5, id="byte-order-mark"),
    ],
)
def test_scalar_offsets(text: str, value: str, first_col: int) -> None:
    found, cols = first_scalar(text)
    assert found == value
    assert cols[0] == first_col
    assert cols[: len(value.rstrip())] == list(range(first_col, first_col + len(value.rstrip())))


def test_escapes_fall_back_to_the_scalar_start() -> None:
    found, cols = first_scalar('a: "x\\ty:1"\n')
    assert found == "x\ty:1"
    assert set(cols) == {5}


def test_folded_scalar_spans_lines() -> None:
    text = "a: >-\n  http://x\n  :1\n"
    (document,) = compose_documents(text)
    scalar = as_scalar(entries(document)["a"])
    assert scalar is not None
    source = YamlSource(text)
    word = source.scalar(scalar)
    assert word.text == "http://x :1"
    assert source.index.position(word.offsets[-1]) == (3, 4)


def test_merge_keys_and_last_duplicate_win() -> None:
    text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n  y: 4\n"
    (document,) = compose_documents(text)
    merged = entries(entries(document)["m"])
    assert {key: scalar_text(node) for key, node in merged.items()} == {"y": "4", "x": "1"}


def test_merge_cycle_ends() -> None:
    text = "a: &a\n  x: 1\n  <<: *a\n"
    (document,) = compose_documents(text)
    assert list(entries(entries(document)["a"])) == ["x"]


@pytest.mark.parametrize(
    ("node_text", "scalar", "mapping", "sequence", "text"),
    [
        pytest.param("a: 1\n", False, True, False, None, id="mapping"),
        pytest.param("- 1\n", False, False, True, None, id="sequence"),
        pytest.param("x\n", True, False, False, "x", id="scalar"),
        pytest.param("~\n", True, False, False, None, id="null"),
    ],
)
def test_node_kinds(
    node_text: str, scalar: bool, mapping: bool, sequence: bool, text: str | None
) -> None:
    (node,) = compose_documents(node_text)
    assert (as_scalar(node) is not None) is scalar
    assert (as_mapping(node) is not None) is mapping
    assert (as_sequence(node) is not None) is sequence
    assert scalar_text(node) == text
    assert entries(node) == ({} if not mapping else entries(node))


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param("a: [\n", "invalid YAML: did not find expected node content", 2, id="flow"),
        pytest.param(
            "a: b\n c: d\n",
            "invalid YAML: mapping values are not allowed in this context",
            2,
            id="indent",
        ),
        pytest.param(
            "a: \x07\n", "invalid YAML: control characters are not allowed", 1, id="control"
        ),
    ],
)
def test_errors_are_extract_errors(text: str, message: str, line: int) -> None:
    with pytest.raises(ExtractError) as caught:
        compose_documents(text)
    assert (caught.value.message, caught.value.line) == (message, line)


def test_empty_streams_have_no_documents() -> None:
    assert compose_documents("") == []
    assert compose_documents("# only a comment\n") == []
