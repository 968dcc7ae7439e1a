"""From loose facts to a graph: which service each fact is about, which host it holds on,
and what every service effectively binds there.

Service identity, strongest first: config ``[services.X] paths``, then the extractor's
hint (a compose service key, a launchd Label, a unit name) matched against config
aliases and known services, then the nearest ``services/<name>`` / ``apps/<name>``
folder, then the nearest package folder (package.json, pyproject.toml, go.mod ...).

Hosts: config ``[hosts.X] files`` globs; with no match, a compose file is its own host
and any other deployment artifact is on ``local``. Source defaults belong to no host.

Precedence on one host: command-line flag > environment override > source default.
Compose publishes bind host ports; a container's own listen port is bound inside the
container and recorded with scope ``container``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portscan.config import Config
from portscan.globs import compile_globs
from portscan.landing import land_references
from portscan.model import (
    TAG_CONTAINER,
    TAG_EXAMPLE,
    TAG_FLAG,
    TAG_IMAGE,
    TAG_TEST,
    Binding,
    Graph,
    PortFact,
    Role,
    Scope,
)

LOCAL_HOST = "local"

#: Folders whose children are services; the outermost one names the service.
SERVICE_PARENTS = ("services", "apps", "packages", "cmd", "servers", "workers")

#: Files that make their folder a package, and so a service when nothing else names it.
PACKAGE_MARKERS = frozenset(
    {"package.json", "pyproject.toml", "setup.py", "go.mod", "Cargo.toml", "deno.json"}
)

#: Variables that carry a program's main listen port.
PRIMARY_PORT_VARS = frozenset(
    {"PORT", "LISTEN_PORT", "HTTP_PORT", "SERVER_PORT", "APP_PORT", "WEB_PORT", "API_PORT"}
)

_DEPLOYMENT_ROLES = (Role.OVERRIDE, Role.PUBLISH, Role.EXPOSE)

#: Extractors of source code and docs: their references run wherever the service runs.
SOURCE_EXTRACTORS = frozenset(
    {"python", "typescript", "packagejson", "go", "shell", "dockerfile", "markdown"}
)


def channel_of(fact: PortFact, service: str | None) -> str:
    """Which of a service's listen ports a fact speaks of: ``PORT`` for the main one,
    otherwise the variable's name (``METRICS_PORT``)."""
    if fact.env is None:
        return "PORT"
    env = fact.env.upper().removeprefix("DEFAULT_")
    if env in PRIMARY_PORT_VARS:
        return "PORT"
    if service is not None and env == re.sub(r"[^A-Z0-9]+", "_", service.upper()) + "_PORT":
        return "PORT"
    return env


def is_claim(fact: PortFact) -> bool:
    """A fact that says its service may listen on the port (for collision rules)."""
    return fact.role is Role.DEFAULT and TAG_TEST not in fact.tags


@dataclass(frozen=True, slots=True)
class _Namer:
    """Names services: config paths and aliases, hints, folders."""

    path_rules: tuple[tuple[re.Pattern[str], str], ...]
    aliases: dict[str, str]
    known: frozenset[str]
    package_dirs: frozenset[str]

    @classmethod
    def build(cls, config: Config, files: Sequence[str], facts: Sequence[PortFact]) -> _Namer:
        aliases: dict[str, str] = {}
        for service in config.services:
            aliases[service.name] = service.name
            for alias in service.aliases:
                aliases[alias] = service.name
        parents: set[str] = set()
        package_dirs_found: set[str] = set()
        for path in files:
            parent, slash, name = path.rpartition("/")
            parents.add(parent + slash)
            if slash and name in PACKAGE_MARKERS:
                package_dirs_found.add(parent)
        package_dirs = frozenset(package_dirs_found)
        known = set(aliases.values())
        # A path's service folder is one of its folders: asked once per folder, not per file.
        for parent in parents:
            folder = _service_folder(parent)
            if folder is not None:
                known.add(folder)
        known.update(dir_.rsplit("/", 1)[-1] for dir_ in package_dirs)
        known.update(fact.service for fact in facts if fact.service and fact.extractor == "compose")
        rules = tuple(
            (compile_globs(service.paths), service.name)
            for service in config.services
            if service.paths
        )
        return cls(rules, aliases, frozenset(known), package_dirs)

    def name(self, fact: PortFact) -> str | None:
        path = fact.location.path
        for pattern, name in self.path_rules:
            if pattern.match(path):
                return name
        if fact.service:
            return self.canonical(fact.service)
        folder = _service_folder(path)
        if folder is not None:
            return self.aliases.get(folder, folder)
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        while parent:
            if parent in self.package_dirs:
                name = parent.rsplit("/", 1)[-1]
                return self.aliases.get(name, name)
            parent = parent.rsplit("/", 1)[0] if "/" in parent else ""
        return None

    def canonical(self, hint: str) -> str:
        """A hint (``com.acme.image-gen``, ``image-gen``) to the service it means."""
        parts = [part for part in hint.split(".") if part]
        candidates = [hint]
        if len(parts) > 1:
            candidates += [parts[-1], "-".join(parts[-2:])]
        for candidate in candidates:
            if candidate in self.aliases:
                return self.aliases[candidate]
        for candidate in candidates:
            if candidate in self.known:
                return candidate
        for candidate in candidates:
            suffixed = sorted(name for name in self.known if name.endswith("-" + candidate))
            if len(suffixed) == 1:
                return suffixed[0]
        return parts[-1] if len(parts) > 1 and "/" not in hint else hint


def _service_folder(path: str) -> str | None:
    """``services/<name>/...`` to ``<name>``; the outermost such folder wins, so
    ``services/api/cmd/server/main.go`` is ``api`` and ``apps/web/src/services/x.ts`` is
    ``web``."""
    parts = path.split("/")
    for index in range(len(parts) - 2):  # <name> must be a folder, not the file name
        if parts[index] in SERVICE_PARENTS:
            return parts[index + 1]
    return None


@dataclass(frozen=True, slots=True)
class _HostMap:
    """Config's host file globs: which host a deployment file belongs to."""

    rules: tuple[tuple[re.Pattern[str], str], ...]

    @classmethod
    def build(cls, config: Config) -> _HostMap:
        return cls(tuple((compile_globs(h.files), h.name) for h in config.hosts if h.files))

    def host_of(self, fact: PortFact) -> str | None:
        """The host a fact holds on, or None for facts that are not deployments.

        A reference holds on the host of its file when that file is a deployment
        artifact (or config puts it on a host); a URL in source code has no host of its
        own: it runs wherever its service runs.
        """
        if TAG_IMAGE in fact.tags or TAG_EXAMPLE in fact.tags or TAG_TEST in fact.tags:
            return None
        if fact.role not in _DEPLOYMENT_ROLES and fact.role is not Role.REFERENCE:
            return None
        configured = self.configured_host(fact.location.path)
        if configured is not None:
            return configured
        if fact.role is Role.REFERENCE and fact.extractor in SOURCE_EXTRACTORS:
            return None
        return fact.location.path if fact.extractor == "compose" else LOCAL_HOST

    def configured_host(self, path: str) -> str | None:
        for pattern, name in self.rules:
            if pattern.match(path):
                return name
        return None


def name_facts(
    facts: Iterable[PortFact], config: Config, files: Sequence[str]
) -> tuple[tuple[PortFact, str | None], ...]:
    """Every fact with its canonical service and its host, beside the service hint its
    extractor gave (references name compose services by what the file says)."""
    facts = list(facts)
    namer = _Namer.build(config, files, facts)
    hosts = _HostMap.build(config)
    named = [(_named(fact, namer.name(fact), hosts.host_of(fact)), fact.service) for fact in facts]
    return tuple(sorted(named, key=lambda pair: pair[0].sort_key()))


def _named(fact: PortFact, service: str | None, host: str | None) -> PortFact:
    """``replace(fact, service=service, host=host)``, spelled out: ``dataclasses.replace``
    walks the fields on every call, which was a fifth of resolve. (A test holds the two
    equal for a fact with every field set, so a new field cannot be forgotten here.)"""
    return PortFact(
        port=fact.port,
        role=fact.role,
        location=fact.location,
        extractor=fact.extractor,
        service=service,
        host=host,
        env=fact.env,
        target=fact.target,
        protocol=fact.protocol,
        tags=fact.tags,
    )


def _rank(fact: PortFact) -> int:
    return 2 if TAG_FLAG in fact.tags else 1


def effective_bindings(facts: Sequence[PortFact], config: Config) -> tuple[Binding, ...]:
    """One binding per (service, host, channel) from overrides, each publish, and each
    deployment declared in config."""
    strongest: dict[tuple[str, str, str, str], PortFact] = {}
    bindings: list[Binding] = []
    for fact in facts:
        if fact.service is None or fact.host is None:
            continue
        if fact.role is Role.OVERRIDE:
            scope = Scope.CONTAINER if TAG_CONTAINER in fact.tags else Scope.HOST
            key = (fact.service, fact.host, scope.value, channel_of(fact, fact.service))
            current = strongest.get(key)
            if current is None or _rank(fact) >= _rank(current):
                strongest[key] = fact
        elif fact.role is Role.PUBLISH:
            bindings.append(
                Binding(
                    service=fact.service,
                    host=fact.host,
                    port=fact.port,
                    protocol=fact.protocol,
                    via=Role.PUBLISH.value,
                    location=fact.location,
                    channel="publish",
                )
            )
    for (service, host, scope_name, channel), fact in strongest.items():
        bindings.append(
            Binding(
                service=service,
                host=host,
                port=fact.port,
                protocol=fact.protocol,
                via=Role.OVERRIDE.value,
                location=fact.location,
                scope=Scope(scope_name),
                channel=channel,
            )
        )
    aliases = {alias: service.name for service in config.services for alias in service.aliases}
    for host_config in config.hosts:
        for declared in host_config.services:
            bindings.append(
                Binding(
                    service=aliases.get(declared.service, declared.service),
                    host=host_config.name,
                    port=declared.port,
                    protocol="tcp",
                    via="declared",
                    location=declared.location,
                )
            )
    unique = {(b.service, b.host, b.port, b.protocol, b.scope, b.location): b for b in bindings}
    return tuple(sorted(unique.values(), key=Binding.sort_key))


def resolve(facts: Iterable[PortFact], config: Config, files: Sequence[str]) -> Graph:
    """The graph of a scan: named facts, effective bindings, landings, hosts, services."""
    pairs = name_facts(facts, config, files)
    named = tuple(fact for fact, _ in pairs)
    bindings = effective_bindings(named, config)
    hosts = {b.host for b in bindings} | {h.name for h in config.hosts}
    services = {f.service for f in named if f.service} | {b.service for b in bindings}
    return Graph(
        facts=named,
        bindings=bindings,
        hosts=tuple(sorted(hosts)),
        services=tuple(sorted(services)),
        landings=land_references(named, [hint for _, hint in pairs], bindings, config),
    )


def defaults_by_service(graph: Graph) -> dict[str, list[PortFact]]:
    """Each service's source-default facts (test code left out)."""
    result: dict[str, list[PortFact]] = defaultdict(list)
    for fact in graph.facts:
        if fact.service is not None and is_claim(fact):
            result[fact.service].append(fact)
    return result
