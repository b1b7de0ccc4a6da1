"""Every setting is documented in the README, and every documented setting exists."""

import pathlib
import re
from dataclasses import fields

import pytest

from convergent.config import Config, ConfigError

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_and_every_documented_one_exists():
    documented = set(re.findall(r"`CONVERGENT_([A-Z_]+)`", README.read_text()))
    assert documented == {f.name.upper() for f in fields(Config)}


def test_environment_is_read_and_command_line_wins():
    env = {"CONVERGENT_PORT": "9000", "CONVERGENT_INSTANT": "yes", "CONVERGENT_DATABASE": "/tmp/x.db"}
    config = Config.from_env(env, port=9100)
    assert (config.port, config.instant, config.database) == (9100, True, "/tmp/x.db")
    assert config.effective_time_scale == 0.0


@pytest.mark.parametrize("name,value", [("PORT", "eighty"), ("INSTANT", "maybe"), ("TIME_SCALE", "-1")])
def test_unreadable_settings_are_refused(name, value):
    with pytest.raises(ConfigError):
        Config.from_env({f"CONVERGENT_{name}": value})


def test_unknown_settings_are_refused_not_ignored():
    with pytest.raises(ConfigError, match="CONVERGENT_PROT"):
        Config.from_env({"CONVERGENT_PROT": "80"})


def test_serve_help_shows_every_setting_with_its_variable_and_default():
    from typer.testing import CliRunner

    from convergent.cli import app

    shown = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "100"}, color=False)
    assert shown.exit_code == 0
    flat = " ".join(shown.output.split()).replace("- ", "-")  # words as written, however wrapped
    for f in fields(Config):
        variable = f"CONVERGENT_{f.name.upper()}" if f.name != "sections" else "CONVERGENT_SECTIONS"
        assert re.search(rf"\[env: {variable}[;,][^\]]*default[^\]]*\]", flat), variable
    assert "[env: CONVERGENT_PORT; default 8080]" in flat
    assert "run any number of these behind a load balancer (with --workers 0" in flat


def test_every_serve_option_is_in_the_readme_table():
    from typer.testing import CliRunner

    from convergent.cli import app

    shown = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    options = set(re.findall(r"^\s+(--[a-z-]+)", shown, re.M)) - {"--help"}
    table = set(re.findall(r"^\| `(--[a-z-]+)`", README.read_text(), re.M))
    table |= set(re.findall(r"^\| `--[a-z-]+`, `(--[a-z-]+)`", README.read_text(), re.M))
    assert options and options <= table, sorted(options - table)
