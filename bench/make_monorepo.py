#!/usr/bin/env python3
"""Write a deterministic synthetic monorepo for the portscan benchmark.

    bench/make_monorepo.py --files 5000 --seed 1 [--out DIR] [--no-git]

The same ``--files`` and ``--seed`` always write the same bytes. The mix follows a real
4,700-file monorepo; per 5,000 files roughly: 1,800 ``.ts``, 850 ``.svelte``/``.astro``/
``.vue``, 200 ``.js``/``.mjs``, 150 ``.py``, 100 ``.go``, 120 ``.sh``, 40 compose files,
20 launchd plists, 30 Dockerfiles, 60 ``.env`` files, 400 ``.md``, 300 ``.json``, lock
files, images, stylesheets and CI YAML. Services carry source defaults (TypeScript, Python,
Go, start scripts, Dockerfiles, ``.env.example``), deployments override and publish them
(compose files per host, plists), frontends and services reference each other by URL, and
docs name ports. Some defaults collide, some compose files publish one host port twice,
some overrides drift from their defaults: the findings a real tree has.

Most files, as in a real tree, say nothing about ports; a few mention one by accident
(``Portal``, ``viewPort``, ``"12:30"``) and pass the byte prefilter without yielding a fact.

By default the tree is committed to a fresh git repository (fixed author and dates), so
that discovery takes the ``git ls-files`` path a real monorepo takes.
"""

# ruff: noqa: E501, SIM905  (file templates and word lists read best as written)
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: Files of each kind per 5,000 files; whatever is left over is "misc" (.txt, .html ...).
MIX_PER_5000: dict[str, int] = {
    "ts": 1800,
    "svelte": 500,
    "astro": 175,
    "vue": 175,
    "js": 120,
    "mjs": 80,
    "py": 150,
    "go": 100,
    "sh": 120,
    "compose": 40,
    "plist": 20,
    "dockerfile": 30,
    "env": 60,
    "md": 400,
    "json": 300,
    "lock": 25,
    "image": 400,
    "css": 200,
    "yaml": 60,
    "toml": 40,
}

NOUNS = (
    "auth credits media llm stt tts image-gen video-gen sync search mail billing chat notes "
    "calendar contacts files storage gateway proxy metrics logs queue scheduler worker crawler "
    "indexer embed vector rag agent voice translate ocr pdf thumbs cdn analytics events "
    "webhooks admin portal-ui landing docs blog shop cart orders payments invoices ledger "
    "inventory catalog pricing reviews feeds social push sms geo maps weather news"
).split()
PREFIXES = ("mana", "core", "acme", "nova", "orbit")
WORDS = (
    "user account session token profile settings theme layout header footer sidebar modal "
    "button card list table form input select toast avatar badge chart graph editor viewer "
    "upload download export import filter sort search pager router store cache client api "
    "helper util format parse validate schema model entity repo service handler middleware"
).split()
HOSTS = ("mac-mini", "gpu-box", "hetzner", "staging", "edge", "lab")


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    lang: str  # "ts", "py" or "go"
    port: int
    host: str
    deployed: bool
    override: int | None  # a deployment that runs it on another port (drift)


@dataclass(slots=True)
class Tree:
    """The files to write, path -> bytes, and the names already taken."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, path: str, content: str | bytes) -> str:
        """Add a file under a free name (a counter goes before the suffix if taken)."""
        final = path
        counter = 2
        while final in self.files:
            stem, dot, suffix = path.rpartition(".")
            if "/" in suffix or not dot or not stem or stem.endswith("/"):
                final = f"{path}-{counter}"
            else:
                final = f"{stem}-{counter}.{suffix}"
            counter += 1
        self.files[final] = content.encode("utf-8") if isinstance(content, str) else content
        return final


def scaled_mix(total: int) -> dict[str, int]:
    """Per-kind counts for ``total`` files; "misc" takes up what rounding leaves."""
    counts = {kind: round(per * total / 5000) for kind, per in MIX_PER_5000.items()}
    while sum(counts.values()) > total:
        largest = max(counts, key=lambda kind: counts[kind])
        counts[largest] -= 1
    counts["misc"] = total - sum(counts.values())
    return counts


def camel(*words: str) -> str:
    parts = [w for word in words for w in word.replace("-", " ").split()]
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def pascal(*words: str) -> str:
    name = camel(*words)
    return name[0].upper() + name[1:]


def env_name(service: Service) -> str:
    return service.name.split("-", 1)[-1].replace("-", "_").upper() + "_PORT"


# -- filler: code that says nothing about ports ---------------------------------------------

INCIDENTAL_TS = (
    'import { Portal } from "../ui/Portal";\n',
    "const viewPort = { width: 1280, height: 720 };\n",
    'export const OPENING_HOURS = ["09:00", "12:30", "18:00"];\n',
    "const ratio = { x:16, y:9 };\n",
    "// Ported from the old dashboard.\n",
)


def ts_block(rng: random.Random) -> str:
    a, b, c = rng.sample(WORDS, 3)
    kind = rng.randrange(4)
    if kind == 0:
        return (
            f"export function {camel(a, b)}(input: {pascal(c)}Input): {pascal(c)}Result {{\n"
            f"  const items = input.items.filter((item) => item.{camel(b)} !== undefined);\n"
            f"  const total = items.reduce((sum, item) => sum + item.count * {rng.randrange(2, 9)}, 0);\n"
            f"  if (total > {rng.randrange(10, 500)}) {{\n"
            f'    throw new Error("{a} {b}: too many {c} entries");\n'
            f"  }}\n"
            f"  return {{ {camel(c)}: items, total }};\n"
            f"}}\n\n"
        )
    if kind == 1:
        return (
            f"export interface {pascal(a, b)} {{\n"
            f"  id: string;\n  {camel(c)}: number;\n  {camel(a)}Name?: string;\n"
            f"  createdAt: Date;\n  tags: readonly string[];\n}}\n\n"
        )
    if kind == 2:
        return (
            f"export class {pascal(a, c)}Store {{\n"
            f"  private readonly entries = new Map<string, {pascal(b)}>();\n\n"
            f"  get(id: string): {pascal(b)} | undefined {{\n    return this.entries.get(id);\n  }}\n\n"
            f"  set(id: string, value: {pascal(b)}): void {{\n"
            f"    this.entries.set(id, value);\n  }}\n}}\n\n"
        )
    return (
        f"export const {camel(a, b, 'options')} = {{\n"
        f"  retries: {rng.randrange(1, 6)},\n  timeout: {rng.choice((1000, 3000, 5000, 30000))},\n"
        f'  label: "{a}-{b}",\n  enabled: {rng.choice(("true", "false"))},\n}};\n\n'
    )


def ts_filler(rng: random.Random, blocks: int, incidental: bool) -> str:
    a, b = rng.sample(WORDS, 2)
    head = f'import {{ {camel(a)} }} from "./{a}";\nimport type {{ {pascal(b)} }} from "../{b}/types";\n'
    if incidental:
        head += rng.choice(INCIDENTAL_TS)
    return head + "\n" + "".join(ts_block(rng) for _ in range(blocks))


def component(rng: random.Random, kind: str, blocks: int, incidental: bool) -> str:
    script = ts_filler(rng, max(1, blocks // 2), incidental)
    a, b = rng.sample(WORDS, 2)
    markup = "".join(
        f'  <div class="{a}-{i}">\n    <span>{{{camel(b)}.label}}</span>\n  </div>\n'
        for i in range(blocks)
    )
    style = f".{a} {{ display: flex; gap: 8px; }}\n"
    if kind == "vue":
        return f'<template>\n{markup}</template>\n\n<script setup lang="ts">\n{script}</script>\n\n<style scoped>\n{style}</style>\n'
    if kind == "astro":
        return f"---\n{script}---\n<section>\n{markup}</section>\n<style>\n{style}</style>\n"
    return f'<script lang="ts">\n{script}</script>\n\n{markup}\n<style>\n{style}</style>\n'


def py_filler(rng: random.Random, blocks: int) -> str:
    out = ['"""Helpers."""\n\nfrom __future__ import annotations\n\nimport logging\n\n']
    out.append("log = logging.getLogger(__name__)\n\n")
    for _ in range(blocks):
        a, b = rng.sample(WORDS, 2)
        out.append(
            f"\ndef {a}_{b}(items: list[dict[str, int]], limit: int = {rng.randrange(5, 100)}) -> int:\n"
            f'    """Count the {a} {b} entries, at most ``limit``."""\n'
            f"    total = 0\n    for item in items[:limit]:\n"
            f'        total += item.get("{b}", 0) * {rng.randrange(2, 9)}\n'
            f'    log.debug("%s %s", "{a}", total)\n    return total\n\n'
        )
    return "".join(out)


def go_filler(rng: random.Random, blocks: int, package: str) -> str:
    out = [f'package {package}\n\nimport (\n\t"errors"\n\t"strings"\n)\n\n']
    for _ in range(blocks):
        a, b = rng.sample(WORDS, 2)
        out.append(
            f"// {pascal(a, b)} joins the {a} parts.\n"
            f"func {pascal(a, b)}(parts []string) (string, error) {{\n"
            f"\tif len(parts) > {rng.randrange(5, 90)} {{\n"
            f'\t\treturn "", errors.New("too many {b} parts")\n\t}}\n'
            f'\treturn strings.Join(parts, "{rng.choice("-_./")}"), nil\n}}\n\n'
        )
    return "".join(out)


def md_filler(rng: random.Random, blocks: int, title: str) -> str:
    out = [f"# {title}\n\n"]
    for _ in range(blocks):
        a, b, c = rng.sample(WORDS, 3)
        out.append(
            f"## {a.capitalize()} {b}\n\nThe {a} {b} keeps the {c} in step with the rest of the "
            f"system. Run `pnpm test` before you push; the {c} checks take about "
            f"{rng.randrange(2, 40)} seconds.\n\n- {a}\n- {b}\n- {c}\n\n"
        )
    return "".join(out)


def lock_text(rng: random.Random, lines: int) -> str:
    return "".join(
        f"  /{rng.choice(WORDS)}-{rng.choice(WORDS)}@{rng.randrange(1, 9)}.{rng.randrange(30)}"
        f".{rng.randrange(30)}:\n    resolution: {{integrity: sha512-{rng.getrandbits(128):032x}}}\n"
        f"    engines: {{node: '>=1{rng.randrange(4, 9)}'}}\n"
        for _ in range(lines)
    )


# -- files that do say something about ports --------------------------------------------------


def ts_service_config(service: Service, peer: Service | None) -> str:
    text = (
        f"// {service.name}: configuration.\n"
        f"export const config = {{\n"
        f"  port: Number(process.env.PORT ?? {service.port}),\n"
        f"  sessionTtlMs: 3000 * 60,\n"
        f'  databaseUrl: process.env.DATABASE_URL ?? "postgres://localhost/{service.name.replace("-", "_")}",\n'
    )
    if peer is not None:
        text += f'  {camel(peer.name.split("-", 1)[-1])}Url: process.env.{env_name(peer)[:-5]}_URL ?? "http://{peer.name}:{peer.port}",\n'
    return text + "};\n"


def ts_server(service: Service) -> str:
    return (
        'import { Hono } from "hono";\nimport { config } from "./config";\n\n'
        "const app = new Hono();\n"
        'app.get("/health", (c) => c.text("ok"));\n\n'
        "export default { port: config.port, fetch: app.fetch };\n"
    )


def ts_client(rng: random.Random, peers: list[Service]) -> str:
    lines = ['import { request } from "./request";\n\n']
    for peer in peers:
        path = rng.choice(WORDS)
        style = rng.randrange(3)
        if style == 0:
            lines.append(
                f'export const {camel(peer.name.split("-", 1)[-1])}Api = "http://{peer.name}:{peer.port}/api/{path}";\n'
            )
        elif style == 1:
            lines.append(
                f"const {camel(peer.name.split('-', 1)[-1])}Base = `http://localhost:${{process.env.{env_name(peer)} ?? {peer.port}}}`;\n"
            )
        else:
            lines.append(
                f'export async function get{pascal(path)}() {{\n  return request("http://localhost:{peer.port}/{path}");\n}}\n'
            )
    return "".join(lines)


def vite_config(port: int) -> str:
    return (
        'import { sveltekit } from "@sveltejs/kit/vite";\nimport { defineConfig } from "vite";\n\n'
        "export default defineConfig({\n  plugins: [sveltekit()],\n"
        f"  server: {{\n    port: {port},\n    strictPort: true,\n  }},\n}});\n"
    )


def py_service_main(service: Service) -> str:
    return (
        f'"""{service.name}: the HTTP entry point."""\n\n'
        "import os\n\nimport uvicorn\nfrom fastapi import FastAPI\n\n"
        "app = FastAPI()\n\n\n"
        '@app.get("/health")\ndef health() -> dict[str, str]:\n    return {"status": "ok"}\n\n\n'
        'if __name__ == "__main__":\n'
        f'    uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "{service.port}")))\n'
    )


def py_settings(service: Service, peer: Service | None) -> str:
    text = (
        f'"""Settings of {service.name}."""\n\nfrom pydantic_settings import BaseSettings\n\n\n'
        "class Settings(BaseSettings):\n"
        '    host: str = "0.0.0.0"\n'
        f"    port: int = {service.port}\n"
        "    max_retries: int = 3\n    request_timeout: int = 3000\n"
    )
    if peer is not None:
        text += f'    {peer.name.split("-", 1)[-1].replace("-", "_")}_url: str = "http://{peer.name}:{peer.port}"\n'
    return text + "\n\nsettings = Settings()\n"


def go_main(service: Service) -> str:
    return (
        f"// {service.name}: the HTTP server.\npackage main\n\n"
        'import (\n\t"log"\n\t"net/http"\n\t"os"\n\t"time"\n)\n\n'
        "func getEnv(key, fallback string) string {\n"
        '\tif value := os.Getenv(key); value != "" {\n\t\treturn value\n\t}\n\treturn fallback\n}\n\n'
        "func main() {\n"
        f'\tport := getEnv("PORT", "{service.port}")\n'
        '\tserver := &http.Server{Addr: ":" + port, ReadTimeout: 3000 * time.Millisecond}\n'
        "\tlog.Fatal(server.ListenAndServe())\n}\n"
    )


def start_script(service: Service) -> str:
    command = {
        "py": 'exec uvicorn app.main:app --host 0.0.0.0 --port "$PORT"',
        "go": 'exec ./bin/server --listen ":$PORT"',
        "ts": 'exec bun run src/server.ts --port "$PORT"',
    }[service.lang]
    return (
        f"#!/usr/bin/env bash\n# Local development start for {service.name}.\n"
        f"set -euo pipefail\nPORT=${{PORT:-{service.port}}}\n{command}\n"
    )


def shell_filler(rng: random.Random, blocks: int) -> str:
    out = ["#!/usr/bin/env bash\nset -euo pipefail\n\n"]
    for _ in range(blocks):
        a, b = rng.sample(WORDS, 2)
        out.append(
            f'{a}_{b}() {{\n  local dir="${{1:-.}}"\n  find "$dir" -name "*.{b}" -mtime +{rng.randrange(1, 30)} -print\n'
            f'  echo "{a}: done"\n}}\n\n'
        )
    return "".join(out)


def dockerfile(service: Service) -> str:
    base = {"py": "python:3.12-slim", "go": "golang:1.22-alpine", "ts": "oven/bun:1"}[service.lang]
    return (
        f"FROM {base}\nWORKDIR /app\nCOPY . .\n"
        f"ENV PORT={service.port}\nEXPOSE {service.port}\n"
        f'CMD ["./start.sh"]\n'
    )


def dotenv(service: Service, peer: Service | None) -> str:
    text = f"# Copy to .env for local development.\nPORT={service.port}\nJWT_TTL=3600\nLOG_LEVEL=info\n"
    if peer is not None:
        text += f"{env_name(peer)[:-5]}_URL=http://localhost:{peer.port}\n"
    return text


def compose(host: str, services: list[Service], rng: random.Random, clash: bool) -> str:
    out = [f"# Services on {host}.\nservices:\n"]
    published: list[int] = []
    for service in services:
        port = service.override or service.port
        out.append(f"  {service.name}:\n    build: ./services/{service.name}\n")
        if service.override is not None:
            out.append(f"    environment:\n      PORT: {port}\n")
        else:
            out.append(f"    environment:\n      - LOG_LEVEL=info\n      - PORT={port}\n")
        host_port = published[0] if clash and published and len(published) == 2 else port
        out.append(f'    ports:\n      - "{host_port}:{port}"\n')
        published.append(host_port)
        if rng.random() < 0.3:
            out.append(
                f'    healthcheck:\n      test: ["CMD", "curl", "-f", "http://localhost:{port}/health"]\n'
            )
    out.append('  redis:\n    image: redis:7\n    expose:\n      - "6379"\n')
    return "".join(out)


def plist(service: Service, port: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n'
        f"    <key>Label</key>\n    <string>com.{service.name.replace('-', '.')}</string>\n"
        "    <key>ProgramArguments</key>\n    <array>\n"
        f"        <string>/opt/{service.name}/bin/server</string>\n"
        f"        <string>--port</string>\n        <string>{port}</string>\n"
        "    </array>\n    <key>RunAtLoad</key>\n    <true/>\n</dict>\n</plist>\n"
    )


def package_json(name: str, port: int | None) -> str:
    dev = f"vite dev --port {port}" if port is not None else "tsc --watch"
    return (
        f'{{\n  "name": "@repo/{name}",\n  "private": true,\n  "version": "0.0.0",\n'
        f'  "scripts": {{\n    "dev": "{dev}",\n    "build": "vite build",\n    "test": "vitest run"\n  }},\n'
        '  "dependencies": {\n    "zod": "^3.23.8"\n  }\n}\n'
    )


# -- the tree -------------------------------------------------------------------------------


def make_services(rng: random.Random, count: int) -> list[Service]:
    names: list[str] = []
    for prefix in PREFIXES:
        names.extend(f"{prefix}-{noun}" for noun in NOUNS)
    rng.shuffle(names)
    while len(names) < count:
        names.append(f"extra-svc{len(names)}")
    services: list[Service] = []
    used: list[int] = []
    for index in range(count):
        lang = rng.choices(("ts", "py", "go"), weights=(5, 3, 2))[0]
        if used and rng.random() < 0.05:
            port = rng.choice(used)  # a latent collision
        else:
            port = 3000 + rng.randrange(3000)
            while port in used:
                port = 3000 + rng.randrange(3000)
        used.append(port)
        deployed = rng.random() < 0.75
        override = port + 1 if deployed and rng.random() < 0.1 else None
        services.append(Service(names[index], lang, port, rng.choice(HOSTS), deployed, override))
    return services


def build(total: int, seed: int) -> Tree:
    """The whole tree, in memory."""
    rng = random.Random(seed)
    counts = scaled_mix(total)
    tree = Tree()
    services = make_services(rng, max(3, round(total / 60)))
    apps = [
        (f"{rng.choice(PREFIXES)}-{noun}-web", rng.choice(("svelte", "astro", "vue")))
        for noun in rng.sample(NOUNS, min(len(NOUNS), max(1, round(total / 250))))
    ]
    packages = [f"{w}-kit" for w in rng.sample(WORDS, min(len(WORDS), max(1, round(total / 200))))]
    while len(packages) < max(1, round(total / 200)):
        packages.append(f"lib-{len(packages)}")
    left = dict(counts)

    def take(kind: str) -> bool:
        if left.get(kind, 0) <= 0:
            return False
        left[kind] -= 1
        return True

    def peer_of(service: Service) -> Service | None:
        peer = rng.choice(services)
        return None if peer is service else peer

    # Services: their port-bearing files first.
    for service in services:
        base = f"services/{service.name}"
        peer = peer_of(service)
        if service.lang == "ts":
            if take("ts"):
                tree.add(f"{base}/src/config.ts", ts_service_config(service, peer))
            if take("ts"):
                tree.add(f"{base}/src/server.ts", ts_server(service))
        elif service.lang == "py":
            if take("py"):
                tree.add(f"{base}/app/main.py", py_service_main(service))
            if take("py"):
                tree.add(f"{base}/app/config.py", py_settings(service, peer))
        elif take("go"):
            tree.add(f"{base}/main.go", go_main(service))
        if take("sh"):
            tree.add(f"{base}/start.sh", start_script(service))
        if take("dockerfile"):
            tree.add(f"{base}/Dockerfile", dockerfile(service))
        if rng.random() < 0.7 and take("env"):
            tree.add(f"{base}/.env.example", dotenv(service, peer))
        if take("md"):
            tree.add(f"{base}/README.md", f"# {service.name}\n\nRuns on port {service.port}.\n")
        if service.lang == "ts" and take("json"):
            tree.add(f"{base}/package.json", package_json(service.name, None))
        if service.lang == "py" and take("toml"):
            tree.add(
                f"{base}/pyproject.toml", f'[project]\nname = "{service.name}"\nversion = "0.1.0"\n'
            )
    # Deployments: compose files per host, plists for some.
    deployed = [s for s in services if s.deployed]
    hosts = sorted({s.host for s in deployed})
    compose_index = 0
    while left["compose"] > 0 and deployed:
        host = hosts[compose_index % len(hosts)]
        members = [s for s in deployed if s.host == host] or deployed
        chunk = rng.sample(members, min(len(members), rng.randrange(2, 7)))
        take("compose")
        variant = ("", ".prod", ".staging", ".dev")[compose_index // len(hosts) % 4]
        tree.add(
            f"deploy/{host}/docker-compose{variant}.yml",
            compose(host, chunk, rng, clash=rng.random() < 0.15),
        )
        compose_index += 1
    while left["plist"] > 0 and deployed:
        service = rng.choice(deployed)
        take("plist")
        tree.add(
            f"deploy/{service.host}/launchd/com.{service.name}.plist",
            plist(service, service.override or service.port),
        )
    # Apps: a dev server config and a client of some services each.
    for name, _framework in apps:
        base = f"apps/{name}"
        port = 5000 + rng.randrange(1000)
        if take("ts"):
            tree.add(f"{base}/vite.config.ts", vite_config(port))
        if take("json"):
            tree.add(f"{base}/package.json", package_json(name, port))
        if take("ts"):
            tree.add(f"{base}/src/lib/api.ts", ts_client(rng, rng.sample(services, 3)))
        if take("md"):
            tree.add(f"{base}/README.md", f"# {name}\n\n`pnpm dev` serves it on port {port}.\n")
        if take("lock"):
            tree.add(f"{base}/package-lock.json", lock_text(rng, 400))
    if take("lock"):
        tree.add("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n" + lock_text(rng, 3000))
    # Filler, kind by kind, spread over the units.
    component_apps = {
        kind: [a for a, f in apps if f == kind] for kind in ("svelte", "astro", "vue")
    }
    all_apps = [a for a, _ in apps]
    ts_homes = (
        [f"services/{s.name}/src" for s in services if s.lang == "ts"]
        + [f"packages/{p}/src" for p in packages]
        + [f"apps/{a}/src/lib" for a in all_apps]
    )

    def blocks() -> int:
        return min(60, max(1, int(rng.lognormvariate(2.0, 0.7))))

    fillers: dict[str, Callable[[], tuple[str, str | bytes]]] = {}

    def ts_file() -> tuple[str, str | bytes]:
        home = rng.choice(ts_homes)
        sub = rng.choice(("", "lib/", "utils/", "stores/", "api/", "types/"))
        name = camel(*rng.sample(WORDS, 2))
        suffix = ".test.ts" if rng.random() < 0.15 else ".ts"
        return f"{home}/{sub}{name}{suffix}", ts_filler(rng, blocks(), rng.random() < 0.06)

    def component_file(kind: str) -> Callable[[], tuple[str, str | bytes]]:
        def make() -> tuple[str, str | bytes]:
            app = rng.choice(component_apps[kind] or all_apps)
            folder = rng.choice(("src/components", "src/routes", "src/lib/ui", "src/pages"))
            name = pascal(*rng.sample(WORDS, 2))
            return f"apps/{app}/{folder}/{name}.{kind}", component(
                rng, kind, blocks(), rng.random() < 0.06
            )

        return make

    def js_file(suffix: str) -> Callable[[], tuple[str, str | bytes]]:
        def make() -> tuple[str, str | bytes]:
            home = rng.choice([f"apps/{a}" for a in all_apps] + [f"packages/{p}" for p in packages])
            name = rng.choice(("eslint.config", "postcss.config", "scripts/build", "scripts/gen"))
            return f"{home}/{name}{suffix}", ts_filler(rng, blocks(), False).replace(
                "import type", "import"
            )

        return make

    py_services = [s for s in services if s.lang == "py"] or services
    go_services = [s for s in services if s.lang == "go"] or services

    def py_file() -> tuple[str, str | bytes]:
        service = rng.choice(py_services)
        folder = rng.choice(("app", "app/routes", "app/models", "tests"))
        name = "_".join(rng.sample(WORDS, 2))
        name = f"test_{name}" if folder == "tests" else name
        return f"services/{service.name}/{folder}/{name}.py", py_filler(rng, blocks())

    def go_file() -> tuple[str, str | bytes]:
        service = rng.choice(go_services)
        package = rng.choice(("handlers", "store", "internal"))
        name = "_".join(rng.sample(WORDS, 2))
        return f"services/{service.name}/{package}/{name}.go", go_filler(rng, blocks(), package)

    def sh_file() -> tuple[str, str | bytes]:
        host = rng.choice(HOSTS)
        name = "-".join(rng.sample(WORDS, 2))
        return f"scripts/{host}/{name}.sh", shell_filler(rng, blocks())

    def env_file() -> tuple[str, str | bytes]:
        service = rng.choice(services)
        return f"services/{service.name}/.env.test", "LOG_LEVEL=debug\nFEATURE_FLAGS=a,b\n"

    def dockerfile_file() -> tuple[str, str | bytes]:
        service = rng.choice(services)
        return f"services/{service.name}/Dockerfile.dev", dockerfile(service)

    def md_file() -> tuple[str, str | bytes]:
        folder = rng.choice(("docs", "docs/guides", "docs/adr", "docs/runbooks"))
        title = " ".join(rng.sample(WORDS, 3))
        return f"{folder}/{title.replace(' ', '-')}.md", md_filler(rng, blocks(), title)

    def json_file() -> tuple[str, str | bytes]:
        home = rng.choice([f"apps/{a}" for a in all_apps] + [f"packages/{p}" for p in packages])
        if rng.random() < 0.3:
            return f"{home}/tsconfig.json", '{\n  "extends": "../../tsconfig.base.json"\n}\n'
        keys = ",\n".join(
            f'  "{a}.{b}": "{a.capitalize()} {b}"'
            for a, b in (rng.sample(WORDS, 2) for _ in range(blocks() * 3))
        )
        return (
            f"{home}/src/locales/{rng.choice(('en', 'de', 'fr', 'es'))}.json",
            "{\n" + keys + "\n}\n",
        )

    def lock_file() -> tuple[str, str | bytes]:
        service = rng.choice(services)
        name = {"go": "go.sum", "py": "uv.lock", "ts": "bun.lock"}[service.lang]
        return f"services/{service.name}/{name}", lock_text(rng, 200)

    def image_file() -> tuple[str, str | bytes]:
        app = rng.choice(all_apps)
        name = "-".join(rng.sample(WORDS, 2))
        ext = rng.choice(("png", "jpg", "svg", "ico"))
        size = int(rng.lognormvariate(8.5, 1.0))
        if ext == "svg":
            return f"apps/{app}/static/{name}.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>\n'
        header = b"\x89PNG\r\n\x1a\n" if ext == "png" else b"\xff\xd8\xff\xe0"
        return f"apps/{app}/static/{name}.{ext}", header + rng.randbytes(size)

    def css_file() -> tuple[str, str | bytes]:
        app = rng.choice(all_apps)
        rules = "".join(
            f".{w} {{ margin: {rng.randrange(20)}px; color: #{rng.getrandbits(24):06x}; }}\n"
            for w in rng.sample(WORDS, 8)
        )
        return f"apps/{app}/src/styles/{rng.choice(WORDS)}.css", rules

    def yaml_file() -> tuple[str, str | bytes]:
        name = "-".join(rng.sample(WORDS, 2))
        return f".github/workflows/{name}.yml", (
            f"name: {name}\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - uses: actions/checkout@v4\n      - run: pnpm test\n"
        )

    def toml_file() -> tuple[str, str | bytes]:
        package = rng.choice(packages)
        return f"packages/{package}/config/{rng.choice(WORDS)}.toml", "[tool]\nname = 'x'\n"

    def misc_file() -> tuple[str, str | bytes]:
        app = rng.choice(all_apps)
        name = rng.choice(WORDS)
        if rng.random() < 0.5:
            return f"apps/{app}/static/{name}.txt", "User-agent: *\nAllow: /\n"
        return (
            f"apps/{app}/src/{name}.html",
            "<!doctype html>\n<html><body>%sveltekit.body%</body></html>\n",
        )

    fillers.update(
        ts=ts_file,
        svelte=component_file("svelte"),
        astro=component_file("astro"),
        vue=component_file("vue"),
        js=js_file(".js"),
        mjs=js_file(".mjs"),
        py=py_file,
        go=go_file,
        sh=sh_file,
        env=env_file,
        dockerfile=dockerfile_file,
        md=md_file,
        json=json_file,
        lock=lock_file,
        image=image_file,
        css=css_file,
        yaml=yaml_file,
        toml=toml_file,
        misc=misc_file,
    )
    for kind in sorted(left):
        if kind in ("compose", "plist") and left[kind] > 0:
            left["misc"] += left[kind]  # no deployed service to write them for
            left[kind] = 0
    for kind in sorted(left):
        for _ in range(left[kind]):
            path, content = fillers[kind]()
            tree.add(path, content)
    return tree


def write(tree: Tree, out: Path, git: bool) -> None:
    """Write the files (replacing ``out``) and, with ``git``, commit them."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for path in sorted(tree.files):
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(tree.files[path])
    if git:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.invalid",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.invalid",
            "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z",
            "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
        }
        for args in (
            ["init", "-q", "-b", "main"],
            ["add", "-A"],
            ["commit", "-q", "--no-gpg-sign", "-m", "synthetic monorepo"],
        ):
            subprocess.run(["git", "-C", str(out), *args], check=True, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000, help="number of files (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, help="folder to write (default bench/trees/N-S)")
    parser.add_argument("--no-git", action="store_true", help="do not make it a git repository")
    args = parser.parse_args(argv)
    if args.files < 1:
        parser.error("--files must be at least 1")
    out = args.out or Path(__file__).resolve().parent / "trees" / f"{args.files}-{args.seed}"
    tree = build(args.files, args.seed)
    write(tree, out, git=not args.no_git)
    size = sum(len(content) for content in tree.files.values())
    print(f"{out}: {len(tree.files)} files, {size / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
