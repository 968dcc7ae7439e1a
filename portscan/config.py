"""portscan's configuration: ``portscan.toml`` or ``[tool.portscan]`` in ``pyproject.toml``.

The file is read once into a frozen :class:`Config`. Every key is validated: an unknown
key, a wrong type or a bad glob raises :class:`ConfigError` with one line that names the
file, the line, the key and the problem. Defaults make a config file optional.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portscan.globs import GlobError, compile_globs
from portscan.model import Location, Severity

CONFIG_FILE = "portscan.toml"
PYPROJECT = "pyproject.toml"
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
#: Seconds one file's extraction may take before it becomes a parse-error.
DEFAULT_MAX_FILE_TIME = 5.0
FAIL_ON_CHOICES = ("error", "warning", "info", "never")
SEVERITY_CHOICES = ("error", "warning", "info")

_TOP_KEYS = (
    "include",
    "exclude",
    "fail-on",
    "select",
    "ignore",
    "baseline",
    "max-file-size",
    "max-file-time",
    "rules",
    "hosts",
    "services",
    "ranges",
    "reserved",
    "severity",
)
_HOST_KEYS = ("files", "addresses", "services")
_SERVICE_KEYS = ("aliases", "paths", "category")
_SIZE = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*$")
_SIZE_UNITS = {
    None: 1,
    "B": 1,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class ConfigError(Exception):
    """A configuration problem; its message is the one line a user sees."""


@dataclass(frozen=True, slots=True)
class DeclaredBinding:
    """``[hosts.X] services = {name = port}``: a deployment that lives outside the repo."""

    service: str
    port: int
    location: Location


@dataclass(frozen=True, slots=True)
class HostConfig:
    """A ``[hosts.NAME]`` table: its deployment files, addresses and declared services."""

    name: str
    files: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    services: tuple[DeclaredBinding, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """A ``[services.NAME]`` table: other names, the paths it owns, its port category."""

    name: str
    aliases: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the pipeline may be told. ``source`` is the file it came from, if any."""

    source: str | None = None
    include: tuple[str, ...] = ("**",)
    exclude: tuple[str, ...] = ()
    fail_on: str = "error"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    baseline: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_file_time: float = DEFAULT_MAX_FILE_TIME  # seconds
    rules: tuple[str, ...] = ()  # absolute folder paths
    hosts: tuple[HostConfig, ...] = ()
    services: tuple[ServiceConfig, ...] = ()
    ranges: tuple[tuple[str, int, int], ...] = ()
    reserved: tuple[tuple[int, str], ...] = field(default=())
    severity: tuple[tuple[str, Severity], ...] = ()  # (finding code, level), by code

    def fail_threshold(self) -> Severity | None:
        """The least severe level that fails the run; None for ``never``."""
        return None if self.fail_on == "never" else Severity(self.fail_on)


def find_config(root: Path) -> Path | None:
    """``portscan.toml`` at the scan root, else a ``pyproject.toml`` with [tool.portscan]."""
    candidate = root / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        try:
            data = _toml(pyproject.read_text(encoding="utf-8"))
        except (ValueError, OSError):  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
            return None
        if isinstance(data.get("tool"), dict) and "portscan" in data["tool"]:
            return pyproject
    return None


def _toml(text: str) -> dict[str, Any]:
    """``tomllib.loads``, imported on first use: a tree without a config file never needs
    the TOML parser, whose import is a noticeable part of a warm scan's start-up.
    Raises ``TOMLDecodeError``, a ValueError."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    data: dict[str, Any] = tomllib.loads(text)
    return data


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The config for a scan of ``root``: ``explicit`` if given, else found from root."""
    path = explicit if explicit is not None else find_config(root)
    if path is None:
        return Config()
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    return parse_config(text, path, root)


def _display_path(path: Path, root: Path | None) -> str:
    """How findings name the config file: relative to the scan root when inside it."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def parse_config(text: str, path: Path, root: Path | None = None) -> Config:
    """Validate a config document. ``path`` names it in messages and anchors relative
    paths; ``root`` (the scan root) makes the locations of declared deployments relative."""
    try:
        data = _toml(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    prefix = ""
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        data = tool.get("portscan", {}) if isinstance(tool, dict) else {}
        prefix = "tool.portscan."
    return _Reader(text, path, prefix, _display_path(path, root)).read(data)


@dataclass(frozen=True)
class _Reader:
    """Turns one config document into Config fields, with messages that name the key
    and its line."""

    text: str
    path: Path
    prefix: str
    display: str

    # -- messages ---------------------------------------------------------------------
    def line_of(self, key: str) -> int | None:
        """The line that sets ``key`` (dotted), found in the text: tomllib keeps none."""
        parts = key.split(".")
        lines = self.text.splitlines()
        header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+\s*(#.*)?$")
        table: list[str] = []
        for number, line in enumerate(lines, start=1):
            match = header.match(line)
            if match:
                table = [p.strip().strip('"') for p in match.group(1).split(".")]
                if table == parts:
                    return number
                continue
            assign = re.match(r'^\s*("[^"]*"|[A-Za-z0-9_\-]+)\s*=', line)
            if assign:
                name = assign.group(1).strip('"')
                if [*table, name] == parts:
                    return number
        return None

    def locate(self, key: str) -> int | None:
        """The line of a dotted key; inside an inline table, the line of its last part."""
        line = self.line_of(key)
        if line is not None or "." not in key:
            return line
        parent, _, name = key.rpartition(".")
        start = self.locate(parent)
        if start is None:
            return None
        pattern = re.compile(rf'(^|[{{,\s])"?{re.escape(name)}"?\s*=')
        for number, text in enumerate(self.text.splitlines()[start - 1 :], start=start):
            if pattern.search(text):
                return number
        return start

    def error(self, key: str, problem: str) -> ConfigError:
        full = self.prefix + key
        line = self.locate(full)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {full}: {problem}")

    # -- typed accessors --------------------------------------------------------------
    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        return tuple(value)

    def globs(self, value: Any, key: str) -> tuple[str, ...]:
        patterns = self.strings(value, key)
        try:
            compile_globs(patterns)
        except GlobError as exc:
            raise self.error(key, str(exc)) from None
        return patterns

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        return value

    def check_keys(self, table: dict[str, Any], allowed: tuple[str, ...], key: str) -> None:
        for name in table:
            if name not in allowed:
                where = f"{key}.{name}" if key else name
                raise self.error(where, f"unknown key (expected one of: {', '.join(allowed)})")

    def port(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 65535:
            raise self.error(key, "must be a port number from 1 to 65535")
        return value

    # -- the document -----------------------------------------------------------------
    def read(self, data: dict[str, Any]) -> Config:
        self.check_keys(data, _TOP_KEYS, "")
        config: dict[str, Any] = {"source": str(self.path)}
        if "include" in data:
            config["include"] = self.globs(data["include"], "include")
        if "exclude" in data:
            config["exclude"] = self.globs(data["exclude"], "exclude")
        if "fail-on" in data:
            value = data["fail-on"]
            if value not in FAIL_ON_CHOICES:
                raise self.error("fail-on", f"must be one of {', '.join(FAIL_ON_CHOICES)}")
            config["fail_on"] = value
        for key in ("select", "ignore"):
            if key in data:
                config[key] = self.strings(data[key], key)
        if "baseline" in data:
            if not isinstance(data["baseline"], str) or not data["baseline"]:
                raise self.error("baseline", "must be a file path")
            config["baseline"] = data["baseline"]
        if "max-file-size" in data:
            config["max_file_size"] = self.size(data["max-file-size"])
        if "max-file-time" in data:
            config["max_file_time"] = self.duration(data["max-file-time"])
        if "rules" in data:
            folders = self.strings(data["rules"], "rules")
            base = self.path.parent
            config["rules"] = tuple(str((base / folder).resolve()) for folder in folders)
            for folder, resolved in zip(folders, config["rules"], strict=True):
                if not Path(resolved).is_dir():
                    raise self.error("rules", f"{folder!r} is not a folder")
        if "hosts" in data:
            config["hosts"] = tuple(
                self.host(name, value)
                for name, value in sorted(self.table(data["hosts"], "hosts").items())
            )
        if "services" in data:
            config["services"] = tuple(
                self.service(name, value)
                for name, value in sorted(self.table(data["services"], "services").items())
            )
        if "ranges" in data:
            config["ranges"] = self.ranges(self.table(data["ranges"], "ranges"))
        if "reserved" in data:
            config["reserved"] = self.reserved(self.table(data["reserved"], "reserved"))
        if "severity" in data:
            config["severity"] = self.severity(self.table(data["severity"], "severity"))
        self.check_categories(config)
        return Config(**config)

    def size(self, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        match = _SIZE.match(value) if isinstance(value, str) else None
        if match is None or int(match.group(1)) <= 0:
            raise self.error("max-file-size", "must be a size such as 2MiB, 512KiB or 1048576")
        return int(match.group(1)) * _SIZE_UNITS[match.group(2)]

    def duration(self, value: Any) -> float:
        """``"5s"``, ``"500ms"`` or a number of seconds, more than zero."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = float(value)
        else:
            match = _DURATION.match(value) if isinstance(value, str) else None
            if match is None:
                seconds = 0.0
            else:
                seconds = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
        if not 0 < seconds < float("inf"):
            raise self.error("max-file-time", "must be a duration such as 5s, 500ms or 2.5")
        return seconds

    def host(self, name: str, value: Any) -> HostConfig:
        key = f"hosts.{name}"
        if not _NAME.match(name):
            raise self.error(key, "host names are letters, digits, '.', '_' and '-'")
        table = self.table(value, key)
        self.check_keys(table, _HOST_KEYS, key)
        files = self.globs(table.get("files", []), f"{key}.files")
        addresses = self.strings(table.get("addresses", []), f"{key}.addresses")
        declared = []
        services = self.table(table.get("services", {}), f"{key}.services")
        for service, port in sorted(services.items()):
            port_key = f"{key}.services.{service}"
            value = self.port(port, port_key)
            line = self.locate(self.prefix + port_key) or 1
            declared.append(
                DeclaredBinding(service, value, self.value_location(line, service, value))
            )
        return HostConfig(name, files, addresses, tuple(declared))

    def value_location(self, line: int, key: str, value: int) -> Location:
        """Where ``key = value`` puts the value on ``line``: findings point at it."""
        text = self.text.splitlines()[line - 1] if line <= len(self.text.splitlines()) else ""
        match = re.search(rf'"?{re.escape(key)}"?\s*=\s*({value})(?!\d)', text)
        col = match.start(1) + 1 if match else 1
        return Location(self.display, line, col, line, col + len(str(value)))

    def service(self, name: str, value: Any) -> ServiceConfig:
        key = f"services.{name}"
        if not _NAME.match(name):
            raise self.error(key, "service names are letters, digits, '.', '_' and '-'")
        table = self.table(value, key)
        self.check_keys(table, _SERVICE_KEYS, key)
        category = table.get("category")
        if category is not None and not isinstance(category, str):
            raise self.error(f"{key}.category", "must be a string")
        return ServiceConfig(
            name=name,
            aliases=self.strings(table.get("aliases", []), f"{key}.aliases"),
            paths=self.globs(table.get("paths", []), f"{key}.paths"),
            category=category,
        )

    def ranges(self, table: dict[str, Any]) -> tuple[tuple[str, int, int], ...]:
        result = []
        for name, value in sorted(table.items()):
            key = f"ranges.{name}"
            if not isinstance(value, list) or len(value) != 2:
                raise self.error(key, "must be a pair [low, high]")
            low, high = self.port(value[0], key), self.port(value[1], key)
            if low > high:
                raise self.error(key, f"low end {low} is above high end {high}")
            result.append((name, low, high))
        return tuple(result)

    def reserved(self, table: dict[str, Any]) -> tuple[tuple[int, str], ...]:
        result = []
        for raw, label in table.items():
            key = f"reserved.{raw}"
            if not raw.isdigit():
                raise self.error(key, "keys are port numbers")
            if not isinstance(label, str):
                raise self.error(key, "must be a string naming what owns the port")
            result.append((self.port(int(raw), key), label))
        return tuple(sorted(result))

    def severity(self, table: dict[str, Any]) -> tuple[tuple[str, Severity], ...]:
        """``[severity] latent-collision = "error"``: keys are codes or names, one level
        per finding (``PS002`` and ``latent-collision`` may not both be set)."""
        # Imported here: the rule registry imports this module for its Context.
        from portscan.analyze import BY_CODE, BY_NAME

        levels: dict[str, Severity] = {}
        for raw, value in table.items():
            key = f"severity.{raw}"
            rule = BY_CODE.get(raw.upper()) or BY_NAME.get(raw)
            if rule is None:
                raise self.error(key, "unknown finding (keys are codes such as PS002 or names)")
            if value not in SEVERITY_CHOICES:
                raise self.error(key, f"must be one of {', '.join(SEVERITY_CHOICES)}")
            if rule.CODE in levels:
                raise self.error(key, f"{rule.CODE} {rule.NAME} is already set")
            levels[rule.CODE] = Severity(value)
        return tuple(sorted(levels.items()))

    def check_categories(self, config: dict[str, Any]) -> None:
        ranges = {name for name, _, _ in config.get("ranges", ())}
        for service in config.get("services", ()):
            if service.category is not None and ranges and service.category not in ranges:
                raise self.error(
                    f"services.{service.name}.category",
                    f"no range named {service.category!r} in [ranges]",
                )
