"""Fixtures that carry their own expectations (STYLE.md habit 6).

A fixture file marks each line it expects facts on, in the file's own comment syntax::

    PORT = int(os.getenv("PORT", "3025"))  # expect: 3025 default env=PORT
    # expect: 8080 publish service=web; 80 expose service=web tags=container
    - "8080:80"
    timeout = 3000  # ok: a timeout is not a port

An annotation that stands alone on its line applies to the next line that is not itself
an annotation; a trailing one applies to its own line. ``;`` separates several facts.
Every fact must match one expectation and every expectation one fact; a fact on a line
without an ``expect:`` fails the test. ``service`` and ``protocol`` are always compared
(default: no service, tcp); ``env``, ``target`` and ``tags`` when given (``env=None``
and an empty ``tags=`` say "none").

For formats without comments (JSON), a sidecar ``<name>.expect`` holds lines of the form
``<line>: expect: ...`` or ``<line>: ok: ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from portscan.extractors.base import Extractor, split_lines
from portscan.model import TAG_RANGE, PortFact

_ANNOTATION = re.compile(r"(?:#|//|<!--|--|;|\*|/\*)\s*(expect|ok):(.*?)(?:-->|\*/)?\s*$")
_SIDECAR = re.compile(r"^(\d+):\s*(expect|ok):(.*)$")


@dataclass(frozen=True)
class Expected:
    line: int
    port: int
    role: str
    service: str | None
    protocol: str
    env: str | None
    target: str | None
    tags: tuple[str, ...] | None
    checks_env: bool
    checks_target: bool


def _parse_expectations(line: int, body: str) -> list[Expected]:
    expected: list[Expected] = []
    for chunk in body.split(";"):
        words = chunk.split()
        if not words:
            continue
        port, role, *pairs = words
        options = dict(pair.split("=", 1) for pair in pairs)
        unknown = set(options) - {"service", "protocol", "env", "target", "tags"}
        if unknown:
            raise ValueError(f"line {line}: unknown annotation keys {sorted(unknown)}")
        tags = options.get("tags")
        expected.append(
            Expected(
                line=line,
                port=int(port),
                role=role,
                service=options.get("service"),
                protocol=options.get("protocol", "tcp"),
                env=None if options.get("env") in ("None", "-") else options.get("env"),
                target=None if options.get("target") in ("None", "-") else options.get("target"),
                tags=tuple(sorted(t for t in tags.split(",") if t)) if tags is not None else None,
                checks_env="env" in options,
                checks_target="target" in options,
            )
        )
    return expected


def read_expectations(path: Path, text: str) -> tuple[list[Expected], set[int]]:
    """The expected facts and the set of lines that carry an ``ok:`` mark."""
    expected: list[Expected] = []
    ok_lines: set[int] = set()
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        for raw in sidecar.read_text(encoding="utf-8").splitlines():
            match = _SIDECAR.match(raw.strip())
            if match is None:
                continue
            line = int(match.group(1))
            if match.group(2) == "ok":
                ok_lines.add(line)
            else:
                expected.extend(_parse_expectations(line, match.group(3)))
        return expected, ok_lines

    lines = split_lines(text)
    pending: list[tuple[str, str]] = []
    for number, content in enumerate(lines, start=1):
        match = _ANNOTATION.search(content)
        standalone = match is not None and content[: match.start()].strip() in ("", "<!--")
        if match is not None and standalone:
            pending.append((match.group(1), match.group(2)))
            continue
        marks = list(pending)
        pending.clear()
        if match is not None:
            marks.append((match.group(1), match.group(2)))
        for kind, body in marks:
            if kind == "ok":
                ok_lines.add(number)
            else:
                expected.extend(_parse_expectations(number, body))
    return expected, ok_lines


def _matches(fact: PortFact, want: Expected) -> bool:
    return (
        fact.location.line == want.line
        and fact.port == want.port
        and fact.role.value == want.role
        and fact.service == want.service
        and fact.protocol == want.protocol
        and (not want.checks_env or fact.env == want.env)
        and (not want.checks_target or fact.target == want.target)
        and (want.tags is None or tuple(sorted(fact.tags)) == want.tags)
    )


def describe(fact: PortFact) -> str:
    return (
        f"line {fact.location.line}:{fact.location.col} {fact.port} {fact.role.value} "
        f"service={fact.service} env={fact.env} target={fact.target} "
        f"protocol={fact.protocol} tags={','.join(fact.tags)}"
    )


def check_fixture(extractor: Extractor, fixture: Path, relpath: str | None = None) -> None:
    """Run ``extractor`` on ``fixture`` and compare with its annotations, exactly."""
    text = fixture.read_bytes().decode("utf-8")
    name = relpath or fixture.name
    assert extractor.matches(name), f"{extractor.NAME} does not claim {name}"
    extraction = extractor.extract(name, text)
    assert not extraction.diagnostics, extraction.diagnostics
    expected, ok_lines = read_expectations(fixture, text)
    assert expected, f"{fixture} has no expect: annotation"
    lines = split_lines(text)

    unmatched = list(expected)
    unexpected: list[str] = []
    for fact in extraction.facts:
        assert fact.location.path == name
        line_text = lines[fact.location.line - 1]
        if TAG_RANGE not in fact.tags:
            at = line_text[fact.location.col - 1 :]
            assert at.startswith(str(fact.port)), (
                f"{describe(fact)} does not point at the literal: {line_text!r}"
            )
        hit = next((want for want in unmatched if _matches(fact, want)), None)
        if hit is None:
            note = " (an ok: line)" if fact.location.line in ok_lines else ""
            unexpected.append(describe(fact) + note)
        else:
            unmatched.remove(hit)
    problems = [f"unexpected fact: {item}" for item in unexpected]
    problems += [f"missing fact: {want}" for want in unmatched]
    assert not problems, f"{fixture}:\n" + "\n".join(problems)


def fixture_paths(folder: Path, pattern: str = "*") -> list[str]:
    """The fixture files under ``folder`` matching ``pattern``, as sorted POSIX paths
    relative to it (``.expect`` sidecars are expectations, not fixtures)."""
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob(pattern)
        if path.is_file() and path.suffix != ".expect"
    )


def fixture_params(folder: Path, pattern: str = "*") -> list[Any]:
    """:func:`fixture_paths` as pytest parameters named after the paths."""
    return [pytest.param(rel, id=rel) for rel in fixture_paths(folder, pattern)]
