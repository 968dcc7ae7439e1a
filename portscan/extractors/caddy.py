"""Caddyfiles: the ports Caddy listens on and the upstreams it proxies to.

.. code-block:: text

    {
        http_port 8080                      # override 8080, service caddy
    }
    calc.example.com {
        reverse_proxy localhost:3001        # reference 3001 on localhost, name=calc.example.com
    }
    :8443, api.example.com {                # override 8443, service caddy
        handle /v1/* {
            reverse_proxy http://app:3000 app2:3000
        }
        reverse_proxy /auth/* {
            to mana-auth:3001
        }
    }

What it reads:

- site addresses with a port (``:8080``, ``localhost:8080``, ``http://host:8080``,
  ``[::1]:8080``): Caddy listens there, so each is an ``override`` with the service hint
  ``caddy``. Addresses without a port (``calc.example.com``) listen on the implicit
  80/443 and name no port. The global options ``http_port``, ``https_port`` and
  ``admin <address>`` are overrides of ``caddy`` too.
- ``reverse_proxy``, ``php_fastcgi`` and ``forward_auth``: every upstream after the
  optional matcher (``@name``, ``/path*``, ``*``), and every upstream of a ``to``
  subdirective in their block, is a ``reference`` with the upstream's host as target
  (``:3000`` dials the local host: ``localhost``). ``http://``, ``https://`` and ``h2c://``
  prefixes are allowed; a port range (``app:8001-8003``) yields one fact per port, tagged
  ``range``. The references of a site block carry the tag ``name=<host>``, the host its
  first site address serves (``calc.example.com``), the public name resolve uses to tell
  which service a route means; those of a site without a host (``:8080``), of snippets
  (``(common) {``) and of named routes carry none.

Environment placeholders, which Caddy replaces before it parses the file, are read as
their default: ``{$PORT:8080}`` is 8080 with env ``PORT``; ``{$PORT}`` is unknown and
yields nothing. Runtime placeholders (``{http.request.host}``) never name a port.

The tokenizer follows Caddy's lexer: words split at blanks, ``"..."`` and backtick
quotes, ``#`` comments at the start of a word, ``{`` and ``}`` as words of their own,
heredocs (``<<EOF``) skipped. A brace that never closes, a ``}`` that closes nothing and
an unterminated quote are diagnostics; what was read before still yields its facts. A
Caddyfile with a single site may leave out the braces: its first line is the address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from portscan.extractors.addresses import parse_address
from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    ExtractOptions,
    LineIndex,
    sorted_facts,
)
from portscan.extractors.shellwords import SourceText
from portscan.model import TAG_NAME, TAG_RANGE, Diagnostic, Extraction, Location, PortFact, Role

NAME = "caddy"
#: Caddyfiles are few, small and always relevant: parse them all.
PREFILTER: re.Pattern[bytes] | None = None

#: The service hint of the ports Caddy itself listens on.
SERVICE = "caddy"

#: Directives whose arguments (after a matcher) and ``to`` lines are upstreams.
PROXY_DIRECTIVES = frozenset({"reverse_proxy", "php_fastcgi", "forward_auth"})
#: Global options whose argument is a port Caddy listens on, or an address with one.
_GLOBAL_PORTS = frozenset({"http_port", "https_port"})
#: Blocks nested deeper than this are not read (real Caddyfiles nest a handful).
MAX_DEPTH = 100
_GLOBAL_ADDRESSES = frozenset({"admin"})

_ENV_PLACEHOLDER = re.compile(r"\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HEREDOC = re.compile(r"<<([A-Za-z0-9_-]+)")
_NEWLINE = re.compile(r"\r\n|\r|\n")
#: Stands for the value of a variable we cannot know: never a digit, never in a host.
_UNKNOWN = "\x00"
_DOC_SUFFIXES = (".md", ".markdown", ".mdx", ".txt", ".rst")


def matches(path: str) -> bool:
    """``Caddyfile``, ``Caddyfile.prod``, ``sites/api.caddyfile`` (any case); not
    ``Caddyfile.md``, which documents one."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(_DOC_SUFFIXES):
        return False
    return name == "caddyfile" or name.startswith("caddyfile.") or name.endswith(".caddyfile")


# --- tokens and blocks --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    """One word of the file, quotes removed, each character knowing its offset."""

    word: SourceText
    quoted: bool

    @property
    def text(self) -> str:
        return self.word.text

    def is_brace(self, brace: str) -> bool:
        return not self.quoted and self.word.text == brace


#: Ends a line in the token stream.
_EOL = None


@dataclass(frozen=True, slots=True)
class _Segment:
    """One line of tokens (a site address line or a directive) and the block it opens."""

    tokens: tuple[_Token, ...]
    body: list[_Segment] | None = None


class _CaddyError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _tokens(text: str) -> Iterator[_Token | None]:
    """The words of a Caddyfile, with ``_EOL`` at each line end. Raises _CaddyError for
    an unterminated quote (after yielding what came before)."""
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in " \t\ufeff":  # a byte order mark separates nothing
            i += 1
        elif char in "\r\n":
            yield _EOL
            i += 2 if text.startswith("\r\n", i) else 1
        elif char == "#":
            newline = _NEWLINE.search(text, i)
            i = n if newline is None else newline.start()
        elif char in '"`':
            token, i = _quoted(text, i)
            yield token
        else:
            token, i = _bare(text, i)
            heredoc = _HEREDOC.fullmatch(token.text)
            if heredoc is None:
                yield token
            else:
                i = _skip_heredoc(text, i, heredoc.group(1))
                yield _Token(SourceText("", ()), quoted=True)


def _quoted(text: str, start: int) -> tuple[_Token, int]:
    """A ``"..."`` (``\\"`` escapes a quote) or backtick (raw) word starting at ``start``."""
    quote = text[start]
    chars: list[str] = []
    offsets: list[int] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == quote:
            return _Token(SourceText("".join(chars), tuple(offsets)), quoted=True), i + 1
        if quote == '"' and char == "\\" and text.startswith('"', i + 1):
            i += 1
            char = '"'
        chars.append(char)
        offsets.append(i)
        i += 1
    raise _CaddyError("invalid Caddyfile: unterminated quoted string", start)


def _bare(text: str, start: int) -> tuple[_Token, int]:
    """An unquoted word: up to the next blank; a backslash escapes the next character."""
    chars: list[str] = []
    offsets: list[int] = []
    i = start
    while i < len(text) and text[i] not in " \t\r\n":
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] not in "\r\n":
            i += 1
        chars.append(text[i])
        offsets.append(i)
        i += 1
    return _Token(SourceText("".join(chars), tuple(offsets)), quoted=False), i


def _skip_heredoc(text: str, start: int, marker: str) -> int:
    """The offset just past the marker that closes a heredoc opened before ``start``: the
    first word of a later line (``HTML 200`` closes ``<<HTML``, then reads on)."""
    closing = re.compile(rf"[ \t]*{re.escape(marker)}(?=[ \t]|$)", re.MULTILINE)
    for line in _NEWLINE.finditer(text, start):
        found = closing.match(text, line.end())
        if found is not None:
            return found.end()
    return len(text)


def _parse(text: str) -> tuple[list[_Segment], list[_CaddyError]]:
    """The top-level segments of a Caddyfile, blocks nested, and its syntax errors."""
    root: list[_Segment] = []
    stack: list[tuple[list[_Segment], int]] = [(root, 0)]
    current: list[_Token] = []
    errors: list[_CaddyError] = []

    def flush() -> None:
        if current:
            stack[-1][0].append(_Segment(tuple(current)))
            current.clear()

    try:
        for token in _tokens(text):
            if token is _EOL:
                flush()
            elif token.is_brace("{"):
                if len(stack) > MAX_DEPTH:
                    errors.append(
                        _CaddyError(
                            "invalid Caddyfile: blocks nested too deeply", token.word.offsets[0]
                        )
                    )
                    del stack[1:]  # what was read stays; nothing deeper is
                    current.clear()
                    break
                body: list[_Segment] = []
                stack[-1][0].append(_Segment(tuple(current), body))
                current.clear()
                stack.append((body, token.word.offsets[0]))
            elif token.is_brace("}"):
                flush()
                if len(stack) == 1:
                    errors.append(
                        _CaddyError("invalid Caddyfile: unexpected '}'", token.word.offsets[0])
                    )
                else:
                    stack.pop()
            elif token.text or token.quoted:
                current.append(token)
    except _CaddyError as error:
        errors.append(error)
    flush()
    errors.extend(
        _CaddyError("invalid Caddyfile: '{' is never closed", opener) for _, opener in stack[1:]
    )
    return root, errors


# --- facts --------------------------------------------------------------------------------


def _substitute(word: SourceText) -> tuple[SourceText, tuple[str | None, ...]]:
    """``{$VAR:default}`` replaced by its default (remembering VAR), ``{$VAR}`` by an
    unknown value, as Caddy does before it parses."""
    if "{$" not in word.text:
        return word, (None,) * len(word.text)
    chars: list[str] = []
    offsets: list[int] = []
    envs: list[str | None] = []
    at = 0
    for match in _ENV_PLACEHOLDER.finditer(word.text):
        chars.extend(word.text[at : match.start()])
        offsets.extend(word.offsets[at : match.start()])
        envs.extend([None] * (match.start() - at))
        default = match.group(2)
        if default is None:
            chars.append(_UNKNOWN)
            offsets.append(word.offsets[match.start()])
            envs.append(None)
        else:
            chars.extend(default)
            offsets.extend(word.offsets[match.start(2) : match.end(2)])
            envs.extend([match.group(1)] * len(default))
        at = match.end()
    chars.extend(word.text[at:])
    offsets.extend(word.offsets[at:])
    envs.extend([None] * (len(word.text) - at))
    return SourceText("".join(chars), tuple(offsets)), tuple(envs)


class _Reader:
    """Turns the segments of one file into facts (one instance per :func:`extract`)."""

    def __init__(self, path: str, index: LineIndex) -> None:
        self.path = path
        self.index = index
        self.facts: list[PortFact] = []

    def address(
        self, token: _Token, role: Role, *, bare_port: bool = False, tags: tuple[str, ...] = ()
    ) -> None:
        """The fact(s) of one address word: a listen address of Caddy, or an upstream."""
        word, envs = _substitute(token.word)
        text = word.text.rstrip(",")
        if bare_port and text.isdigit():
            text = ":" + text
            word = SourceText(text, (word.offsets[0], *word.offsets))
            envs = (envs[0], *envs)
        found = parse_address(text, ranges=True)
        if found is None:
            return
        target = None
        if role is Role.REFERENCE:
            target = found.host or "localhost"
        service = SERVICE if role is Role.OVERRIDE else None
        if found.last > found.port:
            tags = (*tags, TAG_RANGE)
        line, col = self.index.position(word.offsets[found.start])
        for port in found.ports:
            self.facts.append(
                PortFact(
                    port=port,
                    role=role,
                    location=Location(self.path, line, col, line, col + found.end - found.start),
                    extractor=NAME,
                    service=service,
                    env=envs[found.start],
                    target=target,
                    tags=tuple(sorted(tags)),
                )
            )

    def global_options(self, segments: list[_Segment]) -> None:
        for segment in segments:
            head, args = segment.tokens[0].text if segment.tokens else "", segment.tokens[1:]
            if head in _GLOBAL_PORTS and args:
                self.address(args[0], Role.OVERRIDE, bare_port=True)
            elif head in _GLOBAL_ADDRESSES and args:
                self.address(args[0], Role.OVERRIDE)

    def site(self, addresses: tuple[_Token, ...], directives: list[_Segment]) -> None:
        words = [token for token in addresses if token.text.strip(",")]
        for token in words:
            self.address(token, Role.OVERRIDE)
        name = _site_name(_substitute(words[0].word)[0].text.rstrip(",")) if words else None
        self.directives(directives, (TAG_NAME + name,) if name else ())

    def directives(self, segments: list[_Segment], tags: tuple[str, ...]) -> None:
        for segment in segments:
            head = segment.tokens[0].text if segment.tokens else ""
            if head in PROXY_DIRECTIVES:
                self.upstreams(segment, tags)
            elif segment.body is not None:
                self.directives(segment.body, tags)

    def upstreams(self, segment: _Segment, tags: tuple[str, ...]) -> None:
        args = list(segment.tokens[1:])
        if args and (args[0].text.startswith(("@", "/")) or args[0].text == "*"):
            args = args[1:]  # a matcher
        for sub in segment.body or []:
            if sub.tokens and sub.tokens[0].text == "to":
                args.extend(sub.tokens[1:])
        for token in args:
            self.address(token, Role.REFERENCE, tags=tags)


def _site_name(address: str) -> str | None:
    """The host a site address serves: ``https://calc.example.com:8443/x`` ->
    ``calc.example.com``; None for ``:8080`` or a placeholder."""
    rest = _SCHEME.sub("", address, count=1).split("/", 1)[0]
    if rest.startswith("["):
        host = rest[: rest.find("]") + 1] if "]" in rest else rest
    else:
        host = rest.rsplit(":", 1)[0] if ":" in rest else rest
    return host if host and "{" not in host and _UNKNOWN not in host else None


def _is_snippet(tokens: tuple[_Token, ...]) -> bool:
    """``(common) {`` and ``&(route) {`` define reusable directives, not sites."""
    head = tokens[0].text if tokens else ""
    return (head.startswith("(") and head.endswith(")")) or head.startswith("&(")


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """Caddy's listen addresses and the upstreams of its proxies."""
    index = LineIndex(text)
    segments, errors = _parse(text)
    reader = _Reader(path, index)
    rest = segments
    if rest and not rest[0].tokens and rest[0].body is not None:
        reader.global_options(rest[0].body)
        rest = rest[1:]
    while rest and rest[0].body is None and rest[0].tokens[0].text == "import":
        rest = rest[1:]
    if rest and rest[0].body is None:  # a single site without braces
        reader.site(rest[0].tokens, rest[1:])
    else:
        for segment in rest:
            if segment.body is None:
                continue  # a stray top-level directive: Caddy refuses it
            if _is_snippet(segment.tokens):
                reader.directives(segment.body, ())
            else:
                reader.site(segment.tokens, segment.body)
    diagnostics = tuple(
        Diagnostic(path, index.position(error.offset)[0], error.message) for error in errors
    )
    return Extraction(sorted_facts(reader.facts), diagnostics)
