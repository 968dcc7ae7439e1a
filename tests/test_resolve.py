"""resolve: service names, hosts, precedence and channels, on facts built by hand.

No files are read: facts are made here as an extractor would hand them over (service
only as a hint, host None), and configs are parsed from literal TOML.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from samples import fact_with_every_field

from portscan.config import Config, parse_config
from portscan.model import (
    TAG_CONTAINER,
    TAG_EXAMPLE,
    TAG_FLAG,
    TAG_IMAGE,
    TAG_TEST,
    Binding,
    Location,
    PortFact,
    Role,
    Scope,
)
from portscan.resolve import (
    LOCAL_HOST,
    channel_of,
    defaults_by_service,
    effective_bindings,
    is_claim,
    resolve,
)
from portscan.resolve import _named as with_names

ROOT = Path("/repo")


def config(text: str = "") -> Config:
    """A config parsed from ``text`` as if it were ``/repo/portscan.toml``."""
    return parse_config(text, ROOT / "portscan.toml", ROOT)


def fact(
    path: str,
    port: int = 3000,
    role: Role = Role.DEFAULT,
    *,
    extractor: str = "python",
    service: str | None = None,
    host: str | None = None,
    env: str | None = None,
    protocol: str = "tcp",
    tags: tuple[str, ...] = (),
    line: int = 1,
) -> PortFact:
    return PortFact(
        port=port,
        role=role,
        location=Location(path, line, 1),
        extractor=extractor,
        service=service,
        host=host,
        env=env,
        protocol=protocol,
        tags=tags,
    )


def named(facts: list[PortFact], cfg: Config, files: list[str] | None = None) -> list[PortFact]:
    """The facts as resolve names them (service and host); the files default to the
    facts' own paths."""
    paths = files if files is not None else sorted({f.location.path for f in facts})
    return list(resolve(facts, cfg, paths).facts)


# --- service names ----------------------------------------------------------------------

IMAGE_GEN = """
[services.mana-image-gen]
aliases = ["image-gen", "com.mana.image-gen"]
paths = ["services/img/**"]
"""


@pytest.mark.parametrize(
    ("cfg", "files", "subject", "expected"),
    [
        pytest.param(
            IMAGE_GEN,
            [],
            fact("services/img/app/main.py"),
            "mana-image-gen",
            id="config-paths-name-a-folder",
        ),
        pytest.param(
            IMAGE_GEN,
            [],
            fact(
                "services/img/docker-compose.yml",
                role=Role.PUBLISH,
                extractor="compose",
                service="worker",
            ),
            "mana-image-gen",
            id="config-paths-beat-a-compose-key",
        ),
        pytest.param(
            "",
            ["services/mana-stt/app/main.py"],
            fact(
                "services/mana-stt/docker-compose.yml",
                role=Role.PUBLISH,
                extractor="compose",
                service="whisper",
            ),
            "whisper",
            id="compose-key-beats-its-folder",
        ),
        pytest.param(
            "",
            ["services/mana-stt/app/main.py"],
            fact("docker-compose.yml", role=Role.PUBLISH, extractor="compose", service="stt"),
            "stt",
            id="compose-key-is-taken-as-written",
        ),
        pytest.param(
            IMAGE_GEN,
            [],
            fact("docker-compose.yml", role=Role.PUBLISH, extractor="compose", service="image-gen"),
            "mana-image-gen",
            id="compose-key-through-alias",
        ),
        pytest.param(
            IMAGE_GEN,
            [],
            fact(
                "deploy/com.mana.image-gen.plist",
                role=Role.OVERRIDE,
                extractor="launchd",
                service="com.mana.image-gen",
            ),
            "mana-image-gen",
            id="label-through-alias",
        ),
        pytest.param(
            "",
            ["services/flux/main.py"],
            fact(
                "deploy/com.acme.flux.plist",
                role=Role.OVERRIDE,
                extractor="launchd",
                service="com.acme.flux",
            ),
            "flux",
            id="label-last-dotted-part",
        ),
        pytest.param(
            "",
            ["services/mana-stt/app/main.py"],
            fact(
                "deploy/com.mana.stt.plist",
                role=Role.OVERRIDE,
                extractor="launchd",
                service="com.mana.stt",
            ),
            "mana-stt",
            id="label-last-two-parts-joined",
        ),
        pytest.param(
            "",
            ["services/mana-image-gen/app/main.py"],
            fact(
                "deploy/com.acme.image-gen.plist",
                role=Role.OVERRIDE,
                extractor="launchd",
                service="com.acme.image-gen",
            ),
            "mana-image-gen",
            id="label-suffix-match",
        ),
        pytest.param(
            "",
            ["services/mana-image-gen/main.py", "services/old-image-gen/main.py"],
            fact(
                "deploy/com.acme.image-gen.plist",
                role=Role.OVERRIDE,
                extractor="launchd",
                service="com.acme.image-gen",
            ),
            "image-gen",
            id="label-ambiguous-suffix-falls-back-to-last-part",
        ),
        pytest.param(
            "",
            [],
            fact(
                "deploy/com.acme.backup.plist",
                role=Role.OVERRIDE,
                extractor="launchd",
                service="com.acme.backup",
            ),
            "backup",
            id="unknown-label-last-part",
        ),
        pytest.param(
            "",
            [],
            fact(
                "deploy/backup.service", role=Role.OVERRIDE, extractor="systemd", service="backup"
            ),
            "backup",
            id="unknown-plain-hint-as-is",
        ),
        pytest.param(
            "",
            ["services/mana-stt/app/main.py"],
            fact("deploy/stt.plist", role=Role.OVERRIDE, extractor="launchd", service="stt"),
            "mana-stt",
            id="plain-hint-suffix-match",
        ),
        pytest.param(
            "", [], fact("services/mana-stt/app/main.py"), "mana-stt", id="services-folder"
        ),
        pytest.param("", [], fact("apps/web/src/server.ts"), "web", id="apps-folder"),
        pytest.param(
            IMAGE_GEN, [], fact("services/image-gen/main.py"), "mana-image-gen", id="folder-alias"
        ),
        pytest.param("", [], fact("services/main.py"), None, id="file-directly-in-services"),
        pytest.param(
            "",
            ["tools/indexer/package.json"],
            fact("tools/indexer/src/index.ts"),
            "indexer",
            id="package-json-folder",
        ),
        pytest.param(
            "",
            ["tools/package.json", "tools/indexer/go.mod"],
            fact("tools/indexer/main.go"),
            "indexer",
            id="nearest-package-folder",
        ),
        pytest.param(
            "",
            ["services/mana-stt/pyproject.toml", "libs/shared/pyproject.toml"],
            fact("services/mana-stt/app/main.py"),
            "mana-stt",
            id="services-folder-beats-package",
        ),
        pytest.param(
            "", ["package.json"], fact("scripts/dev.ts"), None, id="root-package-names-nothing"
        ),
        pytest.param("", [], fact("scripts/deploy.sh"), None, id="no-folder-no-package"),
        pytest.param(
            "",
            [],
            fact("deploy/job.plist", role=Role.OVERRIDE, extractor="launchd"),
            None,
            id="no-hint-no-folder",
        ),
        pytest.param(
            "",
            ["services/mana-api/go.mod"],
            fact("services/mana-api/cmd/server/main.go", extractor="go"),
            "mana-api",
            id="cmd-inside-a-service",
        ),
        pytest.param(
            "",
            [],
            fact("apps/web/src/services/api/client.ts", extractor="typescript"),
            "web",
            id="services-folder-inside-an-app",
        ),
    ],
)
def test_service_name(cfg: str, files: list[str], subject: PortFact, expected: str | None) -> None:
    paths = sorted({*files, subject.location.path})
    (result,) = named([subject], config(cfg), paths)
    assert result.service == expected


def test_label_matches_a_service_known_only_from_compose() -> None:
    """A compose key makes a name known, so a launchd Label can find it."""
    facts = [
        fact("docker-compose.yml", role=Role.PUBLISH, extractor="compose", service="mana-search"),
        fact(
            "deploy/com.mana.search.plist",
            role=Role.OVERRIDE,
            extractor="launchd",
            service="com.mana.search",
        ),
    ]
    assert [f.service for f in named(facts, config())] == ["mana-search", "mana-search"]


# --- hosts --------------------------------------------------------------------------------

MAC_MINI = """
[hosts.mac-mini]
files = ["docker-compose.macmini.yml", "scripts/mac-mini/**", "services/**"]
"""


@pytest.mark.parametrize(
    ("cfg", "subject", "expected"),
    [
        pytest.param(
            MAC_MINI,
            fact(
                "scripts/mac-mini/launchd/com.mana.stt.plist",
                role=Role.OVERRIDE,
                extractor="launchd",
            ),
            "mac-mini",
            id="config-glob-launchd",
        ),
        pytest.param(
            MAC_MINI,
            fact("docker-compose.macmini.yml", role=Role.PUBLISH, extractor="compose"),
            "mac-mini",
            id="config-glob-compose",
        ),
        pytest.param(
            "",
            fact("deploy/docker-compose.prod.yml", role=Role.PUBLISH, extractor="compose"),
            "deploy/docker-compose.prod.yml",
            id="zero-config-compose-is-its-own-host",
        ),
        pytest.param(
            MAC_MINI,
            fact(
                "docker-compose.yml", role=Role.OVERRIDE, extractor="compose", tags=(TAG_CONTAINER,)
            ),
            "docker-compose.yml",
            id="unmatched-compose-is-its-own-host",
        ),
        pytest.param(
            "",
            fact("deploy/com.mana.stt.plist", role=Role.OVERRIDE, extractor="launchd"),
            LOCAL_HOST,
            id="launchd-is-local",
        ),
        pytest.param(
            "",
            fact("deploy/mana-llm.service", role=Role.OVERRIDE, extractor="systemd"),
            LOCAL_HOST,
            id="systemd-is-local",
        ),
        pytest.param(
            "",
            fact("deploy/run.sh", role=Role.PUBLISH, extractor="shell"),
            LOCAL_HOST,
            id="docker-run-in-a-script-is-local",
        ),
        pytest.param(
            MAC_MINI,
            fact("services/mana-stt/app/main.py"),
            None,
            id="default-has-no-host-even-inside-a-host-glob",
        ),
        pytest.param(
            "",
            fact("services/mana-stt/start.sh", extractor="shell", tags=(TAG_FLAG,)),
            None,
            id="start-script-flag-default-has-no-host",
        ),
        pytest.param(
            "", fact("README.md", role=Role.DOC, extractor="markdown"), None, id="doc-has-no-host"
        ),
        pytest.param(
            "",
            fact("services/x/.env.example", extractor="dotenv", env="PORT", tags=(TAG_EXAMPLE,)),
            None,
            id="env-example-has-no-host",
        ),
        pytest.param(
            "",
            fact(
                "services/x/.env.example",
                role=Role.REFERENCE,
                extractor="dotenv",
                tags=(TAG_EXAMPLE,),
            ),
            None,
            id="env-example-reference-has-no-host",
        ),
        pytest.param(
            "",
            fact("services/x/.env", role=Role.OVERRIDE, extractor="dotenv", env="PORT"),
            LOCAL_HOST,
            id="dotenv-override-is-local",
        ),
        pytest.param(
            "",
            fact("services/x/Dockerfile", extractor="dockerfile", env="PORT", tags=(TAG_IMAGE,)),
            None,
            id="image-env-has-no-host",
        ),
        pytest.param(
            MAC_MINI,
            fact(
                "scripts/mac-mini/tests/test_plist.sh",
                role=Role.OVERRIDE,
                extractor="shell",
                tags=(TAG_TEST,),
            ),
            None,
            id="test-code-has-no-host",
        ),
        pytest.param(
            "",
            fact("deploy/box/compose.yml", role=Role.REFERENCE, extractor="compose"),
            "deploy/box/compose.yml",
            id="compose-reference-is-on-its-project",
        ),
        pytest.param(
            "",
            fact("services/chat/client.py", role=Role.REFERENCE),
            None,
            id="source-reference-is-not-a-deployment",
        ),
        pytest.param(
            MAC_MINI,
            fact("services/chat/client.py", role=Role.REFERENCE),
            "mac-mini",
            id="source-reference-inside-a-host-glob",
        ),
    ],
)
def test_host(cfg: str, subject: PortFact, expected: str | None) -> None:
    (result,) = named([subject], config(cfg))
    assert result.host == expected


def test_first_matching_host_wins_in_name_order() -> None:
    """Overlapping host globs: hosts are read sorted by name, the first match wins."""
    cfg = config('[hosts.b]\nfiles = ["deploy/**"]\n[hosts.a]\nfiles = ["deploy/a/**"]\n')
    subject = fact("deploy/a/job.plist", role=Role.OVERRIDE, extractor="launchd")
    (result,) = named([subject], cfg)
    assert result.host == "a"


def test_named_facts_are_sorted() -> None:
    facts = [fact("b.py", line=1), fact("a.py", line=9), fact("a.py", line=2)]
    result = named(facts, config())
    assert [(f.location.path, f.location.line) for f in result] == [
        ("a.py", 2),
        ("a.py", 9),
        ("b.py", 1),
    ]


# --- precedence ---------------------------------------------------------------------------

Summary = tuple[str, str, int, str, str, str, str, int]


def summary(binding: Binding) -> Summary:
    """(service, host, port, protocol, via, scope, channel, line)."""
    return (
        binding.service,
        binding.host,
        binding.port,
        binding.protocol,
        binding.via,
        binding.scope.value,
        binding.channel,
        binding.location.line,
    )


PLIST = "deploy/com.mana.stt.plist"
COMPOSE = "docker-compose.yml"


def override(
    port: int,
    line: int,
    *,
    path: str = PLIST,
    service: str = "mana-stt",
    host: str = LOCAL_HOST,
    env: str | None = "PORT",
    tags: tuple[str, ...] = (),
) -> PortFact:
    return fact(
        path,
        port,
        Role.OVERRIDE,
        extractor="compose" if path == COMPOSE else "launchd",
        service=service,
        host=host,
        env=env,
        tags=tags,
        line=line,
    )


def publish(port: int, line: int, *, service: str = "mana-stt", protocol: str = "tcp") -> PortFact:
    return fact(
        COMPOSE,
        port,
        Role.PUBLISH,
        extractor="compose",
        service=service,
        host=COMPOSE,
        protocol=protocol,
        line=line,
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(
            [override(3020, 5)],
            [("mana-stt", "local", 3020, "tcp", "override", "host", "PORT", 5)],
            id="env-override",
        ),
        pytest.param(
            [override(3027, 3, env=None, tags=(TAG_FLAG,)), override(3025, 9)],
            [("mana-stt", "local", 3027, "tcp", "override", "host", "PORT", 3)],
            id="flag-before-env-wins",
        ),
        pytest.param(
            [override(3025, 3), override(3027, 9, env=None, tags=(TAG_FLAG,))],
            [("mana-stt", "local", 3027, "tcp", "override", "host", "PORT", 9)],
            id="flag-after-env-wins",
        ),
        pytest.param(
            [override(3021, 3, env="MANA_STT_PORT"), override(3027, 9, env=None, tags=(TAG_FLAG,))],
            [("mana-stt", "local", 3027, "tcp", "override", "host", "PORT", 9)],
            id="service-named-variable-is-the-main-channel",
        ),
        pytest.param(
            [override(3020, 3), override(9101, 4, env="METRICS_PORT")],
            [
                ("mana-stt", "local", 3020, "tcp", "override", "host", "PORT", 3),
                ("mana-stt", "local", 9101, "tcp", "override", "host", "METRICS_PORT", 4),
            ],
            id="channels-are-separate",
        ),
        pytest.param(
            [
                override(3000, 5, path=COMPOSE, host=COMPOSE, tags=(TAG_CONTAINER,)),
                override(
                    8000, 7, path=COMPOSE, host=COMPOSE, env=None, tags=(TAG_CONTAINER, TAG_FLAG)
                ),
            ],
            [("mana-stt", COMPOSE, 8000, "tcp", "override", "container", "PORT", 7)],
            id="container-flag-beats-container-env",
        ),
        pytest.param(
            [
                override(3000, 5, path=COMPOSE, host="mac-mini", tags=(TAG_CONTAINER,)),
                override(3020, 16, host="mac-mini"),
            ],
            [
                ("mana-stt", "mac-mini", 3000, "tcp", "override", "container", "PORT", 5),
                ("mana-stt", "mac-mini", 3020, "tcp", "override", "host", "PORT", 16),
            ],
            id="container-scope-does-not-replace-host-scope",
        ),
        pytest.param(
            [override(3020, 5), override(3021, 5, host="mac-mini")],
            [
                ("mana-stt", "local", 3020, "tcp", "override", "host", "PORT", 5),
                ("mana-stt", "mac-mini", 3021, "tcp", "override", "host", "PORT", 5),
            ],
            id="one-binding-per-host",
        ),
        pytest.param(
            [publish(3015, 8), publish(3016, 9)],
            [
                ("mana-stt", COMPOSE, 3015, "tcp", "publish", "host", "publish", 8),
                ("mana-stt", COMPOSE, 3016, "tcp", "publish", "host", "publish", 9),
            ],
            id="every-publish-binds",
        ),
        pytest.param(
            [publish(3478, 5, protocol="udp")],
            [("mana-stt", COMPOSE, 3478, "udp", "publish", "host", "publish", 5)],
            id="publish-keeps-protocol",
        ),
        pytest.param(
            [publish(3015, 8), publish(3015, 8)],
            [("mana-stt", COMPOSE, 3015, "tcp", "publish", "host", "publish", 8)],
            id="duplicate-fact-binds-once",
        ),
        pytest.param(
            [fact(COMPOSE, 80, Role.EXPOSE, extractor="compose", service="web", host=COMPOSE)],
            [],
            id="expose-never-binds",
        ),
        pytest.param(
            [fact(COMPOSE, 3025, Role.REFERENCE, extractor="compose", service="web", host=COMPOSE)],
            [],
            id="reference-never-binds",
        ),
        pytest.param(
            [fact("services/mana-stt/main.py", service="mana-stt")], [], id="default-never-binds"
        ),
        pytest.param(
            [fact(PLIST, 3020, Role.OVERRIDE, extractor="launchd", service="mana-stt")],
            [],
            id="override-without-host-never-binds",
        ),
        pytest.param(
            [fact(COMPOSE, 3020, Role.PUBLISH, extractor="compose", host=COMPOSE)],
            [],
            id="publish-without-service-never-binds",
        ),
        pytest.param([], [], id="nothing"),
    ],
)
def test_effective_bindings(facts: list[PortFact], expected: list[Summary]) -> None:
    assert [summary(b) for b in effective_bindings(facts, config())] == expected


GPU = """
[hosts.windows-gpu]
services = { mana-llm = 3025, mana-stt = 3020 }
"""


def test_declared_bindings_come_from_config() -> None:
    bindings = effective_bindings([], config(GPU))
    assert [summary(b) for b in bindings] == [
        ("mana-llm", "windows-gpu", 3025, "tcp", "declared", "host", "PORT", 3),
        ("mana-stt", "windows-gpu", 3020, "tcp", "declared", "host", "PORT", 3),
    ]
    assert {b.location.path for b in bindings} == {"portscan.toml"}


def test_declared_binding_sits_beside_an_in_repo_deployment() -> None:
    bindings = effective_bindings([override(3020, 16, host="mac-mini")], config(GPU))
    assert [(b.service, b.host, b.via) for b in bindings] == [
        ("mana-stt", "mac-mini", "override"),
        ("mana-llm", "windows-gpu", "declared"),
        ("mana-stt", "windows-gpu", "declared"),
    ]


def test_declared_binding_through_alias() -> None:
    """``[hosts.X] services`` may name a service by an alias."""
    cfg = config(
        "[hosts.windows-gpu]\nservices = { image-gen = 3025 }\n"
        '[services.mana-image-gen]\naliases = ["image-gen"]\n'
    )
    graph = resolve([], cfg, [])
    assert [b.service for b in graph.bindings] == ["mana-image-gen"]


# --- channels and claims ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "service", "expected"),
    [
        pytest.param(None, "mana-stt", "PORT", id="flag-or-literal"),
        pytest.param("PORT", "mana-stt", "PORT", id="port"),
        pytest.param("port", None, "PORT", id="lower-case"),
        pytest.param("LISTEN_PORT", None, "PORT", id="listen-port"),
        pytest.param("HTTP_PORT", None, "PORT", id="http-port"),
        pytest.param("SERVER_PORT", None, "PORT", id="server-port"),
        pytest.param("APP_PORT", None, "PORT", id="app-port"),
        pytest.param("WEB_PORT", None, "PORT", id="web-port"),
        pytest.param("API_PORT", None, "PORT", id="api-port"),
        pytest.param("MANA_STT_PORT", "mana-stt", "PORT", id="own-service-variable"),
        pytest.param("MANA_STT_PORT", "mana-llm", "MANA_STT_PORT", id="other-service-variable"),
        pytest.param("MANA_STT_PORT", None, "MANA_STT_PORT", id="unknown-service"),
        pytest.param("METRICS_PORT", "mana-stt", "METRICS_PORT", id="second-port"),
        pytest.param("GRPC_PORT", "mana-stt", "GRPC_PORT", id="grpc-port"),
        pytest.param("DEFAULT_PORT", "mana-search", "PORT", id="default-prefix"),
        pytest.param("DEFAULT_METRICS_PORT", None, "METRICS_PORT", id="default-prefix-second-port"),
    ],
)
def test_channel_of(env: str | None, service: str | None, expected: str) -> None:
    subject = fact("services/x/main.py", env=env)
    assert channel_of(subject, service) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        pytest.param(fact("main.py"), True, id="default"),
        pytest.param(
            fact(".env.example", extractor="dotenv", tags=(TAG_EXAMPLE,)),
            True,
            id="example-default",
        ),
        pytest.param(
            fact("Dockerfile", extractor="dockerfile", tags=(TAG_IMAGE,)), True, id="image-default"
        ),
        pytest.param(fact("tests/test_app.py", tags=(TAG_TEST,)), False, id="test-default"),
        pytest.param(fact(PLIST, role=Role.OVERRIDE, extractor="launchd"), False, id="override"),
        pytest.param(fact(COMPOSE, role=Role.PUBLISH, extractor="compose"), False, id="publish"),
        pytest.param(fact("README.md", role=Role.DOC, extractor="markdown"), False, id="doc"),
    ],
)
def test_is_claim(subject: PortFact, expected: bool) -> None:
    assert is_claim(subject) is expected


# --- the graph ----------------------------------------------------------------------------


def test_resolve_end_to_end() -> None:
    """Naming, hosts and precedence together, as the pipeline runs them."""
    cfg = config(
        '[hosts.mac-mini]\nfiles = ["scripts/mac-mini/**"]\n'
        "[hosts.windows-gpu]\nservices = { mana-llm = 3025 }\n"
    )
    facts = [
        fact("services/mana-stt/app/main.py", 3020, env="PORT", line=7),
        fact("services/mana-stt/tests/test_api.py", 3999, env="PORT", tags=(TAG_TEST,)),
        fact(
            "scripts/mac-mini/com.mana.stt.plist",
            3021,
            Role.OVERRIDE,
            extractor="launchd",
            service="com.mana.stt",
            env="PORT",
            line=16,
        ),
        fact(COMPOSE, 8080, Role.PUBLISH, extractor="compose", service="searxng", line=5),
    ]
    files = [
        "docker-compose.yml",
        "scripts/mac-mini/com.mana.stt.plist",
        "services/mana-stt/app/main.py",
        "services/mana-stt/tests/test_api.py",
    ]
    graph = resolve(facts, cfg, files)
    assert [(f.service, f.host, f.location.path) for f in graph.facts] == [
        ("searxng", COMPOSE, COMPOSE),
        ("mana-stt", "mac-mini", "scripts/mac-mini/com.mana.stt.plist"),
        ("mana-stt", None, "services/mana-stt/app/main.py"),
        ("mana-stt", None, "services/mana-stt/tests/test_api.py"),
    ]
    assert [summary(b) for b in graph.bindings] == [
        ("searxng", COMPOSE, 8080, "tcp", "publish", "host", "publish", 5),
        ("mana-stt", "mac-mini", 3021, "tcp", "override", "host", "PORT", 16),
        ("mana-llm", "windows-gpu", 3025, "tcp", "declared", "host", "PORT", 4),
    ]
    assert graph.hosts == (COMPOSE, "mac-mini", "windows-gpu")
    assert graph.services == ("mana-llm", "mana-stt", "searxng")
    assert {s: [f.port for f in fs] for s, fs in defaults_by_service(graph).items()} == {
        "mana-stt": [3020]
    }


def test_config_host_without_bindings_is_still_a_host() -> None:
    graph = resolve([], config('[hosts.spare]\nfiles = ["deploy/spare/**"]\n'), [])
    assert (graph.hosts, graph.bindings, graph.services) == (("spare",), (), ())


def test_defaults_by_service_leaves_out_unnamed_and_test_facts() -> None:
    facts = [
        fact("services/mana-stt/app/main.py", 3020, line=7),
        fact("services/mana-stt/tests/test_api.py", 3999, tags=(TAG_TEST,)),
        fact("scripts/dev.py", 8000),
        fact(PLIST, 3021, Role.OVERRIDE, extractor="launchd", service="com.mana.stt"),
    ]
    graph = resolve(facts, config(), sorted({f.location.path for f in facts}))
    result = defaults_by_service(graph)
    assert {s: [(f.port, f.location.line) for f in fs] for s, fs in result.items()} == {
        "mana-stt": [(3020, 7)]
    }


def test_scope_of_binding_follows_the_container_tag() -> None:
    bindings = effective_bindings(
        [override(3000, 5, path=COMPOSE, host=COMPOSE, tags=(TAG_CONTAINER,))], config()
    )
    assert [b.scope for b in bindings] == [Scope.CONTAINER]


def test_naming_a_fact_keeps_every_other_field() -> None:
    """resolve spells out the copy ``replace`` would make: a field added to PortFact
    later must be carried over too (every field here differs from its default)."""
    fact = fact_with_every_field()
    assert with_names(fact, "api", "mini") == replace(fact, service="api", host="mini")
    assert with_names(fact, None, None) == replace(fact, service=None, host=None)
