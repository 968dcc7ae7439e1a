"""``portscan move``: rewrite a service's port everywhere it is written, as one diff.

A move has three steps, kept apart so that the first two are pure:

1. **plan** (:func:`plan_move`, over the graph of a scan): which facts state the
   service's port. Its *old ports* are the values of its main listen-port statements
   (source defaults and deployment overrides of channel ``PORT``). Every such statement
   moves to the new port *whatever its value*: a service whose source default drifted
   from what its deployment sets (3026 in ``main.py``, 3025 in the plist) ends up with
   one port, and the plan says it aligned them. Then, for each old port: the container
   side of its compose ``ports:``, its ``expose:``, Dockerfile ``EXPOSE``; the host side
   of a publish only when it equals an old port (``3025:3025`` moves whole,
   ``8080:3025`` only on the right); references that land on the service (or that name
   it and dangle), never one that lands on another service sharing the port; and doc
   claims about the service. ``--host`` narrows all of this to one host's overrides,
   publishes and references; ``--only`` to some scopes (:data:`SCOPES`).
   Since the plan keeps no record of which statement held which old value, moving back
   restores the files byte for byte only when the service had one old port.
2. **rewrite** (:func:`rewrite_text`, over a file's text): each fact's location is the
   port literal itself, so a change is a splice of the digits at (line, col..end_col),
   made only where the text there is exactly the old port's digits. Python files go
   through libcst: the digits must sit inside an integer or string literal of the
   syntax tree, whose quotes, type and surroundings stay as they are. Everything else
   (YAML, plists and the heredocs that write them, Dockerfiles, shell, TypeScript, Go,
   Markdown) is spliced at the positions its extractor's parser (tree-sitter, the YAML
   node API, ...) reported. Line endings, encodings and byte order marks are kept.
3. **write** (:func:`write_files`, the only I/O besides reading): per file, a temporary
   file beside it, the old file's mode, then an atomic rename; a file that changed since
   it was read is left alone.

``move`` refuses (:attr:`Plan.refusals`) a port that another service already binds on
a host where the service will bind it, a port reserved in config, and a privileged
port on a host; ``--force`` overrides.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from portscan.config import Config
from portscan.extractors.base import LineIndex
from portscan.landing import LOCAL_NAMES
from portscan.model import (
    TAG_CONTAINER,
    TAG_IMAGE,
    TAG_RANGE,
    TAG_TEST,
    Graph,
    Landing,
    LandingStatus,
    Location,
    PortFact,
    Role,
    Scope,
)
from portscan.resolve import channel_of
from portscan.suggest import (
    PRIVILEGED_BELOW,
    blockers_of,
    category_range,
    find_service,
    listen_facts,
    occupancy,
)

if TYPE_CHECKING:
    import libcst as cst

SCOPE_DEFAULT = "default"
SCOPE_OVERRIDE = "override"
SCOPE_REFERENCE = "reference"
SCOPE_DOC = "doc"
#: What ``--only`` may name: source defaults; deployment statements (overrides,
#: publishes, exposes, container image defaults); references; docs.
SCOPES = (SCOPE_DEFAULT, SCOPE_OVERRIDE, SCOPE_REFERENCE, SCOPE_DOC)

#: Reverse proxies may bind privileged ports (as in PS009 reserved-port).
PROXIES = ("nginx", "caddy", "traefik", "haproxy", "envoy")


class MoveError(ValueError):
    """A move that cannot be planned as asked (an unknown host, nothing to move)."""


# -- plan --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One port literal to rewrite from ``old`` to ``new``."""

    location: Location
    old: int
    new: int
    scope: str
    role: Role
    extractor: str


@dataclass(frozen=True, slots=True)
class Plan:
    """What a move changes, what it says about it, and why it might refuse."""

    service: str
    port: int
    host: str | None
    old_ports: tuple[int, ...]
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    refusals: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted({change.location.path for change in self.changes}))


def scope_of(fact: PortFact) -> str:
    """The ``--only`` scope a fact belongs to."""
    if fact.role is Role.DEFAULT:
        return SCOPE_OVERRIDE if TAG_IMAGE in fact.tags else SCOPE_DEFAULT
    if fact.role is Role.REFERENCE:
        return SCOPE_REFERENCE
    if fact.role is Role.DOC:
        return SCOPE_DOC
    return SCOPE_OVERRIDE


def _where(location: Location) -> str:
    return f"{location.path}:{location.line}"


def lands_on(landing: Landing, service: str) -> bool:
    """Does a reference point at ``service``? It lands on one of its bindings; or it
    names the service (or is the service's own call to ``localhost``) and finds
    nothing there: it was meant for the service and used an old port."""
    fact = landing.reference
    if landing.status is LandingStatus.LANDS:
        return landing.binding is not None and landing.binding.service == service
    if landing.status in (LandingStatus.DANGLING, LandingStatus.UNKNOWN):
        own_call = fact.service == service and (fact.target or "").lower() in LOCAL_NAMES
        return landing.expected == service or own_call
    return False


def old_ports(graph: Graph, service: str, host: str | None) -> tuple[int, ...]:
    """The ports a move replaces: the values of the service's main listen-port
    statements (on ``host``: its overrides there). A service with none, such as an
    image that only ``expose``\\ s, moves its exposed ports."""
    listens = listen_facts(graph, service)
    if host is not None:
        ports = {f.port for f in listens if f.role is Role.OVERRIDE and f.host == host}
        if not ports:
            raise MoveError(_no_override_reason(graph, service, host))
        return tuple(sorted(ports))
    ports = {f.port for f in listens}
    if not ports:
        ports = {
            f.port
            for f in graph.facts
            if f.service == service
            and f.role is Role.EXPOSE
            and TAG_RANGE not in f.tags
            and TAG_TEST not in f.tags
        }
    if not ports:
        raise MoveError(f"{service} has no port statement in the repository to move")
    return tuple(sorted(ports))


def _no_override_reason(graph: Graph, service: str, host: str) -> str:
    declared = [
        b for b in graph.bindings if b.service == service and b.host == host and b.via == "declared"
    ]
    if declared:
        where = _where(declared[0].location)
        return (
            f"{service} on {host} is declared in config ({where}), a deployment outside the"
            f" repository: change it there"
        )
    if any(b.service == service and b.host == host for b in graph.bindings):
        return (
            f"{service} sets no listen port of its own on {host} (it listens on its source"
            f" default there): move it everywhere, or add an override on {host} first"
        )
    return f"{service} does not run on {host}"


def selects(
    fact: PortFact,
    service: str,
    old: frozenset[int],
    host: str | None,
    landing: Landing | None,
    doc_means_it: bool = True,
) -> bool:
    """Does a move of ``service`` off ``old`` (on ``host``, or everywhere) rewrite this
    fact? See the module docstring for the rules; ``doc_means_it`` is
    :func:`doc_target_means` for a doc claim."""
    if fact.port not in old or TAG_RANGE in fact.tags or TAG_TEST in fact.tags:
        return False
    if fact.role in (Role.DEFAULT, Role.OVERRIDE):
        if fact.service != service or channel_of(fact, service) != "PORT":
            return False
        return host is None or (fact.role is Role.OVERRIDE and fact.host == host)
    if fact.role in (Role.EXPOSE, Role.PUBLISH):
        return fact.service == service and (host is None or fact.host == host)
    if fact.role is Role.REFERENCE:
        return (
            landing is not None
            and lands_on(landing, service)
            and (host is None or landing.host == host)
        )
    return fact.role is Role.DOC and host is None and fact.service == service and doc_means_it


def doc_target_means(graph: Graph, config: Config, service: str, fact: PortFact) -> bool:
    """Does a doc claim's target (a URL in a README's code block) mean ``service``?
    No target, ``localhost``, the service's own name or alias, or an address of a host
    where the service binds that port do; another service's name or host does not."""
    target = (fact.target or "").lower()
    if not target or target in LOCAL_NAMES:
        return True
    names = {service.lower()} | {
        alias.lower() for s in config.services if s.name == service for alias in s.aliases
    }
    if target in names:
        return True
    hosts = {h.name for h in config.hosts if target in (a.lower() for a in h.addresses)}
    return any(
        b.service == service and b.host in hosts and b.port == fact.port for b in graph.bindings
    )


def plan_move(
    graph: Graph,
    config: Config,
    service: str,
    port: int,
    *,
    only: Iterable[str] = SCOPES,
    host: str | None = None,
) -> Plan:
    """The changes that move ``service`` (a canonical name) to ``port``, with notes and
    the reasons to refuse. Pure: reads the graph and config only."""
    if host is not None and host not in graph.hosts:
        raise MoveError(f"unknown host {host!r} (known: {', '.join(graph.hosts) or 'none'})")
    scopes = frozenset(only)
    unknown = sorted(scopes - set(SCOPES))
    if unknown:
        raise MoveError(f"unknown scope {unknown[0]!r} (known: {', '.join(SCOPES)})")
    old = old_ports(graph, service, host)
    old_set = frozenset(old)
    landings = {landing.reference: landing for landing in graph.landings}
    changes: dict[Location, Change] = {}
    for fact in graph.facts:
        if scope_of(fact) not in scopes or fact.port == port:
            continue
        doc_means_it = (
            fact.role is not Role.DOC
            or fact.service != service
            or doc_target_means(graph, config, service, fact)
        )
        if selects(fact, service, old_set, host, landings.get(fact), doc_means_it):
            changes.setdefault(
                fact.location,
                Change(fact.location, fact.port, port, scope_of(fact), fact.role, fact.extractor),
            )
    ordered = tuple(sorted(changes.values(), key=lambda c: c.location))
    return Plan(
        service=service,
        port=port,
        host=host,
        old_ports=old,
        changes=ordered,
        notes=_notes(graph, config, service, port, host, old_set, landings),
        refusals=_refusals(graph, config, service, port, ordered),
    )


def _notes(
    graph: Graph,
    config: Config,
    service: str,
    port: int,
    host: str | None,
    old: frozenset[int],
    landings: Mapping[PortFact, Landing],
) -> tuple[str, ...]:
    """What a reader of the diff should know: aligned drift, what is left alone, and
    the latent risks of the new port."""
    notes: list[str] = []
    if len(old) > 1:
        values = ", ".join(str(p) for p in sorted(old))
        notes.append(f"{service}'s port statements disagree ({values}): all of them move to {port}")
    for binding in graph.bindings:
        if (
            binding.service == service
            and binding.via == "declared"
            and binding.port in old
            and (host is None or binding.host == host)
        ):
            notes.append(
                f"{binding.host} declares {service} = {binding.port} in config"
                f" ({_where(binding.location)}), a deployment outside the repository:"
                " not changed"
            )
    for fact in graph.facts:
        if fact.port not in old:
            continue
        if fact.service == service and TAG_TEST in fact.tags:
            notes.append(f"{_where(fact.location)}: test code says {fact.port}; not changed")
        if (
            fact.role is Role.DOC
            and fact.service == service
            and host is None
            and not doc_target_means(graph, config, service, fact)
        ):
            notes.append(
                f"{_where(fact.location)}: the doc points at {fact.target}:{fact.port},"
                f" not at {service}; not changed"
            )
        landing = landings.get(fact)
        if (
            landing is not None
            and landing.status is LandingStatus.MISROUTE
            and landing.expected == service
        ):
            other = landing.binding.service if landing.binding else "another service"
            notes.append(
                f"{_where(fact.location)} names {service} but lands on {other}; not changed"
            )
    category, span = category_range(config, service)
    if span is not None and not span[0] <= port <= span[1]:
        notes.append(
            f"{port} is outside {service}'s category {category} ({span[0]}-{span[1]}):"
            " a range-violation"
        )
    if port in old:
        return tuple(dict.fromkeys(notes))  # not a new port: nothing new to say about it
    on = {b.host for b in graph.bindings if b.service == service}
    blockers = blockers_of(port, occupancy(graph, config, service, on or graph.hosts))
    for blocker in blockers:
        if blocker.kind in ("default", "documented", "referenced") or (
            blocker.kind == "bound" and "another host" in blocker.reason
        ):
            notes.append(f"new port {port}: {blocker.reason}")
    return tuple(dict.fromkeys(notes))


def _refusals(
    graph: Graph, config: Config, service: str, port: int, changes: Sequence[Change]
) -> tuple[str, ...]:
    """Why the move would break something: an active collision on a host where the
    service will bind ``port``, a reserved port, a privileged port on a host."""
    bound_on = {
        change.location
        for change in changes
        if change.role is Role.PUBLISH or change.role is Role.OVERRIDE
    }
    hosts = {
        fact.host
        for fact in graph.facts
        if fact.location in bound_on
        and fact.host is not None
        and fact.service == service
        and (fact.role is Role.PUBLISH or TAG_CONTAINER not in fact.tags)
    }
    reasons: list[str] = []
    for binding in graph.bindings:
        if (
            binding.port == port
            and binding.service != service
            and binding.host in hosts
            and binding.scope is Scope.HOST
        ):
            reasons.append(
                f"{binding.service} already binds {port} on {binding.host} ({binding.via},"
                f" {_where(binding.location)}): an active collision"
            )
    for reserved, owner in config.reserved:
        if reserved == port and owner.lower() not in service.lower():
            reasons.append(f"{port} is reserved for {owner} in config")
    if port < PRIVILEGED_BELOW and hosts and not any(proxy in service.lower() for proxy in PROXIES):
        reasons.append(
            f"{port} is a privileged port (below {PRIVILEGED_BELOW}) on {', '.join(sorted(hosts))}"
        )
    return tuple(dict.fromkeys(reasons))


# -- rewrite -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Splice:
    """Replace ``text[start:end]`` (the old digits) with ``new``."""

    start: int
    end: int
    old: str
    new: str
    location: Location


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A file's new text, the changes made, and the ones skipped (with why)."""

    text: str
    applied: tuple[Location, ...]
    warnings: tuple[str, ...]


def splices(text: str, changes: Iterable[Change]) -> tuple[list[Splice], list[str]]:
    """Where each change's digits are in ``text``; a change whose location does not
    hold exactly the old digits (as a whole number) is a warning, not a splice."""
    index = LineIndex(text)
    found: list[Splice] = []
    warnings: list[str] = []
    for change in changes:
        loc = change.location
        digits = str(change.old)
        if loc.line > index.line_count or (loc.end_line not in (None, loc.line)):
            warnings.append(f"{loc}: no single-line literal there; not changed")
            continue
        start = index.offset(loc.line, loc.col)
        end = start + len(digits)
        if loc.end_col is not None and index.offset(loc.line, loc.end_col) != end:
            warnings.append(f"{loc}: the literal there is not {digits}; not changed")
            continue
        before = text[start - 1 : start] if start > 0 else ""
        after = text[end : end + 1]
        if text[start:end] != digits or before.isdigit() or after.isdigit():
            seen = text[start : end + 2].split("\n")[0]
            warnings.append(f"{loc}: expected {digits} there, found {seen!r}; not changed")
            continue
        found.append(Splice(start, end, digits, str(change.new), loc))
    unique: dict[tuple[int, int], Splice] = {}
    for splice in sorted(found, key=lambda s: (s.start, s.end)):
        unique.setdefault((splice.start, splice.end), splice)
    kept: list[Splice] = []
    for splice in unique.values():
        if kept and splice.start < kept[-1].end:
            warnings.append(f"{splice.location}: overlaps another change; not changed")
            continue
        kept.append(splice)
    return kept, warnings


def apply_splices(text: str, spliced: Sequence[Splice]) -> str:
    """``text`` with every splice made (they do not overlap)."""
    pieces: list[str] = []
    at = 0
    for splice in sorted(spliced, key=lambda s: s.start):
        pieces.append(text[at : splice.start])
        pieces.append(splice.new)
        at = splice.end
    pieces.append(text[at:])
    return "".join(pieces)


def is_python(path: str) -> bool:
    return path.endswith((".py", ".pyi"))


def rewrite_text(path: str, text: str, changes: Iterable[Change]) -> Rewrite:
    """The new text of one file after ``changes``; Python through libcst."""
    spliced, warnings = splices(text, changes)
    if is_python(path) and spliced:
        done, more = _through_libcst(text, spliced)
        warnings += more
        spliced = done
    return Rewrite(
        apply_splices(text, spliced), tuple(s.location for s in spliced), tuple(warnings)
    )


_T = TypeVar("_T")

#: libcst's native parser recurses once per nesting level; its thread gets this C stack.
_PARSER_STACK_BYTES = 256 * 1024 * 1024
#: ``threading.stack_size`` is process-wide: the lock keeps two rewrites from restoring
#: each other's setting. It guards no data.
_STACK_SIZE_LOCK = threading.Lock()


def run_with_deep_stack(function: Callable[[], _T]) -> _T:
    """Run ``function`` in a thread with a large C stack and return its result.

    libcst's native parser recurses once per nesting level, and a deeply nested
    expression overflows a default 8 MiB stack: the process dies with SIGSEGV, which no
    ``except`` sees and which would take a whole worker pool down. A thread costs a
    fraction of a millisecond, far below the parse itself. Where thread stacks cannot be
    sized, the function runs in the calling thread.
    """
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(function())
        except BaseException as error:  # handed to the calling thread below
            failure.append(error)

    worker = threading.Thread(target=run, name="portscan-libcst", daemon=True)
    started = False
    with _STACK_SIZE_LOCK:
        try:
            previous = threading.stack_size(_PARSER_STACK_BYTES)
        except (ValueError, RuntimeError):  # this platform cannot size thread stacks
            previous = None
        if previous is not None:
            try:
                worker.start()
                started = True
            except RuntimeError:  # no thread can be started now
                pass
            finally:
                threading.stack_size(previous)
    if not started:
        return function()
    worker.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _through_libcst(text: str, spliced: list[Splice]) -> tuple[list[Splice], list[str]]:
    """The splices that libcst confirms and makes: each must fall inside one integer or
    string literal of the syntax tree (not a comment, not a name). libcst regenerates the
    module with only those literals' values changed, which must equal the plain splice
    of the same digits."""
    bom = 1 if text.startswith("\ufeff") else 0
    source = text[bom:]
    try:
        code, done = run_with_deep_stack(lambda: _libcst_rewrite(source, spliced, bom))
    except Exception as error:  # a parse error or recursion: nothing is changed here
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return [], [
            f"{s.location}: libcst cannot rewrite this file ({reason}); not changed"
            for s in spliced
        ]
    warnings = [
        f"{s.location}: not inside a number or string literal; not changed"
        for s in spliced
        if s not in done
    ]
    if text[:bom] + code != apply_splices(text, done):
        return [], [
            f"{s.location}: libcst rewrote more than the literal; not changed" for s in spliced
        ]
    return done, warnings


def _libcst_rewrite(source: str, spliced: list[Splice], bom: int) -> tuple[str, list[Splice]]:
    """Parse ``source``, change the literals that hold the splices, regenerate."""
    import libcst as cst
    from libcst.metadata import ByteSpanPositionProvider, MetadataWrapper

    module = cst.parse_module(source)
    spans = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ByteSpanPositionProvider)
    wanted = [(len(source[: s.start - bom].encode("utf-8")), s) for s in spliced]
    done: list[Splice] = []

    def edit(original: cst.CSTNode, value: str) -> str | None:
        """``value`` (the node's source text) with the splices inside the node made."""
        span = spans.get(original)
        if span is None:
            return None
        raw = value.encode("utf-8")
        inside = [
            (at - span.start, splice)
            for at, splice in wanted
            if span.start <= at and at + len(splice.old) <= span.start + span.length
        ]
        if not inside:
            return None
        for relative, splice in sorted(inside, key=lambda item: -item[0]):
            end = relative + len(splice.old)
            if raw[relative:end] == splice.old.encode("ascii"):
                raw = raw[:relative] + splice.new.encode("ascii") + raw[end:]
                done.append(splice)
        return raw.decode("utf-8")

    class LiteralRewriter(cst.CSTTransformer):
        """Changes the value of the literals that hold a port to move, nothing else."""

        def leave_Integer(  # noqa: N802 - libcst's visitor names
            self, original_node: cst.Integer, updated_node: cst.Integer
        ) -> cst.BaseExpression:
            value = edit(original_node, original_node.value)
            return updated_node if value is None else updated_node.with_changes(value=value)

        def leave_SimpleString(  # noqa: N802
            self, original_node: cst.SimpleString, updated_node: cst.SimpleString
        ) -> cst.BaseExpression:
            value = edit(original_node, original_node.value)
            return updated_node if value is None else updated_node.with_changes(value=value)

        def leave_FormattedStringText(  # noqa: N802
            self, original_node: cst.FormattedStringText, updated_node: cst.FormattedStringText
        ) -> cst.FormattedStringText:
            value = edit(original_node, original_node.value)
            return updated_node if value is None else updated_node.with_changes(value=value)

    code = module.visit(LiteralRewriter()).code
    return code, done


# -- files -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """A file as read: its bytes, its text, and how to turn text back into bytes."""

    path: str
    data: bytes
    text: str
    encoding: str  # "utf-8" or "utf-16-le" / "utf-16-be"
    bom: bytes

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.encoding, "surrogatepass")


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_source(path: str, data: bytes) -> Source | str:
    """A file's bytes as a :class:`Source`, or why it cannot be rewritten as text."""
    if data.startswith(b"bplist00"):
        return "a binary plist (convert it with `plutil -convert xml1` to move its port)"
    bom, encoding = next(
        ((mark, name) for mark, name in _BOMS if data.startswith(mark)),
        (b"", "utf-8"),
    )
    try:
        text = data[len(bom) :].decode(encoding)
    except UnicodeDecodeError:
        return f"not valid {encoding.upper()} text"
    return Source(path, data, text, encoding, bom)


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file of a move: as read, and its new text."""

    source: Source
    after: str
    applied: tuple[Location, ...]

    @property
    def path(self) -> str:
        return self.source.path

    def diff(self) -> str:
        return unified_diff(self.path, self.source.text, self.after)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A planned and rewritten move: the files it changes and what it skipped."""

    plan: Plan
    files: tuple[FileChange, ...]
    warnings: tuple[str, ...]

    def diff(self) -> str:
        return "".join(change.diff() for change in self.files)

    @property
    def applied(self) -> int:
        return sum(len(change.applied) for change in self.files)


_LINE = re.compile(r"[^\n]*\n|[^\n]+")


def _diff_lines(text: str) -> list[str]:
    """Lines as ``patch`` sees them: ended by ``\\n`` only (a CR stays in the line)."""
    return _LINE.findall(text)


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of one file with ``a/`` and ``b/`` prefixes, as ``git apply`` and
    ``patch -p1`` take it; a last line without a newline is marked as such."""
    out: list[str] = []
    lines = difflib.unified_diff(
        _diff_lines(before), _diff_lines(after), f"a/{path}", f"b/{path}", lineterm=""
    )
    for line in lines:
        if line.startswith(("---", "+++", "@@")) and not line.endswith("\n"):
            out.append(line + "\n")
        elif line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def prepare(plan: Plan, read: Mapping[str, bytes | str]) -> Outcome:
    """Rewrite every file the plan touches. ``read`` maps each of ``plan.paths`` to its
    bytes, or to the reason it could not be read."""
    by_path: dict[str, list[Change]] = {}
    for change in plan.changes:
        by_path.setdefault(change.location.path, []).append(change)
    files: list[FileChange] = []
    warnings: list[str] = []
    for path in sorted(by_path):
        data = read.get(path, "not read")
        source = decode_source(path, data) if isinstance(data, bytes) else data
        if isinstance(source, str):
            warnings.append(f"{path}: {source}; not changed")
            continue
        rewrite = rewrite_text(path, source.text, by_path[path])
        warnings += rewrite.warnings
        if rewrite.applied and rewrite.text != source.text:
            files.append(FileChange(source, rewrite.text, rewrite.applied))
    return Outcome(plan, tuple(files), tuple(warnings))


def read_files(root: Path, paths: Iterable[str]) -> dict[str, bytes | str]:
    """The bytes of each file under ``root``, or why it could not be read."""
    read: dict[str, bytes | str] = {}
    for path in paths:
        try:
            read[path] = (root / path).read_bytes()
        except OSError as error:
            read[path] = f"cannot read: {error.strerror or error}"
    return read


class WriteError(OSError):
    """A file of a move could not be written; the files before it were."""


def write_files(root: Path, outcome: Outcome) -> tuple[str, ...]:
    """Write each changed file atomically (a temporary file beside it, the same mode,
    then a rename), the real file behind a symlink. A file whose bytes changed since it
    was read is not written: its path is returned among the skipped ones."""
    skipped: list[str] = []
    for change in outcome.files:
        target = Path(os.path.realpath(root / change.path))
        try:
            if target.read_bytes() != change.source.data:
                skipped.append(change.path)
                continue
            _replace(target, change.source.encode(change.after))
        except OSError as error:
            raise WriteError(f"{change.path}: cannot write: {error.strerror or error}") from None
    return tuple(skipped)


def _replace(target: Path, data: bytes) -> None:
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def move(
    root: Path,
    config: Config,
    name: str,
    port: int,
    *,
    only: Iterable[str] = SCOPES,
    host: str | None = None,
) -> Outcome:
    """Scan ``root``, plan the move of the service ``name`` means to ``port``, and
    rewrite the files in memory. Writes nothing (see :func:`write_files`)."""
    from portscan.api import scan

    graph = scan(root, config).graph
    service = find_service(graph, config, name)
    plan = plan_move(graph, config, service, port, only=only, host=host)
    return prepare(plan, read_files(root, plan.paths))


__all__ = [
    "SCOPES",
    "Change",
    "FileChange",
    "MoveError",
    "Outcome",
    "Plan",
    "Rewrite",
    "Source",
    "Splice",
    "WriteError",
    "apply_splices",
    "decode_source",
    "doc_target_means",
    "lands_on",
    "move",
    "old_ports",
    "plan_move",
    "prepare",
    "read_files",
    "rewrite_text",
    "scope_of",
    "selects",
    "splices",
    "unified_diff",
    "write_files",
]
