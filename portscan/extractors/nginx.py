"""nginx configs: the ports nginx listens on and the backends it passes requests to.

.. code-block:: nginx

    upstream llm { server 127.0.0.1:3025; }      # reference 3025 on 127.0.0.1, name=llm.example.com
    server {
        listen 8080;                             # override 8080, service nginx
        listen [::]:8443 ssl;                    # override 8443, service nginx
        server_name llm.example.com;
        location /v1/ { proxy_pass http://llm; }
        location /auth/ { proxy_pass http://mana-auth:3001/; }   # reference 3001 on mana-auth
        location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; }      # reference 9000 on 127.0.0.1
    }

What it reads:

- ``listen`` with a port (``8080``, ``0.0.0.0:8080``, ``[::]:443``, ``*:80``, ``53 udp``,
  ``443 quic``): an ``override`` with the service hint ``nginx``; ``udp`` and ``quic``
  listen on UDP. ``listen 127.0.0.1`` (an implicit 80) and ``unix:`` sockets name no port.
- ``proxy_pass``, ``grpc_pass``, ``fastcgi_pass``, ``uwsgi_pass``, ``scgi_pass`` and
  ``memcached_pass`` to ``[scheme://]host:port``: a ``reference`` with the host as
  target. When the host names an ``upstream NAME {}`` block of the same file, the
  references are that block's ``server host:port`` lines instead (one each, wherever the
  upstream is used); a pass to an upstream with a port is nginx's own error
  (``upstream "x" may not have port``) and a diagnostic. A pass through a variable
  (``proxy_pass $backend``) names no port, but URLs given to ``set $var`` or as ``map``
  values are references.
- ``server_name``: the first real name of a ``server`` block (not ``_``, not a regex)
  tags the references of that block ``name=<server name>``, the public name resolve uses
  to tell which service a route means. An upstream's ``server`` lines carry the names of
  the blocks that pass to it. In a ``stream`` server that listens on UDP, references are
  UDP too.

The tokenizer follows nginx's: words split at blanks, ``;``, ``{`` and ``}``; ``"..."``
and ``'...'`` quotes; ``#`` comments at the start of a word; ``${var}`` inside a word.
A statement without ``;``, a brace that never closes or closes nothing, and an
unterminated quote are diagnostics; the statements read before still yield facts. A
file claimed only because it is ``conf.d/*.conf`` (a folder many daemons use) that does
not parse as nginx is not nginx's and yields nothing.
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
from portscan.extractors.urls import url_ports
from portscan.model import TAG_NAME, Diagnostic, Extraction, Location, PortFact, Role

NAME = "nginx"
#: A listen port, a pass to a backend, or an upstream's servers.
PREFILTER: re.Pattern[bytes] | None = re.compile(rb"listen|_pass|server|set|map")

#: The service hint of the ports nginx itself listens on.
SERVICE = "nginx"

#: Directives that hand a request to a backend at ``[scheme://]host:port``.
PASS_DIRECTIVES = frozenset(
    {"proxy_pass", "grpc_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass"}
)
#: Blocks nested deeper than this are not read (real configs nest a handful).
MAX_DEPTH = 100
_UDP_PARAMETERS = frozenset({"udp", "quic"})
_SITE_FOLDERS = frozenset({"sites-available", "sites-enabled"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_QUOTED_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "t": "\t", "r": "\r", "n": "\n"}
_SEPARATORS = frozenset(" \t\r\n\ufeff")


def matches(path: str) -> bool:
    """``nginx.conf``, ``*.conf`` below a folder named ``nginx``, ``sites-available/*``,
    ``sites-enabled/*`` and ``conf.d/*.conf``."""
    return _named_for_nginx(path) or _in_conf_d(path)


def _named_for_nginx(path: str) -> bool:
    *folders, name = path.lower().split("/")
    if folders and folders[-1] in _SITE_FOLDERS:
        return True
    config = name.endswith((".conf", ".conf.template"))
    return config and ("nginx" in name or "nginx" in folders)


def _in_conf_d(path: str) -> bool:
    *folders, name = path.lower().split("/")
    return bool(folders) and folders[-1] == "conf.d" and name.endswith(".conf")


# --- tokens and statements ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    """A word (quotes removed, offsets kept) or one of ``;``, ``{``, ``}``."""

    word: SourceText
    punctuation: bool = False

    @property
    def text(self) -> str:
        return self.word.text

    @property
    def start(self) -> int:
        return self.word.offsets[0] if self.word.offsets else 0


@dataclass(frozen=True, slots=True)
class _Statement:
    """``name args... ;`` or ``name args... { block }``."""

    name: _Token
    args: tuple[_Token, ...]
    block: list[_Statement] | None = None

    @property
    def words(self) -> list[str]:
        return [arg.text for arg in self.args]


class _NginxError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _tokens(text: str) -> Iterator[_Token]:
    """The tokens of an nginx config. Raises _NginxError for an unterminated quote (after
    yielding what came before)."""
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _SEPARATORS:
            i += 1
        elif char == "#":
            while i < n and text[i] not in "\r\n":
                i += 1
        elif char in ";{}":
            yield _Token(SourceText(char, (i,)), punctuation=True)
            i += 1
        elif char in "\"'":
            token, i = _quoted(text, i)
            yield token
        else:
            token, i = _bare(text, i)
            yield token


def _quoted(text: str, start: int) -> tuple[_Token, int]:
    quote = text[start]
    chars: list[str] = []
    offsets: list[int] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == quote:
            return _Token(SourceText("".join(chars), tuple(offsets))), i + 1
        if char == "\\" and text[i + 1 : i + 2] in _QUOTED_ESCAPES:
            i += 1
            char = _QUOTED_ESCAPES[text[i]]
        chars.append(char)
        offsets.append(i)
        i += 1
    raise _NginxError("invalid nginx config: unterminated quoted string", start)


def _bare(text: str, start: int) -> tuple[_Token, int]:
    """A word up to a blank, ``;`` or ``{``; the ``{`` of ``${var}`` belongs to the word,
    and so does a ``}`` that does not start one."""
    chars: list[str] = []
    offsets: list[int] = []
    i = start
    while i < len(text):
        char = text[i]
        if char in _SEPARATORS or char == ";" or (char == "{" and chars[-1:] != ["$"]):
            break
        if char == "\\" and i + 1 < len(text):
            i += 1
            char = text[i]
        chars.append(char)
        offsets.append(i)
        i += 1
    return _Token(SourceText("".join(chars), tuple(offsets))), i


def _parse(text: str) -> tuple[list[_Statement], list[_NginxError]]:
    """The statements of a config, blocks nested, and its syntax errors."""
    root: list[_Statement] = []
    stack: list[tuple[list[_Statement], int]] = [(root, 0)]
    current: list[_Token] = []
    errors: list[_NginxError] = []

    def error(message: str, offset: int) -> None:
        errors.append(_NginxError(f"invalid nginx config: {message}", offset))

    try:
        for token in _tokens(text):
            if not token.punctuation:
                current.append(token)
            elif token.text == ";":
                if current:
                    stack[-1][0].append(_Statement(current[0], tuple(current[1:])))
                else:
                    error('unexpected ";"', token.start)
                current.clear()
            elif token.text == "{":
                if len(stack) > MAX_DEPTH:
                    error("blocks nested too deeply", token.start)
                    del stack[1:]  # what was read stays; nothing deeper is
                    current.clear()
                    break
                body: list[_Statement] = []
                if not current:  # read its statements all the same, as an unnamed block
                    error('unexpected "{"', token.start)
                    current.append(_Token(SourceText("", (token.start,))))
                stack[-1][0].append(_Statement(current[0], tuple(current[1:]), body))
                current.clear()
                stack.append((body, token.start))
            else:
                if current:
                    error('expecting ";" before "}"', current[-1].start)
                    stack[-1][0].append(_Statement(current[0], tuple(current[1:])))
                    current.clear()
                if len(stack) == 1:
                    error('unexpected "}"', token.start)
                else:
                    stack.pop()
    except _NginxError as problem:
        errors.append(problem)
        current.clear()  # the statement the quote broke is not read
    if current:
        error('unexpected end of file, expecting ";" or "}"', current[-1].start)
        stack[-1][0].append(_Statement(current[0], tuple(current[1:])))
    for _, opener in stack[1:]:
        error('"{" is never closed', opener)
    return root, errors


# --- facts --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    """What the references inside one ``server`` block share."""

    tags: tuple[str, ...] = ()
    protocol: str = "tcp"


def _server_tags(block: list[_Statement]) -> tuple[str, ...]:
    """``name=<first real server_name>`` of a server block, if it has one."""
    for statement in block:
        if statement.name.text != "server_name":
            continue
        for name in statement.words:
            if name and name != "_" and not name.startswith("~"):
                return (TAG_NAME + name,)
    return ()


def _server_protocol(block: list[_Statement]) -> str:
    """``udp`` when every listen of a (stream) server block is UDP."""
    listens = [statement for statement in block if statement.name.text == "listen"]
    udp = [s for s in listens if _UDP_PARAMETERS & set(s.words[1:])]
    return "udp" if listens and len(udp) == len(listens) else "tcp"


def _upstreams(statements: list[_Statement]) -> dict[str, _Statement]:
    """Every ``upstream NAME { ... }`` block of the file, at any depth."""
    found: dict[str, _Statement] = {}
    for statement in statements:
        if statement.block is None:
            continue
        if statement.name.text == "upstream" and len(statement.args) == 1:
            found.setdefault(statement.args[0].text, statement)
        else:
            found.update((k, v) for k, v in _upstreams(statement.block).items() if k not in found)
    return found


def _backend_host(value: str) -> tuple[str, str | None]:
    """The host of a pass target and its port text, if it writes one: ``http://llm/v1``
    -> ("llm", None); ``llm:3000`` -> ("llm", "3000")."""
    rest = _SCHEME.sub("", value, count=1)
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if authority.startswith("["):
        host, _, after = authority.partition("]")
        return host + "]", after[1:] if after.startswith(":") else None
    host, colon, port = authority.partition(":")
    return host, port if colon else None


_NO_CONTEXT = _Context()


class _Reader:
    """Turns the statements of one file into facts (one instance per :func:`extract`)."""

    def __init__(self, path: str, index: LineIndex, upstreams: dict[str, _Statement]) -> None:
        self.path = path
        self.index = index
        self.upstreams = upstreams
        self.facts: list[PortFact] = []
        self.diagnostics: list[Diagnostic] = []
        #: for each upstream name, the contexts of the blocks that pass to it
        self.users: dict[str, list[_Context]] = {}

    def fact(
        self,
        word: SourceText,
        start: int,
        end: int,
        port: int,
        role: Role,
        *,
        target: str | None = None,
        context: _Context = _NO_CONTEXT,
    ) -> None:
        line, col = self.index.position(word.offsets[start])
        self.facts.append(
            PortFact(
                port=port,
                role=role,
                location=Location(self.path, line, col, line, col + end - start),
                extractor=NAME,
                service=SERVICE if role is Role.OVERRIDE else None,
                target=target,
                protocol=context.protocol,
                tags=tuple(sorted(context.tags)),
            )
        )

    def walk(self, statements: list[_Statement], context: _Context) -> None:
        for statement in statements:
            name = statement.name.text
            if statement.block is not None:
                if name == "server":
                    block = statement.block
                    self.walk(block, _Context(_server_tags(block), _server_protocol(block)))
                elif name == "map":
                    self.map_values(statement.block)
                elif name != "upstream":
                    self.walk(statement.block, context)
            elif name == "listen" and statement.args:
                self.listen(statement)
            elif name in PASS_DIRECTIVES and statement.args:
                self.backend(statement.args[0], context)
            elif name == "set" and len(statement.args) == 2:
                self.urls(statement.args[1].word, context)

    def listen(self, statement: _Statement) -> None:
        word = statement.args[0].word
        protocol = "udp" if _UDP_PARAMETERS & set(statement.words[1:]) else "tcp"
        found = parse_address(word.text if ":" in word.text else ":" + word.text)
        if found is None:
            return
        shift = 0 if ":" in word.text else 1  # the digits of a bare port start the word
        start, end = found.start - shift, found.end - shift
        self.fact(word, start, end, found.port, Role.OVERRIDE, context=_Context((), protocol))

    def backend(self, token: _Token, context: _Context) -> None:
        """A pass to ``[scheme://]host:port``, or to an upstream block of this file."""
        word = token.word
        host, port_text = _backend_host(word.text)
        if host in self.upstreams:
            self.users.setdefault(host, []).append(context)
            if port_text:
                line = self.index.position(token.start)[0]
                message = f'upstream "{host}" may not have port {port_text}'
                self.diagnostics.append(Diagnostic(self.path, line, message))
            return
        found = parse_address(word.text)
        if found is not None:
            target = found.host or "localhost"
            self.fact(
                word,
                found.start,
                found.end,
                found.port,
                Role.REFERENCE,
                target=target,
                context=context,
            )

    def urls(self, word: SourceText, context: _Context) -> None:
        for found in url_ports(word.text):
            self.fact(
                word,
                found.start,
                found.end,
                found.port,
                Role.REFERENCE,
                target=found.host,
                context=context,
            )

    def map_values(self, block: list[_Statement]) -> None:
        for entry in block:
            if entry.args:
                self.urls(entry.args[-1].word, _NO_CONTEXT)

    def upstream_servers(self) -> None:
        """The ``server host:port`` lines of every upstream, tagged by who uses it."""
        for name, upstream in self.upstreams.items():
            users = self.users.get(name, [])
            tags = tuple(sorted({tag for user in users for tag in user.tags}))
            udp = bool(users) and all(user.protocol == "udp" for user in users)
            context = _Context(tags, "udp" if udp else "tcp")
            for statement in upstream.block or []:
                if statement.name.text != "server" or not statement.args:
                    continue
                word = statement.args[0].word
                found = parse_address(word.text)
                if found is not None:
                    self.fact(
                        word,
                        found.start,
                        found.end,
                        found.port,
                        Role.REFERENCE,
                        target=found.host or "localhost",
                        context=context,
                    )


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """nginx's listen ports and the backends it passes to."""
    statements, errors = _parse(text)
    if errors and not _named_for_nginx(path):
        return Extraction()  # a conf.d file of another daemon
    index = LineIndex(text)
    reader = _Reader(path, index, _upstreams(statements))
    reader.walk(statements, _Context())
    reader.upstream_servers()
    diagnostics = [
        Diagnostic(path, index.position(error.offset)[0], error.message) for error in errors
    ]
    diagnostics.extend(reader.diagnostics)
    return Extraction(sorted_facts(reader.facts), tuple(sorted(set(diagnostics), key=_order)))


def _order(diagnostic: Diagnostic) -> tuple[int, str]:
    return diagnostic.line or 0, diagnostic.message
