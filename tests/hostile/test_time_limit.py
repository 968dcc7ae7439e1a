"""The per-file time limit (config ``max-file-time``): where extraction can take time
out of proportion to its input, it stops at the file's deadline, and the file becomes one
error that is never cached. The limits are set far below what the inputs need (or in the
past), so the outcomes do not depend on the machine's speed."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from hostile_trees import GOOD, good_alone, good_facts_of, write_tree
from tree_sitter import Node

from portscan.api import extract_data, scan
from portscan.config import Config
from portscan.extract import RunReport
from portscan.extractors import golang, python, shell, typescript
from portscan.extractors.base import ExtractOptions, Extractor
from portscan.extractors.deadline import TimeLimitExceeded
from portscan.extractors.queries import (
    GRAMMARS,
    compiled_rules,
    load_rules,
    parse,
    query_matches,
)
from portscan.model import Diagnostic, Extraction

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "extractors"
#: (grammar, fixture folder, suffixes) of the tree-sitter languages.
LANGUAGES = [
    ("typescript", "typescript", (".ts",)),
    ("go", "go", (".go",)),
    ("bash", "shell", (".sh",)),
]
#: Input whose parse takes seconds: tree-sitter's error recovery on unclosed strings.
UNCLOSED = "const PORT = 3025;\n" + "'\"" * (1 << 19)
PAST = -1.0  # a deadline relative to now that has already passed


def fixture_sources() -> list[object]:
    params = []
    for grammar, folder, suffixes in LANGUAGES:
        for path in sorted((FIXTURES / folder).rglob("*")):
            if path.suffix in suffixes:
                params.append(pytest.param(grammar, path.read_bytes(), id=f"{folder}/{path.name}"))
    return params


def in_seconds(seconds: float) -> float:
    return time.monotonic() + seconds


@pytest.mark.parametrize(("grammar", "source"), fixture_sources())
def test_a_distant_deadline_changes_nothing(grammar: str, source: bytes) -> None:
    """Read in pieces and matched in slices (both small here, to cross many boundaries),
    a tree and its matches are those of one read and one match."""
    big = source * (1 + 70_000 // max(1, len(source)))  # more than one 64 KiB read
    assert str(parse(grammar, big, in_seconds(600))) == str(parse(grammar, big))
    root = parse(grammar, source)
    rule_set = compiled_rules(grammar, load_rules(GRAMMARS[grammar]))

    def keys(matches: list[tuple[int, dict[str, list[Node]]]]) -> list[tuple[object, ...]]:
        return sorted(
            (
                pattern,
                *(
                    (name, *((n.start_byte, n.end_byte) for n in nodes))
                    for name, nodes in sorted(captures.items())
                ),
            )
            for pattern, captures in matches
        )

    whole = query_matches(rule_set.query, root)
    sliced = query_matches(rule_set.query, root, in_seconds(600), slice_bytes=97)
    assert keys(sliced) == keys(whole)


@pytest.mark.parametrize("start", [65534, 65535, 65536])
def test_a_character_across_a_read_boundary_parses_the_same(start: int) -> None:
    """The parser reads 64 KiB at a time under a deadline; a three-byte character cut
    by the boundary (starting at byte 65534 or 65535) must come out the same."""
    prefix = b"const s = '" + b"x" * (start - 11)
    source = prefix + "\u20ac';\nconst PORT = 3025;\n".encode()
    assert source[start : start + 3] == "\u20ac".encode()
    assert str(parse("typescript", source, in_seconds(600))) == str(parse("typescript", source))


def test_the_parse_stops_at_the_deadline() -> None:
    with pytest.raises(TimeLimitExceeded):
        parse("typescript", UNCLOSED.encode(), in_seconds(0.05))


def test_matching_stops_at_the_deadline() -> None:
    root = parse("go", b"package main\n" + b"var x = 1\n" * 40_000)
    query = compiled_rules("go", load_rules("go")).query
    with pytest.raises(TimeLimitExceeded):
        query_matches(query, root, in_seconds(PAST), slice_bytes=4096)


@pytest.mark.parametrize(
    ("extractor", "path", "text"),
    [
        pytest.param(typescript, "server.ts", "const PORT = 3025;\n", id="typescript"),
        pytest.param(golang, "main.go", 'package main\nconst port = "3025"\n', id="go"),
        pytest.param(shell, "start.sh", "PORT=${PORT:-3025}\n", id="shell"),
        pytest.param(python, "main.py", "PORT = 3025\n" + "x = [1, 2, 3]\n" * 2000, id="python"),
    ],
)
def test_extractors_honour_the_deadline(extractor: Extractor, path: str, text: str) -> None:
    assert extractor.extract(path, text).facts  # without a deadline: facts
    with pytest.raises(TimeLimitExceeded):
        extractor.extract(path, text, ExtractOptions(deadline=in_seconds(PAST)))


def test_a_timeout_is_one_diagnostic_and_not_for_the_cache() -> None:
    data = UNCLOSED.encode()
    outcome = extract_data("web/server.ts", data, [typescript], ExtractOptions(), 0.05)
    message = "took longer than max-file-time (0.05 s) to analyze; skipped"
    assert outcome.extraction == Extraction((), (Diagnostic("web/server.ts", None, message),))
    assert (outcome.parsed, outcome.timed_out) == (True, True)


def test_a_scan_reports_the_slow_file_reads_the_rest_and_caches_nothing_of_it(
    tmp_path: Path,
) -> None:
    root = write_tree(tmp_path / "repo", {**GOOD, "web/server.ts": UNCLOSED.encode()})
    config = dataclasses.replace(Config(), max_file_time=0.05)
    message = "took longer than max-file-time (0.05 s) to analyze; skipped"
    reports: list[RunReport] = []
    for _ in range(2):
        result = scan(root, config, cache_dir=tmp_path / "cache", report=reports.append)
        assert list(result.errors) == [Diagnostic("web/server.ts", None, message)]
        assert good_facts_of(result) == good_alone(tmp_path).graph.facts
    warm = reports[1].extraction
    assert warm.files - warm.stat_hits - warm.hash_hits == 1  # the slow file, read again


def test_a_slow_file_can_silence_its_own_parse_error(tmp_path: Path) -> None:
    """Its facts are dropped, its comments are not: the time limit is the file's
    parse-error, and a comment in the file may silence it."""
    comment = "// portscan: ignore[parse-error] -- generated, never parses in time\n"
    root = write_tree(tmp_path / "repo", {**GOOD, "web/server.ts": (comment + UNCLOSED).encode()})
    config = dataclasses.replace(Config(), max_file_time=0.05)
    result = scan(root, config)
    assert [(e.path, e.line) for e in result.errors] == [("web/server.ts", None)]
    assert [f.code for f in result.findings if f.code == "PS900"] == []
    assert (result.suppressed, result.unused_suppressions) == (1, ())
