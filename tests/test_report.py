"""``portscan report --base REF``: new, fixed and unchanged findings of a change."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from cli_trees import COLLIDING_COMPOSE, VOICE, make_repo, run

from portscan.model import (
    Binding,
    Graph,
    Location,
    ScanResult,
    ScanStats,
    Severity,
    make_finding,
)
from portscan.render.markdown import finding_item, render_report
from portscan.report import compare

GOLDEN = Path(__file__).resolve().parent / "golden"

COMPOSE_B = """\
services:
  web:
    ports:
      - "8080:80"
  api:
    ports:
      - "8081:3000"
  admin:
    ports:
      - "9000:80"
  worker:
    ports:
      - "9000:81"
"""


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git identity and config kept inside the test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def two_commits(root: Path, prefix: str = "") -> Path:
    """Commit 1: collision A (8080) and an undeployed service; commit 2 fixes A and
    brings collision B (9000). Returns the scan root."""
    project = root / prefix if prefix else root
    project.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    make_repo(project, {"docker-compose.yml": COLLIDING_COMPOSE, "services/voice/main.py": VOICE})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "one")
    make_repo(project, {"docker-compose.yml": COMPOSE_B})
    git(root, "commit", "-q", "-am", "two")
    return project


def check_golden(name: str, text: str, update: bool) -> None:
    golden = GOLDEN / name
    if update:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.usefixtures("git_env")
@pytest.mark.parametrize(
    ("name", "output_format"),
    [
        pytest.param("report.md", "markdown", id="markdown"),
        pytest.param("report.json", "json", id="json"),
        pytest.param("report-github.txt", "github", id="github"),
    ],
)
def test_report_round_trip(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    update_golden: bool,
    name: str,
    output_format: str,
) -> None:
    root = two_commits(tmp_path / "repo")
    code, out, err = run(capsys, "report", str(root), "--base", "HEAD~1", "--format", output_format)
    assert (code, err) == (1, "")
    check_golden(name, out, update_golden)


@pytest.mark.usefixtures("git_env")
def test_report_sarif_holds_the_work_tree_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_commits(tmp_path / "repo")
    code, out, _ = run(capsys, "report", str(root), "--base", "HEAD~1", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert (code, sorted(r["ruleId"] for r in results)) == (1, ["PS001", "PS007"])


@pytest.mark.usefixtures("git_env")
def test_report_json_sorts_new_and_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_commits(tmp_path / "repo")
    _, out, _ = run(capsys, "report", str(root), "--base", "HEAD~1", "--format", "json")
    document = json.loads(out)
    assert [(f["code"], f["port"]) for f in document["new"]] == [("PS001", 9000)]
    assert [(f["code"], f["port"]) for f in document["fixed"]] == [("PS001", 8080)]
    assert (document["unchanged"], document["verdict"], document["changed"]) == (
        1,
        "fail",
        ["docker-compose.yml"],
    )


@pytest.mark.usefixtures("git_env")
def test_report_in_a_subfolder_links_from_the_repository_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_commits(tmp_path / "repo", prefix="infra/stack")
    code, out, _ = run(capsys, "report", str(root), "--base", "HEAD~1")
    assert code == 1
    assert (
        "- **PS001 active-collision** (error) at"
        " [docker-compose.yml:13](infra/stack/docker-compose.yml#L13): port 9000/tcp"
    ) in out
    assert out.splitlines()[0] == (
        ":x: **portscan**: 1 new finding (1 error) against `HEAD~1`; 1 fixed, 1 unchanged."
    )


@pytest.mark.usefixtures("git_env")
def test_report_of_a_subfolder_the_base_lacks_finds_everything_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The base commit has no such folder: its tree is empty, so every finding is new."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    make_repo(repo, {"README.md": "# monorepo\n"})
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    project = make_repo(repo / "infra" / "stack", {"docker-compose.yml": COLLIDING_COMPOSE})
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "two")
    code, out, err = run(capsys, "report", str(project), "--base", "HEAD~1", "--format", "json")
    document = json.loads(out)
    assert (code, err) == (1, "")
    assert [(f["code"], f["port"], f["locations"][0]["path"]) for f in document["new"]] == [
        ("PS001", 8080, "docker-compose.yml")
    ]
    assert (document["fixed"], document["unchanged"], document["changed"]) == (
        [],
        0,
        ["docker-compose.yml"],
    )


@pytest.mark.usefixtures("git_env")
def test_report_counts_work_tree_and_untracked_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against HEAD: an unstaged fix and an untracked service. Nothing new: exit 0."""
    root = two_commits(tmp_path / "repo")
    make_repo(
        root,
        {
            "docker-compose.yml": COMPOSE_B.replace('"9000:81"', '"9001:81"'),
            "services/sync/main.py": 'import os\nPORT = os.getenv("PORT", "3060")\n',
        },
    )
    before = (git(root, "status", "--porcelain"), git(root, "worktree", "list"))
    index_stat = (root / ".git" / "index").stat().st_mtime_ns
    code, out, _ = run(capsys, "report", str(root), "--base", "HEAD", "--format", "json")
    assert (root / ".git" / "index").stat().st_mtime_ns == index_stat
    document = json.loads(out)
    assert code == 0  # the untracked service is a new info finding, below fail-on error
    assert [(f["code"], f["services"]) for f in document["new"]] == [("PS007", ["sync"])]
    assert [(f["code"], f["port"]) for f in document["fixed"]] == [("PS001", 9000)]
    assert document["changed"] == ["docker-compose.yml", "services/sync/main.py"]
    assert (git(root, "status", "--porcelain"), git(root, "worktree", "list")) == before


@pytest.mark.usefixtures("git_env")
@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param([], 1, id="new-error-fails"),
        pytest.param(["--fail-on", "never"], 0, id="never"),
        pytest.param(["--ignore", "PS001"], 0, id="ignored"),
        pytest.param(["--base", "HEAD"], 0, id="no-change"),
    ],
)
def test_report_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int
) -> None:
    root = two_commits(tmp_path / "repo")
    base = [] if "--base" in args else ["--base", "HEAD~1"]
    assert run(capsys, "report", str(root), *base, *args)[0] == code


@pytest.mark.usefixtures("git_env")
def test_no_change_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = two_commits(tmp_path / "repo")
    assert run(capsys, "report", str(root), "--base", "HEAD") == (
        0,
        ":white_check_mark: **portscan**: no new findings against `HEAD`; 0 fixed, 2"
        " unchanged.\n\n2 findings unchanged (also in `HEAD`).\n\nThis change touches no"
        " service's ports.\n",
        "",
    )


@pytest.mark.usefixtures("git_env")
@pytest.mark.parametrize(
    ("ref", "message"),
    [
        pytest.param(
            "no-such-branch",
            "portscan: --base 'no-such-branch': no such commit in {root} (fetch it first, e.g."
            " 'git fetch origin main', or check the name)\n",
            id="unknown",
        ),
        pytest.param(
            "--output=x", "portscan: --base '--output=x': not a git revision\n", id="option-like"
        ),
    ],
)
def test_bad_ref_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: str, message: str
) -> None:
    root = two_commits(tmp_path / "repo")
    assert run(capsys, "report", str(root), f"--base={ref}") == (
        2,
        "",
        message.format(root=root),
    )


@pytest.mark.usefixtures("git_env")
def test_outside_git_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    code, out, err = run(capsys, "report", str(folder), "--base", "main")
    assert (code, out) == (2, "")
    assert err.startswith(f"portscan: {folder}: not in a git repository")


@pytest.mark.usefixtures("git_env")
def test_base_config_comes_from_the_base_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """REF is scanned with REF's config: a change that only ignores a finding in config
    fixes it (as the base would have reported it)."""
    root = two_commits(tmp_path / "repo")
    make_repo(root, {"portscan.toml": 'ignore = ["undeployed-service"]\n'})
    _, out, _ = run(capsys, "report", str(root), "--base", "HEAD", "--format", "json")
    assert [f["code"] for f in json.loads(out)["fixed"]] == ["PS007"]


# --- the comment limit --------------------------------------------------------------------


def synthetic(count: int) -> ScanResult:
    """A result with ``count`` collisions and ``count`` bindings, all in one file."""
    bindings = tuple(
        Binding(f"svc{n:04d}", "box", 10000 + n, "tcp", "publish", Location("c.yml", n + 1, 9))
        for n in range(count)
    )
    findings = tuple(
        make_finding(
            "PS001",
            "active-collision",
            Severity.ERROR,
            f"port {10000 + n} is bound twice " + "x" * 200,
            port=10000 + n,
            services=(f"svc{n:04d}", "other"),
            hosts=("box",),
            locations=(Location("c.yml", n + 1, 9),),
        )
        for n in range(count)
    )
    services = tuple(sorted({b.service for b in bindings}))
    graph = Graph(facts=(), bindings=bindings, hosts=("box",), services=services)
    return ScanResult(".", graph, findings, (), ScanStats(1, 1, 0, count))


def test_report_is_cut_to_the_limit_at_whole_items_and_rows() -> None:
    head = synthetic(400)
    empty = ScanResult(".", Graph((), (), (), ()), (), (), ScanStats(0, 0, 0, 0))
    report = compare(
        head, empty, ref="main", prefix="", changed=frozenset(), threshold=Severity.ERROR
    )
    full = render_report(report)
    assert 64_000 < len(full) <= 65_536
    assert full.endswith("for all of it._\n")
    limit = 20_000
    text = render_report(report, limit=limit)
    assert len(text) <= limit
    lines = text.splitlines()
    assert lines[0].startswith(":x: **portscan**: 400 new findings (400 errors)")
    assert any(line.startswith("- _... and ") for line in lines)
    assert lines[-1] == (
        "_This report was cut to fit GitHub's comment limit; run `portscan report --base main`"
        " for all of it._"
    )
    items = [line for line in lines if line.startswith("- **PS001")]
    assert 0 < len(items) < 400
    assert items == [finding_item(finding) for finding in report.new[: len(items)]]


def test_port_table_is_cut_between_rows() -> None:
    head = synthetic(300)
    head = ScanResult(head.root, head.graph, (), (), head.stats)
    changed = frozenset({"c.yml"})
    report = compare(head, head, ref="main", prefix="", changed=changed, threshold=None)
    assert len(report.rows) == 300  # every service has a binding in the changed file
    text = render_report(report, limit=8_000)
    assert len(text) <= 8_000
    lines = text.splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert table[:2] == [
        "| service | host | port | via | where set |",
        "|---|---|---|---|---|",
    ]
    assert all(line.count(" | ") == 4 and line.endswith(" |") for line in table[2:])
    end = lines.index(table[-1])
    assert lines[end + 1] == ""
    assert re.fullmatch(r"_\.\.\. and \d+ more rows_", lines[end + 2])
    assert "```mermaid" not in text
    assert "_The drawing of these services is left out._" in lines


def verb(args: list[str]) -> str:
    """The git command of ``git [-C DIR] VERB ...``."""
    while args[0] == "-C":
        args = args[2:]
    return args[0]


def test_git_is_never_asked_to_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], git_env: None
) -> None:
    """The report reads REF through ``git archive``: no checkout, worktree or index."""
    root = two_commits(tmp_path / "repo")
    calls: list[list[str]] = []
    real_run, real_popen = subprocess.run, subprocess.Popen

    def record_run(args: list[str], *rest: object, **kw: object) -> object:
        calls.append(list(args))
        return real_run(args, *rest, **kw)  # type: ignore[call-overload]

    def record_popen(args: list[str], *rest: object, **kw: object) -> object:
        calls.append(list(args))
        return real_popen(args, *rest, **kw)  # type: ignore[call-overload]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "run", record_run)
        patch.setattr(subprocess, "Popen", record_popen)
        assert run(capsys, "report", str(root), "--base", "HEAD~1")[0] == 1
    verbs = {verb(call[1:]) for call in calls if call[0] == "git"}
    assert verbs <= {"archive", "cat-file", "diff", "ls-files", "rev-parse"}
    assert "archive" in verbs
    assert os.path.isdir(root / ".git")


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        pytest.param(set(), set(), id="nothing"),
        pytest.param({"c.yml"}, {"svc0000", "svc0001"}, id="bindings"),
        pytest.param({"other.yml"}, set(), id="unrelated"),
    ],
)
def test_touched_services(changed: set[str], expected: set[str]) -> None:
    from portscan.report import touched_services

    assert touched_services(frozenset(changed), synthetic(2).graph) == frozenset(expected)
