"""YAML read through PyYAML's node API, with the file offset of every scalar character.

``yaml.safe_load`` loses positions and reads YAML 1.1 surprises (``22:22`` is 1342); the
node tree keeps each scalar's raw text and its marks. :class:`YamlSource` turns a
scalar into a :class:`~portscan.extractors.shellwords.SourceText`, so a port found
anywhere inside a value (``http://localhost:3001``, ``'mana-llm:3020'``) maps back to
its digits in the file, behind quotes and across folded lines. PyYAML is imported
lazily: a warm cached run never parses YAML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from portscan.extractors.base import ExtractError, LineIndex
from portscan.extractors.shellwords import SourceText

if TYPE_CHECKING:
    from yaml.error import Mark
    from yaml.nodes import MappingNode, Node, ScalarNode

MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"
_SPACE = frozenset(" \t\r\n")
#: YAML 1.1 also breaks lines at NEL, LS and PS; LineIndex does not. Read them as spaces
#: so that YAML marks and LineIndex count the same lines.
_YAML_ONLY_BREAKS = str.maketrans({"\x85": " ", "\u2028": " ", "\u2029": " "})
_MAX_MERGE_DEPTH = 32


def compose_documents(text: str) -> list[Node]:
    """The node trees of the text's documents; any YAML error becomes an ExtractError
    whose message starts with ``invalid YAML:`` and whose line is 1-based."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    bom = 1 if text.startswith("\ufeff") else 0
    source = text[bom:].translate(_YAML_ONLY_BREAKS)
    try:
        return [node for node in yaml.compose_all(source, Loader=loader) if node is not None]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "unreadable"
        # At the end of a text without a final line break the YAML scanner stands on a
        # line of its own, one past the last: point at the last line instead.
        line = None if mark is None else min(mark.line + 1, LineIndex(text).line_count)
        raise ExtractError(f"invalid YAML: {reason}", line) from None
    except yaml.reader.ReaderError as error:
        found = text.find(chr(error.character)) if isinstance(error.character, int) else -1
        line = LineIndex(text).position(found)[0] if found >= 0 else None
        raise ExtractError(f"invalid YAML: {error.reason}", line) from None
    except yaml.YAMLError as error:
        raise ExtractError(f"invalid YAML: {error}") from None
    except UnicodeEncodeError as error:  # lone surrogates, which the C reader cannot encode
        line = LineIndex(text).position(error.start + bom)[0]
        raise ExtractError("invalid YAML: not valid Unicode text", line) from None
    except RecursionError:  # the pure-Python composer on absurd nesting
        raise ExtractError("invalid YAML: nested too deeply") from None


def align(value: str, text: str, low: int, high: int) -> tuple[int, ...]:
    """The file offset of each character of a scalar's ``value``, whose raw text lies in
    ``text[low:high]``.

    Plain and block scalars (folded or not) and quoted scalars without escapes keep every
    non-blank character of their raw text, in order: match those, and let a blank stand
    where the non-blank before it stands. Anything else (escapes, ``''``) falls back to the
    scalar's start.
    """
    origins: list[int] = []
    at = last = low
    for char in value:
        if char in _SPACE:
            origins.append(last)
            continue
        while at < high and text[at] in _SPACE:
            at += 1
        if at >= high or text[at] != char:
            return (low,) * len(value)
        origins.append(at)
        last = at
        at += 1
    return tuple(origins)


class YamlSource:
    """One file's text, for mapping YAML marks and scalars back to file offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = LineIndex(text)
        self._bom = 1 if text.startswith("\ufeff") else 0

    def offset(self, mark: Mark) -> int:
        """The file offset of a YAML mark (0-based line and column, BOM not counted)."""
        line = min(mark.line + 1, self.index.line_count)
        offset = self.index.offset(line, mark.column + 1) + (self._bom if mark.line == 0 else 0)
        return min(offset, len(self.text))

    def line(self, node: Node) -> int:
        """The 1-based line a node starts on."""
        return self.index.position(self.offset(node.start_mark))[0]

    def scalar(self, node: ScalarNode) -> SourceText:
        """A scalar's value, each character knowing its offset in the file."""
        start, end = self.offset(node.start_mark), self.offset(node.end_mark)
        low, high = start, end
        if node.style in ('"', "'"):
            low, high = start + 1, end - 1
        elif node.style in ("|", ">"):  # the content starts on the line after the header
            breaks = [at for at in (self.text.find(c, start, end) for c in "\r\n") if at >= 0]
            low = min(breaks) + 1 if breaks else start
        value: str = node.value
        return SourceText(value, align(value, self.text, low, high))


def as_scalar(node: object) -> ScalarNode | None:
    from yaml.nodes import ScalarNode

    return node if isinstance(node, ScalarNode) else None


def as_mapping(node: object) -> MappingNode | None:
    from yaml.nodes import MappingNode

    return node if isinstance(node, MappingNode) else None


def as_sequence(node: object) -> list[Node] | None:
    """A sequence node's items, or None."""
    from yaml.nodes import SequenceNode

    return list(node.value) if isinstance(node, SequenceNode) else None


def scalar_text(node: object) -> str | None:
    """A scalar's value, or None for anything else (a mapping, a sequence, ``null``)."""
    scalar = as_scalar(node)
    if scalar is None or scalar.tag == NULL_TAG:
        return None
    value: str = scalar.value
    return value


def entries(node: object, spend: Callable[[int], None] | None = None) -> dict[str, Node]:
    """A mapping's values by key, YAML merge keys (``<<: *base``) applied: its own keys
    win, then the merged mappings in order. Each mapping is read once, so a cycle of
    aliases ends. Not a mapping: no entries. ``spend`` is told the work of each mapping
    read (1 + its keys), for a reader that bounds its work per file."""
    result: dict[str, Node] = {}
    _merge_into(node, result, set(), 0, spend)
    return result


def _merge_into(
    node: object,
    result: dict[str, Node],
    seen: set[int],
    depth: int,
    spend: Callable[[int], None] | None,
) -> None:
    mapping = as_mapping(node)
    if mapping is None or id(mapping) in seen or depth > _MAX_MERGE_DEPTH:
        return
    seen.add(id(mapping))
    if spend is not None:
        spend(1 + len(mapping.value))
    merged: list[Node] = []
    own: dict[str, Node] = {}
    for key, value in mapping.value:
        scalar = as_scalar(key)
        if scalar is None:
            continue
        if scalar.tag == MERGE_TAG:
            merged.append(value)
        else:
            own[scalar.value] = value  # a repeated key: the last one wins, as in PyYAML
    for name, value in own.items():
        result.setdefault(name, value)
    for value in merged:
        sequence = as_sequence(value)
        for item in sequence if sequence is not None else [value]:
            _merge_into(item, result, seen, depth + 1, spend)
