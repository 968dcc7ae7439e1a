"""Trees for the hostile tests: a small monorepo whose facts are known, and helpers to
write bad files beside it and compare what a scan makes of both.

Every hostile test writes its tree under ``tmp_path`` and checks two things: the exact
``errors`` entries the bad files become, and that the good files' facts are what a scan
of the good files alone finds.
"""

from __future__ import annotations

from pathlib import Path

from portscan.api import scan
from portscan.config import Config
from portscan.extractors.base import Extractor
from portscan.model import PortFact, ScanResult

#: A monorepo in miniature: one file for each of the common formats, each with a port.
GOOD: dict[str, bytes] = {
    "docker-compose.yml": (
        b"services:\n"
        b"  web:\n"
        b"    image: mana/web\n"
        b"    ports:\n"
        b'      - "8080:80"\n'
        b"  llm:\n"
        b"    image: mana/llm\n"
        b"    environment:\n"
        b'      PORT: "3025"\n'
    ),
    "services/api/main.py": b'import os\n\nPORT = int(os.getenv("PORT", "3001"))\n',
    "services/api/.env": b"PORT=3001\nLLM_URL=http://llm:3025/v1\n",
    "services/web/package.json": b'{"name": "web", "scripts": {"dev": "vite --port 5010"}}\n',
    "services/worker/Dockerfile": b"FROM python:3.11-slim\nEXPOSE 3050\n",
    "deploy/com.mana.llm.plist": (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<plist version="1.0">\n'
        b"<dict>\n"
        b"  <key>Label</key>\n"
        b"  <string>com.mana.llm</string>\n"
        b"  <key>EnvironmentVariables</key>\n"
        b"  <dict>\n"
        b"    <key>PORT</key>\n"
        b"    <string>3025</string>\n"
        b"  </dict>\n"
        b"</dict>\n"
        b"</plist>\n"
    ),
}

#: (path, line, col, port) of every fact the good tree yields.
GOOD_FACTS = [
    ("deploy/com.mana.llm.plist", 9, 13, 3025),
    ("docker-compose.yml", 5, 10, 8080),
    ("docker-compose.yml", 5, 15, 80),
    ("docker-compose.yml", 9, 14, 3025),
    ("services/api/.env", 1, 6, 3001),
    ("services/api/.env", 2, 20, 3025),
    ("services/api/main.py", 3, 31, 3001),
    ("services/web/package.json", 1, 49, 5010),
    ("services/worker/Dockerfile", 2, 8, 3050),
]


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` (relative POSIX path -> bytes) under ``root``; return ``root``."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def scan_tree(root: Path, config: Config | None = None) -> ScanResult:
    return scan(root, config if config is not None else Config())


def places(facts: tuple[PortFact, ...]) -> list[tuple[str, int, int, int]]:
    """(path, line, col, port) of each fact, in the order of the result."""
    return [(f.location.path, f.location.line, f.location.col, f.port) for f in facts]


def good_alone(tmp_path: Path) -> ScanResult:
    """A scan of the good files alone, the baseline a hostile tree is compared with."""
    return scan_tree(write_tree(tmp_path / "good-alone", GOOD))


def good_facts_of(result: ScanResult) -> tuple[PortFact, ...]:
    """The facts of ``result`` that come from the good files."""
    return tuple(f for f in result.graph.facts if f.location.path in GOOD)


EXTRACTOR_FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "extractors"


def claimed_path(name: str, extractor: Extractor) -> str:
    """A path the extractor claims: the first of its fixture files it matches."""
    folder = EXTRACTOR_FIXTURES / name
    rels = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return next(rel for rel in rels if extractor.matches(rel))
