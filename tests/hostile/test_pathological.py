"""Pathological text: a megabyte of the characters parsers backtrack, recurse or recover
on. Every extractor in the registry gets each input under a path it claims, and must
return an Extraction (diagnostics allowed) instead of raising or running for minutes.

Nothing here measures time: a regression shows as a test that does not finish. Where an
extractor's work grows faster than its input (``SLOW``, with the reason), the case runs
under a deadline far shorter than the work and must stop at it.

A scan of a tree full of such files (the second test) finishes with exact errors: most
of these files never reach a heavy parser, because the byte prefilter finds no port in
them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_trees import GOOD, claimed_path, good_alone, good_facts_of, scan_tree, write_tree

from portscan.extractors import EXTRACTORS
from portscan.extractors.base import ExtractOptions, Extractor, split_lines
from portscan.extractors.deadline import TimeLimitExceeded
from portscan.model import Diagnostic, Extraction

MIB = 1 << 20

INPUTS = {
    "colons": ":" * MIB,
    "dollar-brace": "${" * (MIB // 2),
    "dotted": "a." * (MIB // 2),  # a quadratic URL-scheme scan in urls.py once
    "unclosed-quotes": "'\"" * (MIB // 2),
}

#: (extractor, input) pairs whose work grows faster than the input: without a deadline
#: they take seconds to minutes. They run under a deadline far shorter than that and must
#: stop at it (config ``max-file-time``; ``tests/hostile/test_time_limit.py``).
SLOW = {
    ("typescript", "colons"): "tree-sitter query matching over a megabyte of ERROR nodes",
    ("go", "colons"): "tree-sitter query matching over a megabyte of ERROR nodes",
    ("typescript", "unclosed-quotes"): "tree-sitter error recovery on unclosed strings",
}
DEADLINE_SECONDS = 0.2


#: Paths that make an extractor read the whole text (of the first fixtures they claim,
#: App.svelte only has its <script> blocks read, run-server only with a shebang).
WHOLE_TEXT = {"typescript": "server.ts", "shell": "start.sh"}


def path_for(name: str, extractor: Extractor) -> str:
    return WHOLE_TEXT.get(name) or claimed_path(name, extractor)


def cases() -> list[object]:
    params = []
    for name, extractor in EXTRACTORS.items():
        for label in INPUTS:
            params.append(pytest.param(name, extractor, label, id=f"{name}-{label}"))
    return params


@pytest.mark.parametrize(("name", "extractor", "label"), cases())
def test_a_megabyte_of_pathological_text(name: str, extractor: Extractor, label: str) -> None:
    path = path_for(name, extractor)
    text = INPUTS[label]
    if (name, label) in SLOW:
        options = ExtractOptions(deadline=time.monotonic() + DEADLINE_SECONDS)
        with pytest.raises(TimeLimitExceeded):
            extractor.extract(path, text, options)
        return
    result = extractor.extract(path, text)
    assert isinstance(result, Extraction)
    lines = len(split_lines(text))
    for diagnostic in result.diagnostics:
        assert diagnostic.path == path
        assert diagnostic.line is None or 1 <= diagnostic.line <= lines


def test_a_tree_of_pathological_files(tmp_path: Path) -> None:
    """One file of each pathological input for every extractor: the scan finishes, each
    file is at most one error, and the good files' facts are unchanged."""
    files = {
        f"patho/{label}/{path_for(name, extractor)}": text.encode()
        for name, extractor in EXTRACTORS.items()
        for label, text in INPUTS.items()
        if label in ("colons", "dollar-brace")
    }
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, **files}))
    colons, braces = ":" * 40 + "...", "${" * 20 + "..."
    unit = "invalid unit file line: expected [Section] or Key=Value"
    assert list(result.errors) == [
        Diagnostic("patho/colons/Dockerfile", 1, f"unknown instruction: {colons}"),
        Diagnostic("patho/colons/apps/web/package.json", 1, "invalid JSON: Expecting value"),
        Diagnostic("patho/colons/com.mana.image-gen.plist", None, "invalid plist: Invalid file"),
        Diagnostic(
            "patho/colons/compose.yaml",
            1,
            "invalid YAML: mapping values are not allowed in this context",
        ),
        Diagnostic("patho/colons/deploy/linux/mana-dns.socket", 1, unit),
        Diagnostic("patho/dollar-brace/Dockerfile", 1, f"unknown instruction: {braces}"),
        Diagnostic(
            "patho/dollar-brace/apps/web/package.json", 1, "invalid JSON: nested too deeply"
        ),
        Diagnostic(
            "patho/dollar-brace/com.mana.image-gen.plist", None, "invalid plist: Invalid file"
        ),
        Diagnostic("patho/dollar-brace/deploy/linux/mana-dns.socket", 1, unit),
    ]
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


def test_the_tree_sitter_bash_crasher_is_defused() -> None:
    """A ``{`` before a code point past U+FFFF makes tree-sitter-bash's scanner read
    outside a table and, often enough, kill the process (tree-sitter-bash#337). Run in
    a child, many times over, so a crash fails this test and nothing else."""
    code = (
        "from portscan.extractors import shell\n"
        "for cp in (0x31860, 0x90000, 0xA0000, 0xE0001, 0xF0000, 0x10FFFF):\n"
        "    for prefix in ('{', '%{', 'echo {', 'x=${', 'cat <<EOF\\n$', '[[ -'):\n"
        "        for _ in range(20):\n"
        "            shell.extract('start.sh', prefix + chr(cp) + ' PORT=1')\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    assert (done.returncode, done.stdout) == (0, "ok\n"), done.stderr[-2000:]
