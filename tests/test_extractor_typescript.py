from __future__ import annotations

from pathlib import Path

import pytest
from annotations import check_fixture, fixture_params, fixture_paths

from portscan.extractors import typescript
from portscan.extractors.base import ExtractOptions
from portscan.extractors.queries import RuleError
from portscan.model import TAG_TEST, Diagnostic, Location, PortFact, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors" / "typescript"
FIXTURE_PATHS = fixture_paths(FIXTURES, "*.*")


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES, "*.*"))
def test_fixture(relpath: str) -> None:
    check_fixture(typescript, FIXTURES / relpath, relpath)


def test_fixtures_cover_every_file_kind() -> None:
    suffixes = {Path(rel).suffix for rel in FIXTURE_PATHS}
    assert {".ts", ".tsx", ".js", ".cjs", ".mts", ".svelte", ".vue", ".astro"} <= suffixes


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("src/server.ts", True, id="ts"),
        pytest.param("app/page.tsx", True, id="tsx"),
        pytest.param("lib/a.mts", True, id="mts"),
        pytest.param("lib/a.cts", True, id="cts"),
        pytest.param("index.js", True, id="js"),
        pytest.param("App.jsx", True, id="jsx"),
        pytest.param("server.mjs", True, id="mjs"),
        pytest.param("server.cjs", True, id="cjs"),
        pytest.param("src/App.svelte", True, id="svelte"),
        pytest.param("src/pages/index.astro", True, id="astro"),
        pytest.param("src/Page.vue", True, id="vue"),
        pytest.param("types/env.d.ts", False, id="declaration"),
        pytest.param("types/env.d.mts", False, id="declaration-mts"),
        pytest.param("public/vendor.min.js", False, id="minified"),
        pytest.param("package.json", False, id="json"),
        pytest.param("main.py", False, id="python"),
        pytest.param("src/ts", False, id="no-suffix"),
        pytest.param("notes.tsx.md", False, id="markdown"),
    ],
)
def test_matches(path: str, expected: bool) -> None:
    assert typescript.matches(path) is expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"const PORT = 3000", True, id="port-name"),
        pytest.param(b"app.listen(3000)", True, id="listen"),
        pytest.param(b"fetch('http://api:3025')", True, id="url"),
        pytest.param(b"setTimeout(fn, 3000)", False, id="timeout"),
        pytest.param(b"import { report } from './report'", False, id="report"),
        # every name whose last word is "port" passes ...
        pytest.param(b"export default { port: config.port }", True, id="port-key"),
        pytest.param(b"const viewPort = 3000", True, id="camel-case"),
        pytest.param(b"const HTTPPort = 3000", True, id="acronym-camel-case"),
        pytest.param(b"const apiPORT = 3000", True, id="lower-upper"),
        pytest.param(b"const API_PORT = 3000", True, id="snake-case"),
        pytest.param(b"const PORT_ = 3000", True, id="trailing-underscore"),
        pytest.param(b"{ 'dev-port': 3000 }", True, id="kebab-case"),
        pytest.param(b"env('server.port', 3000)", True, id="dotted-name"),
        pytest.param(b"process.env['PORT'] ?? 3000", True, id="quoted-env"),
        # ... and so does a URL with a port, IPv6 and userinfo included
        pytest.param(b"new WebSocket('ws://[::1]:8080')", True, id="ipv6-url"),
        pytest.param(b"connect('redis://user:secret@cache:6379/0')", True, id="userinfo-url"),
        # words that only contain "port", numbers after a colon that are no URL port
        pytest.param(b"import { Portal } from './Portal'", False, id="portal"),
        pytest.param(b"// Ported from the old client", False, id="ported"),
        pytest.param(b"const viewPorts = []", False, id="plural"),
        pytest.param(b"const REPORT_DIR = 'out'", False, id="report-upper"),
        pytest.param(b"const PORTAL_UI_URL = '/portal'", False, id="portal-upper"),
        pytest.param(b"const transport = 'ws'", False, id="transport"),
        pytest.param(b"export function import_users() {}", False, id="import-underscore"),
        pytest.param(b"const ratio = { x:16, y:9 }", False, id="object-literal"),
        pytest.param(b"const HOURS = ['09:00', '12:30']", False, id="times"),
        pytest.param(b"fetch('https://example.com/a:3000')", False, id="colon-in-path"),
    ],
)
def test_prefilter(content: bytes, expected: bool) -> None:
    assert (typescript.PREFILTER.search(content) is not None) is expected


@pytest.mark.parametrize("relpath", fixture_params(FIXTURES, "*.*"))
def test_prefilter_passes_every_fixture_that_yields_something(relpath: str) -> None:
    """The prefilter may only skip files that yield nothing: a fixture with a fact or a
    diagnostic must pass it (and so must each of its lines that yields one alone)."""
    data = (FIXTURES / relpath).read_bytes()
    text = data.decode("utf-8")
    found = typescript.extract(relpath, text)
    assert typescript.PREFILTER.search(data) is not None or not (found.facts or found.diagnostics)
    for fact in found.facts:
        line = text.splitlines()[fact.location.line - 1].encode("utf-8")
        if typescript.extract(relpath, line.decode("utf-8")).facts:
            assert typescript.PREFILTER.search(line) is not None, line


def fact(port: int, line: int, col: int, **fields: object) -> PortFact:
    role = fields.pop("role", Role.DEFAULT)
    assert isinstance(role, Role)
    location = Location("a.ts", line, col, line, col + len(str(port)))
    return PortFact(port, role, location, "typescript", **fields)  # type: ignore[arg-type]


def test_extract_exact_facts() -> None:
    text = (
        "const port = Number(process.env.PORT) || 5210;\n"
        "const redis = { host: 'redis', port: 6379 };\n"
        "const api = `http://localhost:${env.API_PORT ?? 3002}`;\n"
    )
    assert typescript.extract("a.ts", text).facts == (
        fact(5210, 1, 42, env="PORT"),
        fact(6379, 2, 38, role=Role.REFERENCE, target="redis"),
        fact(3002, 3, 49, role=Role.REFERENCE, env="API_PORT", target="localhost"),
    )


def test_object_property_has_no_env() -> None:
    (found,) = typescript.extract(
        "vite.config.ts", "export default { server: { port: 5210 } }"
    ).facts
    assert (found.port, found.env, found.target) == (5210, None, None)


@pytest.mark.parametrize(
    "newline",
    [pytest.param("\r\n", id="crlf"), pytest.param("\r", id="cr"), pytest.param("\n", id="lf")],
)
def test_line_endings(newline: str) -> None:
    text = newline.join(["// header", "", "const PORT = 3000;", "app.listen(3001);", ""])
    facts = typescript.extract("a.ts", text).facts
    assert [(f.port, f.location.line, f.location.col) for f in facts] == [
        (3000, 3, 14),
        (3001, 4, 12),
    ]


def test_non_ascii_text_keeps_columns() -> None:
    text = "const g = 'héllo 🎉'; const PORT = 3000; const u = '🎉 http://api:3001';\n"
    facts = typescript.extract("a.ts", text).facts
    assert [(f.port, f.location.col) for f in facts] == [
        (3000, text.index("3000") + 1),
        (3001, text.index("3001") + 1),
    ]


def test_small_syntax_error_still_extracts_without_diagnostic() -> None:
    text = "const PORT = 3000;\nfunction broken( {\nconst API_PORT = 3001;\n"
    extraction = typescript.extract("a.ts", text)
    assert [f.port for f in extraction.facts] == [3000, 3001]
    assert extraction.diagnostics == ()


def test_nothing_parses_is_a_diagnostic_with_line() -> None:
    text = "\n\n@@@ ### $$$\n"
    extraction = typescript.extract("a.js", text)
    assert extraction.facts == ()
    assert extraction.diagnostics == (
        Diagnostic("a.js", 3, "invalid TypeScript/JavaScript: nothing parses"),
    )


def test_component_diagnostic_line_is_in_the_file() -> None:
    text = "<p>port</p>\n\n<script>\n@@@ ###\n</script>\n"
    (diagnostic,) = typescript.extract("App.svelte", text).diagnostics
    assert diagnostic.line == 4


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("// only a comment about port 3000\n", id="comment"),
        pytest.param("const x = `unterminated port", id="unterminated"),
    ],
)
def test_no_facts_no_crash(text: str) -> None:
    assert typescript.extract("a.ts", text).facts == ()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("a.ts", [3000], id="typescript"),
        pytest.param("a.mjs", [3000], id="node-module"),
        pytest.param("a.tsx", [], id="tsx"),
        pytest.param("a.js", [], id="js-may-hold-jsx"),
    ],
)
def test_grammar_follows_the_suffix(path: str, expected: list[int]) -> None:
    # `<any>foo` is a type assertion in .ts but an unclosed JSX element in .tsx, which
    # swallows the rest of the file.
    text = "const x = <any>foo;\nconst PORT = 3000;\n"
    assert [f.port for f in typescript.extract(path, text).facts] == expected


@pytest.mark.parametrize(
    ("path", "script", "expected"),
    [
        pytest.param("App.svelte", '<script lang="ts">', [(3000, 3)], id="svelte"),
        pytest.param("App.vue", '<script setup lang="ts">', [(3000, 3)], id="vue"),
        pytest.param("App.vue", '<script lang="tsx">', [], id="vue-tsx-reads-jsx"),
    ],
)
def test_component_scripts_read_type_assertions(
    path: str, script: str, expected: list[tuple[int, int]]
) -> None:
    """A component's script cannot hold JSX, so ``<any>foo`` is a type assertion there
    (read with the typescript grammar), not an element that swallows the rest."""
    text = f"{script}\nconst x = <any>foo;\nconst PORT = 3000;\n</script>\n"
    facts = typescript.extract(path, text).facts
    assert [(f.port, f.location.line) for f in facts] == expected


@pytest.mark.parametrize(
    ("path", "grammars", "starts"),
    [
        pytest.param("a.ts", ["typescript"], [0], id="ts"),
        pytest.param("a.jsx", ["tsx"], [0], id="jsx"),
        pytest.param("a.js", ["tsx"], [0], id="js-may-hold-jsx"),
        pytest.param("a.mjs", ["typescript"], [0], id="mjs"),
        pytest.param("a.cjs", ["typescript"], [0], id="cjs"),
        pytest.param(
            "App.vue", ["typescript"], [len("<template/>\n<script setup>")], id="vue-script-only"
        ),
        pytest.param(
            "Jsx.vue",
            ["tsx", "typescript"],
            [len('<script lang="tsx">'), len('<script lang="tsx">x</script><script lang=ts>')],
            id="vue-lang-tsx",
        ),
        pytest.param("App.svelte", ["typescript"], [len('<script lang="ts">')], id="svelte-script"),
        pytest.param(
            "page.astro",
            ["typescript", "typescript"],
            [len("---\n"), len("---\nconst a = 1;\n---\n<p/><script>")],
            id="astro-frontmatter-and-script",
        ),
    ],
)
def test_code_blocks(path: str, grammars: list[str], starts: list[int]) -> None:
    texts = {
        "App.vue": "<template/>\n<script setup>x</script>\n",
        "Jsx.vue": '<script lang="tsx">x</script><script lang=ts>y</script>\n',
        "App.svelte": '<script lang="ts">x</script>\n<p>{x}</p>\n',
        "page.astro": "---\nconst a = 1;\n---\n<p/><script>b()</script>\n",
    }
    blocks = typescript.code_blocks(path, texts.get(path, "x"))
    assert [b.grammar for b in blocks] == grammars
    assert [b.start for b in blocks] == starts


def test_script_of_another_type_is_not_code() -> None:
    text = '<script type="application/json">{"port": 3000}</script>\n'
    assert typescript.code_blocks("App.svelte", text) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("src/app.test.ts", True, id="test-file"),
        pytest.param("src/app.spec.tsx", True, id="spec-file"),
        pytest.param("test/app.e2e-spec.ts", True, id="nest-e2e"),
        pytest.param("src/__tests__/a.js", True, id="jest-dir"),
        pytest.param("tests/load.ts", True, id="tests-dir"),
        pytest.param("apps/web/e2e/home.ts", True, id="e2e-dir"),
        pytest.param("e2e/playwright.config.ts", False, id="playwright-config"),
        pytest.param("tests/playwright.ci.config.ts", False, id="playwright-variant"),
        pytest.param("src/server.ts", False, id="source"),
        pytest.param("src/latest/app.ts", False, id="substring-is-not-a-dir"),
        pytest.param("src/contest.ts", False, id="substring-is-not-a-suffix"),
    ],
)
def test_is_test_path(path: str, expected: bool) -> None:
    assert typescript.is_test_path(path) is expected


def test_test_tag_merges_with_rule_tags() -> None:
    (found,) = typescript.extract("src/app.test.ts", "const PORT = 3000;").facts
    assert found.tags == (TAG_TEST,)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param("redis", "redis", id="bare-host"),
        pytest.param("http://localhost:", "localhost", id="url-prefix"),
        pytest.param("API at ws://user:pw@mana-sync:", "mana-sync", id="userinfo-and-text"),
        pytest.param("http://[::1]:", "::1", id="ipv6"),
    ],
)
def test_target_host(raw: str | None, expected: str | None) -> None:
    assert typescript.target_host(raw) == expected


def test_one_literal_one_fact() -> None:
    # env-fallback and url-fallback both match the literal: the reference (more specific) wins.
    text = "const url = 'http://api:' + (process.env.API_PORT || 3000);\n"
    (found,) = typescript.extract("a.ts", text).facts
    assert (found.role, found.env, found.target) == (Role.REFERENCE, "API_PORT", "api")


def test_user_rules_extend_the_bundled_ones(tmp_path: Path) -> None:
    folder = tmp_path / "typescript"
    folder.mkdir()
    (folder / "house.scm").write_text(
        "(call_expression function: (identifier) @_f arguments: (arguments (number) @port)"
        ' (#eq? @_f "bindHouse"))\n'
    )
    (folder / "house.toml").write_text('role = "default"\nenv = "none"\ntags = ["house"]\n')
    text = "bindHouse(3555); const PORT = 3000;\n"
    options = ExtractOptions(rule_dirs=(str(tmp_path),))
    facts = typescript.extract("a.ts", text, options).facts
    assert [(f.port, f.tags) for f in facts] == [(3555, ("house",)), (3000, ())]
    assert [f.port for f in typescript.extract("a.ts", text).facts] == [3000]


def test_broken_user_rule_raises(tmp_path: Path) -> None:
    folder = tmp_path / "typescript"
    folder.mkdir()
    (folder / "bad.scm").write_text("(call_expression @port")
    (folder / "bad.toml").write_text('role = "default"\n')
    options = ExtractOptions(rule_dirs=(str(tmp_path),))
    with pytest.raises(RuleError, match=r"bad\.scm"):
        typescript.extract("a.ts", "const PORT = 3000;", options)
