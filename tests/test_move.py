"""``portscan move``: one diff that rewrites a service's port everywhere it is written.

The acceptance test moves mana-image-gen in a copy of the example monorepo (plus the
files of ``fixtures/move/example-overlay`` that the example does not have yet: a plist,
a compose file, a Dockerfile, a ``.env``, cloudflared, Prometheus and docs); the
``box`` monorepo writes one service's port in every format."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cli_trees import make_repo, run

from portscan import move as move_module
from portscan.api import scan
from portscan.audit import port_table
from portscan.config import Config, load_config
from portscan.model import TAG_TEST, Graph, LandingStatus, Location, Role
from portscan.move import (
    SCOPES,
    Change,
    MoveError,
    decode_source,
    move,
    plan_move,
    prepare,
    read_files,
    rewrite_text,
    scope_of,
    unified_diff,
    write_files,
)
from portscan.suggest import listen_facts, suggest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "example-monorepo"
OVERLAY = ROOT / "fixtures" / "move" / "example-overlay"
BOX = ROOT / "fixtures" / "move" / "box"
GOLDEN = Path(__file__).resolve().parent / "golden"
IMAGE_GEN = "mana-image-gen"


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".portscan_cache"))
    return target


def example_copy(tmp_path: Path) -> Path:
    """The example monorepo, with the overlay's files where the example has none."""
    root = copy_tree(EXAMPLE, tmp_path / "example")
    for source in sorted(OVERLAY.rglob("*")):
        target = root / source.relative_to(OVERLAY)
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".portscan_cache" not in path.parts
    }


def graph_of(root: Path) -> tuple[Graph, Config]:
    config = load_config(root)
    return scan(root, config).graph, config


def diff_paths(diff: str) -> set[str]:
    return {line[len("+++ b/") :] for line in diff.splitlines() if line.startswith("+++ b/")}


def check_golden(name: str, text: str, update: bool) -> None:
    golden = GOLDEN / name
    if update:
        golden.write_bytes(text.encode("utf-8"))
    assert text == golden.read_bytes().decode("utf-8")


# -- acceptance: the example monorepo ----------------------------------------------------


def test_move_image_gen_in_the_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], update_golden: bool
) -> None:
    root = example_copy(tmp_path)
    config = load_config(root)
    before = scan(root, config)
    graph = before.graph
    port = suggest(graph, config, IMAGE_GEN, 1).free[0]
    old = {fact.port for fact in listen_facts(graph, IMAGE_GEN)}
    assert old == {3025, 3026}  # the drift of the reference case: 3026 in code, 3025 deployed

    # Expected from the facts: every statement of those ports about the service, and
    # every reference that lands on it (never on mana-llm, which also uses 3025).
    landings = {landing.reference: landing for landing in graph.landings}
    about = [
        fact
        for fact in graph.facts
        if fact.port in old
        and TAG_TEST not in fact.tags
        and (
            (fact.role is not Role.REFERENCE and fact.service == IMAGE_GEN)
            or (
                fact in landings
                and landings[fact].status is LandingStatus.LANDS
                and landings[fact].binding is not None
                and landings[fact].binding.service == IMAGE_GEN  # type: ignore[union-attr]
            )
        )
    ]
    expected_paths = {fact.location.path for fact in about}
    kinds = {fact.extractor for fact in about}
    assert {"python", "launchd", "compose", "dockerfile", "dotenv"} <= kinds
    assert {"cloudflared", "prometheus", "markdown"} <= kinds
    assert "scripts/mac-mini/setup-image-gen.sh" in expected_paths  # the heredoc plist

    code, diff, err = run(capsys, "move", "image-gen", str(port), str(root))
    assert code == 0
    assert diff_paths(diff) == expected_paths
    check_golden("move-image-gen.diff", diff.replace(str(port), "<PORT>"), update_golden)
    assert err.startswith(
        "portscan: note: mana-image-gen's port statements disagree (3025, 3026):"
        f" all of them move to {port}\n"
    )

    original = snapshot(root)
    code, written, _ = run(capsys, "move", "image-gen", str(port), str(root), "--write")
    assert (code, written) == (0, diff)
    after = scan(root, config)
    rows = [row for row in port_table(after.graph) if row.service == IMAGE_GEN]
    assert rows
    assert {row.port for row in rows} == {port}
    hosts = {b.host for b in after.graph.bindings if b.service == IMAGE_GEN}
    assert hosts == {b.host for b in graph.bindings if b.service == IMAGE_GEN}
    assert {f.fingerprint for f in after.findings} <= {f.fingerprint for f in before.findings}
    moved = {fact.location for fact in about}
    untouched = [(f.location, f.port, f.role) for f in graph.facts if f.location not in moved]
    assert untouched == [
        (f.location, f.port, f.role) for f in after.graph.facts if f.location not in moved
    ]
    changed = {path for path, data in snapshot(root).items() if original[path] != data}
    assert changed == expected_paths

    # Back to 3025: every statement that said 3025 is restored byte for byte; those that
    # said 3026 (the drift) now say 3025, as in the reference fix.
    assert run(capsys, "move", "image-gen", "3025", str(root), "--write")[0] == 0
    aligned = snapshot(root)
    drifted = {f.location.path for f in about if f.port == 3026}
    assert {p for p, data in aligned.items() if original[p] != data} == drifted
    assert run(capsys, "move", "image-gen", str(port), str(root), "--write")[0] == 0
    assert run(capsys, "move", "image-gen", "3025", str(root), "--write")[0] == 0
    assert snapshot(root) == aligned


def test_the_diff_applies_with_git(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    root = example_copy(tmp_path)
    patched = copy_tree(root, tmp_path / "patched")
    code, diff, _ = run(capsys, "move", "image-gen", "3021", str(root), "--write")
    assert code == 0
    subprocess.run([git, "apply", "-"], input=diff.encode(), cwd=patched, check=True)
    assert snapshot(patched) == snapshot(root)


# -- every format: the box monorepo ------------------------------------------------------


@pytest.fixture(scope="module")
def box() -> tuple[Graph, Config]:
    return graph_of(BOX)


def test_box_golden(capsys: pytest.CaptureFixture[str], update_golden: bool) -> None:
    code, diff, err = run(capsys, "move", "api", "5111", str(BOX))
    assert code == 0
    check_golden("move-box-api.diff", diff, update_golden)
    assert err == "portscan: 22 change(s) in 12 file(s) not written; --write applies them\n"


def changed_lines(diff: str) -> list[str]:
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_box_changes_exactly_the_api_s_literals(box: tuple[Graph, Config]) -> None:
    graph, config = box
    outcome = prepare(plan_move(graph, config, "api", 5111), read_files(BOX, []))
    assert outcome.files == ()  # nothing read, nothing rewritten
    outcome = move(BOX, config, "api", 5111)
    assert outcome.warnings == ()
    by_path = {change.path: changed_lines(change.diff()) for change in outcome.files}
    assert by_path["deploy/box/docker-compose.yml"] == [
        '-      PORT: "5110"',
        '-    command: ["bun", "run", "server.ts", "--port", "5110"]',
        '+      PORT: "5111"',
        '+    command: ["bun", "run", "server.ts", "--port", "5111"]',
        '-      - "8080:5110"',  # the host side 8080 is not the api's port: it stays
        '-      - "5110:5110"',  # the host side equals the old port: both move
        '+      - "8080:5111"',
        '+      - "5111:5111"',
        '-      test: ["CMD", "curl", "-f", "http://localhost:5110/health"]',
        '+      test: ["CMD", "curl", "-f", "http://localhost:5111/health"]',
        "-      - API_URL=http://api:5110",
        "+      - API_URL=http://api:5111",
    ]
    # One line, two services on 5110: only the one that lands on the api changes.
    assert by_path["deploy/box/upstreams.env"] == [
        "-UPSTREAMS=http://gpu.lan:5110,http://localhost:5110",
        "+UPSTREAMS=http://gpu.lan:5110,http://localhost:5111",
    ]
    assert by_path["services/web/main.py"] == [
        '-API_URL = os.getenv("API_URL", "http://box.lan:5110")',
        '+API_URL = os.getenv("API_URL", "http://box.lan:5111")',
    ]
    assert by_path["docs/PORTS.md"] == ["-| api | 5110 |", "+| api | 5111 |"]
    # Comments and look-alike numbers stay; quote style stays.
    assert by_path["services/api/main.py"] == [
        "-PORT = int(os.getenv(\"PORT\", '5110'))  # keep this comment: port 5110",
        "+PORT = int(os.getenv(\"PORT\", '5111'))  # keep this comment: port 5110",
    ]
    assert by_path["services/api/server.ts"] == [
        "-export const port = Number(process.env.PORT ?? 5110);",
        "+export const port = Number(process.env.PORT ?? 5111);",
    ]


def test_moving_back_restores_every_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_tree(BOX, tmp_path / "box")
    (root / "services/api/start.sh").chmod(0o755)
    original = snapshot(root)
    assert run(capsys, "move", "api", "5111", str(root), "--write")[0] == 0
    assert stat.S_IMODE((root / "services/api/start.sh").stat().st_mode) == 0o755
    assert snapshot(root) != original
    assert sorted(p.name for p in (root / "deploy/box").iterdir()) == [
        "api.env",
        "api.service",
        "docker-compose.yml",
        "upstreams.env",
    ]  # no temporary file left behind
    assert run(capsys, "move", "api", "5110", str(root), "--write")[0] == 0
    assert snapshot(root) == original


def test_a_file_that_cannot_be_written_stops_the_move_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files before it are written (each atomically), it and those after are not,
    and the message names it."""
    from portscan import move as moving

    root = copy_tree(BOX, tmp_path / "box")
    original = snapshot(root)
    replace = moving._replace
    victim = root / "services/api/main.py"

    def refuse(target: Path, data: bytes) -> None:
        if target == victim:
            raise PermissionError(13, "Permission denied")
        replace(target, data)

    monkeypatch.setattr(moving, "_replace", refuse)
    code, _, err = run(capsys, "move", "api", "5111", str(root), "--write")
    assert (code, err.splitlines()[-1]) == (
        2,
        "portscan: services/api/main.py: cannot write: Permission denied"
        " (the files before it were written)",
    )
    changed = sorted(path for path, data in snapshot(root).items() if data != original[path])
    assert changed == [  # in the order of the move's files, up to the one refused
        "deploy/box/api.env",
        "deploy/box/api.service",
        "deploy/box/docker-compose.yml",
        "deploy/box/upstreams.env",
        "docs/PORTS.md",
        "services/api/Dockerfile",
        "services/api/README.md",
        "services/api/main.go",
    ]


@pytest.mark.parametrize(
    ("only", "paths"),
    [
        pytest.param(
            "default",
            {
                "services/api/main.go",
                "services/api/main.py",
                "services/api/server.ts",
                "services/api/start.sh",
            },
            id="default",
        ),
        pytest.param(
            "override",
            {
                "deploy/box/api.env",
                "deploy/box/api.service",
                "deploy/box/docker-compose.yml",
                "services/api/Dockerfile",
            },
            id="override",
        ),
        pytest.param(
            "reference",
            {
                "deploy/box/docker-compose.yml",
                "deploy/box/upstreams.env",
                "services/api/Dockerfile",
                "services/web/main.py",
            },
            id="reference",
        ),
        pytest.param("doc", {"docs/PORTS.md", "services/api/README.md"}, id="doc"),
        pytest.param("doc,default", None, id="two"),
    ],
)
def test_only_limits_the_scope(
    box: tuple[Graph, Config], only: str, paths: set[str] | None
) -> None:
    graph, config = box
    scopes = only.split(",")
    plan = plan_move(graph, config, "api", 5111, only=scopes)
    assert {change.scope for change in plan.changes} == set(scopes)
    if paths is not None:
        assert set(plan.paths) == paths


def test_scopes_of_roles(box: tuple[Graph, Config]) -> None:
    graph, _ = box
    seen = {(f.role, "image" in f.tags, scope_of(f)) for f in graph.facts}
    assert (Role.DEFAULT, True, "override") in seen  # Dockerfile ENV: deployment
    assert (Role.DEFAULT, False, "default") in seen
    assert {scope for _, _, scope in seen} == set(SCOPES)


def test_host_moves_only_that_host(box: tuple[Graph, Config]) -> None:
    graph, config = box
    plan = plan_move(graph, config, "api", 5111, host="box")
    assert set(plan.paths) == {
        "deploy/box/api.env",
        "deploy/box/api.service",
        "deploy/box/docker-compose.yml",
        "deploy/box/upstreams.env",
        "services/web/main.py",  # API_URL=http://box.lan:5110 lands on the box
    }


@pytest.mark.parametrize(
    ("host", "message"),
    [
        pytest.param("moon", "unknown host 'moon' (known: box, gpu)", id="unknown"),
        pytest.param(
            "gpu",
            "api does not run on gpu",
            id="not-there",
        ),
    ],
)
def test_host_errors(box: tuple[Graph, Config], host: str, message: str) -> None:
    graph, config = box
    with pytest.raises(MoveError) as caught:
        plan_move(graph, config, "api", 5111, host=host)
    assert str(caught.value) == message


def test_a_declared_deployment_is_changed_in_config_not_by_move(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "move", "chat", "5112", str(BOX), "--host", "gpu")
    assert (code, out) == (2, "")
    assert err == (
        "portscan: chat on gpu is declared in config (portscan.toml:8), a deployment"
        " outside the repository: change it there\n"
    )


def test_unknown_scope_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "move", "api", "5111", str(BOX), "--only", "docs")
    assert (code, out) == (2, "")
    assert err == "portscan: unknown scope 'docs' (known: default, override, reference, doc)\n"


def test_nothing_to_change(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "move", "api", "5110", str(BOX)) == (
        0,
        "",
        "portscan: api: nothing to change\n",
    )


def test_a_doc_that_shows_a_call_to_another_service_is_left_alone(tmp_path: Path) -> None:
    root = copy_tree(BOX, tmp_path / "box")
    readme = root / "services/api/README.md"
    readme.write_text(
        "# api\n\nRuns on port 5110.\n\n```sh\ncurl http://localhost:5110/health\n"
        "curl http://box.lan:5110/health\ncurl http://gpu.lan:5110/v1/chat\n```\n",
        encoding="utf-8",
    )
    graph, config = graph_of(root)
    plan = plan_move(graph, config, "api", 5111, only=["doc"])
    assert [c.location.line for c in plan.changes if c.location.path.endswith("README.md")] == [
        3,
        6,
        7,
    ]
    assert plan.notes == (
        "services/api/README.md:8: the doc points at gpu.lan:5110, not at api; not changed",
    )


# -- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("port", "reason"),
    [
        pytest.param(
            "5100",
            "web already binds 5100 on box (publish, deploy/box/docker-compose.yml:18):"
            " an active collision",
            id="collision",
        ),
        pytest.param("5432", "5432 is reserved for postgres in config", id="reserved"),
        pytest.param("80", "80 is a privileged port (below 1024) on box", id="privileged"),
    ],
)
def test_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str, reason: str
) -> None:
    root = copy_tree(BOX, tmp_path / "box")
    original = snapshot(root)
    code, out, err = run(capsys, "move", "api", port, str(root), "--write")
    assert (code, out) == (2, "")
    assert err.endswith(
        f"portscan: refusing to move api to {port}: {reason} (--force moves anyway)\n"
    )
    assert snapshot(root) == original
    code, out, _ = run(capsys, "move", "api", port, str(root), "--write", "--force")
    assert code == 0
    assert snapshot(root) != original


def test_a_latent_collision_is_a_note_not_a_refusal() -> None:
    graph, config = graph_of(EXAMPLE)
    plan = plan_move(graph, config, "mana-media", 3026)
    assert plan.refusals == ()
    assert plan.notes == (
        "new port 3026: bound by mana-video-gen on windows-gpu, another host: a latent"
        " collision (declared, portscan.toml:12)",
        "new port 3026: source default of mana-image-gen (services/mana-image-gen/app/main.py:11)",
        "new port 3026: documented for mana-image-gen in services/mana-image-gen/CLAUDE.md:3",
        "new port 3026: documented for mana-image-gen in services/mana-image-gen/README.md:6",
        "new port 3026: documented for mana-image-gen in services/mana-image-gen/README.md:9",
    )


def test_a_port_outside_the_range_is_a_note(box: tuple[Graph, Config]) -> None:
    graph, config = box
    plan = plan_move(graph, config, "api", 6000)
    assert plan.refusals == ()
    assert plan.notes == ("6000 is outside api's category web (5100-5119): a range-violation",)


# -- rewriting text ----------------------------------------------------------------------


def change(path: str, line: int, col: int, old: int = 3025, new: int = 3027) -> Change:
    location = Location(path, line, col, line, col + len(str(old)))
    return Change(location, old, new, "default", Role.DEFAULT, "python")


@pytest.mark.parametrize(
    ("before", "col", "after"),
    [
        pytest.param(
            'PORT = int(os.getenv("PORT", "3025"))\n',
            31,
            'PORT = int(os.getenv("PORT", "3027"))\n',
            id="double-quoted-string",
        ),
        pytest.param(
            "PORT = int(os.getenv('PORT', '3025'))\n",
            31,
            "PORT = int(os.getenv('PORT', '3027'))\n",
            id="single-quoted-string",
        ),
        pytest.param("port: int = 3025\n", 13, "port: int = 3027\n", id="integer"),
        pytest.param(
            "PORT = 3025  # was 3025 before\n",
            8,
            "PORT = 3027  # was 3025 before\n",
            id="comment-kept",
        ),
        pytest.param(
            'URL = f"http://localhost:3025/{path}"\n',
            26,
            'URL = f"http://localhost:3027/{path}"\n',
            id="f-string",
        ),
        pytest.param(
            'PORT = int(os.getenv("PORT", r"3025"))\n',
            32,
            'PORT = int(os.getenv("PORT", r"3027"))\n',
            id="prefixed-string",
        ),
    ],
)
def test_python_literals_keep_their_type_and_quotes(before: str, col: int, after: str) -> None:
    rewrite = rewrite_text("app/main.py", before, [change("app/main.py", 1, col)])
    assert (rewrite.text, rewrite.warnings) == (after, ())


def test_python_two_ports_on_one_line_only_one_moves() -> None:
    text = 'LLM, PORT = "http://gpu-box:3025", int(os.getenv("PORT", "3025"))\n'
    rewrite = rewrite_text("main.py", text, [change("main.py", 1, 59)])
    assert rewrite.text == 'LLM, PORT = "http://gpu-box:3025", int(os.getenv("PORT", "3027"))\n'


def test_python_digits_outside_a_literal_are_not_changed() -> None:
    text = "PORT = 3025  # was 3025 before\n"
    rewrite = rewrite_text("main.py", text, [change("main.py", 1, 20)])
    assert rewrite.text == text
    assert rewrite.warnings == ("main.py:1:20: not inside a number or string literal; not changed",)


def test_python_that_does_not_parse_is_left_alone() -> None:
    text = "PORT = (3025\n"
    rewrite = rewrite_text("main.py", text, [change("main.py", 1, 9)])
    assert rewrite.text == text
    assert len(rewrite.warnings) == 1
    assert rewrite.warnings[0].startswith("main.py:1:9: libcst cannot rewrite this file (")


@pytest.mark.parametrize(
    ("text", "location", "warning"),
    [
        pytest.param(
            "PORT=3026\n",
            Location("a.env", 1, 6, 1, 10),
            "a.env:1:6: expected 3025 there, found '3026'; not changed",
            id="changed-since-scan",
        ),
        pytest.param(
            "PORT=30255\n",
            Location("a.env", 1, 6, 1, 10),
            "a.env:1:6: expected 3025 there, found '30255'; not changed",
            id="longer-number",
        ),
        pytest.param(
            "PORT=03025\n",
            Location("a.env", 1, 6, 1, 11),
            "a.env:1:6: the literal there is not 3025; not changed",
            id="other-spelling",
        ),
        pytest.param(
            "PORT=3025\n",
            Location("a.env", 7, 6, 7, 10),
            "a.env:7:6: no single-line literal there; not changed",
            id="past-the-end",
        ),
    ],
)
def test_a_literal_that_is_not_the_old_port_is_skipped(
    text: str, location: Location, warning: str
) -> None:
    moved = Change(location, 3025, 3027, "override", Role.OVERRIDE, "dotenv")
    rewrite = rewrite_text("a.env", text, [moved])
    assert (rewrite.text, rewrite.warnings) == (text, (warning,))


def test_duplicate_changes_make_one_edit() -> None:
    one = change("a.yml", 1, 7)
    rewrite = rewrite_text("a.yml", "port: 3025\n", [one, one])
    assert (rewrite.text, rewrite.applied) == ("port: 3027\n", (one.location,))


# -- line endings, encodings, modes ------------------------------------------------------

CRLF_FILES: dict[str, str | bytes] = {
    "portscan.toml": '[hosts.box]\nfiles = ["deploy/**"]\n',
    "services/api/main.py": (
        '"""api."""\r\nimport os\r\n\r\n# port 5110\r\nPORT = int(os.getenv("PORT", "5110"))\r\n'
    ),
    "deploy/docker-compose.yml": (
        'services:\r\n  api:\r\n    environment:\r\n      PORT: 5110\r\n    ports:\r\n      - "5110:5110"\r\n'
    ),
    "services/api/README.md": "# api\r\n\r\nRuns on port 5110.",  # no newline at the end
    "services/api/start.sh": "#!/bin/sh\rPORT=${PORT:-5110}\rexec api\r",  # lone CRs
    "services/api/bom.env": "\ufeffPORT=5110\r\n".encode(),
}


def test_line_endings_and_byte_order_marks_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(tmp_path, CRLF_FILES)
    original = snapshot(root)
    code, diff, err = run(capsys, "move", "api", "5111", str(root), "--write")
    assert code == 0, err
    after = snapshot(root)
    assert set(after) == set(original)
    for path, data in original.items():
        if path == "portscan.toml":
            assert after[path] == data
        else:
            assert after[path] == data.replace(b"5110", b"5111").replace(
                b"# port 5111", b"# port 5110"
            ), path
    assert "\\ No newline at end of file\n" in diff


def test_utf16_files_are_written_back_as_utf16() -> None:
    data = "PORT=3025\r\n".encode("utf-16")
    source = decode_source("a.env", data)
    assert not isinstance(source, str)
    assert source.text == "PORT=3025\r\n"
    assert source.encode("PORT=3027\r\n") == "PORT=3027\r\n".encode("utf-16")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"bplist00\x00\x01", "a binary plist", id="binary-plist"),
        pytest.param(b"PORT=\xff3025\n", "not valid UTF-8 text", id="not-utf8"),
    ],
)
def test_files_that_cannot_be_rewritten(data: bytes, reason: str) -> None:
    source = decode_source("x", data)
    assert isinstance(source, str)
    assert source.startswith(reason)


def test_a_file_changed_after_reading_is_not_written(tmp_path: Path) -> None:
    root = copy_tree(BOX, tmp_path / "box")
    config = load_config(root)
    outcome = move(root, config, "api", 5111)
    (root / "docs/PORTS.md").write_text("# rewritten meanwhile\n", encoding="utf-8")
    assert write_files(root, outcome) == ("docs/PORTS.md",)
    assert (root / "docs/PORTS.md").read_text(encoding="utf-8") == "# rewritten meanwhile\n"
    assert "5111" in (root / "services/api/README.md").read_text(encoding="utf-8")


def test_a_symlinked_file_is_written_through_its_link(tmp_path: Path) -> None:
    root = copy_tree(BOX, tmp_path / "box")
    real = root / "services/api/README.real.md"
    (root / "services/api/README.md").rename(real)
    os.symlink("README.real.md", root / "services/api/README.md")
    config = load_config(root)
    outcome = move(root, config, "api", 5111, only=["doc"])
    write_files(root, outcome)
    assert (root / "services/api/README.md").is_symlink()
    assert real.read_text(encoding="utf-8") == "# api\n\nRuns on port 5111.\n"


def test_unified_diff_marks_a_missing_final_newline() -> None:
    assert unified_diff("a.txt", "x\nport 1\n", "x\nport 2") == (
        "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n x\n-port 1\n+port 2\n"
        "\\ No newline at end of file\n"
    )


def test_move_defaults_to_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(copy_tree(BOX, tmp_path / "repo"))
    code, diff, _ = run(capsys, "move", "api", "5111", "--only", "doc")
    assert code == 0
    assert diff_paths(diff) == {"docs/PORTS.md", "services/api/README.md"}


def test_without_sized_thread_stacks_the_parse_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(size: int = 0) -> int:
        raise ValueError("size not valid")

    monkeypatch.setattr(move_module.threading, "stack_size", unsupported)
    assert move_module.run_with_deep_stack(lambda: 3025) == 3025


def test_errors_raised_in_the_parser_thread_reach_the_caller() -> None:
    def broken() -> int:
        raise KeyError("bug")

    with pytest.raises(KeyError, match="bug"):
        move_module.run_with_deep_stack(broken)


def test_test_code_and_declared_deployments_are_notes_not_changes(tmp_path: Path) -> None:
    """A port in the service's test code and one a host declares for it in config are
    said, not changed: tests pin what they test, and a declared deployment lives outside
    the repository."""
    root = copy_tree(BOX, tmp_path / "box")
    (root / "services/api/tests").mkdir()
    (root / "services/api/tests/test_main.py").write_text("PORT = 5110\n", encoding="utf-8")
    config_file = root / "portscan.toml"
    config_file.write_text(
        config_file.read_text(encoding="utf-8").replace(
            "services = { chat = 5110 }", "services = { chat = 5110, api = 5110 }"
        ),
        encoding="utf-8",
    )
    graph, config = graph_of(root)
    plan = plan_move(graph, config, "api", 5111)
    assert not any(c.location.path.endswith("test_main.py") for c in plan.changes)
    assert [note for note in plan.notes if "test code" in note or "declares" in note] == [
        "gpu declares api = 5110 in config (portscan.toml:8), a deployment outside the"
        " repository: not changed",
        "services/api/tests/test_main.py:1: test code says 5110; not changed",
    ]
