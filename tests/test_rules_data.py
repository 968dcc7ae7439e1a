"""The rules folder is data: every grammar loads, every query compiles, every TypeScript
rule has an example in the fixtures, and a team's own folder teaches new patterns."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from portscan.extractors import queries, typescript
from portscan.extractors.base import ExtractOptions
from portscan.model import Role

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

RULES = queries.bundled_rules_dir()
TS_FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "typescript"


@pytest.mark.parametrize("grammar", [pytest.param(g, id=g) for g in queries.GRAMMARS])
def test_every_grammar_loads_and_parses(grammar: str) -> None:
    root = queries.parse(grammar, b"x\n")
    assert root.type in ("program", "source_file")
    assert queries.syntax_error_line(root) is None


def test_every_bundled_query_compiles() -> None:
    queries.check_rules()


@pytest.mark.parametrize("folder", sorted({*queries.GRAMMARS.values()}))
def test_every_query_has_a_described_toml(folder: str) -> None:
    scms = sorted((RULES / folder).glob("*.scm"))
    assert scms, f"no rules for {folder}"
    for scm in scms:
        meta = tomllib.loads(scm.with_suffix(".toml").read_text(encoding="utf-8"))
        assert meta.get("description"), f"{scm.name}: no description"


def _typescript_fixture_blocks() -> list[typescript.CodeBlock]:
    blocks: list[typescript.CodeBlock] = []
    for path in sorted(TS_FIXTURES.rglob("*.*")):
        rel = path.relative_to(TS_FIXTURES).as_posix()
        blocks.extend(typescript.code_blocks(rel, path.read_text(encoding="utf-8")))
    return blocks


@pytest.mark.parametrize(
    "rule", [pytest.param(p.name, id=p.stem) for p in sorted((RULES / "typescript").glob("*.scm"))]
)
def test_every_typescript_rule_has_a_fixture_example(rule: str) -> None:
    hits = [
        match
        for block in _typescript_fixture_blocks()
        for match in queries.run_rules(block.grammar, block.text)
        if Path(match.rule.path).name == rule
    ]
    assert hits, f"no fixture line exercises rules/typescript/{rule}"


HOUSE_QUERY = """\
; getPortFromEnv("PORT", { fallback: 3001 }): our helper takes its default in an options object.
(call_expression
  function: (identifier) @_helper
  arguments: (arguments
    . (string) @env
    . (object (pair key: (property_identifier) @_key value: [(number) (string)] @port)))
  (#eq? @_helper "getPortFromEnv")
  (#eq? @_key "fallback"))
"""
HOUSE_TOML = """\
role = "default"
env = "port-name"
tags = ["house"]
description = "getPortFromEnv with a fallback option"
"""
HOUSE_SOURCE = 'const port = getPortFromEnv("PORT", { fallback: 3001 });\n'


def write_rule(root: Path, stem: str, query: str, toml: str | None) -> Path:
    folder = root / "typescript"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.scm").write_text(query, encoding="utf-8")
    if toml is not None:
        (folder / f"{stem}.toml").write_text(toml, encoding="utf-8")
    return folder / f"{stem}.scm"


def test_user_rules_folder_teaches_a_house_helper(tmp_path: Path) -> None:
    write_rule(tmp_path, "house-helper", HOUSE_QUERY, HOUSE_TOML)
    options = ExtractOptions(rule_dirs=(str(tmp_path),))
    queries.check_rules(options.rule_dirs)
    (found,) = typescript.extract("src/server.ts", HOUSE_SOURCE, options).facts
    assert (found.port, found.role, found.env, found.tags) == (
        3001,
        Role.DEFAULT,
        "PORT",
        ("house",),
    )
    assert found.location.col == HOUSE_SOURCE.index("3001") + 1


def test_without_the_user_rules_the_house_helper_yields_nothing() -> None:
    assert typescript.extract("src/server.ts", HOUSE_SOURCE).facts == ()


def test_positional_helpers_need_no_user_rule() -> None:
    # The bundled env-helper rule reads any helper(name, default) whose name is a port.
    (found,) = typescript.extract("a.ts", 'getPortFromEnv("PORT", 3001);\n').facts
    assert (found.port, found.env) == (3001, "PORT")


@pytest.mark.parametrize(
    ("query", "toml", "problem"),
    [
        pytest.param("(call_expression @port", HOUSE_TOML, "broken.scm", id="syntax"),
        pytest.param("(no_such_node) @port", HOUSE_TOML, "broken.scm", id="unknown-node"),
        pytest.param("(number) @value", HOUSE_TOML, "no @port capture", id="no-port-capture"),
        pytest.param("(number) @port", None, "broken.toml", id="no-toml"),
        pytest.param("(number) @port", 'role = "listen"\n', "role must be", id="bad-role"),
        pytest.param("(number) @port", 'role = "default"\nenv = "x"\n', "env must", id="bad-env"),
        pytest.param("(number) @port", "role = [\n", "broken.toml: ", id="toml-syntax"),
        pytest.param(
            "(number) @port",
            'role = "default"\nweight = 2\n',
            "broken.toml: unknown key 'weight'",
            id="unknown-key",
        ),
        pytest.param(
            "(number) @port",
            'role = "default"\ntags = "house"\n',
            "tags must be a list of strings",
            id="bad-tags",
        ),
        pytest.param(
            "(number) @port",
            'role = "default"\ndescription = 3\n',
            "description must be a string",
            id="bad-description",
        ),
        pytest.param(
            "(number) @port",
            'role = "default"\nprotocol = "sctp"\n',
            "protocol must be tcp or udp",
            id="bad-protocol",
        ),
    ],
)
def test_broken_user_rule_raises_rule_error_naming_the_file(
    tmp_path: Path, query: str, toml: str | None, problem: str
) -> None:
    scm = write_rule(tmp_path, "broken", query, toml)
    with pytest.raises(queries.RuleError) as raised:
        queries.check_rules((str(tmp_path),))
    message = str(raised.value)
    assert str(scm.parent) in message
    assert problem in message
