"""Python sources, read with the standard library's ``ast``: the ports a service's code
listens on and calls.

One pass over the syntax tree collects port literals from:

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
- ``scheme://host:port`` in string literals and the literal parts of f-strings (each part
  of an implicit concatenation on its own): role reference, ``target`` the host, ``env``
  the variable it is the default of, or the module constant / class field it is assigned
  to. Docstrings are documentation, not code; expressions inside f-string replacement
  fields are not read.

Port literals are integers and all-digit strings (``3025``, ``"3025"``); a variable
(``port=PORT``) says nothing here, the constant it names is found where it is assigned.
Assignments inside functions are not constants. Facts in test code (``test_*.py``,
``*_test.py``, ``conftest.py``, ``tests/``, ``test/``) carry ``TAG_TEST``.

Why ``ast`` and not libcst (which ``portscan move`` uses to rewrite Python): CPython's own
parser reads about ten times faster than libcst without positions and some fifty times
faster than libcst with them, needs no import, refuses absurd nesting at once instead of
spending memory quadratic in the depth, and its nodes carry exact start and end
positions. Those positions are UTF-8 byte columns; a literal's digits are located in its
source text (prefix and quotes skipped), so columns count characters as everywhere else.
The tree is walked without recursion, and syntax nested deeper than
:data:`MAX_NESTING` levels is one diagnostic. What this Python's parser does not accept
(a syntax error, syntax newer than the interpreter) is a diagnostic too.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

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
from portscan.extractors.deadline import check as check_deadline
from portscan.model import TAG_TEST, Diagnostic, Extraction, Location, PortFact, Role

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
#: One string literal token: prefix, quotes, body. The body stops at the first closing
#: quote not escaped by a backslash.
_STRING_TOKEN = re.compile(
    r"""([A-Za-z]{0,2})('''|\"\"\"|'|")((?:\\.|(?!\2).)*)\2""",
    re.DOTALL,
)
#: A string literal that holds a number and nothing else: ``"3025"``, ``rb'3025'``.
_DIGITS_TOKEN = re.compile(r"""[A-Za-z]{0,2}('''|\"\"\"|'|")(\d+)\1""")
#: Between the tokens of an implicit concatenation: space, line continuations, comments.
_BETWEEN_TOKENS = re.compile(r"(?:\s|\\\r?\n|\\\r|#[^\r\n]*)*")

#: Syntax nested deeper than this is one diagnostic: the helpers that follow an
#: expression (``_leaves``) recurse, and real code nests a few dozen levels.
MAX_NESTING = 500
_TOO_DEEP = "Python source nested too deeply to analyze"


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


class _Source:
    """A file's text, what ``ast`` reads of it (without a BOM), and node positions as
    character offsets into the file.

    ``ast`` columns count UTF-8 bytes; a line that is not ASCII is re-measured. CPython's
    tokenizer ends lines where :class:`LineIndex` does (``\\r\\n``, ``\\r``, ``\\n``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bom = 1 if text.startswith("\ufeff") else 0  # CPython refuses it in a str
        self.code = text[self.bom :]
        self.index = LineIndex(text)
        self._ascii = text.isascii()

    def offset(self, line: int, byte_col: int) -> int:
        start = self.index.offset(line) + (self.bom if line == 1 else 0)
        if self._ascii:
            return start + byte_col
        last = line >= self.index.line_count
        text = self.text[start : len(self.text) if last else self.index.offset(line + 1)]
        if text.isascii():
            return start + byte_col
        head = text.encode("utf-8", "surrogatepass")[:byte_col]
        return start + len(head.decode("utf-8", "surrogatepass"))

    def segment(self, node: ast.expr) -> tuple[int, str]:
        """Where ``node`` starts (character offset) and its source text."""
        start = self.offset(node.lineno, node.col_offset)
        end_line = node.end_lineno if node.end_lineno is not None else node.lineno
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return start, self.text[start : self.offset(end_line, end_col)]


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A literal an expression may evaluate to, and the variable read on the way."""

    node: ast.expr  # Constant (int, str, bytes) or JoinedStr
    env: str | None


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A port found in the tree: where its digits start (a character offset into the
    file) and how many there are. ``field`` is a class field whose env is decided when
    its class ends (it depends on the class's ``env_prefix``)."""

    start: int
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


def _dotted(node: ast.expr) -> str | None:
    """``os.environ.get`` for a chain of names; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _last_name(node: ast.expr) -> str | None:
    """``add_argument`` for ``parser.add_argument`` or ``sub.add_parser("x").add_argument``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _argument(call: ast.Call, index: int | None, keyword: str) -> ast.expr | None:
    """The argument given as ``keyword=`` or at positional ``index``."""
    for given in call.keywords:
        if given.arg == keyword:
            return given.value
    if index is None:
        return None
    for position, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return None  # positions after *args are unknown
        if position == index:
            return arg
    return None


def _positional(call: ast.Call) -> list[ast.expr]:
    return [arg for arg in call.args if not isinstance(arg, ast.Starred)]


def _string(node: ast.expr | None) -> str | None:
    """The value of a text literal (names, hosts, option strings)."""
    if isinstance(node, ast.Constant) and type(node.value) is str:
        return node.value
    return None


def _env_read(call: ast.Call) -> tuple[str, ast.expr | None] | None:
    """(variable, default or None) when ``call`` reads an environment variable."""
    name = _dotted(call.func)
    if name is None or name not in _ENV_READS:
        return None
    key_index, default_index = _ENV_READS[name]
    key = _string(_argument(call, key_index, "key" if default_index is not None else "option"))
    if key is None:
        return None
    return key, _argument(call, default_index, "default")


def _env_name(expr: ast.expr) -> str | None:
    """The variable an expression reads: ``os.getenv("PORT")``, ``os.environ["PORT"]``,
    through ``int(...)``/``str(...)``."""
    if isinstance(expr, ast.Call):
        read = _env_read(expr)
        if read is not None:
            return read[0]
        inner = _converted(expr)
        return None if inner is None else _env_name(inner)
    if isinstance(expr, ast.Subscript) and _dotted(expr.value) in ("os.environ", "environ"):
        return _string(expr.slice)
    return None


def _converted(call: ast.Call) -> ast.expr | None:
    """The argument of ``int(x)`` or ``str(x)``."""
    if _dotted(call.func) not in _CONVERSIONS or call.keywords or len(call.args) != 1:
        return None
    (arg,) = call.args
    return None if isinstance(arg, ast.Starred) else arg


def _field_default(call: ast.Call) -> tuple[ast.expr | None, str | None] | None:
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


def _leaves(expr: ast.expr, env: str | None = None) -> Iterator[_Leaf]:
    """The literals ``expr`` evaluates to when nothing overrides it.

    ``int(os.getenv("PORT", "3025"))`` -> "3025" read through PORT; ``a or 3025`` and
    ``x if c else 3025`` -> 3025. The outermost variable read wins.
    """
    if isinstance(expr, ast.Constant):
        if type(expr.value) in (int, str, bytes):
            yield _Leaf(expr, env)
    elif isinstance(expr, ast.JoinedStr):
        yield _Leaf(expr, env)
    elif isinstance(expr, ast.IfExp):
        yield from _leaves(expr.body, env)
        yield from _leaves(expr.orelse, env)
    elif isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
        # ``a or b or c`` reads as ``(a or b) or c``: only b follows a single variable read.
        first, *rest = expr.values
        yield from _leaves(first, env)
        for position, value in enumerate(rest):
            yield from _leaves(value, env or (_env_name(first) if position == 0 else None))
    elif isinstance(expr, ast.Call):
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


def _is_docstring(node: ast.Expr) -> bool:
    value = node.value
    return isinstance(value, ast.JoinedStr) or (
        isinstance(value, ast.Constant) and type(value.value) in (str, bytes)
    )


def _settings_prefix(value: ast.expr) -> str | None:
    """``env_prefix`` of ``SettingsConfigDict(env_prefix="X_")`` or ``{"env_prefix": ...}``."""
    if isinstance(value, ast.Call):
        return _string(_argument(value, None, "env_prefix"))
    if isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values, strict=True):
            if key is not None and _string(key) == "env_prefix":
                return _string(item)
    return None


def _string_parts(raw: str) -> Iterator[tuple[int, str]]:
    """The literal text of a string's source (one token, or an implicit concatenation of
    several, f-strings among them) as (offset in ``raw``, text) pieces: each token's body,
    and for an f-string the text between its replacement fields. Escapes are left as
    written: a URL is read from the characters in the file."""
    at = 0
    while at < len(raw):
        at = _BETWEEN_TOKENS.match(raw, at).end()  # type: ignore[union-attr]  # matches ""
        token = _STRING_TOKEN.match(raw, at)
        if token is None:
            return
        body_start = token.start(3)
        if "f" in token.group(1).lower():
            yield from _literal_text(token.group(3), body_start)
        else:
            yield body_start, token.group(3)
        at = token.end()


def _literal_text(body: str, offset: int) -> Iterator[tuple[int, str]]:
    """The pieces of an f-string body outside its ``{...}`` fields (``{{`` is text)."""
    start = at = 0
    while at < len(body):
        char = body[at]
        if char == "{" and body.startswith("{{", at):
            at += 2
        elif char == "{":
            if at > start:
                yield offset + start, body[start:at]
            depth = 0
            while at < len(body):
                if body[at] == "{":
                    depth += 1
                elif body[at] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                at += 1
            at += 1
            start = at
        else:
            at += 1
    if start < len(body):
        yield offset + start, body[start:]


class _Collector:
    """The state of one pass: scopes, string owners, claimed literals and candidates.

    The walk calls it top-down, so the context that knows most about a literal (an
    assignment, a keyword) sees it before the bare ``getenv`` inside it; the first claim
    of a literal wins and one literal yields one fact.
    """

    def __init__(self, source: _Source) -> None:
        self.candidates: list[_Candidate] = []
        self._source = source
        self._scopes: list[_ClassScope | None] = []  # None: a function body
        self._owners: dict[int, _Owner] = {}
        self._claimed: set[int] = set()  # where the claimed digits start

    # scopes

    def enter_class(self, node: ast.ClassDef) -> None:
        scope = _ClassScope(node.name)
        for keyword in node.keywords:
            if keyword.arg == "env_prefix":
                scope.prefix = _string(keyword.value) or ""
        self._scopes.append(scope)

    def leave_class(self) -> None:
        scope = self._scopes.pop()
        if scope is None:  # enter and leave calls pair up: this is not reached
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

    def assign(self, targets: list[ast.expr], value: ast.expr) -> None:
        """``NAME = value`` at module or class level (also ``A = B = v``, ``A, B = x, y``)."""
        if self._scopes and self._scopes[-1] is None:
            return
        pairs: list[tuple[str, ast.expr]] = []
        for target in targets:
            if isinstance(target, ast.Name):
                pairs.append((target.id, value))
            elif (
                isinstance(target, (ast.Tuple, ast.List))
                and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)
            ):
                pairs.extend(
                    (left.id, right)
                    for left, right in zip(target.elts, value.elts, strict=True)
                    if isinstance(left, ast.Name)
                )
        for name, expr in pairs:
            self._constant(name, expr, port=is_port_name(name))

    def _constant(self, name: str, value: ast.expr, port: bool) -> None:
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

    def call(self, node: ast.Call) -> None:
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
        for keyword in node.keywords:
            if keyword.arg is not None and is_port_name(keyword.arg):
                for leaf in _leaves(keyword.value):
                    self._port(leaf.node, role, env=leaf.env, target=host or None)
        if last in _OPTION_CALLS:
            self._option(node)
        elif last in _BIND_CALLS or client:
            self._address(node, role, udp=last is not None and "UDP" in last)

    def boolean_operation(self, node: ast.BoolOp) -> None:
        """``os.getenv("PORT") or 3025``: the right side is the variable's default."""
        if not isinstance(node.op, ast.Or):
            return
        env = _env_name(node.values[0])
        if env is not None and is_port_name(env):
            for leaf in _leaves(node.values[1], env):
                self._port(leaf.node, Role.DEFAULT, env=leaf.env)

    def _option(self, node: ast.Call) -> None:
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

    def _address(self, node: ast.Call, role: Role, udp: bool) -> None:
        """``bind(("0.0.0.0", 8080))``, ``HTTPServer(("", 8000), H)``, ``connect((h, p))``."""
        positional = _positional(node)
        if not positional or not isinstance(positional[0], ast.Tuple):
            return
        elements = positional[0].elts
        if len(elements) != 2:
            return
        host = _string(elements[0]) if role is Role.REFERENCE else None
        for leaf in _leaves(elements[1]):
            self._port(
                leaf.node, role, env=leaf.env, target=host or None, protocol="udp" if udp else "tcp"
            )

    # strings

    def string(self, node: ast.Constant | ast.JoinedStr) -> None:
        """Every ``scheme://host:port`` in the literal text of a string."""
        start, raw = self._source.segment(node)
        if "://" not in raw:
            return
        owner = self._owners.get(id(node))
        for offset, text in _string_parts(raw):
            for url in urls.url_ports(text):
                self._reference(start + offset + url.start, url, owner)

    def _reference(self, start: int, url: urls.UrlPort, owner: _Owner | None) -> None:
        if start in self._claimed:
            return
        self._claimed.add(start)
        env, owned_field = (owner.env, owner.field) if owner is not None else (None, None)
        length = url.end - url.start
        self._add(_Candidate(start, length, url.port, Role.REFERENCE, env, url.host), owned_field)

    def _port(
        self,
        node: ast.expr,
        role: Role,
        *,
        env: str | None = None,
        target: str | None = None,
        protocol: str = "tcp",
        field: str | None = None,
    ) -> None:
        literal = self._port_literal(node)
        if literal is None or literal[1] in self._claimed:
            return
        port, start, length = literal
        self._claimed.add(start)
        self._add(_Candidate(start, length, port, role, env, target, protocol), field)

    def _port_literal(self, node: ast.expr) -> tuple[int, int, int] | None:
        """(port, offset, length) of the digits of ``3025`` or ``"3025"``."""
        if not isinstance(node, ast.Constant) or type(node.value) not in (int, str, bytes):
            return None
        start, raw = self._source.segment(node)
        if type(node.value) is int:
            digits, at = raw, start  # 0x0BD1, 3_025: not written as a port
        else:
            token = _DIGITS_TOKEN.fullmatch(raw)
            if token is None:
                return None
            digits, at = token.group(2), start + token.start(2)
        if not (digits.isascii() and digits.isdigit()):
            return None
        port = parse_port(digits)
        return None if port is None else (port, at, len(digits))

    def _add(self, candidate: _Candidate, owned_field: str | None) -> None:
        """Keep a candidate; a class field's waits for the end of its class."""
        scope = self._scopes[-1] if self._scopes else None
        if owned_field is not None and scope is not None:
            scope.pending.append(replace(candidate, field=owned_field))
        elif owned_field is not None:
            self.candidates.append(replace(candidate, env=candidate.env or owned_field.upper()))
        else:
            self.candidates.append(candidate)


_LEAVE_CLASS = 0
_LEAVE_FUNCTION = 1
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _collect(tree: ast.Module, source: _Source, deadline: float | None) -> list[_Candidate]:
    """One walk over the tree, parents before children and in source order, without
    recursion; the walk only dispatches to a :class:`_Collector`."""
    collector = _Collector(source)
    stack: list[tuple[ast.AST, int] | int] = [(tree, 0)]
    steps = 0
    while stack:
        steps += 1
        if steps % 4096 == 0:
            check_deadline(deadline)
        item = stack.pop()
        if item == _LEAVE_CLASS:
            collector.leave_class()
            continue
        if item == _LEAVE_FUNCTION:
            collector.leave_function()
            continue
        assert isinstance(item, tuple)
        node, depth = item
        if depth > MAX_NESTING:
            raise ExtractError(_TOO_DEEP)
        if isinstance(node, ast.Constant):
            if type(node.value) in (str, bytes):
                collector.string(node)
            continue
        if isinstance(node, ast.JoinedStr):
            collector.string(node)
            continue  # fields' positions are not reliable before Python 3.12
        if isinstance(node, ast.Call):
            collector.call(node)
        elif isinstance(node, ast.Assign):
            collector.assign(node.targets, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                collector.assign([node.target], node.value)
        elif isinstance(node, ast.BoolOp):
            collector.boolean_operation(node)
        elif isinstance(node, ast.Expr):
            if _is_docstring(node):
                continue
        elif isinstance(node, ast.ClassDef):
            collector.enter_class(node)
            stack.append(_LEAVE_CLASS)
        elif isinstance(node, _FUNCTIONS):
            collector.enter_function()
            stack.append(_LEAVE_FUNCTION)
        children: list[tuple[ast.AST, int] | int] = []
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                children.append((value, depth + 1))
            elif isinstance(value, list):
                children.extend((child, depth + 1) for child in value if isinstance(child, ast.AST))
        stack.extend(reversed(children))
    return collector.candidates


def _parse(source: str) -> ast.Module:
    """CPython's parse of ``source``; ExtractError with the parser's message and line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not errors
            return ast.parse(source)
    except SyntaxError as error:
        if error.msg == "too many nested parentheses":
            raise ExtractError(_TOO_DEEP) from None
        raise ExtractError(f"invalid Python: {error.msg}", error.lineno) from None
    except (MemoryError, RecursionError):  # CPython's parser stack and AST depth limits
        raise ExtractError(_TOO_DEEP) from None
    except ValueError as error:  # NUL characters (Python < 3.12)
        raise ExtractError(f"invalid Python: {error}") from None


def _facts(path: str, text: str, deadline: float | None = None) -> list[PortFact]:
    """Parse, collect candidates, and place them: the whole job for one file."""
    source = _Source(text)
    candidates = _collect(_parse(source.code), source, deadline)
    tags = (TAG_TEST,) if is_test_path(path) else ()
    facts: list[PortFact] = []
    for candidate in candidates:
        line, col = source.index.position(candidate.start)
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


def extract(path: str, text: str, options: ExtractOptions = DEFAULT_OPTIONS) -> Extraction:
    """Every port the file's code states; a syntax error is a Diagnostic."""
    try:
        facts = _facts(path, text, options.deadline)
    except RecursionError:  # not reached within MAX_NESTING: a guard, not a path
        return Extraction(diagnostics=(Diagnostic(path, None, _TOO_DEEP),))
    except ExtractError as error:
        return Extraction(diagnostics=(Diagnostic(path, error.line, error.message),))
    return Extraction(facts=sorted_facts(facts))
