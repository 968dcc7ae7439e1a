"""Property tests for every extractor in the registry: no input makes one raise, and every
fact and diagnostic points inside the text it was given.

Parametrized over ``EXTRACTORS``, so a new extractor is fuzzed as soon as it is listed
(its fixture folder ``fixtures/extractors/<name>/`` supplies the paths it claims and the
texts to mutate). Two kinds of input: arbitrary text biased towards the characters and
words the formats care about, and mutations of the extractor's own fixture files (slices
cut, repeated and moved, tokens inserted, line endings changed, the text truncated).

``pytest --hypothesis-profile long`` runs many more examples (tests/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portscan.extractors import EXTRACTORS
from portscan.extractors.base import Extractor, split_lines
from portscan.model import Extraction, PortFact

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extractors"

#: Characters and words that steer the formats' parsers somewhere interesting.
TOKENS = (
    *"\n\r\t \0:;,.=-+*/\\$&|<>#!?@%`'\"{}[]()0123456789",
    "\r\n",
    "\ufeff",
    "\u2028",
    "\x85",
    "\x0c",
    "PORT",
    "port",
    "_PORT=",
    "3025",
    "8080:80",
    "65536",
    "0",
    "99999",
    "localhost:3000",
    "http://mana-llm:3025/v1",
    "https://[::1]:8443",
    "--port ",
    "--port=",
    "-p ",
    "--bind 0.0.0.0:",
    "${PORT:-",
    "${",
    "}",
    "$$",
    "services:\n",
    "  web:\n",
    "    ports:\n",
    '      - "',
    "    environment:\n",
    "<<: *",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "---\n",
    "EXPOSE ",
    "ENV ",
    "ARG ",
    "FROM x\n",
    "CMD [",
    "<<EOF\n",
    "EOF\n",
    "[Service]\n",
    "Environment=",
    "ExecStart=",
    "ListenStream=",
    "<key>",
    "</key>",
    "<string>",
    "</string>",
    "<integer>",
    "<dict>",
    "<array>",
    "<!ENTITY ",
    "<!--",
    "-->",
    "&amp;",
    "&#x33;",
    "<script>",
    "</script>",
    "def ",
    "class Settings:\n",
    "port: int = ",
    "os.getenv(",
    "os.environ.get(",
    "Field(",
    "f'",
    '"""',
    "import ",
    "app.listen(",
    "process.env.PORT ?? ",
    "export ",
    "const ",
    "func main() {",
    "http.ListenAndServe(",
    '":',
    '"scripts": {',
    '"dev": "',
    "\\u00",
    "#!/bin/sh\n",
    "export PORT=",
    "exec ",
    "uvicorn app:app ",
    "server {\n",
    "listen ",
    "proxy_pass ",
    "upstream ",
    "reverse_proxy ",
    ":8080 {\n",
    "```",
    "```sh\n",
    "| ",
    "ingress:\n",
    "  - hostname: ",
    "service: http://",
    "targets: [",
    "url: ",
)


def fixture_files(name: str) -> list[Path]:
    folder = FIXTURES / name
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".expect")


def fixture_paths(name: str, extractor: Extractor) -> list[str]:
    """The paths of the extractor's fixture files that it claims (relative, POSIX)."""
    folder = FIXTURES / name
    rels = [p.relative_to(folder).as_posix() for p in fixture_files(name)]
    return [rel for rel in rels if extractor.matches(rel)]


def fixture_texts(name: str) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in fixture_files(name)]


CASES = [pytest.param(name, extractor, id=name) for name, extractor in EXTRACTORS.items()]

#: Text built from the tokens above and short runs of any characters.
noisy_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=4)), max_size=60).map(
    "".join
)


@st.composite
def mutated(draw: st.DrawFn, texts: list[str]) -> str:
    """A fixture text with a few cuts, copies, moves, insertions and ending changes."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(0, 4))):
        size = len(text)
        start = draw(st.integers(0, size))
        end = draw(st.integers(start, min(size, start + 200)))
        kind = draw(
            st.sampled_from(["cut", "repeat", "move", "insert", "replace", "truncate", "ending"])
        )
        if kind == "cut":
            text = text[:start] + text[end:]
        elif kind == "repeat":
            text = text[:end] + text[start:end] * draw(st.integers(1, 3)) + text[end:]
        elif kind == "move":
            piece, rest = text[start:end], text[:start] + text[end:]
            at = draw(st.integers(0, len(rest)))
            text = rest[:at] + piece + rest[at:]
        elif kind == "insert":
            text = text[:start] + draw(noisy_text) + text[start:]
        elif kind == "replace":
            text = text[:start] + draw(st.sampled_from(TOKENS)) + text[end:]
        elif kind == "truncate":
            text = text[:start]
        else:
            text = re.sub(r"\r\n|\r|\n", draw(st.sampled_from(["\r\n", "\r", "\n"])), text)
    return text


def check(extractor: Extractor, path: str, text: str) -> None:
    """The contract: an Extraction whatever the input, positions inside the text."""
    result = extractor.extract(path, text)
    assert isinstance(result, Extraction)
    lines = split_lines(text)
    for fact in result.facts:
        assert isinstance(fact, PortFact)
        assert 1 <= fact.port <= 65535, fact
        where = fact.location
        assert where.path == path, fact
        assert 1 <= where.line <= len(lines), fact
        width = len(lines[where.line - 1])
        assert 1 <= where.col <= width + 1, fact
        if where.end_line is not None:
            assert where.end_line == where.line, fact
            assert where.end_col is not None, fact
            assert where.col <= where.end_col <= width + 1, fact
    assert list(result.facts) == sorted(result.facts, key=PortFact.sort_key)
    for diagnostic in result.diagnostics:
        assert diagnostic.path == path, diagnostic
        assert diagnostic.line is None or 1 <= diagnostic.line <= len(lines), diagnostic
        assert diagnostic.message, diagnostic


@pytest.mark.parametrize(("name", "extractor"), CASES)
def test_every_extractor_has_fixtures_it_claims(name: str, extractor: Extractor) -> None:
    """The fuzzer needs them: an extractor without fixtures would go unfuzzed."""
    assert fixture_paths(name, extractor), f"no fixture under fixtures/extractors/{name}/"


@pytest.mark.parametrize(("name", "extractor"), CASES)
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_arbitrary_text_never_raises(name: str, extractor: Extractor, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(fixture_paths(name, extractor)), label="path")
    text = data.draw(noisy_text, label="text")
    check(extractor, path, text)


@pytest.mark.parametrize(("name", "extractor"), CASES)
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_fixtures_never_raise(name: str, extractor: Extractor, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(fixture_paths(name, extractor)), label="path")
    text = data.draw(mutated(fixture_texts(name)), label="text")
    check(extractor, path, text)


@pytest.mark.parametrize(("name", "extractor"), CASES)
def test_fixtures_themselves_satisfy_the_contract(name: str, extractor: Extractor) -> None:
    """The unmutated fixtures, in every line-ending style, as a fixed baseline."""
    for path in fixture_paths(name, extractor):
        text = (FIXTURES / name / path).read_text(encoding="utf-8")
        for ending in ("\n", "\r\n", "\r"):
            check(extractor, path, re.sub(r"\r\n|\r|\n", ending, text))
