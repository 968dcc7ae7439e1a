"""The extractor registry: one literal table of modules, imported on lookup."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portscan.extractors import EXTRACTORS, claimed_by


def test_every_name_is_its_modules_name() -> None:
    assert [extractor.NAME for extractor in EXTRACTORS.values()] == list(EXTRACTORS)
    assert len(EXTRACTORS) == 15


def test_importing_the_package_imports_no_extractor() -> None:
    probe = (
        "import sys, portscan.extractors.base\n"
        "print(sorted(m for m in sys.modules if m.startswith('portscan.extractors.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "['portscan.extractors.base']\n"


def test_an_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        EXTRACTORS["cobol"]


@pytest.mark.parametrize(
    ("path", "names"),
    [
        pytest.param("services/api/main.py", ["python"], id="python"),
        pytest.param("docker-compose.yml", ["compose"], id="compose"),
        pytest.param("README.md", ["markdown"], id="markdown"),
        pytest.param("web/src/app.ts", ["typescript"], id="typescript"),
        pytest.param("logo.png", [], id="nobody"),
    ],
)
def test_claimed_by(path: str, names: list[str]) -> None:
    assert [extractor.NAME for extractor in claimed_by(path)] == names
