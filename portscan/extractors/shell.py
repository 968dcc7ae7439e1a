"""Shell scripts: the ports start and setup scripts give services, and the documents
they write.

The variable patterns live as data in ``rules/bash/*.scm`` (``PORT=${PORT:-3020}``,
``: "${PORT:=3000}"``, ``export API_PORT=3025``, ``python -m http.server 8000``); this module
runs them over the tree-sitter-bash tree and adds what needs the command line as a
whole:

- listen flags on any command (``uvicorn app --port 3025``, ``--port=3025``, ``-p 3025``,
  ``--bind 0.0.0.0:8000``, ``--listen :9090``, ``env PORT=3025 node``, ``sh -c "..."``)
  through :func:`~portscan.extractors.shellwords.argv_ports`: role default, tagged
  ``flag``. Container runtimes, network clients and tools whose ``-p`` is not a port
  (``ssh -p 22``, ``psql -p 5432``, ``ps -p 123``, ``echo``) are left out;
- ``docker run -p 8080:80``: the host port is a publish, the container port an expose
  tagged ``container`` (``--expose 80`` too; ranges yield one fact per port);
- URLs outside comments (``curl http://localhost:3025/health``,
  ``STT_URL="${STT_URL:-http://localhost:3020}"``) are references, with the variable they
  are the value or default of as env;
- heredocs that write another format (``cat > "$PLIST" <<EOF``, ``sudo tee x.service <<EOF``,
  ``docker compose -f - up <<EOF``, ``cat > .env <<EOF``) are handed to that format's
  extractor, and its facts are moved onto the script's lines (and, for ``<<-``, back by
  the tabs it strips). They keep the delegate's extractor name and role: a plist written
  by a setup script is an override. The body is read as written (``$PORT`` stays text)
  and no shell-level rule runs inside it. The format comes from the target's file name,
  then from the command reading the body, then from the body itself (``<plist``, a
  top-level ``services:``, a ``[Service]`` section). A body fed to a shell
  (``bash -s <<EOF``, ``ssh host <<EOF``) is read as a script of its own. Other bodies
  (usage messages) keep their URLs and ``${VAR:-port}`` defaults.

When two readings find the same digits, the first wins: rules (in file-name order),
then command lines, then URLs. ``export PORT="${VLLM_PORT:-8100}"`` therefore names
``VLLM_PORT``, the variable that decides the port.

Scripts are parsed with CRLF and lone CR turned into LF: tree-sitter does not end a line
at a lone CR, and this way its rows are the file's lines; columns do not move. An
extensionless ``start``/``setup``/``run``/``deploy``/``entrypoint`` file is read only when
its first line is a ``sh``/``bash``/``zsh``/``dash`` shebang.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    PORTISH,
    ExtractOptions,
    LineIndex,
    parse_port,
    shift_extraction,
    sorted_facts,
    split_lines,
)
from portscan.extractors.shellwords import SourceText, argv_ports
from portscan.extractors.urls import url_ports
from portscan.model import (
    TAG_CONTAINER,
    TAG_FLAG,
    TAG_RANGE,
    Diagnostic,
    Extraction,
    Location,
    PortFact,
    Role,
)

if TYPE_CHECKING:
    from tree_sitter import Node, Query

NAME = "shell"

#: PORTISH, plus ``-p 3025`` and ``http.server 8000``, which name no port in words.
PREFILTER: re.Pattern[bytes] | None = re.compile(
    PORTISH.pattern + rb"|-p\s*=?\s*[\"']?\d|http\.server"
)

_SUFFIXES = (".sh", ".bash", ".zsh", ".command")
_SCRIPT_PREFIXES = ("start", "setup", "run", "deploy", "entrypoint")
_SHEBANG_SHELLS = frozenset({"sh", "bash", "zsh", "dash"})
_NEWLINE = re.compile(r"\r\n?")

#: Words that run the next word as the command: ``sudo -E exec nohup uvicorn ...``.
_WRAPPERS = frozenset(
    {"sudo", "doas", "exec", "nohup", "env", "time", "nice", "command", "builtin"}
    | {"caffeinate", "stdbuf", "setsid", "unbuffer", "chronic"}
)
_CONTAINER_RUNTIMES = frozenset({"docker", "podman", "nerdctl"})
#: Commands whose port flags do not say where they listen: clients name the server they
#: connect to (``ssh -p 22``, ``psql -p 5432``), and for the rest ``-p`` is no port at all
#: (``ps -p PID``, ``read -p PROMPT``, ``echo --port 1``).
_NOT_LISTENERS = frozenset(
    {"docker-compose", "podman-compose", "kubectl", "helm"}
    | {"ssh", "scp", "sftp", "rsync", "mosh", "autossh", "ssh-keyscan", "ssh-copy-id"}
    | {"nc", "ncat", "netcat", "telnet", "socat", "nmap", "curl", "wget", "http"}
    | {"psql", "pg_isready", "pg_dump", "pg_dumpall", "pg_restore", "createdb", "dropdb"}
    | {"mysql", "mysqladmin", "mysqldump", "redis-cli", "mongo", "mongosh", "mongodump"}
    | {"echo", "printf", "read", "mkdir", "ps", "lsof", "strace", "top", "htop", "renice"}
    | {"taskset"}
    | _CONTAINER_RUNTIMES
)
_DIGIT = re.compile(rb"[0-9]")
_ASSIGNMENT_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")

#: Which extractor reads a heredoc body: by the file it is written to, or by its content.
_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]*)?\.ya?ml$")
_TOP_LEVEL_SERVICES = re.compile(r"^services:[ \t]*(?:#.*)?$", re.MULTILINE)
_SYSTEMD_SECTION = re.compile(
    r"^[ \t]*\[(?:Unit|Service|Install|Socket|Timer)\][ \t]*$", re.MULTILINE
)
_SYSTEMD_SUFFIXES = (".service", ".socket")
_MAX_RANGE = 1024


def matches(path: str) -> bool:
    """Shell scripts by suffix, and extensionless ``start*``, ``setup*``, ``run*``,
    ``deploy*`` and ``entrypoint*`` files (their shebang is checked in :func:`extract`)."""
    name = path.rsplit("/", 1)[-1]
    return name.endswith(_SUFFIXES) or _needs_shebang(name)


def _needs_shebang(name: str) -> bool:
    return "." not in name and name.startswith(_SCRIPT_PREFIXES)


def is_shell_script(text: str) -> bool:
    """True when the first line is a shebang naming sh, bash, zsh or dash
    (``#!/bin/sh``, ``#!/usr/bin/env bash``, ``#!/usr/bin/env -S bash -e``)."""
    first = re.match(r"[^\r\n]*", text.removeprefix("\ufeff"))
    line = first.group(0) if first else ""
    if not line.startswith("#!"):
        return False
    words = line[2:].split()
    if not words:
        return False
    program = words[0].rsplit("/", 1)[-1]
    if program == "env":
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        program = rest[0].rsplit("/", 1)[-1] if rest else ""
    return program in _SHEBANG_SHELLS


#: Characters past Latin-1. tree-sitter-bash's scanner hands code points to ``isalpha``
#: and ``isdigit``, whose tables end at 255: past them it reads outside the table, and for
#: a large code point after ``{`` that crashes the whole process (tree-sitter-bash#337,
#: seen here with U+90000 and above).
_PAST_LATIN_1 = re.compile(r"[^\x00-\xff]")


def parser_bytes(text: str) -> bytes:
    """The bytes tree-sitter-bash parses: ``text`` in UTF-8 with every character past
    Latin-1 written as that many ``x`` as it has UTF-8 bytes. Every byte offset stays
    where it is in the real text (which is what node text is read from); a character
    that is part of a word stays a word character."""
    return _PAST_LATIN_1.sub(
        lambda found: "x" * len(found.group().encode("utf-8", "surrogatepass")), text
    ).encode("utf-8", "surrogatepass")


class _Source:
    """The parsed text, its UTF-8 bytes, and offsets converted between the two."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        self._starts: list[int] | None = None
        if not text.isascii():
            sizes = (len(char.encode("utf-8", "surrogatepass")) for char in text)
            self._starts = [0, *itertools.accumulate(sizes)]

    def char(self, byte_offset: int) -> int:
        if self._starts is None:
            return byte_offset
        return bisect.bisect_left(self._starts, byte_offset)

    def byte(self, char_offset: int) -> int:
        return char_offset if self._starts is None else self._starts[char_offset]

    def span(self, node: Node) -> tuple[int, int]:
        return self.char(node.start_byte), self.char(node.end_byte)

    def node_text(self, node: Node) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def node_at(self, root: Node, char_offset: int) -> Node | None:
        at = self.byte(char_offset)
        return root.descendant_for_byte_range(at, at + 1)


@dataclass(frozen=True, slots=True)
class _Hit:
    """A port found at a character offset of the script, before it becomes a fact."""

    start: int
    end: int
    port: int
    role: Role
    env: str | None = None
    target: str | None = None
    protocol: str = "tcp"
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Heredoc:
    """A heredoc body: where it is in the script and which extractor reads it."""

    first_row: int  # 0-based row of the body's first line
    lines: tuple[str, ...]  # the body's lines, leading tabs removed for <<-
    tabs: tuple[int, ...]  # how many tabs were removed from each line
    start: int  # character offset of the body in the script
    end: int  # character offset just past it
    delegate: str | None  # "launchd", "compose", "systemd", "dotenv", "shell" or None
    target: str | None  # the file it is written to, as written


@functools.lru_cache(maxsize=1)
def _nodes_query() -> Query:
    from tree_sitter import Query

    from portscan.extractors.queries import language

    query: Query = Query(language("bash"), "(command) @command (heredoc_redirect) @heredoc")
    return query


# ---------------------------------------------------------------------------- words


def _word(node: Node, source: _Source) -> SourceText:
    """An argument as the program sees it where that is knowable: quotes removed,
    expansions kept as written (so ``${PORT:-3025}`` can still be read), every character
    at its offset in the script."""
    start, end = source.span(node)
    if node.type in ("string", "raw_string") and end - start >= 2:
        return SourceText.verbatim(source.text[start + 1 : end - 1], start + 1)
    if node.type == "concatenation":
        parts = [_word(child, source) for child in node.children]
        return SourceText(
            "".join(part.text for part in parts),
            tuple(offset for part in parts for offset in part.offsets),
        )
    return SourceText.verbatim(source.text[start:end], start)


def _argv(command: Node, source: _Source) -> list[SourceText]:
    name = command.child_by_field_name("name")
    words = [] if name is None else [name.named_children[0] if name.named_children else name]
    words.extend(command.children_by_field_name("argument"))
    return [_word(word, source) for word in words]


def _program(argv: Sequence[str]) -> int | None:
    """The index of the program a command runs, behind ``sudo``, ``exec``, ``env X=1``."""
    for index, word in enumerate(argv):
        name = word.rsplit("/", 1)[-1]
        if name in _WRAPPERS or word.startswith("-") or _ASSIGNMENT_WORD.match(word):
            continue
        return index
    return None


# ----------------------------------------------------------------------- command lines


def _command_hits(command: Node, source: _Source) -> Iterator[_Hit]:
    argv = _argv(command, source)
    texts = [word.text for word in argv]
    index = _program(texts)
    if index is None:
        return
    program = texts[index].rsplit("/", 1)[-1]
    if program in _CONTAINER_RUNTIMES:
        yield from _container_hits(argv[index + 1 :])
    if program in _NOT_LISTENERS:
        return
    for hit in argv_ports(argv):
        tags = (TAG_FLAG,) if hit.flag is not None and hit.env is None else ()
        digits = len(str(hit.port))
        yield _Hit(hit.offset, hit.offset + digits, hit.port, Role.DEFAULT, hit.env, tags=tags)


def _container_hits(args: Sequence[SourceText]) -> Iterator[_Hit]:
    """``docker run -p [ip:]host:container[/proto]`` and ``--expose``, for run/create."""
    words = [arg.text for arg in args]
    commands = [word for word in words if not word.startswith("-")][:2]
    if not commands or not (
        commands[0] in ("run", "create")
        or (commands[0] == "container" and commands[1:] in (["run"], ["create"]))
    ):
        return
    for index, word in enumerate(words):
        flag, eq, _ = word.partition("=")
        if eq and flag in ("-p", "--publish", "--expose"):
            value = args[index].slice(len(flag) + 1)
        elif word in ("-p", "--publish", "--expose") and index + 1 < len(args):
            flag, value = word, args[index + 1]
        elif word.startswith("-p") and word[2:3].isdigit():
            flag, value = "-p", args[index].slice(2)
        else:
            continue
        yield from _mapping_hits(value, expose_only=flag == "--expose")


def _mapping_hits(value: SourceText, expose_only: bool) -> Iterator[_Hit]:
    spec, _, proto = value.text.partition("/")
    protocol = proto.lower() if proto.lower() in ("udp", "sctp") else "tcp"
    parts = (None, (0, len(spec))) if expose_only else _split_mapping(spec)
    if parts is None:
        return
    host, container = parts
    published = [] if host is None else _ports(spec[host[0] : host[1]])
    exposed = _ports(spec[container[0] : container[1]])
    if published is None or exposed is None:
        return
    if host is not None:
        yield from _range_hits(value, host, published, Role.PUBLISH, protocol, ())
    yield from _range_hits(value, container, exposed, Role.EXPOSE, protocol, (TAG_CONTAINER,))


def _ports(text: str) -> list[int] | None:
    """``8080`` -> [8080]; ``3000-3002`` -> [3000, 3001, 3002]; None when not ports. An
    empty host part (``127.0.0.1::80``: a random host port) publishes nothing: []."""
    if not text:
        return []
    low, dash, high = text.partition("-")
    first, last = parse_port(low), parse_port(high if dash else low)
    if first is None or last is None or not 0 <= last - first < _MAX_RANGE:
        return None
    return list(range(first, last + 1))


def _split_mapping(spec: str) -> tuple[tuple[int, int] | None, tuple[int, int]] | None:
    """The (start, end) of the host and container parts of ``[ip:][host:]container``."""
    start = 0
    if spec.startswith("["):
        close = spec.find("]:")
        if close < 0:
            return None
        start = close + 2
    colons = [i for i in range(start, len(spec)) if spec[i] == ":"]
    if start and len(colons) == 1:
        return (start, colons[0]), (colons[0] + 1, len(spec))
    if start:
        return None
    if not colons:
        return None, (0, len(spec))
    if len(colons) == 1:
        return (0, colons[0]), (colons[0] + 1, len(spec))
    if len(colons) == 2:
        return (colons[0] + 1, colons[1]), (colons[1] + 1, len(spec))
    return None


def _range_hits(
    value: SourceText,
    span: tuple[int, int],
    ports: Sequence[int],
    role: Role,
    protocol: str,
    tags: tuple[str, ...],
) -> Iterator[_Hit]:
    start = value.offsets[span[0]]
    end = value.offsets[span[1] - 1] + 1
    if len(ports) > 1 or "-" in value.text[span[0] : span[1]]:
        tags = tuple(sorted({*tags, TAG_RANGE}))
    for port in ports:
        yield _Hit(start, end, port, role, protocol=protocol, tags=tags)


# ---------------------------------------------------------------------------- URLs

#: The operator of ``${STT_URL:-http://...}``: url_ports reads ``-http`` as part of a
#: longer scheme, so the operator is blanked (same length) before scanning.
_DEFAULT_OPERATOR = re.compile(r"(?<=\$\{)([A-Za-z_][A-Za-z0-9_]*:?)[-=](?=[A-Za-z])")


def _url_hits(root: Node, source: _Source, skip: Sequence[tuple[int, int]]) -> Iterator[_Hit]:
    """``scheme://host:port`` anywhere but in comments and delegated heredoc bodies."""
    scanned = _DEFAULT_OPERATOR.sub(lambda match: match.group(1) + " ", source.text)
    for url in url_ports(scanned):
        if _inside(url.start, skip):
            continue
        node = source.node_at(root, url.start)
        if node is None or node.type == "comment":
            continue
        yield _Hit(url.start, url.end, url.port, Role.REFERENCE, _url_env(node, source), url.host)


def _url_env(node: Node, source: _Source) -> str | None:
    """The variable a URL is the default of (``${STT_URL:-http://...}``) or the value of
    (``STT_URL=http://...``)."""
    current: Node | None = node
    while current is not None and current.type not in _URL_ENV_STOPS:
        if current.type == "expansion":
            names = [child for child in current.named_children if child.type == "variable_name"]
            return source.node_text(names[0]) if names else None
        if current.type == "variable_assignment":
            name = current.child_by_field_name("name")
            return None if name is None else source.node_text(name)
        current = current.parent
    return None


_URL_ENV_STOPS = frozenset({"heredoc_body", "command_substitution", "program"})


# ---------------------------------------------------------------------------- heredocs


def _heredoc(
    redirect: Node, source: _Source, lines: Sequence[str], index: LineIndex
) -> _Heredoc | None:
    statement = redirect.parent
    end_node = next((c for c in redirect.children if c.type == "heredoc_end"), None)
    if statement is None:
        return None
    header = list(_header(statement))
    first_row = max(node.end_point.row for node in header if node.child_count == 0) + 1
    end_row = end_node.start_point.row if end_node is not None else len(lines)
    if end_row <= first_row:
        return None
    strip = any(child.type == "<<-" for child in redirect.children)
    body = lines[first_row:end_row]
    kept = [line.lstrip("\t") if strip else line for line in body]
    tabs = tuple(len(line) - len(short) for line, short in zip(body, kept, strict=True))
    text = "\n".join(kept) + "\n"
    targets = _targets(header, source)
    delegate = _format(targets, _reader(header, source), text)
    return _Heredoc(
        first_row=first_row,
        lines=tuple(kept),
        tabs=tabs,
        start=index.offset(first_row + 1),
        end=index.offset(end_row + 1) if end_row < len(lines) else len(source.text),
        delegate=delegate,
        target=targets[0] if targets else None,
    )


def _header(statement: Node) -> Iterator[Node]:
    """The nodes of a redirected statement outside its heredoc bodies."""
    stack = [statement]
    while stack:
        node = stack.pop()
        if node.type in ("heredoc_body", "heredoc_end"):
            continue
        yield node
        stack.extend(reversed(node.children))


def _targets(header: Sequence[Node], source: _Source) -> list[str]:
    """The files the statement writes: ``> file``, ``>> file``, ``tee [-a] file``."""
    targets: list[str] = []
    for node in header:
        if node.type == "file_redirect":
            destination = node.child_by_field_name("destination")
            operators = {child.type for child in node.children if not child.is_named}
            descriptor = any(child.type == "file_descriptor" for child in node.children)
            if destination is not None and not descriptor and operators & _WRITES:
                targets.append(_word(destination, source).text)
        elif node.type == "command":
            argv = [word.text for word in _argv(node, source)]
            index = _program(argv)
            if index is not None and argv[index].rsplit("/", 1)[-1] == "tee":
                targets.extend(word for word in argv[index + 1 :] if not word.startswith("-"))
    return [target for target in targets if target and target != "/dev/null"]


_WRITES = frozenset({">", ">>", ">|", "&>", "&>>"})


def _reader(header: Sequence[Node], source: _Source) -> str | None:
    """Which format the command fed by the heredoc reads from standard input: "compose"
    for ``docker compose -f - up``, "shell" for ``bash -s``, ``sh`` and ``ssh host`` (the
    remote login shell, or ``ssh host 'bash -s'``)."""
    for node in header:
        if node.type != "command":
            continue
        argv = [word.text for word in _argv(node, source)]
        index = _program(argv)
        if index is None:
            continue
        program, args = argv[index].rsplit("/", 1)[-1], argv[index + 1 :]
        if _is_compose(program, args) and any(
            word in ("-f-", "--file=-") or (word in ("-f", "--file") and following == "-")
            for word, following in zip(args, [*args[1:], ""], strict=True)
        ):
            return "compose"
        if program in _SHEBANG_SHELLS and (
            "-s" in args or all(arg.startswith("-") and arg != "-c" for arg in args)
        ):
            return "shell"
        if program == "ssh" and _ssh_runs_a_shell(args):
            return "shell"
    return None


def _is_compose(program: str, args: Sequence[str]) -> bool:
    return program in ("docker-compose", "podman-compose") or (
        program in _CONTAINER_RUNTIMES and "compose" in args
    )


#: ssh options that take a value (``ssh -p 22 -i key host``).
_SSH_VALUE_OPTIONS = frozenset(f"-{letter}" for letter in "BbcDEeFIiJLlmOopQRSWw")


def _ssh_runs_a_shell(args: Sequence[str]) -> bool:
    """True for ``ssh host`` (the login shell reads the heredoc) and for a remote
    command that is a shell (``ssh host 'sudo bash -s'``)."""
    index = 0
    while index < len(args) and args[index].startswith("-"):
        index += 2 if args[index] in _SSH_VALUE_OPTIONS else 1
    remote = " ".join(args[index + 1 :]).split()
    words = [word for word in remote if word.rsplit("/", 1)[-1] not in _WRAPPERS]
    return not words or words[0].rsplit("/", 1)[-1] in _SHEBANG_SHELLS


def _format(targets: Sequence[str], reader: str | None, body: str) -> str | None:
    """The extractor for a heredoc body: by the name of the file it is written to, then
    by the command that reads it, then by what it holds."""
    names = [target.rsplit("/", 1)[-1] for target in targets]
    if any(name.endswith(".plist") for name in names):
        return "launchd"
    if any(_COMPOSE_NAME.match(name) for name in names):
        return "compose"
    if any(name.endswith(_SYSTEMD_SUFFIXES) for name in names):
        return "systemd"
    if any(name == ".env" or name.startswith(".env.") or name.endswith(".env") for name in names):
        return "dotenv"
    if reader is not None:
        return reader
    if "<plist" in body:
        return "launchd"
    if _TOP_LEVEL_SERVICES.search(body):
        return "compose"
    if _SYSTEMD_SECTION.search(body):
        return "systemd"
    return None


def _delegate(name: str, path: str, text: str, options: ExtractOptions) -> Extraction:
    """Run the extractor ``name`` (imported here: most scripts hold no heredoc)."""
    if name == "shell":
        return extract(path, text, options)
    if name == "launchd":
        from portscan.extractors import launchd

        return launchd.extract(path, text, options)
    if name == "compose":
        from portscan.extractors import compose

        return compose.extract(path, text, options)
    if name == "systemd":
        from portscan.extractors import systemd

        return systemd.extract(path, text, options)
    from portscan.extractors import dotenv

    return dotenv.extract(path, text, options)


def _embedded(heredoc: _Heredoc, path: str, options: ExtractOptions) -> Extraction:
    """The delegate's facts on the script's lines and columns."""
    if heredoc.delegate is None:
        return Extraction()
    # the target's name tells a delegate what it reads (x.service, .env.example); a
    # script fed to a shell is read as this script
    reads_as = path if heredoc.delegate == "shell" else heredoc.target or path
    found = _delegate(heredoc.delegate, reads_as, "\n".join(heredoc.lines) + "\n", options)
    facts = found.facts
    if any(heredoc.tabs):
        facts = tuple(_restore_tabs(fact, heredoc.tabs) for fact in facts)
    if heredoc.delegate == "systemd" and not _static_name(heredoc.target):
        facts = tuple(replace(fact, service=None) for fact in facts)
    return shift_extraction(Extraction(facts, found.diagnostics), path, heredoc.first_row)


def _static_name(target: str | None) -> bool:
    """True when a target's file name is written out (``mana-llm.service``), so a unit
    named after its file names a service; ``"$UNIT"`` or no target names none."""
    if target is None:
        return False
    name = target.rsplit("/", 1)[-1]
    return bool(name) and not any(char in name for char in "$`*?")


def _restore_tabs(fact: PortFact, tabs: Sequence[int]) -> PortFact:
    """Move a fact right by the tabs ``<<-`` stripped from its line."""
    location = fact.location
    shift = tabs[location.line - 1] if 0 < location.line <= len(tabs) else 0
    end_col = location.end_col
    if end_col is not None and location.end_line in (None, location.line):
        end_col += shift
    return replace(fact, location=replace(location, col=location.col + shift, end_col=end_col))


# ------------------------------------------------------------------------------ extract


def _inside(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def _nothing_parses(root: Node) -> bool:
    """True when the whole tree is an error: no top-level command parsed."""
    if root.type == "ERROR":
        return True
    named = root.named_children
    return bool(named) and all(child.type == "ERROR" for child in named)


def _fact(path: str, index: LineIndex, hit: _Hit) -> PortFact:
    line, col = index.position(hit.start)
    return PortFact(
        port=hit.port,
        role=hit.role,
        location=Location(path, line, col, line, col + hit.end - hit.start),
        extractor=NAME,
        env=hit.env,
        target=hit.target,
        protocol=hit.protocol,
        tags=hit.tags,
    )


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """Facts from one shell script, and from the documents its heredocs write.

    tree-sitter recovers from syntax errors, so a script it misreads in places still
    yields what parses; only a script where nothing parses gets a Diagnostic. A broken
    rule (``queries.RuleError``) is a configuration error: it propagates.
    """
    if _needs_shebang(path.rsplit("/", 1)[-1]) and not is_shell_script(text):
        return Extraction()
    from portscan.extractors.queries import parse, query_captures, run_rules, syntax_error_line

    deadline = options.deadline
    source = _Source(_NEWLINE.sub("\n", text))
    root = parse("bash", parser_bytes(source.text), deadline)
    index = LineIndex(source.text)
    lines = split_lines(source.text)
    captures = query_captures(_nodes_query(), root, deadline)

    heredocs = [
        found
        for redirect in captures.get("heredoc", [])
        if (found := _heredoc(redirect, source, lines, index)) is not None
    ]
    delegated = [(doc.start, doc.end) for doc in heredocs if doc.delegate is not None]

    hits: list[_Hit] = [
        _Hit(
            match.start,
            match.end,
            match.port,
            match.rule.role,
            match.env,
            match.target,
            tags=match.rule.tags,
        )
        for match in run_rules("bash", source.text, options.rule_dirs, root, deadline)
    ]
    for command in captures.get("command", []):
        has_digits = _DIGIT.search(source.data, command.start_byte, command.end_byte)
        if has_digits and not _inside(source.char(command.start_byte), delegated):
            hits.extend(_command_hits(command, source))
    hits.extend(_url_hits(root, source, delegated))

    facts: list[PortFact] = []
    taken: set[tuple[int, int]] = set()
    for hit in hits:
        if _inside(hit.start, delegated) or (hit.start, hit.port) in taken:
            continue
        taken.add((hit.start, hit.port))
        facts.append(_fact(path, index, hit))

    diagnostics: list[Diagnostic] = []
    for heredoc in heredocs:
        embedded = _embedded(heredoc, path, options)
        facts.extend(embedded.facts)
        diagnostics.extend(embedded.diagnostics)
    if _nothing_parses(root):
        diagnostics.append(
            Diagnostic(
                path, syntax_error_line(root, deadline), "invalid shell script: nothing parses"
            )
        )
    return Extraction(sorted_facts(facts), tuple(diagnostics))
