"""What the CLI tests share: a tree written from a dict, a CLI run with its output, and
the small trees most of them scan."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from portscan.cli import main

#: Two compose services that publish host port 8080: one PS001 active-collision.
COLLIDING_COMPOSE = """\
services:
  web:
    ports:
      - "8080:80"
  api:
    ports:
      - "8080:3000"
"""
#: A Python service defaulting to 3050 that nothing deploys: one PS007.
VOICE = 'import os\nPORT = int(os.getenv("PORT", "3050"))\n'


def make_repo(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """``files`` (path -> text or bytes) written below ``root``; text exactly as given
    (UTF-8, line ends untranslated)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``portscan ARGS`` in this process: the exit code, stdout and stderr."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
