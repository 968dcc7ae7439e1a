"""Every kind of bad file becomes exactly one ``errors`` entry and the scan goes on.

Each test writes the good monorepo of :mod:`hostile_trees` and some bad files beside it,
scans the tree, and asserts the exact errors (path, line, message) and that the good
files' facts are those of a scan of the good files alone. Files that are odd but
readable (UTF-16, CRLF and lone-CR line endings) are read, and their facts are asserted
at their exact line and column.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_trees import GOOD, GOOD_FACTS, good_alone, good_facts_of, places, scan_tree, write_tree

from portscan.api import _read_up_to, extract_file, read_file
from portscan.extractors import claimed_by
from portscan.extractors.base import DEFAULT_OPTIONS
from portscan.model import Diagnostic, Extraction

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"

UNDECODABLE: dict[str, bytes] = {
    # Invalid UTF-8 on line 3; the line counts lone CRs and CRLFs as well.
    "services/bad/latin1.py": b"import os\n\nPORT = '\xfc'\n",
    "services/bad/cr.py": b"import os\r\rPORT = '\xfc'\r",
    "services/bad/nul.py": b"PORT = 1\n\x00\x00\x00\x00",
    "services/bin/docker-compose.yml": PNG_HEADER,
    # Binary without a NUL in the bytes probed: still not text, and said so.
    "services/bin2/docker-compose.yml": b"\x89PNG\r\n\x1a\n\xff\xd8\xff ports",
    "services/u16/.env": codecs.BOM_UTF16_LE + "PORT=1".encode("utf-16-le") + b"\x00\xd8",
}
UNDECODABLE_ERRORS = [
    Diagnostic("services/bad/cr.py", 3, "not valid UTF-8 (byte 0xfc on line 3)"),
    Diagnostic("services/bad/latin1.py", 3, "not valid UTF-8 (byte 0xfc on line 3)"),
    Diagnostic("services/bad/nul.py", None, "binary file (NUL bytes); not read"),
    Diagnostic("services/bin/docker-compose.yml", None, "binary file (NUL bytes); not read"),
    Diagnostic("services/bin2/docker-compose.yml", 1, "not valid UTF-8 (byte 0x89 on line 1)"),
    Diagnostic("services/u16/.env", None, "not valid UTF-16 text"),
]


def test_undecodable_files_are_one_error_each(tmp_path: Path) -> None:
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, **UNDECODABLE}))
    assert list(result.errors) == UNDECODABLE_ERRORS
    assert places(result.graph.facts) == GOOD_FACTS
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


EMPTY: dict[str, bytes] = {
    "empty/compose.yaml": b"",
    "empty/blank/docker-compose.yml": b" \n\t\n",
    "empty/package.json": b"",
    "empty/com.x.plist": b"",
    # Empty files that are valid for their format say nothing and are no error.
    "empty/__init__.py": b"",
    "empty/.env": b"",
    "empty/Dockerfile": b"",
}
EMPTY_ERRORS = [
    Diagnostic("empty/blank/docker-compose.yml", None, "empty compose file"),
    Diagnostic("empty/com.x.plist", None, "empty plist"),
    Diagnostic("empty/compose.yaml", None, "empty compose file"),
    Diagnostic("empty/package.json", 1, "invalid JSON: Expecting value"),
]


def test_empty_files(tmp_path: Path) -> None:
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, **EMPTY}))
    assert list(result.errors) == EMPTY_ERRORS
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


#: Odd but readable: these are read, not reported.
READABLE: dict[str, bytes] = {
    "odd/u16le/.env": codecs.BOM_UTF16_LE
    + "# settings\r\nPORT=4001\r\nAPI_URL=http://api:4002/v1\r\n".encode("utf-16-le"),
    "odd/u16be/docker-compose.yml": codecs.BOM_UTF16_BE
    + 'services:\n  u16:\n    ports: ["4003:80"]\n'.encode("utf-16-be"),
    "odd/bom8/main.py": codecs.BOM_UTF8 + b'import os\nPORT = os.getenv("PORT", "4004")\n',
    "odd/crlf/docker-compose.yml": (
        b"services:\r\n"
        b"  crlf:\r\n"
        b"    ports:\r\n"
        b'      - "4005:4006"\r\n'
        b"    environment:\r\n"
        b"      - PORT=4007\r\n"
    ),
    "odd/cr/.env": b"# lone CR line endings\rPORT=4008\r\rDB_URL=postgres://db:4009/app\r",
    "odd/crlf/app.py": (
        b"import os\r\n"
        b"\r\n"
        b'PORT = int(os.getenv("APP_PORT", "4010"))\r\n'
        b'CACHE = "redis://cache:4011/0"\r\n'
    ),
    "odd/mixed/.env": b"A=1\r\nPORT=4012\rB=2\nWEB_PORT=4013\r\n",
}
#: (path, line, col, port, role) of every fact of the readable odd files.
READABLE_FACTS = [
    ("odd/bom8/main.py", 2, 27, 4004, "default"),
    ("odd/cr/.env", 2, 6, 4008, "override"),
    ("odd/cr/.env", 4, 22, 4009, "reference"),
    ("odd/crlf/app.py", 3, 35, 4010, "default"),
    ("odd/crlf/app.py", 4, 24, 4011, "reference"),
    ("odd/crlf/docker-compose.yml", 4, 10, 4005, "publish"),
    ("odd/crlf/docker-compose.yml", 4, 15, 4006, "expose"),
    ("odd/crlf/docker-compose.yml", 6, 14, 4007, "override"),
    ("odd/mixed/.env", 2, 6, 4012, "override"),
    ("odd/mixed/.env", 4, 10, 4013, "override"),
    ("odd/u16be/docker-compose.yml", 3, 14, 4003, "publish"),
    ("odd/u16be/docker-compose.yml", 3, 19, 80, "expose"),
    ("odd/u16le/.env", 2, 6, 4001, "override"),
    ("odd/u16le/.env", 3, 20, 4002, "reference"),
]


def test_odd_encodings_and_line_endings_are_read_at_exact_positions(tmp_path: Path) -> None:
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, **READABLE}))
    assert result.errors == ()
    odd = [
        (f.location.path, f.location.line, f.location.col, f.port, f.role.value)
        for f in result.graph.facts
        if f.location.path.startswith("odd/")
    ]
    assert odd == READABLE_FACTS
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


def test_a_file_that_vanished_before_reading(tmp_path: Path) -> None:
    """Discovery listed it; by the time it is read it is gone."""
    outcome = extract_file(
        tmp_path, "gone/docker-compose.yml", claimed_by("docker-compose.yml"), DEFAULT_OPTIONS, 1024
    )
    assert outcome.extraction == Extraction(
        (), (Diagnostic("gone/docker-compose.yml", None, "file vanished before it could be read"),)
    )
    assert not outcome.parsed


def test_a_folder_in_the_place_of_a_file(tmp_path: Path) -> None:
    """A file that became a folder between discovery and reading is not read."""
    (tmp_path / "docker-compose.yml").mkdir()
    outcome = extract_file(
        tmp_path, "docker-compose.yml", claimed_by("docker-compose.yml"), DEFAULT_OPTIONS, 1024
    )
    assert outcome.extraction.diagnostics == (
        Diagnostic("docker-compose.yml", None, "a folder named like a file"),
    )


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """Opening a FIFO for reading would block until someone writes to it."""
    os.mkfifo(tmp_path / "docker-compose.yml")
    assert read_file(tmp_path, "docker-compose.yml", 1024) == _failed(
        "docker-compose.yml", "not a regular file"
    )


def test_a_fifo_in_the_tree_is_one_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", GOOD)
    (root / "pipe").mkdir()
    os.mkfifo(root / "pipe" / "docker-compose.yml")
    os.mkfifo(root / "pipe" / "unclaimed.txt")  # no extractor claims it: never opened
    result = scan_tree(root)
    assert list(result.errors) == [
        Diagnostic("pipe/docker-compose.yml", None, "not a regular file")
    ]
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


#: Runs a command without the capabilities that let root read any file.
WITHOUT_DAC = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
    "--",
]


def _run_unprivileged(args: list[str]) -> subprocess.CompletedProcess[str]:
    """``args`` as a process that honours file modes: as itself when not root, as root
    without the DAC capabilities (setpriv) otherwise."""
    if not hasattr(os, "geteuid"):
        pytest.skip("no Unix file modes on this platform")
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv is missing: cannot drop CAP_DAC_OVERRIDE")
        probe = subprocess.run([*WITHOUT_DAC, "true"], capture_output=True, check=False)
        if probe.returncode != 0:
            pytest.skip("running as root and not allowed to drop CAP_DAC_OVERRIDE")
        prefix = WITHOUT_DAC
    return subprocess.run(
        [*prefix, *args], capture_output=True, text=True, check=False, timeout=120
    )


def test_a_file_without_read_permission(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**GOOD, "locked/docker-compose.yml": b"services: {}\n"})
    (root / "locked" / "docker-compose.yml").chmod(0)
    done = _run_unprivileged(
        [sys.executable, "-m", "portscan", "scan", "--format", "json", "--no-cache", str(root)]
    )
    assert done.returncode in (0, 1), done.stderr
    document = json.loads(done.stdout)
    assert document["errors"] == [
        {"path": "locked/docker-compose.yml", "line": None, "message": "permission denied"}
    ]
    facts = [(f["path"], f["line"], f["col"], f["port"]) for f in document["facts"]]
    assert facts == GOOD_FACTS


def test_symlinks_that_loop_or_leave_the_root_are_not_followed(tmp_path: Path) -> None:
    outside = write_tree(
        tmp_path / "outside",
        {"docker-compose.yml": b'services:\n  secret:\n    ports: ["6666:66"]\n'},
    )
    root = write_tree(tmp_path / "repo", GOOD)
    (root / "links").mkdir()
    os.symlink(outside / "docker-compose.yml", root / "links" / "docker-compose.yml")
    os.symlink(root / "links" / "b.env", root / "links" / "a.env")
    os.symlink(root / "links" / "a.env", root / "links" / "b.env")
    os.symlink(root / "links" / "self.env", root / "links" / "self.env")
    os.symlink(root / "links" / "missing.env", root / "links" / "broken.env")
    os.symlink(outside, root / "links" / "outside-folder")  # never entered
    os.symlink(root / "docker-compose.yml", root / "links" / "compose.yaml")  # inside: read
    # No extractor claims these names: never read, so never judged either.
    os.symlink(root / "links" / "loop.bin", root / "links" / "loop.bin")
    os.symlink(outside / "docker-compose.yml", root / "links" / "outside.txt")
    result = scan_tree(root)
    assert list(result.errors) == [
        Diagnostic("links/a.env", None, "symlink loop; not followed"),
        Diagnostic("links/b.env", None, "symlink loop; not followed"),
        Diagnostic("links/broken.env", None, "broken symlink; not followed"),
        Diagnostic(
            "links/docker-compose.yml", None, "symlink points outside the scan root; not followed"
        ),
        Diagnostic("links/self.env", None, "symlink loop; not followed"),
    ]
    assert 6666 not in {f.port for f in result.graph.facts}
    linked = [
        (f.location.path, f.port)
        for f in result.graph.facts
        if f.location.path == "links/compose.yaml"
    ]
    assert linked == [
        ("links/compose.yaml", 8080),
        ("links/compose.yaml", 80),
        ("links/compose.yaml", 3025),
    ]
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param("repo/real.env", b"PORT=3025\n", id="inside-the-root-followed"),
        pytest.param(
            "outside/secret.env", "symlink points outside the scan root; not followed", id="outside"
        ),
        pytest.param("repo/link.env", "symlink loop; not followed", id="loop"),
        pytest.param("repo/gone.env", "broken symlink; not followed", id="broken"),
        pytest.param("repo/folder", "a folder named like a file", id="to-a-folder-inside"),
    ],
)
def test_read_file_follows_a_symlink_only_into_the_root(
    tmp_path: Path, target: str, expected: bytes | str
) -> None:
    """``repo/link.env`` links to ``target`` (relative to the folder holding the repo)."""
    root = write_tree(tmp_path / "repo", {"real.env": b"PORT=3025\n", "folder/.keep": b""})
    write_tree(tmp_path / "outside", {"secret.env": b"PORT=6666\n"})
    os.symlink(tmp_path / target, root / "link.env")
    data = read_file(root, "link.env", 1 << 20)
    if isinstance(expected, bytes):
        assert data == expected
    else:
        assert not isinstance(data, bytes)
        assert data.extraction == Extraction((), (Diagnostic("link.env", None, expected),))


@pytest.mark.parametrize(
    ("size", "expected", "limit", "read"),
    [
        pytest.param(0, 0, 100, 0, id="empty"),
        pytest.param(10, 10, 100, 10, id="as-expected"),
        pytest.param(10, 3, 100, 10, id="grew-since-fstat"),
        pytest.param(200_000, 10, 1 << 20, 200_000, id="grew-by-many-reads"),
        pytest.param(100, 100, 51, 51, id="over-the-limit-stops-at-it"),
        pytest.param(100, 0, 51, 51, id="grew-past-the-limit"),
    ],
)
def test_reading_asks_for_the_expected_size_and_stops_at_the_limit(
    tmp_path: Path, size: int, expected: int, limit: int, read: int
) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    path = tmp_path / "file"
    path.write_bytes(data[:size])
    fd = os.open(path, os.O_RDONLY)
    try:
        assert _read_up_to(fd, expected, limit) == data[:read]
    finally:
        os.close(fd)


def test_a_folder_named_like_a_file_is_entered_never_read(tmp_path: Path) -> None:
    """``docker-compose.yml/`` as a folder: discovery lists the files inside it (an inner
    compose file is read under its full path); the folder itself is never opened."""
    root = write_tree(
        tmp_path / "repo",
        {
            **GOOD,
            "deploy/docker-compose.yml/docker-compose.yml": (
                b'services:\n  inner:\n    ports: ["7001:70"]\n'
            ),
            "deploy/docker-compose.yml/notes.txt": b"PORT=7002\n",
            "deploy/package.json/.keep": b"",
        },
    )
    result = scan_tree(root)
    assert result.errors == ()
    inner = [
        (f.location.path, f.location.line, f.location.col, f.port, f.role.value, f.service)
        for f in result.graph.facts
        if f.location.path.startswith("deploy/docker-compose.yml")
    ]
    assert inner == [
        ("deploy/docker-compose.yml/docker-compose.yml", 3, 14, 7001, "publish", "inner"),
        ("deploy/docker-compose.yml/docker-compose.yml", 3, 19, 70, "expose", "inner"),
    ]
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


def test_every_bad_file_at_once(tmp_path: Path) -> None:
    """All of the above in one tree: the errors are the union, the good facts unchanged."""
    root = write_tree(tmp_path / "repo", {**GOOD, **UNDECODABLE, **EMPTY, **READABLE})
    (root / "pipe").mkdir()
    os.mkfifo(root / "pipe" / "docker-compose.yml")
    os.symlink(root / "loop.env", root / "loop.env")
    result = scan_tree(root)
    assert list(result.errors) == sorted(
        [
            *UNDECODABLE_ERRORS,
            *EMPTY_ERRORS,
            Diagnostic("loop.env", None, "symlink loop; not followed"),
            Diagnostic("pipe/docker-compose.yml", None, "not a regular file"),
        ],
        key=lambda d: (d.path, d.line or 0, d.message),
    )
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts
    odd = [f for f in result.graph.facts if f.location.path.startswith("odd/")]
    assert len(odd) == len(READABLE_FACTS)


def _failed(rel: str, message: str) -> object:
    from portscan.api import FileOutcome

    return FileOutcome(Extraction((), (Diagnostic(rel, None, message),)), parsed=False)
