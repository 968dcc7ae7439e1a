"""Python sources, read with libcst: the ports a service's code listens on and calls.

One visitor pass over the concrete syntax tree collects port literals from:

- environment reads with a default: ``os.getenv("PORT", "3025")``, ``getenv(...)``,
  ``os.environ.get("PORT", 3025)``, ``environ.get``, ``os.environ.setdefault`` and
  python-decouple's ``config("PORT", default=3025)``, also inside ``int(...)``/``str(...)``,
  ``os.getenv("PORT") or 3025`` and ``a if c else b``. Alone, the variable must be named
  like a port (``is_port_name``); where the context already says port (a ``PORT``
  constant, a ``port=`` keyword) any variable counts. ``env`` is the variable.
- module and class constants whose name says port (``PORT = 3025``,
  ``DEFAULT_PORT: int = 8080``): ``env`` is the constant's name, or the variable it reads.
- class fields (pydantic settings, dataclasses): ``port: int = 3025``,
  ``Field(3025)``/``Field(default=3025)``/``field(default=...)``. ``env`` is the
  upper-cased field name behind the class's ``env_prefix`` (``model_config =
  SettingsConfigDict(env_prefix="MANA_")``, a nested ``class Config``, or a class keyword),
  or the ``env=``/``alias=``/``validation_alias=`` the ``Field`` names.
- command-line options: argparse ``add_argument("--port", default=8080)`` and click
  ``option("--port", default=8080)`` whose option strings or ``dest`` say port; ``env``
  is click's ``envvar`` or the variable the default reads, else None.
- any call with a port keyword whose value is a literal (``uvicorn.run(app, port=3025)``,
  ``app.run(port=5000)``, ``web.run_app(app, port=8080)``), and server constructors or
  ``bind`` given an address tuple (``HTTPServer(("", 8000), H)``, ``sock.bind((h, 8080))``):
  role default. Network clients (``redis.Redis(host="redis", port=6379)``,
  ``psycopg.connect(port=5432)``, ``sock.connect(("db", 5432))``) connect rather than
  listen: role reference, ``target`` the literal host when there is one.
- ``scheme://host:port`` in string literals and the literal parts of f-strings: role
  reference, ``target`` the host, ``env`` the variable it is the default of, or the
  module constant / class field it is assigned to. Docstrings are documentation, not code.

Port literals are integers and all-digit strings (``3025``, ``"3025"``); a variable
(``port=PORT``) says nothing here, the constant it names is found where it is assigned.
Assignments inside functions are not constants. Facts in test code (``test_*.py``,
``*_test.py``, ``conftest.py``, ``tests/``, ``test/``) carry ``TAG_TEST``.

libcst is imported lazily, and positions are resolved only for files that hold a
candidate. libcst's native parser recurses on nesting and can overflow a thread's C stack
on pathological input, which would kill the process: the parse runs in a short-lived
thread with a large stack. A syntax error is a Diagnostic.
"""

from __future__ import annotations

import ast
import re
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar, cast

from portscan.extractors import urls
from portscan.extractors.base import (
    DEFAULT_OPTIONS,
    PORTISH,
    ExtractError,
    ExtractOptions,
    LineIndex,
    is_port_name,
    parse_port,
    sorted_facts,
)
from portscan.model import TAG_TEST, Diagnostic, Extraction, Location, PortFact, Role

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeSpan

NAME = "python"
#: PORTISH, plus an address tuple handed to a server or socket (``HTTPServer(("", 8000), H)``,
#: ``sock.bind(("0.0.0.0", 7000))``), which may be all a small script says.
PREFILTER: re.Pattern[bytes] = re.compile(
    PORTISH.pattern + rb"|(?:\.bind|Server|connect|create_connection)\(\s*\("
)

#: Calls that read an environment variable: (name, position of the key, of the default).
_ENV_READS: dict[str, tuple[int, int | None]] = {
    "os.getenv": (0, 1),
    "getenv": (0, 1),
    "os.environ.get": (0, 1),
    "environ.get": (0, 1),
    "os.environ.setdefault": (0, 1),
    "environ.setdefault": (0, 1),
    "config": (0, None),  # python-decouple: config("PORT", default=3025, cast=int)
    "decouple.config": (0, None),
}
_CONVERSIONS = frozenset({"int", "str"})
#: Field declarations whose first argument (or ``default=``) is the field's default.
_FIELDS = frozenset({"Field", "pydantic.Field", "field", "dataclasses.field"})
_FIELD_ENV_KEYWORDS = ("env", "validation_alias", "alias")
#: Last names of calls that define a command-line option.
_OPTION_CALLS = frozenset({"add_argument", "option"})
#: Last names of calls that connect to a server: their port is a reference.
_CLIENT_CALLS = frozenset(
    {
        "connect",
        "connect_ex",
        "create_connection",
        "open_connection",
        "create_pool",
        "Redis",
        "StrictRedis",
        "ConnectionPool",
        "ConnectionParameters",
        "MongoClient",
        "AsyncIOMotorClient",
        "SMTP",
        "SMTP_SSL",
        "LMTP",
        "FTP",
        "FTP_TLS",
        "POP3",
        "IMAP4",
        "HTTPConnection",
        "HTTPSConnection",
    }
)
#: Last names of calls that listen on an ``(host, port)`` tuple given first.
_BIND_CALLS = frozenset(
    {
        "bind",
        "HTTPServer",
        "ThreadingHTTPServer",
        "TCPServer",
        "ThreadingTCPServer",
        "UDPServer",
        "ThreadingUDPServer",
    }
)
_TEST_DIRS = frozenset({"tests", "test"})
_PARSER_STACK_BYTES = 256 * 1024 * 1024
#: Python frames allowed on that stack when a file nests deeply (a few KiB of C stack each).
_DEEP_RECURSION_LIMIT = 30_000
_LIBCST_ERROR_AT = re.compile(r"error at (\d+):\d+")


def matches(path: str) -> bool:
    return path.endswith(".py")


def is_test_path(path: str) -> bool:
    """Test code by pytest's conventions: ``test_*.py``, ``*_test.py``, ``conftest.py``,
    or any file under a ``tests``/``test`` folder."""
    *dirs, name = path.split("/")
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(part in _TEST_DIRS for part in dirs)
    )


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A literal an expression may evaluate to, and the variable read on the way."""

    node: cst.BaseExpression  # Integer, SimpleString or FormattedString
    env: str | None


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A port found in the tree, before its position is known.

    ``offset`` counts characters from the start of ``node`` to the ``length`` digits.
    ``field`` is a class field whose env is decided when its class ends (it depends on
    the class's ``env_prefix``).
    """

    node: cst.CSTNode
    offset: int
    length: int
    port: int
    role: Role
    env: str | None = None
    target: str | None = None
    protocol: str = "tcp"
    field: str | None = None


@dataclass(slots=True)
class _ClassScope:
    """A class body being visited: its settings prefix and its field facts so far."""

    name: str
    prefix: str = ""
    pending: list[_Candidate] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Owner:
    """Who a string is the value of: an env variable, or a constant or class field."""

    env: str | None
    field: str | None


def _dotted(node: cst.BaseExpression) -> str | None:
    """``os.environ.get`` for a chain of names; None for anything else."""
    import libcst as cst

    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _last_name(node: cst.BaseExpression) -> str | None:
    """``add_argument`` for ``parser.add_argument`` or ``sub.add_parser("x").add_argument``."""
    import libcst as cst

    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return None


def _argument(call: cst.Call, index: int | None, keyword: str) -> cst.BaseExpression | None:
    """The argument given as ``keyword=`` or at positional ``index``."""
    positional = 0
    found: cst.BaseExpression | None = None
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
        elif arg.star:
            return found  # positions after *args are unknown
        else:
            if positional == index:
                found = arg.value
            positional += 1
    return found


def _positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def _string(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain text literal without escapes (names, hosts, option strings).

    Read from the token rather than evaluated: no ``literal_eval`` per call, and no
    warning printed for an invalid escape. A literal with escapes is not a name we want.
    """
    import libcst as cst

    if not isinstance(node, cst.SimpleString) or "b" in node.prefix.lower():
        return None
    raw = node.raw_value
    return None if "\\" in raw else raw


def _env_read(call: cst.Call) -> tuple[str, cst.BaseExpression | None] | None:
    """(variable, default or None) when ``call`` reads an environment variable."""
    name = _dotted(call.func)
    if name is None or name not in _ENV_READS:
        return None
    key_index, default_index = _ENV_READS[name]
    key = _string(_argument(call, key_index, "key" if default_index is not None else "option"))
    if key is None:
        return None
    return key, _argument(call, default_index, "default")


def _env_name(expr: cst.BaseExpression) -> str | None:
    """The variable an expression reads: ``os.getenv("PORT")``, ``os.environ["PORT"]``,
    through ``int(...)``/``str(...)``."""
    import libcst as cst

    if isinstance(expr, cst.Call):
        read = _env_read(expr)
        if read is not None:
            return read[0]
        inner = _converted(expr)
        return None if inner is None else _env_name(inner)
    if (
        isinstance(expr, cst.Subscript)
        and _dotted(expr.value) in ("os.environ", "environ")
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
    ):
        return _string(expr.slice[0].slice.value)
    return None


def _converted(call: cst.Call) -> cst.BaseExpression | None:
    """The argument of ``int(x)`` or ``str(x)``."""
    if _dotted(call.func) not in _CONVERSIONS or len(call.args) != 1:
        return None
    (arg,) = call.args
    return None if arg.keyword is not None or arg.star else arg.value


def _field_default(call: cst.Call) -> tuple[cst.BaseExpression | None, str | None] | None:
    """(default, env it names) of ``Field(3025, env="PORT")``; None for other calls."""
    if _dotted(call.func) not in _FIELDS:
        return None
    env = next(
        (
            name
            for keyword in _FIELD_ENV_KEYWORDS
            if (name := _string(_argument(call, None, keyword))) is not None
        ),
        None,
    )
    index = 0 if _last_name(call.func) == "Field" else None  # dataclasses.field: keywords only
    return _argument(call, index, "default"), env


def _leaves(expr: cst.BaseExpression, env: str | None = None) -> Iterator[_Leaf]:
    """The literals ``expr`` evaluates to when nothing overrides it.

    ``int(os.getenv("PORT", "3025"))`` -> "3025" read through PORT; ``a or 3025`` and
    ``x if c else 3025`` -> 3025. The outermost variable read wins.
    """
    import libcst as cst

    if isinstance(expr, (cst.Integer, cst.SimpleString, cst.FormattedString)):
        yield _Leaf(expr, env)
    elif isinstance(expr, cst.ConcatenatedString):
        yield from _leaves(expr.left, env)
        yield from _leaves(expr.right, env)
    elif isinstance(expr, cst.IfExp):
        yield from _leaves(expr.body, env)
        yield from _leaves(expr.orelse, env)
    elif isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
        yield from _leaves(expr.left, env)
        yield from _leaves(expr.right, env or _env_name(expr.left))
    elif isinstance(expr, cst.Call):
        read = _env_read(expr)
        if read is not None:
            key, default = read
            if default is not None:
                yield from _leaves(default, env or key)
            return
        inner = _converted(expr)
        if inner is not None:
            yield from _leaves(inner, env)
            return
        declared = _field_default(expr)
        if declared is not None and declared[0] is not None:
            yield from _leaves(declared[0], env or declared[1])


def _port_literal(node: cst.BaseExpression) -> tuple[int, int, int] | None:
    """(port, offset and length of the digits in the token) of ``3025`` or ``"3025"``."""
    import libcst as cst

    if isinstance(node, cst.Integer):
        digits, offset = node.value, 0
    elif isinstance(node, cst.SimpleString):
        digits, offset = node.raw_value, len(node.prefix) + len(node.quote)
    else:
        return None
    if not (digits.isascii() and digits.isdigit()):
        return None
    port = parse_port(digits)
    return None if port is None else (port, offset, len(digits))


def _is_docstring(node: cst.Expr) -> bool:
    import libcst as cst

    return isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def _settings_prefix(value: cst.BaseExpression) -> str | None:
    """``env_prefix`` of ``SettingsConfigDict(env_prefix="X_")`` or ``{"env_prefix": ...}``."""
    import libcst as cst

    if isinstance(value, cst.Call):
        return _string(_argument(value, None, "env_prefix"))
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if isinstance(element, cst.DictElement) and _string(element.key) == "env_prefix":
                return _string(element.value)
    return None


class _Collector:
    """The state of one pass: scopes, string owners, claimed literals and candidates.

    The visitor calls it top-down, so the context that knows most about a literal (an
    assignment, a keyword) sees it before the bare ``getenv`` inside it; the first claim
    of a literal wins and one literal yields one fact.
    """

    def __init__(self) -> None:
        self.candidates: list[_Candidate] = []
        self._scopes: list[_ClassScope | None] = []  # None: a function body
        self._owners: dict[int, _Owner] = {}
        self._claimed: set[tuple[int, int]] = set()

    # scopes

    def enter_class(self, node: cst.ClassDef) -> None:
        scope = _ClassScope(node.name.value)
        for keyword in node.keywords:
            if keyword.keyword is not None and keyword.keyword.value == "env_prefix":
                scope.prefix = _string(keyword.value) or ""
        self._scopes.append(scope)

    def leave_class(self) -> None:
        scope = self._scopes.pop()
        if scope is None:  # visit and leave calls pair up: this is not reached
            return
        parent = self._scopes[-1] if self._scopes else None
        if scope.name == "Config" and parent is not None and scope.prefix:
            parent.prefix = scope.prefix  # pydantic v1: class Settings: class Config: ...
        for candidate in scope.pending:
            env = candidate.env or (scope.prefix + (candidate.field or "")).upper()
            self.candidates.append(replace(candidate, env=env, field=None))

    def enter_function(self) -> None:
        self._scopes.append(None)

    def leave_function(self) -> None:
        self._scopes.pop()

    # statements

    def assign(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        """``NAME = value`` at module or class level (also ``A = B = v``, ``A, B = x, y``)."""
        import libcst as cst

        if self._scopes and self._scopes[-1] is None:
            return
        pairs: list[tuple[str, cst.BaseExpression]] = []
        for target in targets:
            if isinstance(target, cst.Name):
                pairs.append((target.value, value))
            elif (
                isinstance(target, (cst.Tuple, cst.List))
                and isinstance(value, (cst.Tuple, cst.List))
                and len(target.elements) == len(value.elements)
            ):
                pairs.extend(
                    (left.value.value, right.value)
                    for left, right in zip(target.elements, value.elements, strict=True)
                    if isinstance(left.value, cst.Name)
                )
        for name, expr in pairs:
            self._constant(name, expr, port=is_port_name(name))

    def _constant(self, name: str, value: cst.BaseExpression, port: bool) -> None:
        scope = self._scopes[-1] if self._scopes else None
        if scope is not None and name in ("env_prefix", "model_config"):
            prefix = _settings_prefix(value) if name == "model_config" else _string(value)
            if prefix is not None:
                scope.prefix = prefix
        owner = _Owner(None, name) if scope is not None else _Owner(name, None)
        for leaf in _leaves(value):
            explicit = _Owner(leaf.env, None) if leaf.env is not None else owner
            self._owners.setdefault(id(leaf.node), explicit)
            if port:
                self._port(leaf.node, Role.DEFAULT, env=explicit.env, field=explicit.field)

    # calls

    def call(self, node: cst.Call) -> None:
        read = _env_read(node)
        default = None if read is None else read[1]
        if read is not None and default is not None:
            key = read[0]
            for leaf in _leaves(default, key):
                self._owners.setdefault(id(leaf.node), _Owner(leaf.env, None))
                if is_port_name(key):
                    self._port(leaf.node, Role.DEFAULT, env=leaf.env)
        last = _last_name(node.func)
        client = last in _CLIENT_CALLS
        role = Role.REFERENCE if client else Role.DEFAULT
        host = _string(_argument(node, None, "host")) if client else None
        for arg in node.args:
            if arg.keyword is not None and is_port_name(arg.keyword.value):
                for leaf in _leaves(arg.value):
                    self._port(leaf.node, role, env=leaf.env, target=host or None)
        if last in _OPTION_CALLS:
            self._option(node)
        elif last in _BIND_CALLS or client:
            self._address(node, role, udp=last is not None and "UDP" in last)

    def boolean_operation(self, node: cst.BooleanOperation) -> None:
        """``os.getenv("PORT") or 3025``: the right side is the variable's default."""
        import libcst as cst

        if not isinstance(node.operator, cst.Or):
            return
        env = _env_name(node.left)
        if env is not None and is_port_name(env):
            for leaf in _leaves(node.right, env):
                self._port(leaf.node, Role.DEFAULT, env=leaf.env)

    def _option(self, node: cst.Call) -> None:
        """argparse ``add_argument`` / click ``option`` whose name says port."""
        names = [_string(arg) for arg in _positional(node)]
        names.append(_string(_argument(node, None, "dest")))
        if not any(name is not None and is_port_name(name.lstrip("-")) for name in names):
            return
        default = _argument(node, None, "default")
        if default is None:
            return
        envvar = _string(_argument(node, None, "envvar"))
        for leaf in _leaves(default):
            self._port(leaf.node, Role.DEFAULT, env=envvar or leaf.env)

    def _address(self, node: cst.Call, role: Role, udp: bool) -> None:
        """``bind(("0.0.0.0", 8080))``, ``HTTPServer(("", 8000), H)``, ``connect((h, p))``."""
        import libcst as cst

        positional = _positional(node)
        if not positional or not isinstance(positional[0], cst.Tuple):
            return
        elements = positional[0].elements
        if len(elements) != 2:
            return
        host = _string(elements[0].value) if role is Role.REFERENCE else None
        for leaf in _leaves(elements[1].value):
            self._port(
                leaf.node, role, env=leaf.env, target=host or None, protocol="udp" if udp else "tcp"
            )

    # strings

    def simple_string(self, node: cst.SimpleString) -> None:
        if "://" not in node.value:
            return
        start = len(node.prefix) + len(node.quote)
        owner = self._owners.get(id(node))
        for url in urls.url_ports(node.raw_value):
            self._reference(node, start + url.start, url, owner)

    def formatted_string(self, node: cst.FormattedString) -> None:
        import libcst as cst

        owner = self._owners.get(id(node))
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText) and "://" in part.value:
                for url in urls.url_ports(part.value):
                    self._reference(part, url.start, url, owner)

    def _reference(
        self, node: cst.CSTNode, offset: int, url: urls.UrlPort, owner: _Owner | None
    ) -> None:
        key = (id(node), offset)
        if key in self._claimed:
            return
        self._claimed.add(key)
        env, owned_field = (owner.env, owner.field) if owner is not None else (None, None)
        length = url.end - url.start
        candidate = _Candidate(node, offset, length, url.port, Role.REFERENCE, env, url.host)
        self._add(candidate, owned_field)

    def _port(
        self,
        node: cst.BaseExpression,
        role: Role,
        *,
        env: str | None = None,
        target: str | None = None,
        protocol: str = "tcp",
        field: str | None = None,
    ) -> None:
        literal = _port_literal(node)
        if literal is None or (id(node), literal[1]) in self._claimed:
            return
        self._claimed.add((id(node), literal[1]))
        port, offset, length = literal
        self._add(_Candidate(node, offset, length, port, role, env, target, protocol), field)

    def _add(self, candidate: _Candidate, owned_field: str | None) -> None:
        """Keep a candidate; a class field's waits for the end of its class."""
        scope = self._scopes[-1] if self._scopes else None
        if owned_field is not None and scope is not None:
            scope.pending.append(replace(candidate, field=owned_field))
        elif owned_field is not None:
            self.candidates.append(replace(candidate, env=candidate.env or owned_field.upper()))
        else:
            self.candidates.append(candidate)


def _collect(module: cst.Module) -> list[_Candidate]:
    """One pass over the tree; the visitor only dispatches to a :class:`_Collector`."""
    import libcst as cst

    collector = _Collector()

    class Visitor(cst.CSTVisitor):
        def visit_ClassDef(self, node: cst.ClassDef) -> None:  # noqa: N802
            collector.enter_class(node)

        def leave_ClassDef(self, original_node: cst.ClassDef) -> None:  # noqa: N802
            collector.leave_class()

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:  # noqa: N802
            collector.enter_function()

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:  # noqa: N802
            collector.leave_function()

        def visit_Lambda(self, node: cst.Lambda) -> None:  # noqa: N802
            collector.enter_function()

        def leave_Lambda(self, original_node: cst.Lambda) -> None:  # noqa: N802
            collector.leave_function()

        def visit_Assign(self, node: cst.Assign) -> None:  # noqa: N802
            collector.assign([target.target for target in node.targets], node.value)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:  # noqa: N802
            if node.value is not None:
                collector.assign([node.target], node.value)

        def visit_Call(self, node: cst.Call) -> None:  # noqa: N802
            collector.call(node)

        def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:  # noqa: N802
            collector.boolean_operation(node)

        def visit_Expr(self, node: cst.Expr) -> bool:  # noqa: N802
            return not _is_docstring(node)

        def visit_SimpleString(self, node: cst.SimpleString) -> None:  # noqa: N802
            collector.simple_string(node)

        def visit_FormattedString(self, node: cst.FormattedString) -> None:  # noqa: N802
            collector.formatted_string(node)

    module.visit(Visitor())
    return collector.candidates


_T = TypeVar("_T")

#: ``threading.stack_size`` and the recursion limit are process-wide: the locks keep two
#: extractions from restoring each other's setting. They guard no data.
_STACK_SIZE_LOCK = threading.Lock()
_RECURSION_LIMIT_LOCK = threading.Lock()


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


def _syntax_error(source: str, error: cst.ParserSyntaxError) -> ExtractError:
    """A short, human message and the line of a syntax error.

    libcst's own line is not always the error's (``raw_line`` can be a line off and its
    tokenizer errors say line 1), and its message lists every expected token. CPython's
    parser, run only on this path, says it better: "'(' was never closed" at the right line.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not the error
            ast.parse(source)
    except SyntaxError as reason:
        if reason.lineno is not None:
            return ExtractError(f"invalid Python: {reason.msg}", reason.lineno)
    except (ValueError, RecursionError, MemoryError):
        pass
    at = _LIBCST_ERROR_AT.search(error.message)
    line = int(at.group(1)) if at is not None else error.raw_line
    message = error.message.split(": expected one of", 1)[0]
    return ExtractError(f"invalid Python: {message}", line)


def _char_offsets(source: str, byte_offsets: list[int]) -> dict[int, int]:
    """Character offsets of UTF-8 byte offsets into ``source`` (one pass, in order)."""
    if source.isascii():
        return {offset: offset for offset in byte_offsets}
    data = source.encode("utf-8")
    chars: dict[int, int] = {}
    char_at = byte_at = 0
    for offset in sorted(set(byte_offsets)):
        char_at += len(data[byte_at:offset].decode("utf-8"))
        byte_at = offset
        chars[offset] = char_at
    return chars


def _spans(module: cst.Module) -> Mapping[cst.CSTNode, CodeSpan]:
    """Where every node starts, as UTF-8 byte offsets into the module's code.

    ``ByteSpanPositionProvider`` does less bookkeeping per token than ``PositionProvider``
    (one offset instead of line and column). ``MetadataWrapper.resolve`` would also run a
    full traversal for batchable providers even when there are none, which doubles the
    cost (measured: 0.23 s against 0.11 s for a 48 KB module); the provider is therefore
    run directly when libcst still has the entry point its resolver uses (``_gen``), and
    through the resolver otherwise. Every fixture test checks the resulting columns.
    """
    from libcst.metadata import ByteSpanPositionProvider, MetadataWrapper

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    provider = ByteSpanPositionProvider()
    if hasattr(provider, "_gen"):
        return cast("Mapping[cst.CSTNode, CodeSpan]", provider._gen(wrapper))
    return wrapper.resolve(ByteSpanPositionProvider)


#: Syntax nested deeper than this is not handed to libcst, whose parser takes time and
#: memory quadratic in the depth (3,000 nested brackets, 6 KB, ask for 8 GB; 10,000 get
#: the process killed). Real code nests a few dozen levels.
MAX_NESTING = 500
_TOO_DEEP = "Python source nested too deeply to analyze"


def _check_nesting(source: str) -> None:
    """Raise ExtractError for source nested past :data:`MAX_NESTING`.

    CPython's parser is asked first: it refuses nesting past its own limits quickly and in
    little memory, and the tree of anything it accepts tells the depth. Text it does not
    read (a syntax error, syntax newer than this Python) is left to libcst, as before.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like
            tree = ast.parse(source)
    except SyntaxError as error:
        if error.msg == "too many nested parentheses":
            raise ExtractError(_TOO_DEEP) from None
        return
    except (MemoryError, RecursionError):  # CPython's parser stack and AST depth limits
        raise ExtractError(_TOO_DEEP) from None
    except ValueError:  # NUL characters: libcst says so
        return
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ExtractError(_TOO_DEEP)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _facts(path: str, text: str) -> list[PortFact]:
    """Parse, collect candidates, and place them: the whole job for one file."""
    import libcst as cst

    bom = 1 if text.startswith("\ufeff") else 0  # libcst drops it: offsets start after it
    source = text[bom:]
    _check_nesting(source)
    try:
        module = cst.parse_module(source)
        candidates = _collect(module)
        if not candidates:
            return []
        spans = _spans(module)
    except cst.ParserSyntaxError as error:
        raise _syntax_error(source, error) from None
    except UnicodeError:
        raise ExtractError("invalid Python: text is not valid Unicode") from None
    starts = _char_offsets(source, [spans[candidate.node].start for candidate in candidates])
    index = LineIndex(text)
    tags = (TAG_TEST,) if is_test_path(path) else ()
    facts: list[PortFact] = []
    for candidate in candidates:
        offset = bom + starts[spans[candidate.node].start] + candidate.offset
        line, col = index.position(offset)
        facts.append(
            PortFact(
                port=candidate.port,
                role=candidate.role,
                location=Location(path, line, col, line, col + candidate.length),
                extractor=NAME,
                env=candidate.env,
                target=candidate.target,
                protocol=candidate.protocol,
                tags=tags,
            )
        )
    return facts


def _with_recursion_limit(limit: int, function: Callable[[], _T]) -> _T:
    """Run ``function`` with Python's recursion limit raised to at least ``limit``.

    The limit is process-wide: the lock serializes the (rare) callers so each restores
    what it found, and the raised limit is only ever used on a large-stack thread.
    """
    with _RECURSION_LIMIT_LOCK:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, limit))
        try:
            return function()
        finally:
            sys.setrecursionlimit(previous)


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """Every port the file's code states; a syntax error is a Diagnostic.

    libcst's visitor and code generator recurse once per nesting level, and a long
    implicit string concatenation (a prompt, an SQL text, ``pydoc_data/topics.py``) nests
    one level per part: past a few hundred parts the default recursion limit is reached.
    Such a file is read again with a higher limit before it becomes a Diagnostic.
    """

    def job() -> list[PortFact]:
        return run_with_deep_stack(lambda: _facts(path, text))

    try:
        try:
            facts = job()
        except RecursionError:
            facts = _with_recursion_limit(_DEEP_RECURSION_LIMIT, job)
    except RecursionError:
        message = "Python source nested too deeply to analyze"
        return Extraction(diagnostics=(Diagnostic(path, None, message),))
    except ExtractError as error:
        return Extraction(diagnostics=(Diagnostic(path, error.line, error.message),))
    return Extraction(facts=sorted_facts(facts))
