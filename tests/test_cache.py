"""The content-hash cache: a warm run equals a cold one, and every change that matters
(a file's bytes, a rule, the config, portscan itself) invalidates exactly what it must."""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import shutil
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path

import pytest
from samples import fact_with_every_field

from portscan import cache
from portscan.api import scan
from portscan.cache import (
    MAGIC,
    FileCache,
    cache_dir,
    cache_file,
    cache_key,
    decode_diagnostics,
    decode_facts,
    encode_outcome,
    make_record,
)
from portscan.config import Config, load_config
from portscan.discover import discover
from portscan.extract import ExtractStats, RunReport
from portscan.model import Diagnostic, Location, Role, ScanResult

EXAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "example-monorepo"
EXTRA = {
    "services/extra/app.py": 'import os\nPORT = int(os.getenv("PORT", "3999"))\n',
    "services/extra/broken.py": "def f(:\n    PORT = 1\n",
    "services/extra/web.ts": "export const config = { port: Number(process.env.PORT ?? 4001) };\n",
    "services/extra/notes.txt": "port 1234, not claimed by any extractor\n",
    "services/extra/binary.env": "PORT=\x00\x01",
    "deploy/compose.yml": 'services:\n  extra:\n    ports:\n      - "3999:3999"\n',
}
OLD_NS = 1_600_000_000 * 10**9  # 2020: far from "now", so no entry is racy


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    # Other tests scan the fixture in place and leave its cache there: not copied.
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".portscan_cache"))
    for rel, text in EXTRA.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def not_racy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries keep their stat even for files written a moment ago (as in a test)."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


def run(
    root: Path, cache_folder: Path | None, config: Config | None = None, jobs: int = 1
) -> tuple[ScanResult, ExtractStats]:
    reports: list[RunReport] = []
    result = scan(
        root,
        config if config is not None else load_config(root),
        cache_dir=cache_folder,
        jobs=jobs,
        report=reports.append,
    )
    (report,) = reports
    return result, report.extraction


def stored(root: Path, folder: Path, config: Config | None = None) -> FileCache:
    """The cache file of ``root`` as a run with ``config`` would load it."""
    config = config if config is not None else load_config(root)
    return FileCache.open(cache_file(folder, root), cache_key(config.rules, config.max_file_size))


def fresh(root: Path, config: Config | None = None) -> ScanResult:
    return run(root, None, config)[0]


# -- warm equals cold --------------------------------------------------------------------------


@pytest.mark.usefixtures("not_racy")
def test_warm_run_trusts_stat_and_equals_cold(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    cold, cold_stats = run(tree, folder)
    warm, warm_stats = run(tree, folder)
    assert cold == warm == fresh(tree)
    assert cold_stats.cache == "cold: no cache file"
    assert (cold_stats.extracted, cold_stats.stat_hits) == (cold_stats.files, 0)
    assert warm_stats.cache == "warm"
    assert (warm_stats.stat_hits, warm_stats.hash_hits, warm_stats.extracted) == (
        warm_stats.files,
        0,
        0,
    )
    assert warm_stats.parsers == ()
    assert cold.stats.parsed == warm.stats.parsed > 0
    assert cold.errors  # the broken files are reported from the cache too


def test_racy_entries_are_verified_by_content(tree: Path, tmp_path: Path) -> None:
    """Files written just now might change again within their timestamp's tick: the
    next run compares their bytes instead of trusting their stat."""
    folder = tmp_path / "cache"
    cold, _ = run(tree, folder)
    warm, stats = run(tree, folder)
    assert cold == warm
    assert (stats.stat_hits, stats.hash_hits, stats.extracted) == (0, stats.files, 0)


def test_make_record_marks_recent_files_racy() -> None:
    now = 10**18
    old = (10, now - cache.RACY_NS, now - cache.RACY_NS, 7)
    recent_mtime = (10, now - 1, now - cache.RACY_NS, 7)
    recent_ctime = (10, now - cache.RACY_NS, now - 1, 7)
    assert make_record(old, b"d", (), False, (), (), (), now)[:4] == old
    assert make_record(recent_mtime, b"d", (), False, (), (), (), now)[:4] == (-1, -1, -1, -1)
    assert make_record(recent_ctime, b"d", (), False, (), (), (), now)[:4] == (-1, -1, -1, -1)
    assert make_record(None, b"d", (), False, (), (), (), now)[:4] == (-1, -1, -1, -1)


# -- invalidation -------------------------------------------------------------------------------


@pytest.mark.usefixtures("not_racy")
def test_changed_file_is_extracted_again_and_nothing_else(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    run(tree, folder)
    target = tree / "services/extra/app.py"
    target.write_text('import os\nPORT = int(os.getenv("PORT", "3998"))\n')
    warm, stats = run(tree, folder)
    assert warm == fresh(tree)
    assert 3998 in {fact.port for fact in warm.graph.facts}
    assert 3999 in {fact.port for fact in warm.graph.facts}  # compose still says 3999
    assert (stats.extracted, stats.hash_hits, stats.stat_hits) == (1, 0, stats.files - 1)
    assert stats.parsers == (("python", 1),)


@pytest.mark.usefixtures("not_racy")
def test_same_size_change_with_old_mtime_is_seen(tree: Path, tmp_path: Path) -> None:
    """An edit that keeps size and mtime (``touch -r``) still changes the ctime."""
    folder = tmp_path / "cache"
    target = tree / "services/extra/app.py"
    os.utime(target, ns=(OLD_NS, OLD_NS))
    run(tree, folder)
    target.write_text(target.read_text().replace("3999", "3997"))
    os.utime(target, ns=(OLD_NS, OLD_NS))
    warm, stats = run(tree, folder)
    assert warm == fresh(tree)
    assert stats.extracted == 1


@pytest.mark.usefixtures("not_racy")
def test_touched_file_is_a_content_hit(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    cold, _ = run(tree, folder)
    os.utime(tree / "services/extra/web.ts", ns=(OLD_NS, OLD_NS))
    warm, stats = run(tree, folder)
    assert warm == cold
    assert (stats.hash_hits, stats.extracted) == (1, 0)
    _, again = run(tree, folder)  # the new stat was stored
    assert (again.stat_hits, again.hash_hits) == (again.files, 0)


@pytest.mark.usefixtures("not_racy")
def test_deleted_and_added_files(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    run(tree, folder)
    (tree / "services/extra/app.py").unlink()
    (tree / "services/extra/more.py").write_text("PORT = 3777\n")
    (tree / "services/extra/more.txt").write_text("unclaimed\n")
    warm, stats = run(tree, folder)
    assert warm == fresh(tree)
    ports = {fact.port for fact in warm.graph.facts}
    assert 3777 in ports
    assert stats.extracted == 1
    records = stored(tree, folder).records
    assert records["services/extra/more.py"] is not None
    assert "services/extra/app.py" not in records
    assert records["services/extra/more.txt"] is None


@pytest.mark.usefixtures("not_racy")
def test_changed_house_rule_invalidates_the_cache(tree: Path, tmp_path: Path) -> None:
    rules = tree / "house" / "go"
    rules.mkdir(parents=True)
    (tree / "services/extra/main.go").write_text(
        "package main\n\nfunc main() {\n\tserveOn(3055) // the listen port\n}\n"
    )
    (rules / "serve-on.toml").write_text('role = "default"\nenv = "none"\n')
    (rules / "serve-on.scm").write_text(
        "(call_expression function: (identifier) @_f"
        ' arguments: (argument_list . (int_literal) @port .) (#eq? @_f "serveOn"))\n'
    )
    config_file = tree / "portscan.toml"
    config_file.write_text('rules = ["house"]\n' + config_file.read_text())
    folder = tmp_path / "cache"
    first, _ = run(tree, folder)
    (rules / "serve-on.toml").write_text('role = "override"\nenv = "none"\n')
    from portscan.extractors import queries

    queries.load_rules.cache_clear()  # this process memoizes the rules it read
    second, stats = run(tree, folder)
    assert stats.cache == "cold: portscan, its rules or the extraction config changed"
    assert stats.extracted == stats.files
    assert second == fresh(tree)
    roles = {f.role for f in second.graph.facts if f.port == 3055}
    assert roles == {Role.OVERRIDE}
    assert {f.role for f in first.graph.facts if f.port == 3055} == {Role.DEFAULT}


@pytest.mark.usefixtures("not_racy")
def test_changed_max_file_size_invalidates_the_cache(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    config = load_config(tree)
    run(tree, folder, config)
    small = Config(
        **{**{f.name: getattr(config, f.name) for f in fields(Config)}, "max_file_size": 40}
    )
    result, stats = run(tree, folder, small)
    assert stats.cache.startswith("cold:")
    assert result == fresh(tree, small)
    assert any("over max-file-size" in e.message for e in result.errors)
    back, back_stats = run(tree, folder, config)  # and back: cold again, still right
    assert back_stats.cache.startswith("cold:")
    assert back == fresh(tree, config)


def test_cache_key_covers_rules_config_and_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    house = tmp_path / "house" / "go"
    house.mkdir(parents=True)
    (house / "a.scm").write_text("(identifier) @port\n")
    base = cache_key((), 1024)
    with_rules = cache_key((str(tmp_path / "house"),), 1024)
    assert len({base, with_rules, cache_key((), 2048)}) == 3
    (house / "a.scm").write_text("(int_literal) @port\n")
    assert cache_key((str(tmp_path / "house"),), 1024) != with_rules
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "other code")
    assert cache_key((), 1024) != base
    monkeypatch.setattr(cache, "__version__", "9.9.9")
    assert cache_key((), 1024) != base


def test_rules_fingerprint_matches_the_queries_module(tmp_path: Path) -> None:
    from portscan.extractors.queries import rules_fingerprint

    (tmp_path / "go").mkdir()
    (tmp_path / "go" / "x.scm").write_text("(identifier) @port\n")
    for extra in ((), (str(tmp_path),)):
        assert cache.rules_fingerprint(extra) == rules_fingerprint(extra)


def test_code_fingerprint_follows_the_package_sources() -> None:
    assert cache.code_fingerprint() == cache.code_fingerprint()
    assert len(cache.code_fingerprint()) == 64


# -- unreadable and broken ------------------------------------------------------------------------


@pytest.mark.usefixtures("not_racy")
def test_unreadable_file_is_reported_on_every_run(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    big = tree / "services/extra/big.py"
    big.write_text("PORT = 3000\n" * 10)
    config = load_config(tree)
    config = Config(
        **{**{f.name: getattr(config, f.name) for f in fields(Config)}, "max_file_size": 100}
    )
    first, _ = run(tree, folder, config)
    second, stats = run(tree, folder, config)
    assert first == second
    assert any(e.path == "services/extra/big.py" for e in second.errors)
    assert stats.extracted == 0
    records = stored(tree, folder, config).records
    # No outcome is kept (a stat that never matches, a digest no bytes have), only the
    # extractor that claims the file, so the next run need not ask every extractor.
    assert records["services/extra/big.py"] == (-1, -1, -1, -1, b"", ("python",), False, (), (), ())
    assert "services/extra/app.py" in records


def corrupt_cases() -> list[object]:
    def flip(blob: bytes) -> bytes:
        return blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:]

    def wrong_layout(blob: bytes) -> bytes:
        key = marshal.loads(blob[len(MAGIC) + 32 :])[0]
        return sealed(marshal.dumps((key, [1, 2, 3])))

    def wrong_entries(blob: bytes) -> bytes:
        key, records = marshal.loads(blob[len(MAGIC) + 32 :])
        bad = {
            rel: (1, 2)
            if index % 3 == 0
            else (*record[:7], ((1, 2),), ())
            if index % 3 == 1
            else "x"
            for index, (rel, record) in enumerate(records.items())
            if record is not None
        }
        return sealed(marshal.dumps((key, bad)))

    def wrong_role(blob: bytes) -> bytes:
        key, records = marshal.loads(blob[len(MAGIC) + 32 :])
        changed = {}
        for rel, record in records.items():
            if record is not None and record[7]:
                fact = (record[7][0][0], "not-a-role", *record[7][0][2:])
                record = (*record[:7], (fact, *record[7][1:]), record[8])
            changed[rel] = record
        return sealed(marshal.dumps((key, changed)))

    return [
        pytest.param(lambda blob: b"", id="empty"),
        pytest.param(lambda blob: blob[: len(blob) // 2], id="truncated"),
        pytest.param(lambda blob: blob[:10], id="truncated-in-header"),
        pytest.param(flip, id="flipped-byte"),
        pytest.param(lambda blob: b"garbage" * 100, id="garbage"),
        pytest.param(lambda blob: sealed(b"\xff\xfe not marshal"), id="sealed-garbage"),
        pytest.param(wrong_layout, id="wrong-layout"),
        pytest.param(wrong_entries, id="wrong-entries"),
        pytest.param(wrong_role, id="unknown-role"),
    ]


def sealed(payload: bytes) -> bytes:
    """A payload with a valid header and digest: only its content is wrong."""
    import hashlib

    return MAGIC + hashlib.blake2b(payload, digest_size=32).digest() + payload


@pytest.mark.usefixtures("not_racy")
@pytest.mark.parametrize("damage", corrupt_cases())
def test_damaged_cache_is_ignored_and_rebuilt(tree: Path, tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "cache"
    cold, _ = run(tree, folder)
    path = cache_file(folder, tree)
    path.write_bytes(damage(path.read_bytes()))
    result, _ = run(tree, folder)
    assert result == cold
    again, stats = run(tree, folder)  # rebuilt: warm and whole again
    assert again == cold
    assert (stats.cache, stats.stat_hits) == ("warm", stats.files)


@pytest.mark.usefixtures("not_racy")
@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda r: r[:9], id="short"),
        pytest.param(lambda r: (*r[:4], "digest", *r[5:]), id="digest-not-bytes"),
        pytest.param(lambda r: (*r[:6], "yes", *r[7:]), id="parsed-not-bool"),
        pytest.param(lambda r: (*r[:7], ((1, 2),), *r[8:]), id="facts-malformed"),
        pytest.param(lambda r: (*r[:9], [(1, ("PS001",), None)]), id="comments-not-tuple"),
        pytest.param(lambda r: (*r[:9], ((1, "PS001", None),)), id="comment-malformed"),
    ],
)
def test_a_malformed_entry_is_read_again(tree: Path, tmp_path: Path, spoil) -> None:  # type: ignore[no-untyped-def]
    """An entry this code did not write (a bug, an edit by hand) is never trusted: its
    file is read and extracted again, and the result is the cold one."""
    folder = tmp_path / "cache"
    cold, _ = run(tree, folder)
    store = stored(tree, folder)
    rel = "deploy/compose.yml"
    record = store.records[rel]
    assert record is not None
    store.put(rel, spoil(record))
    assert store.save() is None
    warm, stats = run(tree, folder)
    assert warm == cold
    assert (stats.stat_hits, stats.extracted) == (stats.files - 1, 1)


def test_unwritable_cache_folder_is_a_note_not_a_failure(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    result, stats = run(tree, blocker / "cache")
    assert result == fresh(tree)
    assert stats.cache_note is not None
    assert stats.cache_note.startswith("cache not saved:")


# -- concurrency ---------------------------------------------------------------------------------


def _scan_into(root: str, folder: str, rounds: int) -> None:
    for _ in range(rounds):
        scan(Path(root), load_config(Path(root)), cache_dir=Path(folder))


def test_concurrent_writers_do_not_corrupt(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_scan_into, args=(str(tree), str(folder), 3)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
        assert worker.exitcode == 0
    assert [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")] == []
    assert stored(tree, folder).state == "warm"
    result, _ = run(tree, folder)
    assert result == fresh(tree)


def _save_many(path: str, key: str, marker: int) -> None:
    for round_ in range(30):
        store = FileCache(Path(path), key)
        store.records = {f"f{i}": None for i in range(marker * 100 + round_)}
        store.dirty = True
        assert store.save() is None


def test_concurrent_saves_leave_a_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "c" / "files-x.cache"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_save_many, args=(str(path), "k", n)) for n in range(1, 5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    loaded = FileCache.open(path, "k")
    assert loaded.state == "warm"
    assert len(loaded.records) % 100 in range(30)


# -- where the cache lives ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        pytest.param(Path("/x/c"), {"XDG_CACHE_HOME": "/xdg"}, Path("/x/c"), id="option-wins"),
        pytest.param(None, {"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/portscan"), id="xdg"),
        pytest.param(
            None,
            {"XDG_CACHE_HOME": "relative"},
            Path("/r/.portscan_cache"),
            id="xdg-relative-ignored",
        ),
        pytest.param(
            None, {"XDG_CACHE_HOME": ""}, Path("/r/.portscan_cache"), id="xdg-empty-ignored"
        ),
        pytest.param(None, {}, Path("/r/.portscan_cache"), id="default"),
    ],
)
def test_cache_dir_precedence(
    explicit: Path | None, environ: dict[str, str], expected: Path
) -> None:
    assert cache_dir(Path("/r"), explicit, environ) == expected


def test_cache_file_is_named_by_root(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    names = {cache_file(tmp_path, tmp_path / "a"), cache_file(tmp_path, tmp_path / "b")}
    assert len(names) == 2
    assert cache_file(tmp_path, tmp_path / "a" / ".." / "a") == cache_file(tmp_path, tmp_path / "a")


@pytest.mark.usefixtures("not_racy")
def test_default_cache_in_root_is_never_scanned(tree: Path) -> None:
    from portscan.cli import main

    assert main(["scan", str(tree), "--format", "json"]) in (0, 1)
    folder = tree / ".portscan_cache"
    assert sorted(p.name for p in folder.iterdir())[:2] == [".gitignore", "CACHEDIR.TAG"]
    (folder / "docker-compose.yml").write_text('services:\n  x:\n    ports: ["1:1"]\n')
    found = discover(tree, load_config(tree))
    assert not [rel for rel in found if rel.startswith(".portscan_cache/")]


def test_cli_cache_options(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from portscan.cli import main

    outputs = []
    for args in (
        ["--no-cache"],
        ["--cache-dir", str(tmp_path / "mine")],
        ["--cache-dir", str(tmp_path / "mine"), "--stats"],
        ["--no-cache", "--jobs", "2", "--stats"],
    ):
        code = main(["scan", str(tree), "--format", "json", *args])
        captured = capsys.readouterr()
        outputs.append((code, captured.out))
        if "--stats" in args:
            assert captured.err.startswith("portscan: stats: discover ")
            assert "cache warm" in captured.err or "cache off" in captured.err
        else:
            assert captured.err == ""
    assert len(set(outputs)) == 1
    assert not (tree / ".portscan_cache").exists()
    assert cache_file(tmp_path / "mine", tree).is_file()


def test_xdg_cache_home_is_used(tree: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    subprocess.run(
        [sys.executable, "-m", "portscan", "scan", str(tree)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert cache_file(tmp_path / "xdg" / "portscan", tree).is_file()
    assert not (tree / ".portscan_cache").exists()


def test_warm_scan_imports_no_parser(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setattr(cache, "RACY_NS", 0)
    run(tree, folder)  # cold, in this process
    probe = (
        "import sys; from portscan.cli import main; "
        f"code = main(['scan', {str(tree)!r}, '--cache-dir', {str(folder)!r}, '--stats']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'libcst', 'tree_sitter', 'yaml'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert " 0 extracted" in done.stderr
    assert "cache warm" in done.stderr


def test_rereading_an_edited_file_imports_only_its_extractor(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache remembers which extractors claim a file: after an edit, only those are
    imported (what a pre-commit hook pays), not every extractor to ask which claim it;
    also for a file whose prefilter found nothing to parse."""
    folder = tmp_path / "cache"
    monkeypatch.setattr(cache, "RACY_NS", 0)
    quiet = tree / "services/mana-auth/src/util.ts"
    quiet.write_text("export const answer = 42;\n")
    run(tree, folder)
    edited = tree / "services/mana-auth/src/config.ts"
    for path in (edited, quiet):
        path.write_text(path.read_text() + "// edited\n")
    probe = (
        "import sys; from portscan.cli import main; "
        f"code = main(['scan', {str(tree)!r}, '--cache-dir', {str(folder)!r}, '--stats']); "
        "print(sorted(m for m in sys.modules if m.startswith('portscan.extractors.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == str(
        [
            "portscan.extractors.base",
            "portscan.extractors.deadline",
            "portscan.extractors.queries",
            "portscan.extractors.typescript",
            "portscan.extractors.urls",
        ]
    )
    assert " 2 extracted" in done.stderr


def test_a_file_that_cannot_be_read_is_retried_without_asking_every_extractor(
    tree: Path, tmp_path: Path
) -> None:
    """A symlink that leads out of the root is reported on every run (nothing about it
    is cached) yet the cache remembers which extractor claims it: a warm run imports no
    extractor."""
    folder = tmp_path / "cache"
    outside = tmp_path / "outside.env"
    outside.write_text("PORT=6666\n")
    os.symlink(outside, tree / "services" / "mana-auth" / ".env.shared")
    message = "services/mana-auth/.env.shared: symlink points outside the scan root"
    for _ in range(2):
        result, _ = run(tree, folder)
        assert [(d.path, d.message) for d in result.errors if d.path.endswith(".shared")] == [
            ("services/mana-auth/.env.shared", message.split(": ")[1] + "; not followed")
        ]
    probe = (
        "import sys; from portscan.cli import main; "
        f"code = main(['scan', {str(tree)!r}, '--cache-dir', {str(folder)!r}, '--stats']); "
        "print(sorted(m for m in sys.modules if m.startswith('portscan.extractors.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert message in done.stdout
    assert done.stdout.strip().splitlines()[-1] == str(["portscan.extractors.base"])
    assert " 0 extracted" in done.stderr


# -- the encoding of facts -------------------------------------------------------------------------


def test_every_fact_field_survives_the_cache() -> None:
    """A field added to PortFact or Location later must be stored too."""
    fact = fact_with_every_field()
    elsewhere = replace(fact, location=Location("other.yml", 1))
    diagnostics = [Diagnostic("a/b.yml", 2, "bad"), Diagnostic("x", None, "worse")]
    facts, diags = encode_outcome("a/b.yml", [fact, elsewhere], diagnostics)
    facts, diags = marshal.loads(marshal.dumps((facts, diags)))
    assert decode_facts("a/b.yml", facts) == [fact, elsewhere]
    assert decode_diagnostics("a/b.yml", diags) == diagnostics


@pytest.mark.parametrize("enabled", [True, False], ids=["gc-enabled", "gc-disabled"])
def test_loading_leaves_the_garbage_collector_as_it_was(
    tree: Path, tmp_path: Path, enabled: bool
) -> None:
    """The load pauses the collector and puts it back as it found it."""
    folder = tmp_path / "cache"
    run(tree, folder)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        loaded = stored(tree, folder)
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    assert (loaded.state, after) == ("warm", enabled)
    assert loaded.records


def test_cache_of_another_key_is_not_used(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    run(tree, folder)
    path = cache_file(folder, tree)
    assert path.read_bytes().startswith(MAGIC)
    loaded = FileCache.open(path, "another key")
    assert (loaded.state, loaded.records) == (
        "cold: portscan, its rules or the extraction config changed",
        {},
    )
