"""The content-hash cache of per-file extraction results.

One compact file per scan root holds, for every file a scan looked at, what extraction
made of it::

    path -> None                                   (no extractor claims this path)
    path -> (size, mtime_ns, ctime_ns, inode,      (the file's stat when it was read)
             digest,                               (BLAKE2b-128 of its bytes)
             names,                                (the extractors that claim the path)
             parsed, facts, diagnostics,           (the outcome, as plain tuples)
             comments)                             (its suppression comments, plain)

The names let a later run re-read an edited file with just those extractors, importing
no other (claiming a path means asking every extractor). The comments are the
``portscan: ignore[...]`` lines of the file (:func:`portscan.suppress.to_plain`), so that
judging them reads no file either.

A warm run trusts an entry whose stat is unchanged without reading the file; when the
stat differs it reads the file and compares the digest; only changed bytes are parsed
again. A file modified within :data:`RACY_NS` of the scan that read it is "racy" (a later
write in the same timestamp tick would leave its stat unchanged): its entry is stored
with a stat that never matches, so the next run compares its digest.

The whole file is keyed by :func:`cache_key`: portscan's version and code, the rules
(bundled and configured), the config that affects extraction (rule folders,
max-file-size) and the extractor options. Any change there drops every entry.

The file is ``MAGIC + BLAKE2b-256(payload) + payload``, the payload a :mod:`marshal`
dump of plain tuples: a truncated or corrupted file fails the digest and is ignored, and
marshal, unlike pickle, cannot run code. Writes go to a temporary file in the same folder
and are moved into place with :func:`os.replace`, so concurrent runs never see (or
leave) half a file; the last writer wins.

Where the file lives (first that applies): ``--cache-dir DIR``; ``$XDG_CACHE_HOME/portscan``
when ``XDG_CACHE_HOME`` is set to an absolute path; ``.portscan_cache/`` at the scan root.
Its name is derived from the scan root, so one folder can serve many roots.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from portscan import __version__
from portscan.model import Diagnostic, Location, PortFact, Role

#: Bumped whenever the layout of the file or of an entry changes.
FORMAT = 3
MAGIC = b"portscan-cache\x00"
DIR_NAME = ".portscan_cache"
#: A file modified this close to the scan that read it is verified by digest next time.
RACY_NS = 2_000_000_000
_DIGEST = 32

#: (size, mtime_ns, ctime_ns, inode)
Stat = tuple[int, int, int, int]
#: A stored entry for a claimed file (see the module docstring); None: claimed by nobody.
Record = tuple[
    int,
    int,
    int,
    int,
    bytes,
    tuple[str, ...],
    bool,
    tuple[Any, ...],
    tuple[Any, ...],
    tuple[Any, ...],
]
#: The length of a :data:`Record`.
RECORD_LENGTH = 10

_NEVER: Stat = (-1, -1, -1, -1)
_FACT_FIELDS = tuple(f.name for f in fields(PortFact))
_LOCATION_FIELDS = tuple(f.name for f in fields(Location))
_LOCATION_AT = _FACT_FIELDS.index("location")
_ROLE_AT = _FACT_FIELDS.index("role")
_ROLES = {role.value: role for role in Role}


def file_digest(data: bytes) -> bytes:
    """The content hash an entry is checked against."""
    return hashlib.blake2b(data, digest_size=16).digest()


# -- where ----------------------------------------------------------------------------------


def cache_dir(root: Path, explicit: Path | None, environ: Mapping[str, str]) -> Path:
    """The folder of the cache for a scan of ``root``: ``explicit`` (``--cache-dir``),
    else ``$XDG_CACHE_HOME/portscan`` when that variable is an absolute path, else
    ``.portscan_cache`` at the root."""
    if explicit is not None:
        return explicit
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "portscan"
    return root / DIR_NAME


def cache_file(directory: Path, root: Path) -> Path:
    """The cache file of ``root`` inside ``directory``: named by the resolved root."""
    name = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:16]
    return directory / f"files-{name}.cache"


# -- what ------------------------------------------------------------------------------------


def code_fingerprint() -> str:
    """Names, sizes and modification times of portscan's own modules: an editable
    install whose code changes gets a new key even when the version does not."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    pending = [package]
    seen: list[tuple[str, int, int]] = []
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                        pending.append(Path(entry.path))
                    elif entry.name.endswith(".py"):
                        stat = entry.stat()
                        rel = os.path.relpath(entry.path, package)
                        seen.append((rel, stat.st_size, stat.st_mtime_ns))
        except OSError:
            continue
    for item in sorted(seen):
        digest.update(repr(item).encode())
    return digest.hexdigest()


def rules_fingerprint(extra_dirs: tuple[str, ...] = ()) -> str:
    """A hash of every query and TOML file, bundled and configured.

    The same as :func:`portscan.extractors.queries.rules_fingerprint` (a test holds
    them equal), computed here because importing that module imports every extractor,
    which a warm run never needs."""
    package = Path(__file__).resolve().parent
    bundled = package / "rules" if (package / "rules").is_dir() else package.parent / "rules"
    digest = hashlib.sha256()
    for base in (str(bundled), *extra_dirs):
        found: list[tuple[tuple[str, ...], str]] = []
        for folder, _, names in os.walk(base):
            for name in names:
                if name.endswith((".scm", ".toml")):
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, base).replace(os.sep, "/")
                    found.append((tuple(rel.split("/")), path))
        for parts, path in sorted(found):
            if os.path.isfile(path):
                digest.update("/".join(parts).encode())
                with open(path, "rb") as stream:
                    digest.update(stream.read())
    return digest.hexdigest()


def cache_key(rule_dirs: tuple[str, ...], max_file_size: int) -> str:
    """Everything besides a file's bytes that its extraction depends on: portscan's
    version and code, the rules, and the config fields extraction reads (the extractor
    options are derived from them by code the code fingerprint covers)."""
    material = (
        FORMAT,
        __version__,
        sys.version_info[:2],
        marshal.version,
        code_fingerprint(),
        rules_fingerprint(rule_dirs),
        rule_dirs,
        max_file_size,
    )
    return hashlib.sha256(repr(material).encode()).hexdigest()


# -- facts as plain tuples ---------------------------------------------------------------------


def _location_values(location: Location) -> tuple[Any, ...]:
    return tuple(getattr(location, name) for name in _LOCATION_FIELDS)


def _plain(value: object) -> object:
    if isinstance(value, Location):
        return _location_values(value)
    if isinstance(value, Role):
        return value.value
    return value


def encode_outcome(
    rel: str, facts: Iterable[PortFact], diagnostics: Iterable[Diagnostic]
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Facts and diagnostics as tuples of plain values (a path equal to ``rel`` as None)."""
    encoded_facts = []
    for fact in facts:
        values = [_plain(getattr(fact, name)) for name in _FACT_FIELDS]
        if fact.location.path == rel:
            values[_LOCATION_AT] = (None, *_location_values(fact.location)[1:])
        encoded_facts.append(tuple(values))
    encoded_diagnostics = tuple(
        (None if d.path == rel else d.path, d.line, d.message) for d in diagnostics
    )
    return tuple(encoded_facts), encoded_diagnostics


def decode_facts(rel: str, encoded: tuple[Any, ...]) -> list[PortFact]:
    """The facts :func:`encode_outcome` stored. Raises (TypeError, ValueError,
    IndexError, KeyError) on a malformed entry."""
    facts = []
    for values in encoded:
        row = list(values)
        path, *position = row[_LOCATION_AT]
        row[_LOCATION_AT] = Location(rel if path is None else path, *position)
        row[_ROLE_AT] = _ROLES[row[_ROLE_AT]]
        fact = PortFact(*row)
        if not isinstance(fact.tags, tuple):
            raise TypeError("tags must be a tuple")
        facts.append(fact)
    return facts


def decode_diagnostics(rel: str, encoded: tuple[Any, ...]) -> list[Diagnostic]:
    return [
        Diagnostic(rel if path is None else path, line, message) for path, line, message in encoded
    ]


def make_record(
    stat: Stat | None,
    digest: bytes,
    names: tuple[str, ...],
    parsed: bool,
    facts: tuple[Any, ...],
    diagnostics: tuple[Any, ...],
    comments: tuple[Any, ...],
    now_ns: int,
) -> Record:
    """An entry; a racy or unknown stat is stored as one that never matches."""
    if stat is None or now_ns - stat[1] < RACY_NS or now_ns - stat[2] < RACY_NS:
        stat = _NEVER
    return (*stat, digest, names, parsed, facts, diagnostics, comments)


# -- the file ----------------------------------------------------------------------------------


@dataclass(slots=True)
class FileCache:
    """The entries of one scan root, as loaded, and the changes a run makes to them."""

    path: Path
    key: str
    records: dict[str, Record | None] = field(default_factory=dict)
    #: How the load went: "warm", or "cold: <why>".
    state: str = "cold: no cache file"
    dirty: bool = False

    @classmethod
    def open(cls, path: Path, key: str) -> FileCache:
        """Load the cache file at ``path``; anything wrong with it means an empty cache."""
        cache = cls(path, key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return cache
        except OSError as exc:
            cache.state = f"cold: cannot read the cache file ({exc.strerror or exc})"
            return cache
        records = _parse(blob, key)
        if isinstance(records, str):
            cache.state = f"cold: {records}"
            cache.dirty = True
            return cache
        cache.records = records
        cache.state = "warm"
        return cache

    def put(self, rel: str, record: Record | None) -> None:
        if rel not in self.records or self.records[rel] != record:
            self.records[rel] = record
            self.dirty = True

    def drop(self, rel: str) -> None:
        if self.records.pop(rel, 0) != 0:
            self.dirty = True

    def keep_only(self, paths: Iterable[str]) -> None:
        """Forget the entries of files the scan no longer sees."""
        wanted = set(paths)
        stale = [rel for rel in self.records if rel not in wanted]
        for rel in stale:
            del self.records[rel]
        self.dirty = self.dirty or bool(stale)

    def save(self) -> str | None:
        """Write the entries if they changed; the reason it could not, or None."""
        if not self.dirty:
            return None
        payload = marshal.dumps((self.key, self.records))
        blob = MAGIC + hashlib.blake2b(payload, digest_size=_DIGEST).digest() + payload
        folder = self.path.parent
        try:
            _prepare(folder)
            temporary = folder / f".tmp-{os.getpid()}-{os.urandom(6).hex()}.cache"
            try:
                with open(temporary, "xb") as stream:
                    stream.write(blob)
                os.replace(temporary, self.path)
            except BaseException:
                _remove(temporary)
                raise
        except OSError as exc:
            return f"cache not saved: {exc.strerror or exc}"
        self.dirty = False
        return None


def _parse(blob: bytes, key: str) -> dict[str, Record | None] | str:
    """The entries of a cache file, or why there are none to use."""
    head = len(MAGIC) + _DIGEST
    if not blob.startswith(MAGIC) or len(blob) < head:
        return "not a portscan cache file"
    payload = blob[head:]
    if hashlib.blake2b(payload, digest_size=_DIGEST).digest() != blob[len(MAGIC) : head]:
        return "cache file damaged (digest mismatch)"
    try:
        stored_key, records = _loads(payload)
    except (EOFError, ValueError, TypeError):
        return "cache file damaged (unreadable)"
    if stored_key != key:
        return "portscan, its rules or the extraction config changed"
    if not isinstance(records, dict):
        return "cache file damaged (unexpected layout)"
    return records


def _loads(payload: bytes) -> Any:
    """``marshal.loads`` with the cyclic garbage collector paused: the payload is tuples of
    strings and numbers, which form no cycle, yet building them set off collections that
    walked them again. (The CLI's raised threshold, ``cli._GC_THRESHOLD``, spaces the
    collections of a whole run; this load alone builds 300,000 objects at 50,000 files
    and still set off a third of its time in them.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(payload)
    finally:
        if enabled:
            gc.enable()


def _prepare(folder: Path) -> None:
    """Create the cache folder, marked as a cache no tool should track or back up."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by portscan: its cache is never committed.\n*\n")
    tag = folder / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by portscan.\n"
        )


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


__all__ = [
    "DIR_NAME",
    "RACY_NS",
    "RECORD_LENGTH",
    "FileCache",
    "Record",
    "cache_dir",
    "cache_file",
    "cache_key",
    "code_fingerprint",
    "decode_diagnostics",
    "decode_facts",
    "encode_outcome",
    "file_digest",
    "make_record",
    "rules_fingerprint",
]
