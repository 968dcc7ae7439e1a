"""Input built to hurt a parser: entity and alias bombs, absurd nesting, code that would
run or a document that would be fetched if anything executed or fetched it.

Each bomb sits in the good monorepo of :mod:`hostile_trees`; the scan must finish with
the exact error the bomb becomes (or, where the format never expands it, with the facts
around it), and the good files' facts must be those of a scan of the good files alone.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_trees import GOOD, claimed_path, good_alone, good_facts_of, scan_tree, write_tree

from portscan.extractors import EXTRACTORS
from portscan.extractors.base import Extractor
from portscan.model import Diagnostic, Extraction


def billion_laughs(root_element: str = "<plist><dict/></plist>") -> bytes:
    """The XML entity bomb: ten levels of ten references, a billion "lol"s expanded."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE plist [", '  <!ENTITY lol0 "lol">']
    for level in range(1, 10):
        refs = f"&lol{level - 1};" * 10
        lines.append(f'  <!ENTITY lol{level} "{refs}">')
    lines += [
        "]>",
        root_element.replace("<dict/>", "<dict><key>Label</key><string>&lol9;</string></dict>"),
    ]
    return ("\n".join(lines) + "\n").encode()


def yaml_alias_bomb() -> bytes:
    """The YAML alias bomb: nine levels of nine aliases (9**9 nodes if expanded)."""
    lines = ['x-a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"x-a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


def deep_brackets(depth: int = 10_000) -> str:
    return "[" * depth + "]" * depth


XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!DOCTYPE plist [\n"
    b'  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
    b"]>\n"
    b'<plist version="1.0"><dict><key>Label</key><string>&xxe;</string></dict></plist>\n'
)


def test_entity_bombs_are_refused_before_parsing(tmp_path: Path) -> None:
    bombs = {
        "deploy/laughs.plist": billion_laughs(),
        "deploy/xxe.plist": XXE,
    }
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, **bombs}))
    assert list(result.errors) == [
        Diagnostic("deploy/laughs.plist", 3, "plist declares XML entities; not expanded"),
        Diagnostic("deploy/xxe.plist", 3, "plist declares XML entities; not expanded"),
    ]
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port on localhost that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connected(server: socket.socket) -> bool:
    try:
        client, _ = server.accept()
    except BlockingIOError:
        return False
    client.close()
    return True


def test_nothing_is_fetched(tmp_path: Path, listener: socket.socket) -> None:
    """A DTD, an external entity and URLs that point at a live local port: none is
    fetched, and the plist with the external DTD is still read."""
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    files = {
        "deploy/dtd.plist": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "{url}/plist.dtd">\n'
            '<plist version="1.0"><dict>\n'
            "<key>Label</key><string>com.mana.dtd</string>\n"
            "<key>EnvironmentVariables</key><dict><key>PORT</key><string>3999</string></dict>\n"
            "</dict></plist>\n"
        ).encode(),
        "deploy/remote.plist": (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE plist [<!ENTITY % remote SYSTEM "{url}/x.dtd"> %remote;]>\n'
            "<plist><dict/></plist>\n"
        ).encode(),
        "services/fetch/.env": f"SCHEMA_URL={url}/schema.json\n".encode(),
        "services/fetch/docker-compose.yml": (
            f"services:\n  f:\n    healthcheck:\n      test: curl -f {url}/health\n"
        ).encode(),
    }
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, **files}))
    assert not connected(listener)
    assert list(result.errors) == [
        Diagnostic("deploy/remote.plist", 2, "plist declares XML entities; not expanded")
    ]
    read = [
        (f.location.path, f.location.line, f.port, f.role.value)
        for f in result.graph.facts
        if f.location.path not in GOOD
    ]
    assert read == [
        ("deploy/dtd.plist", 5, 3999, "override"),
        ("services/fetch/.env", 1, port, "reference"),
        ("services/fetch/docker-compose.yml", 4, port, "reference"),
    ]


def test_nothing_is_executed(tmp_path: Path) -> None:
    """Files that would leave a mark if any of their code ran (YAML tags that construct
    objects, module-level Python, shell commands, npm lifecycle scripts, RUN lines): the
    scan reads their ports and runs none of them."""
    mark = tmp_path / "executed"
    touch = f"touch {mark}"
    files = {
        "exec/docker-compose.yml": (
            f"x-boom: !!python/object/apply:os.system [{touch!r}]\n"
            f"x-new: !!python/object/new:subprocess.call [[touch, {str(mark)!r}]]\n"
            "services:\n"
            "  web:\n"
            '    ports: ["5301:80"]\n'
        ).encode(),
        "exec/app.py": (
            f"import pathlib\npathlib.Path({str(mark)!r}).touch()\nPORT = 5302\n"
        ).encode(),
        "exec/start.sh": f"#!/bin/sh\n{touch}\nexport PORT=5303\n".encode(),
        "exec/package.json": (
            f'{{"scripts": {{"prepare": "{touch}", "dev": "vite --port 5304"}}}}\n'
        ).encode(),
        "exec/Dockerfile": f"FROM alpine\nRUN {touch}\nEXPOSE 5305\n".encode(),
    }
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, **files}))
    assert not mark.exists()
    assert result.errors == ()
    ports = sorted(f.port for f in result.graph.facts if f.location.path.startswith("exec/"))
    assert ports == [80, 5301, 5302, 5303, 5304, 5305]


def test_yaml_alias_bomb_is_never_expanded(tmp_path: Path) -> None:
    """Aliases are followed, never copied: the classic alias bomb costs nothing, so it is
    no error at all, and the services after it are read."""
    compose = yaml_alias_bomb() + (
        b'services:\n  web:\n    environment: *a9\n    command: *a9\n    ports: ["5401:80"]\n'
    )
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, "bomb/docker-compose.yml": compose}))
    assert result.errors == ()
    bomb = [
        (f.location.line, f.port) for f in result.graph.facts if f.location.path.startswith("bomb/")
    ]
    assert bomb == [(15, 5401), (15, 80)]
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


def test_yaml_alias_amplification_is_cut_off(tmp_path: Path) -> None:
    """Aliases that multiply real work (400 services sharing 400 port mappings, 160,000
    mappings to read) stop at a budget proportional to the file's size."""
    size = 400
    ports = ", ".join(f'"{10000 + i}:{10000 + i}"' for i in range(size))
    lines = [f"x-svc: &svc {{ports: [{ports}]}}", "services:"]
    lines += [f"  s{i}: *svc" for i in range(size)]
    compose = ("\n".join(lines) + "\n").encode()
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, "amp/docker-compose.yml": compose}))
    assert list(result.errors) == [
        Diagnostic(
            "amp/docker-compose.yml",
            None,
            "compose file expands too far through aliases; read in part",
        )
    ]
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


def test_absurd_nesting_is_a_parse_error(tmp_path: Path) -> None:
    """10,000 levels of brackets, where a recursive parser would overflow its stack."""
    deep = deep_brackets()
    files = {
        "deep/docker-compose.yml": (
            f'services:\n  web:\n    ports: ["5501:80"]\n    labels: {deep}\n'
        ).encode(),
        "deep/package.json": f'{{\n  "name": "deep",\n  "x": {deep}\n}}\n'.encode(),
        "deep/Dockerfile": f"FROM alpine\nEXPOSE 5502\nCMD {deep}\n".encode(),
        # Valid-looking Python that CPython refuses and libcst would need gigabytes for.
        "deep/app.py": f"PORT = 5503\nx = {deep}\n".encode(),
        "deep/chain.py": ("PORT = 5504\nx = a" + "[0]" * 2000 + "\n").encode(),
        "deep/block/docker-compose.yml": (
            "services:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(1100))
        ).encode(),
    }
    result = scan_tree(write_tree(tmp_path / "repo", {**GOOD, **files}))
    assert list(result.errors) == [
        Diagnostic("deep/app.py", None, "Python source nested too deeply to analyze"),
        Diagnostic(
            "deep/block/docker-compose.yml", 1000, "invalid YAML: exceeded maximum nesting depth"
        ),
        Diagnostic("deep/chain.py", None, "Python source nested too deeply to analyze"),
        Diagnostic("deep/docker-compose.yml", 4, "invalid YAML: exceeded maximum nesting depth"),
        Diagnostic("deep/package.json", 3, "invalid JSON: nested too deeply"),
    ]
    # A Dockerfile's CMD that is not a JSON array runs in a shell: no error, EXPOSE read.
    dockerfile = [f.port for f in result.graph.facts if f.location.path == "deep/Dockerfile"]
    assert dockerfile == [5502]
    assert good_facts_of(result) == good_alone(tmp_path).graph.facts


BOMBS = {
    "xml-entities": billion_laughs().decode(),
    "yaml-aliases": yaml_alias_bomb().decode(),
    "deep-brackets": deep_brackets(),
    "deep-braces": '{"a":' * 10_000 + "1" + "}" * 10_000,
    "deep-parens": "(" * 10_000 + ")" * 10_000,
    "deep-indent": "".join(" " * i + "a:\n" for i in range(2000)),
}


@pytest.mark.parametrize("bomb", [pytest.param(text, id=name) for name, text in BOMBS.items()])
@pytest.mark.parametrize(("name", "extractor"), list(EXTRACTORS.items()), ids=list(EXTRACTORS))
def test_no_extractor_raises_on_a_bomb(name: str, extractor: Extractor, bomb: str) -> None:
    """Every extractor in the registry, fed every bomb under a path it claims."""
    path = claimed_path(name, extractor)
    result = extractor.extract(path, bomb)
    assert isinstance(result, Extraction)
    assert all(d.path == path for d in result.diagnostics)
