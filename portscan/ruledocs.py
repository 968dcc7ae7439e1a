"""The finding docs in ``rules/PS00N.md``: find one by code or name, read its sections.

Each doc is Markdown with a title line ``# PS001 active-collision (error)`` and the
sections listed in :data:`SECTIONS`. ``portscan explain`` prints a doc as it is; the SARIF
renderer takes a rule's full description from the first paragraph of "What it finds".
"""

from __future__ import annotations

import re
from pathlib import Path

from portscan.analyze import FINDINGS
from portscan.analyze.base import Rule

#: Every finding doc has these ``##`` sections, in this order.
SECTIONS = ("What it finds", "Why it matters", "Example", "How to fix", "How to suppress")

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def known_findings() -> str:
    """``PS001 active-collision, PS002 latent-collision, ...`` in registry order."""
    return ", ".join(f"{rule.CODE} {rule.NAME}" for rule in FINDINGS)


def lookup(query: str) -> Rule | None:
    """The finding whose code (any case) or name is ``query``, if there is one."""
    wanted = query.strip()
    for rule in FINDINGS:
        if wanted.upper() == rule.CODE or wanted.lower() == rule.NAME:
            return rule
    return None


def doc_path(code: str, rules_dir: Path | None = None) -> Path:
    """Where the doc of finding ``code`` lives (it may be missing)."""
    if rules_dir is None:
        # Imported here: importing the queries module imports every extractor, which
        # rendering (and so every scan) would otherwise pay for.
        from portscan.extractors.queries import bundled_rules_dir

        rules_dir = bundled_rules_dir()
    return rules_dir / f"{code}.md"


def read_doc(code: str, rules_dir: Path | None = None) -> str | None:
    """The doc's text, or None when the finding has no readable doc."""
    try:
        return doc_path(code, rules_dir).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def title(text: str) -> str | None:
    """The text of the first ``#`` heading."""
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) == 1:
            return match.group(2)
    return None


def sections(text: str) -> dict[str, str]:
    """Each ``##`` section's body, stripped, keyed by its heading.

    Lines inside fenced code blocks are never headings (an example's ``# comment``).
    """
    result: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match and len(match.group(1)) == 2:
            current = result.setdefault(match.group(2), [])
        elif match and len(match.group(1)) == 1:
            current = None
        elif current is not None:
            current.append(line)
    return {heading: "\n".join(lines).strip() for heading, lines in result.items()}


def first_paragraph(body: str) -> str:
    """The first paragraph of a section, its lines joined by single spaces."""
    paragraph: list[str] = []
    for line in body.splitlines():
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return " ".join(paragraph)


def description(rule: Rule, rules_dir: Path | None = None) -> str:
    """The first paragraph of "What it finds", or the rule's one-line summary."""
    text = read_doc(rule.CODE, rules_dir)
    if text is not None:
        finds = first_paragraph(sections(text).get(SECTIONS[0], ""))
        if finds:
            return finds
    return rule.SUMMARY[:1].upper() + rule.SUMMARY[1:] + "."


__all__ = [
    "SECTIONS",
    "description",
    "doc_path",
    "first_paragraph",
    "known_findings",
    "lookup",
    "read_doc",
    "sections",
    "title",
]
