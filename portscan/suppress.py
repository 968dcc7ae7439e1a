"""Inline suppression: ``portscan: ignore[latent-collision] -- reason`` in a comment.

One documented comment, handled here and never in rules. It sits in any comment syntax
of the file (``#``, ``//``, ``/*``, ``<!--``, ``;``, ``--``), on the line of any of a
finding's locations or on the line before it, and names the findings it silences by
code or name, comma-separated: ``portscan: ignore[PS001, latent-collision]``. A reason
after ``--`` is for the reader. A bare ``portscan: ignore`` (no brackets) silences
nothing: a blanket switch hides the next, unrelated finding on that line too.

Every suppression must earn its place: one that silences nothing (the finding went away,
the code is wrong, or it names no finding at all) comes back as an
:class:`UnusedSuppression`, so stale comments do not pile up.

This module is pure and reads nothing. The comments are found in the text the extract
stage decodes for the extractors (:func:`find_in_text`) and are cached with the file's
facts as plain tuples (:func:`to_plain`): the filter stage of a warm run reads no file to
judge them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portscan.extractors.base import split_lines
from portscan.model import Finding, UnusedSuppression

#: Every suppression comment holds this: a text without it holds none.
MARKER = "portscan:"

#: A comment opener at the start of a line or after white space, then the marker. The
#: white space keeps prose that quotes the comment (`` `# portscan: ignore[...]` ``) out.
_MARKER = re.compile(
    r"(?:^|(?<=\s))(?:#|//|/\*|<!--|;|--)[^\r\n]*?\bportscan:[ \t]*ignore\b(?P<rest>[^\r\n]*)"
)
_CODES = re.compile(r"\[(?P<codes>[^\]]*)\]")


@dataclass(frozen=True, slots=True, order=True)
class Suppression:
    """One ``portscan: ignore[...]`` comment: where it is and what it names.

    ``codes`` are the names as written; ``reason`` the text after ``--``, if any.
    """

    path: str
    line: int
    codes: tuple[str, ...]
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Suppressed:
    """What suppression left: the findings kept, how many were silenced, and the
    suppressions that silenced nothing."""

    kept: tuple[Finding, ...]
    silenced: int
    unused: tuple[UnusedSuppression, ...]


def parse_line(path: str, number: int, text: str) -> Suppression | None:
    """The suppression on one line, if the line holds the marker in a comment.

    A bare ``portscan: ignore`` comes back with no codes (and so silences nothing).
    """
    match = _MARKER.search(text) if MARKER in text else None
    if match is None:
        return None
    rest = match.group("rest")
    bracket = _CODES.match(rest)
    if bracket is None:
        return Suppression(path, number, ())
    codes = tuple(code.strip() for code in bracket.group("codes").split(",") if code.strip())
    reason = _reason(rest[bracket.end() :])
    return Suppression(path, number, codes, reason)


def _reason(tail: str) -> str | None:
    """``-- because X -->`` -> ``because X``; comment closers are not part of it."""
    tail = tail.strip()
    for closer in ("-->", "*/"):
        tail = tail.removesuffix(closer).rstrip()
    if not tail.startswith("--"):
        return None
    return tail[2:].strip() or None


def find_suppressions(path: str, lines: Sequence[str]) -> tuple[Suppression, ...]:
    """Every suppression comment of one file, in line order."""
    found = (parse_line(path, number, text) for number, text in enumerate(lines, start=1))
    return tuple(suppression for suppression in found if suppression is not None)


def find_in_text(path: str, text: str) -> tuple[Suppression, ...]:
    """Every suppression comment of a file's text (lines end at ``\\r\\n``, ``\\r`` or
    ``\\n``, as every extractor counts them)."""
    if MARKER not in text:
        return ()
    return find_suppressions(path, split_lines(text))


#: A suppression as the cache stores it: (line, codes, reason); the path is the file's.
Plain = tuple[int, tuple[str, ...], str | None]


def to_plain(suppressions: Iterable[Suppression]) -> tuple[Plain, ...]:
    """Suppressions as plain tuples, for the cache and for crossing a pipe."""
    return tuple((s.line, s.codes, s.reason) for s in suppressions)


def from_plain(path: str, plain: Iterable[Any]) -> tuple[Suppression, ...]:
    """The suppressions :func:`to_plain` made of the comments of ``path``."""
    return tuple(Suppression(path, line, tuple(codes), reason) for line, codes, reason in plain)


def canonical(code: str, known: Mapping[str, str]) -> str | None:
    """The finding code a written name means (``ps002``, ``PS002``, ``latent-collision``
    -> ``PS002``), or None when it names no finding. ``known`` maps code -> name."""
    upper = code.upper()
    if upper in known:
        return upper
    for known_code, name in known.items():
        if name == code:
            return known_code
    return None


def apply_suppressions(
    findings: Iterable[Finding],
    comments: Mapping[str, Sequence[Suppression]],
    known: Mapping[str, str],
) -> Suppressed:
    """Drop the findings a suppression comment names; report the comments that silence
    nothing. ``comments`` holds the suppressions of each file (files without any may be
    left out); only those of the files the findings point at are judged.

    A finding is silenced when a suppression on the line of any of its locations, or on
    the line before it, names its code or name. ``known`` maps every finding code to its
    name, so that a misspelt name is reported instead of silently ignored.
    """
    findings = tuple(findings)
    by_file: dict[str, dict[int, Suppression]] = {}
    for path in sorted({loc.path for finding in findings for loc in finding.locations}):
        if comments.get(path):
            by_file[path] = {s.line: s for s in comments[path]}
    used: set[tuple[str, int, str]] = set()  # (path, line, code as written)
    kept: list[Finding] = []
    for finding in findings:
        hits = _matching(finding, by_file, known)
        used.update(hits)
        if not hits:
            kept.append(finding)
    unused = [
        note
        for suppressions in by_file.values()
        for suppression in suppressions.values()
        for note in _unused(suppression, used, known)
    ]
    return Suppressed(tuple(kept), len(findings) - len(kept), tuple(sorted(unused)))


def _matching(
    finding: Finding, by_file: Mapping[str, Mapping[int, Suppression]], known: Mapping[str, str]
) -> set[tuple[str, int, str]]:
    """The (path, line, written code) of each suppression entry that names ``finding``."""
    hits: set[tuple[str, int, str]] = set()
    for location in finding.locations:
        suppressions = by_file.get(location.path, {})
        for line in (location.line, location.line - 1):
            suppression = suppressions.get(line)
            if suppression is None:
                continue
            for code in suppression.codes:
                if canonical(code, known) == finding.code:
                    hits.add((suppression.path, suppression.line, code))
    return hits


def _unused(
    suppression: Suppression, used: set[tuple[str, int, str]], known: Mapping[str, str]
) -> list[UnusedSuppression]:
    """What to say about the parts of one suppression that silenced nothing."""
    path, line = suppression.path, suppression.line
    if not suppression.codes:
        message = "'portscan: ignore' needs the findings it silences: portscan: ignore[CODE]"
        return [UnusedSuppression(path, line, (), message)]
    notes: list[UnusedSuppression] = []
    unknown = tuple(code for code in suppression.codes if canonical(code, known) is None)
    if unknown:
        names = ", ".join(repr(code) for code in unknown)
        message = f"{names} {'names' if len(unknown) == 1 else 'name'} no finding"
        notes.append(UnusedSuppression(path, line, unknown, message))
    idle = tuple(
        code
        for code in suppression.codes
        if canonical(code, known) is not None and (path, line, code) not in used
    )
    if idle:
        message = f"portscan: ignore[{', '.join(idle)}] silences nothing here"
        notes.append(UnusedSuppression(path, line, idle, message))
    return notes


__all__ = [
    "MARKER",
    "Plain",
    "Suppressed",
    "Suppression",
    "UnusedSuppression",
    "apply_suppressions",
    "canonical",
    "find_in_text",
    "find_suppressions",
    "from_plain",
    "parse_line",
    "to_plain",
]
