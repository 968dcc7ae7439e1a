from __future__ import annotations

import pytest

from portscan.globs import GlobError, compile_globs


@pytest.mark.parametrize(
    ("globs", "path", "expected"),
    [
        pytest.param(["**"], "a/b/c.py", True, id="double-star-everything"),
        pytest.param(["*.yml"], "compose.yml", True, id="star-at-root"),
        pytest.param(["*.yml"], "deploy/compose.yml", False, id="star-stays-in-folder"),
        pytest.param(["**/*.yml"], "deploy/box/compose.yml", True, id="any-depth"),
        pytest.param(["**/*.yml"], "compose.yml", True, id="any-depth-includes-root"),
        pytest.param(["scripts/mac-mini/**"], "scripts/mac-mini/a/b.sh", True, id="subtree"),
        pytest.param(["scripts/mac-mini/**"], "scripts/mac-mini-old/b.sh", False, id="sibling"),
        pytest.param(["legacy"], "legacy/app/main.py", True, id="folder-name"),
        pytest.param(["legacy/"], "legacy/main.py", True, id="folder-slash"),
        pytest.param(["legacy"], "legacyish/main.py", False, id="folder-prefix-only"),
        pytest.param(["file?.py"], "file1.py", True, id="question-mark"),
        pytest.param(["file[0-9].py"], "file7.py", True, id="bracket"),
        pytest.param(["file[!0-9].py"], "file7.py", False, id="negated-bracket"),
        pytest.param([], "anything", False, id="no-globs-match-nothing"),
    ],
)
def test_compile_globs(globs: list[str], path: str, expected: bool) -> None:
    assert bool(compile_globs(globs).match(path)) is expected


@pytest.mark.parametrize(
    ("glob", "message"),
    [
        pytest.param("", "empty glob", id="empty"),
        pytest.param("/etc/**", "must be relative", id="absolute"),
        pytest.param("../x", "must not leave the root", id="parent"),
        pytest.param("a[b", "unclosed '\\['", id="unclosed-bracket"),
        pytest.param("a[z-a]", "bad glob", id="bad-range"),
    ],
)
def test_bad_globs(glob: str, message: str) -> None:
    with pytest.raises(GlobError, match=message):
        compile_globs([glob])
