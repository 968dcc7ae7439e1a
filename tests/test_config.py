from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portscan.config import Config, ConfigError, find_config, load_config, parse_config
from portscan.model import Location, Severity

FULL = """\
include = ["**"]
exclude = ["legacy/**"]
fail-on = "warning"
select = ["PS0"]
ignore = ["undeployed-service"]
baseline = ".portscan-baseline.json"
max-file-size = "512KiB"

[hosts.mac-mini]
files = ["docker-compose.macmini.yml", "scripts/mac-mini/**"]
[hosts.windows-gpu]
addresses = ["192.168.178.11", "gpu-box"]
services = { mana-llm = 3025, mana-stt = 3020 }

[services.mana-image-gen]
aliases = ["image-gen", "com.mana.image-gen"]
paths = ["services/mana-image-gen/**"]
category = "ai"

[ranges]
ai = [3020, 3029]

[reserved]
5432 = "postgres"
"""


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param('"5s"', 5.0, id="seconds"),
        pytest.param('"500ms"', 0.5, id="milliseconds"),
        pytest.param('" 2.5 s "', 2.5, id="spaces"),
        pytest.param('"3"', 3.0, id="string-number"),
        pytest.param("2", 2.0, id="integer"),
        pytest.param("0.25", 0.25, id="float"),
    ],
)
def test_max_file_time(tmp_path: Path, value: str, seconds: float) -> None:
    config = parse_config(f"max-file-time = {value}\n", tmp_path / "portscan.toml")
    assert config.max_file_time == seconds


def test_max_file_time_defaults_to_five_seconds(tmp_path: Path) -> None:
    assert parse_config("", tmp_path / "portscan.toml").max_file_time == 5.0


def test_full_config_is_read(tmp_path: Path) -> None:
    config = parse_config(FULL, tmp_path / "portscan.toml")
    assert config.exclude == ("legacy/**",)
    assert config.fail_on == "warning"
    assert config.fail_threshold() is Severity.WARNING
    assert config.select == ("PS0",)
    assert config.ignore == ("undeployed-service",)
    assert config.baseline == ".portscan-baseline.json"
    assert config.max_file_size == 512 * 1024
    mac, gpu = config.hosts
    assert (mac.name, mac.files) == (
        "mac-mini",
        ("docker-compose.macmini.yml", "scripts/mac-mini/**"),
    )
    assert gpu.addresses == ("192.168.178.11", "gpu-box")
    assert [(d.service, d.port, d.location) for d in gpu.services] == [
        ("mana-llm", 3025, Location(str(tmp_path / "portscan.toml"), 13, 25, 13, 29)),
        ("mana-stt", 3020, Location(str(tmp_path / "portscan.toml"), 13, 42, 13, 46)),
    ]
    (service,) = config.services
    assert service.aliases == ("image-gen", "com.mana.image-gen")
    assert service.category == "ai"
    assert config.ranges == (("ai", 3020, 3029),)
    assert config.reserved == ((5432, "postgres"),)


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path) == Config()
    assert Config().fail_threshold() is Severity.ERROR


def test_never_has_no_threshold() -> None:
    assert Config(fail_on="never").fail_threshold() is None


def test_pyproject_tool_table_is_found(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.portscan]\nexclude = ["old/**"]\n'
    )
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    assert load_config(tmp_path).exclude == ("old/**",)


def test_pyproject_without_tool_table_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(tmp_path) is None


def test_portscan_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.portscan]\nexclude = ["a/**"]\n')
    (tmp_path / "portscan.toml").write_text('exclude = ["b/**"]\n')
    assert load_config(tmp_path).exclude == ("b/**",)


def test_rules_folders_resolve_against_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "house-rules").mkdir()
    config = parse_config('rules = ["house-rules"]\n', tmp_path / "portscan.toml")
    assert config.rules == (str((tmp_path / "house-rules").resolve()),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("colour = 1\n", "portscan.toml:1: colour: unknown key", id="unknown-key"),
        pytest.param(
            'include = "**"\n', "portscan.toml:1: include: must be a list of strings", id="type"
        ),
        pytest.param(
            'exclude = ["a[b"]\n', "portscan.toml:1: exclude: glob 'a[b' has an unclosed", id="glob"
        ),
        pytest.param('fail-on = "fatal"\n', "fail-on: must be one of error", id="fail-on"),
        pytest.param('max-file-size = "lots"\n', "max-file-size: must be a size", id="size"),
        pytest.param(
            'max-file-time = "5m"\n',
            "portscan.toml:1: max-file-time: must be a duration such as 5s, 500ms or 2.5",
            id="time-unit",
        ),
        pytest.param("max-file-time = 0\n", "max-file-time: must be a duration", id="time-zero"),
        pytest.param("max-file-time = -1\n", "max-file-time: must be a duration", id="time-neg"),
        pytest.param("max-file-time = inf\n", "max-file-time: must be a duration", id="time-inf"),
        pytest.param("max-file-time = true\n", "max-file-time: must be a duration", id="time-bool"),
        pytest.param(
            "\n[hosts.gpu]\nservices = { llm = 70000 }\n",
            "portscan.toml:3: hosts.gpu.services.llm: must be a port number",
            id="port-range",
        ),
        pytest.param(
            "[hosts.gpu]\nmachines = []\n",
            "portscan.toml:2: hosts.gpu.machines: unknown key (expected one of: files",
            id="unknown-host-key",
        ),
        pytest.param("[ranges]\nai = [3029, 3020]\n", "ranges.ai: low end 3029", id="range-order"),
        pytest.param(
            '[reserved]\npg = "postgres"\n', "reserved.pg: keys are port numbers", id="reserved"
        ),
        pytest.param(
            '[services.x]\ncategory = "ai"\n[ranges]\ncore = [1, 2]\n',
            "services.x.category: no range named 'ai'",
            id="category",
        ),
        pytest.param(
            'rules = ["missing"]\n', "rules: 'missing' is not a folder", id="rules-folder"
        ),
        pytest.param("include = [\n", "invalid TOML", id="toml-syntax"),
        pytest.param(
            'baseline = ""\n', "portscan.toml:1: baseline: must be a file path", id="baseline"
        ),
        pytest.param(
            '[hosts."gpu box"]\nfiles = []\n',
            "portscan.toml:1: hosts.gpu box: host names are letters, digits",
            id="host-name",
        ),
        pytest.param(
            '[services."image gen"]\npaths = []\n',
            "portscan.toml:1: services.image gen: service names are letters, digits",
            id="service-name",
        ),
        pytest.param(
            "[services.x]\ncategory = 3\n",
            "portscan.toml:2: services.x.category: must be a string",
            id="category-type",
        ),
        pytest.param(
            "[ranges]\nai = [3020]\n", "ranges.ai: must be a pair [low, high]", id="range-pair"
        ),
        pytest.param(
            "[reserved]\n5432 = 1\n",
            "reserved.5432: must be a string naming what owns the port",
            id="reserved-label",
        ),
    ],
)
def test_config_errors_name_file_key_and_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "portscan.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "portscan.toml"))


def test_pyproject_errors_name_the_tool_table(tmp_path: Path) -> None:
    text = '[tool.portscan]\nfail-on = "loud"\n'
    with pytest.raises(ConfigError, match=r"pyproject.toml:2: tool.portscan.fail-on: must be"):
        parse_config(text, tmp_path / "pyproject.toml")


def test_config_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "portscan.toml").write_bytes(b'fail-on = "error"  # \xff\n')
    with pytest.raises(ConfigError, match=r"portscan.toml: cannot read config: 'utf-8' codec"):
        load_config(tmp_path)


def test_unreadable_pyproject_is_not_a_config(tmp_path: Path) -> None:
    """A pyproject.toml that is not TOML is another tool's problem: no config is found in
    it (an explicit portscan.toml would still be read)."""
    (tmp_path / "pyproject.toml").write_text("[tool.portscan\nfail-on = 1\n")
    assert find_config(tmp_path) is None


def test_explicit_missing_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path, tmp_path / "nope.toml")


def test_severity_table_keys_are_codes_or_names(tmp_path: Path) -> None:
    text = '[severity]\nlatent-collision = "error"\nps007 = "warning"\n'
    config = parse_config(text, tmp_path / "portscan.toml")
    assert config.severity == (("PS002", Severity.ERROR), ("PS007", Severity.WARNING))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '[severity]\nlatnet-collision = "error"\n',
            "portscan.toml:2: severity.latnet-collision: unknown finding (keys are codes such as"
            " PS002 or names)",
            id="unknown-finding",
        ),
        pytest.param(
            '[severity]\nPS002 = "fatal"\n',
            "portscan.toml:2: severity.PS002: must be one of error, warning, info",
            id="bad-level",
        ),
        pytest.param(
            '[severity]\nPS002 = "never"\n',
            "portscan.toml:2: severity.PS002: must be one of error, warning, info",
            id="never-is-no-level",
        ),
        pytest.param(
            '[severity]\nPS002 = "error"\nlatent-collision = "info"\n',
            "portscan.toml:3: severity.latent-collision: PS002 latent-collision is already set",
            id="set-twice",
        ),
        pytest.param(
            'severity = "error"\n', "portscan.toml:1: severity: must be a table", id="type"
        ),
    ],
)
def test_severity_table_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "portscan.toml")
    assert str(caught.value) == f"{tmp_path / 'portscan.toml'}:{message.split(':', 1)[1]}"


def test_no_config_file_needs_no_toml_parser(tmp_path: Path) -> None:
    """A tree without a config file does not import tomllib (a warm scan's start-up)."""
    probe = (
        "import sys; from pathlib import Path; from portscan.config import load_config; "
        f"load_config(Path({str(tmp_path)!r})); print('tomllib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
