"""The pre-commit hook: a valid manifest, a ``files`` pattern in step with the extractors,
and a real ``git commit`` through real pre-commit that fails on a new collision."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cli_trees import COLLIDING_COMPOSE

from portscan.extractors import claimed_by

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def hook() -> dict[str, object]:
    from pre_commit.clientlib import load_manifest

    (only,) = load_manifest(str(MANIFEST))
    return dict(only)


def test_manifest_is_valid_and_runs_portscan_check() -> None:
    found = hook()
    assert {key: found[key] for key in ("id", "entry", "language")} == {
        "id": "portscan",
        "entry": "portscan check",
        "language": "python",
    }
    assert (found["pass_filenames"], found["require_serial"]) == (True, True)


def files_pattern() -> re.Pattern[str]:
    pattern = hook()["files"]
    assert isinstance(pattern, str)
    return re.compile(pattern)


def fixture_paths() -> list[str]:
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "fixtures").rglob("*")
        if path.is_file() and not path.name.endswith(".expect")
    )


def test_files_pattern_covers_every_fixture_an_extractor_reads() -> None:
    pattern = files_pattern()
    claimed = [path for path in fixture_paths() if claimed_by(path)]
    assert len(claimed) > 50
    assert [path for path in claimed if not pattern.search(path)] == []


@pytest.mark.parametrize(
    "path",
    [
        "services/a/main.py",
        "apps/web/src/hooks.server.ts",
        "apps/web/src/routes/+page.svelte",
        "apps/site/src/pages/index.astro",
        "apps/web/vite.config.mjs",
        "services/credits/main.go",
        "scripts/start.sh",
        "scripts/mac-mini/start-llm",
        "docker-compose.macmini.yml",
        "compose.yaml",
        "deploy/com.mana.stt.plist",
        "Dockerfile",
        "services/a/Dockerfile.prod",
        "services/a/api.dockerfile",
        ".env",
        ".env.production",
        "deploy/box.env",
        "deploy/mana-llm.service",
        "deploy/mana-llm.socket",
        "apps/web/package.json",
        "services/a/README.md",
        "deploy/nginx/site.conf",
        "etc/nginx/sites-enabled/default",
        "deploy/Caddyfile",
        "deploy/cloudflared/config.yml",
        "portscan.toml",
        "pyproject.toml",
        ".portscan-baseline.json",
    ],
)
def test_files_pattern_matches_what_portscan_reads(path: str) -> None:
    assert files_pattern().search(path)
    assert claimed_by(path) or path.endswith(("toml", ".json"))


@pytest.mark.parametrize(
    "path",
    ["assets/logo.png", "notes.txt", "Makefile", "package-lock.json", "docs/index.rst"],
)
def test_files_pattern_leaves_out_what_portscan_does_not_read(path: str) -> None:
    assert not files_pattern().search(path)
    assert not claimed_by(path)


CLEAN = COLLIDING_COMPOSE.replace('"8080:3000"', '"8081:3000"')


def local_config() -> str:
    """A ``repo: local`` hook with the manifest's fields, running this checkout."""
    found = hook()
    local = {
        "id": "portscan",
        "name": found["name"],
        "entry": f"{sys.executable} -m portscan check",
        "language": "system",
        "pass_filenames": found["pass_filenames"],
        "require_serial": found["require_serial"],
        "files": found["files"],
    }
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}, sort_keys=False)


class Repo:
    """A git repository in tmp_path, with HOME, the pre-commit cache and git identity
    kept inside the test's folder."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "repo"
        self.path.mkdir()
        home = tmp_path / "home"
        home.mkdir()
        self.env = {
            **os.environ,
            "HOME": str(home),
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("GIT_DIR", None)
        self.env.pop("GIT_INDEX_FILE", None)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, message: str, *files: str) -> subprocess.CompletedProcess[str]:
        assert self.run("git", "add", *files).returncode == 0
        return self.run("git", "commit", "-m", message)


def test_pre_commit_round_trip(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    assert repo.run("git", "init", "-q", "-b", "main").returncode == 0
    repo.write(".pre-commit-config.yaml", local_config())
    repo.write("services/voice/main.py", 'import os\nPORT = os.getenv("PORT", "3050")\n')
    assert repo.commit("hook config", ".").returncode == 0
    installed = repo.run(sys.executable, "-m", "pre_commit", "install")
    assert installed.returncode == 0, installed.stderr

    repo.write("docker-compose.yml", COLLIDING_COMPOSE)
    failed = repo.commit("add a collision", "docker-compose.yml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    output = failed.stdout + failed.stderr
    assert re.search(r"portscan\.+Failed", output)
    assert (
        "docker-compose.yml:7:10: PS001 active-collision [error] port 8080/tcp is bound twice"
        in output
    )
    assert repo.run("git", "rev-list", "--count", "HEAD").stdout.strip() == "1"

    repo.write("docker-compose.yml", CLEAN)
    passed = repo.commit("add two services", "docker-compose.yml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"portscan\.+Passed", passed.stdout + passed.stderr)
    assert repo.run("git", "rev-list", "--count", "HEAD").stdout.strip() == "2"


def test_hook_reports_only_findings_in_the_staged_files(tmp_path: Path) -> None:
    """An old collision in a file the commit does not touch does not block it."""
    repo = Repo(tmp_path)
    assert repo.run("git", "init", "-q", "-b", "main").returncode == 0
    repo.write(".pre-commit-config.yaml", local_config())
    repo.write("docker-compose.yml", COLLIDING_COMPOSE)
    assert repo.commit("old collision", ".").returncode == 0
    assert repo.run(sys.executable, "-m", "pre_commit", "install").returncode == 0

    repo.write("services/sync/main.py", 'import os\nPORT = os.getenv("PORT", "3060")\n')
    passed = repo.commit("unrelated", "services/sync/main.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr

    repo.write("docker-compose.yml", COLLIDING_COMPOSE + "# touched\n")
    failed = repo.commit("touch the old collision", "docker-compose.yml")
    assert failed.returncode == 1
    assert "PS001 active-collision" in failed.stdout + failed.stderr
