"""The pipeline on bad input: every bad file is one ``errors`` entry; the scan goes on."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from cli_trees import make_repo

from portscan.api import UsageError, decode, scan
from portscan.config import Config
from portscan.model import Diagnostic

BAD_FILES = {
    "services/a/bad.py": b"def f(:\n    PORT = 1\n",
    "services/a/latin.py": b'PORT = "\xff"\n',
    "docker-compose.yml": b"services:\n  web:\n    ports: [\n",
    "b/docker-compose.yml": b"services\x00\x01\x02binary",
    "compose.yaml": b"",
    "launchd/broken.plist": b"<plist><dict><key>Label</key>",
    "launchd/empty.plist": b"",
}
GOOD_FILES = {
    "services/a/good.py": b"PORT = 3001\n",
    ".env": codecs.BOM_UTF16_LE + "PORT=3000\r\n".encode("utf-16-le"),
    "services/b/main.py": codecs.BOM_UTF8 + b'import os\nPORT = os.getenv("PORT", "3002")\n',
}


def test_every_bad_file_is_one_error_and_the_rest_is_read(tmp_path: Path) -> None:
    make_repo(tmp_path, {**BAD_FILES, **GOOD_FILES})
    result = scan(tmp_path, Config())
    assert list(result.errors) == [
        Diagnostic("b/docker-compose.yml", None, "binary file (NUL bytes); not read"),
        Diagnostic("compose.yaml", None, "empty compose file"),
        Diagnostic("docker-compose.yml", 4, "invalid YAML: did not find expected node content"),
        Diagnostic("launchd/broken.plist", 1, "invalid plist: no element found"),
        Diagnostic("launchd/empty.plist", None, "empty plist"),
        Diagnostic("services/a/bad.py", 1, "invalid Python: invalid syntax"),
        Diagnostic("services/a/latin.py", 1, "not valid UTF-8 (byte 0xff on line 1)"),
    ]
    facts = [(f.location.path, f.location.line, f.port) for f in result.graph.facts]
    assert facts == [
        (".env", 1, 3000),
        ("services/a/good.py", 1, 3001),
        ("services/b/main.py", 2, 3002),
    ]
    parse_errors = [(f.code, f.locations[0].path) for f in result.findings if f.code == "PS900"]
    assert parse_errors == [
        ("PS900", "b/docker-compose.yml"),
        ("PS900", "compose.yaml"),
        ("PS900", "docker-compose.yml"),
        ("PS900", "launchd/broken.plist"),
        ("PS900", "launchd/empty.plist"),
        ("PS900", "services/a/bad.py"),
        ("PS900", "services/a/latin.py"),
    ]


def test_good_files_alone_give_the_same_facts(tmp_path: Path) -> None:
    """Bad neighbours change nothing about what the good files say."""
    alone = scan(make_repo(tmp_path / "alone", GOOD_FILES), Config())
    mixed = scan(make_repo(tmp_path / "mixed", {**BAD_FILES, **GOOD_FILES}), Config())
    assert alone.graph.facts == mixed.graph.facts
    assert alone.errors == ()


def test_file_over_max_size_is_not_read(tmp_path: Path) -> None:
    make_repo(tmp_path, {"services/a/main.py": b"PORT = 3001\n" + b"#" * 100})
    result = scan(tmp_path, Config(max_file_size=64))
    assert list(result.errors) == [
        Diagnostic(
            "services/a/main.py", None, "file is 112 bytes, over max-file-size (64); not read"
        )
    ]
    assert result.graph.facts == ()


def test_prefilter_skips_files_without_ports(tmp_path: Path) -> None:
    files = {
        f"web/src/util{i}.ts": b"export const add = (a: number) => a + 1;\n" for i in range(20)
    }
    files["web/src/server.ts"] = b"app.listen(process.env.PORT ?? 3000);\n"
    result = scan(make_repo(tmp_path, files), Config())
    assert (result.stats.files, result.stats.parsed) == (21, 1)
    assert [f.port for f in result.graph.facts] == [3000]


def test_unknown_selector_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown finding 'PS123'"):
        scan(tmp_path, Config(), select=["PS123"])


def test_root_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder"):
        scan(tmp_path / "absent", Config())


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"PORT=1\n", ("PORT=1\n", None), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + b"PORT=1\n", ("PORT=1\n", None), id="utf-8-bom"),
        pytest.param(
            codecs.BOM_UTF16_BE + "P=1".encode("utf-16-be"), ("P=1", None), id="utf-16-be"
        ),
        pytest.param(b"a\x00b", (None, "binary file (NUL bytes); not read"), id="nul"),
        pytest.param(
            b"ok\n\xc3\x28", (None, "not valid UTF-8 (byte 0xc3 on line 2)"), id="bad-utf-8"
        ),
        pytest.param(b"", ("", None), id="empty"),
    ],
)
def test_decode(data: bytes, expected: tuple[str | None, str | None]) -> None:
    assert decode(data) == expected


HOUSE_QUERY = """\
; envutil.MustPortOr(3050, "PORT"): the house helper puts the default first.
(call_expression
  function: (selector_expression
    operand: (identifier) @_pkg
    field: (field_identifier) @_fn)
  arguments: (argument_list
    (int_literal) @port
    (interpreted_string_literal) @env)
  (#eq? @_pkg "envutil")
  (#eq? @_fn "MustPortOr"))
"""
HOUSE_SOURCE = b'package main\n\nfunc main() {\n\tport := envutil.MustPortOr(3050, "PORT")\n}\n'


def test_config_rules_teach_a_house_helper(tmp_path: Path) -> None:
    """A team adds a query folder in config ``rules``; no Python changes."""
    from portscan.config import load_config

    make_repo(tmp_path, {"services/sync/main.go": HOUSE_SOURCE})
    assert scan(tmp_path, load_config(tmp_path)).graph.facts == ()

    rules = tmp_path / "tools" / "portscan-rules" / "go"
    rules.mkdir(parents=True)
    (rules / "must-port.scm").write_text(HOUSE_QUERY)
    (rules / "must-port.toml").write_text('role = "default"\nenv = "port-name"\n')
    (tmp_path / "portscan.toml").write_text('rules = ["tools/portscan-rules"]\n')
    facts = scan(tmp_path, load_config(tmp_path)).graph.facts
    assert [
        (f.port, f.role.value, f.env, f.service, f.location.line, f.location.col) for f in facts
    ] == [(3050, "default", "PORT", "sync", 4, 29)]


def test_broken_house_rule_is_reported_before_scanning(tmp_path: Path) -> None:
    from portscan.config import load_config
    from portscan.extractors.queries import RuleError

    rules = tmp_path / "rules-x" / "typescript"
    rules.mkdir(parents=True)
    (rules / "bad.scm").write_text("(call_expression (no_such_node) @port)\n")
    (rules / "bad.toml").write_text('role = "default"\n')
    (tmp_path / "portscan.toml").write_text('rules = ["rules-x"]\n')
    with pytest.raises(RuleError, match=r"bad\.scm"):
        scan(tmp_path, load_config(tmp_path))


def test_two_thousand_portless_scripts_are_never_parsed(tmp_path: Path) -> None:
    """The byte prefilter keeps the TypeScript parser away from files without ports."""
    files = {
        f"web/src/feature{i // 100}/util{i}.{'ts' if i % 2 else 'js'}": (
            f"export function add{i}(a: number, b: number) {{ return a + b + {i}; }}\n".encode()
        )
        for i in range(2000)
    }
    files["web/src/server.ts"] = b"Bun.serve({ port: Number(process.env.PORT ?? 3000) });\n"
    result = scan(make_repo(tmp_path, files), Config())
    assert (result.stats.files, result.stats.parsed) == (2001, 1)
    assert [(f.port, f.location.path) for f in result.graph.facts] == [(3000, "web/src/server.ts")]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(
            ValueError("boom"),
            "internal error in the dotenv extractor: ValueError('boom')",
            id="extractor-bug",
        ),
        pytest.param(RecursionError(), "nested too deeply to parse", id="recursion"),
    ],
)
def test_an_extractor_that_raises_costs_its_file_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, message: str
) -> None:
    """A bug in an extractor is one diagnostic for the file it was reading; the scan
    goes on and reads the other files as ever."""
    from portscan.extractors import dotenv

    def broken(path: str, text: str, *args: object) -> object:
        raise error

    root = make_repo(
        tmp_path,
        {
            ".env": "PORT=3030\n",
            "services/api/main.py": 'import os\nPORT = int(os.getenv("PORT", "3050"))\n',
        },
    )
    monkeypatch.setattr(dotenv, "extract", broken)
    result = scan(root, Config())
    assert result.errors == (Diagnostic(".env", None, message),)
    assert [(f.location.path, f.port) for f in result.graph.facts] == [
        ("services/api/main.py", 3050)
    ]
