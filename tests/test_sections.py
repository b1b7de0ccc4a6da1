"""Sections from outside the package get what built-in ones get: named with `--section` (or
`CONVERGENT_SECTIONS`) or installed under the `convergent.sections` entry point, they are in
the one section list every command uses: the server, the worker, orders, fixtures, first start."""

from __future__ import annotations

import json
import pathlib

import garden_section
import pytest
from typer.testing import CliRunner

from convergent.cli import app
from convergent.config import Config
from convergent.runtime import section_list
from convergent.sections import ENTRY_POINTS


def _install(tmp_path, monkeypatch, value: str) -> None:
    """An installed distribution declaring `garden = <value>` under the entry point group: what
    `pip install` of a package with that entry point leaves in site-packages."""
    info = tmp_path / "site" / "garden_plots-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: garden-plots\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINTS}]\ngarden = {value}\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))


def _names(sections) -> list[str]:
    return [s.name for s in sections]


def test_the_section_list_has_named_and_installed_sections_once(tmp_path, monkeypatch):
    assert "garden" not in _names(section_list(Config(database="x.db")))
    named = section_list(Config(database="x.db", sections="garden_section:SECTION"))
    assert named[-1] is garden_section.SECTION
    _install(tmp_path, monkeypatch, "garden_section:SECTION")
    installed = section_list(Config(database="x.db"))
    assert installed[-1] is garden_section.SECTION
    both = section_list(Config(database="x.db", sections="garden_section:SECTION"))
    assert _names(both).count("garden") == 1


def test_an_installed_entry_point_that_is_not_a_section_is_refused_by_name(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, "garden_section:PLOT")
    with pytest.raises(ValueError, match="section 'garden' .*is not a Section declaration"):
        section_list(Config(database="x.db"))


def _cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def test_provision_delivers_an_order_of_a_section_named_on_the_command_line(tmp_path):
    database = str(tmp_path / "orders.db")
    unknown = _cli("provision", "gardenPlot", "--account", "xx1111-ovh", "--database", database)
    assert unknown.exit_code == 2 and "unknown product 'gardenPlot'" in unknown.output
    named = ("--section", "garden_section:SECTION", "--json")
    done = _cli("provision", "gardenPlot", "--account", "xx1111-ovh", "--database", database, *named)
    assert done.exit_code == 0, done.output
    [plot] = json.loads(done.stdout)
    assert plot["kind"] == "garden.plot" and plot["path"] == f"/v2/garden/plot/{plot['id']}"
    from_env = _cli(
        "provision",
        "gardenPlot",
        "--account",
        "xx1111-ovh",
        "--database",
        database,
        "--json",
        env={"CONVERGENT_SECTIONS": "garden_section:SECTION"},
    )
    assert from_env.exit_code == 0 and json.loads(from_env.stdout)[0]["kind"] == "garden.plot"


def test_provision_delivers_an_order_of_an_installed_section(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, "garden_section:SECTION")
    database = str(tmp_path / "installed.db")
    done = _cli("provision", "gardenPlot", "--account", "xx1111-ovh", "--database", database, "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)[0]["kind"] == "garden.plot"


def test_first_start_loads_fixtures_of_a_named_section(tmp_path, servers, monkeypatch):
    import httpx

    from convergent.client import OvhSignature

    monkeypatch.setenv("PYTHONPATH", str(pathlib.Path(__file__).parent))  # the server imports garden_section

    fixtures = tmp_path / "garden.json"
    fixtures.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "account": "xx1111-ovh",
                        "credentials": [
                            {"applicationKey": "ak", "applicationSecret": "as", "consumerKey": "ck"}
                        ],
                        "provision": ["gardenPlot"],
                        "resources": [{"path": "/v2/garden/plot", "targetSpec": {"crop": "kale"}}],
                    }
                ]
            }
        )
    )
    server = servers(
        tmp_path / "garden.db",
        "--instant",
        "--fixtures",
        str(fixtures),
        "--section",
        "garden_section:SECTION",
        "--admin-token",
        "t0ken",
    )
    assert "Fixtures" in server.read_log() and "loaded" in server.read_log(), server.read_log()
    auth = OvhSignature("ak", "as", "ck", time_url=f"{server.url}/auth/time")
    plots = httpx.get(f"{server.url}/v2/garden/plot", auth=auth).json()
    assert sorted(p["targetSpec"]["crop"] for p in plots) == ["kale", "leek"]
