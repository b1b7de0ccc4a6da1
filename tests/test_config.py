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
