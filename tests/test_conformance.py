"""`convergent conformance`: against the reference beside the checkout, and against small
references written here (a stricter schema, an operation convergent lacks, a section's declined one)."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import REFERENCE
from typer.testing import CliRunner

from convergent.cli import app

SECTIONS = {"iam", "publicCloud", "vrackServices", "vmwareCloudDirector"}
PLANS = "/publicCloud/reference/rancher/plan"


def _run(*args: str):
    result = CliRunner().invoke(app, ["conformance", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _report(directory) -> tuple[int, dict]:
    result = _run("--reference", str(directory), "--json")
    return result.exit_code, json.loads(result.stdout)


def _openapi(paths: dict) -> dict:
    return {
        "openapi": "3.0.0",
        "servers": [{"url": "https://eu.api.ovh.com/v2"}],
        "paths": paths,
        "components": {"schemas": {}},
    }


def _get(schema: dict) -> dict:
    return {
        "get": {
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
        }
    }


def _write(directory, name: str, paths: dict):
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.json").write_text(json.dumps(_openapi(paths)))
    return directory


def _results(report: dict) -> dict[str, dict]:
    return {f"{r['method']} {r['path']}": r for s in report["sections"] for r in s["results"]}


def test_every_reference_operation_is_served_or_declined_and_validates():
    if not (REFERENCE / "ovh-v2-schemas").is_dir():
        pytest.skip(f"reference data not found at {REFERENCE} (it lives in ../shared beside the checkout)")
    code, report = _report(REFERENCE)
    sections = {s["section"]: s for s in report["sections"]}
    assert set(sections) >= SECTIONS, sorted(sections)
    for name in SECTIONS:
        section = sections[name]
        assert section["missing"] == 0, [r["path"] for r in section["results"] if r["status"] == "missing"]
        assert section["served"] + section["declined"] == section["operations"]
        failing = {f"{r['method']} {r['path']}": r["problems"] for r in section["results"] if not r["passes"]}
        assert not failing, failing
        assert section["validating"] == section["served"]
    declined = {k: r for k, r in _results(report).items() if r["status"] == "declined"}
    assert not declined, sorted(declined)  # every reference operation is served
    assert code == 0, report["summary"]


def test_an_answer_that_does_not_validate_fails_the_run(tmp_path):
    # The plans convergent serves, read against a stricter schema: each must carry `neverThere`.
    strict = {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["neverThere"]}}
    code, report = _report(_write(tmp_path / "ref", "publicCloud", {PLANS: _get(strict)}))
    result = _results(report)[f"GET {PLANS}"]
    assert result["status"] == "served" and result["calls"] >= 1 and result["validated"] == 0
    assert "'neverThere' is a required property" in result["problems"][0]
    assert not report["passes"] and code == 1


def test_the_same_answer_against_a_fitting_schema_passes(tmp_path):
    loose = {"type": "array", "items": {"type": "object", "required": ["name"]}}
    code, report = _report(_write(tmp_path / "ref", "publicCloud", {PLANS: _get(loose)}))
    assert _results(report)[f"GET {PLANS}"]["passes"] and code == 0, report


def test_an_operation_convergent_does_not_serve_is_missing(tmp_path):
    loose = {"type": "array"}
    code, report = _report(
        _write(tmp_path / "ref", "publicCloud", {PLANS: _get(loose), "/publicCloud/nowhere": _get(loose)})
    )
    results = _results(report)
    assert results["GET /publicCloud/nowhere"]["status"] == "missing"
    assert results["GET /publicCloud/nowhere"]["problems"] == ["not served"]
    assert results[f"GET {PLANS}"]["passes"]
    assert report["sections"][0]["missing"] == 1 and code == 1


def test_a_declined_operation_is_reported_with_its_reason_and_passes(tmp_path):
    from convergent.conformance import load, measure
    from convergent.errors import ApiError
    from convergent.model.operation import Operation
    from convergent.model.section import Section
    from convergent.sections import builtin_sections

    async def refuse(call):
        raise ApiError(501, "Server::NotImplemented::NoThings", "convergent keeps no things")

    demo = Section(
        name="demo",
        description="a section with a declined operation",
        operations=(Operation("GET", "/demo/thing", refuse, declined="convergent keeps no things"),),
    )
    refs = load(str(_write(tmp_path / "ref", "demo", {"/demo/thing": _get({"type": "array"})})))
    report = asyncio.run(measure(refs, sections=(*builtin_sections(), demo))).as_json()
    result = _results(report)["GET /demo/thing"]
    assert result["status"] == "declined" and "keeps no things" in result["reason"]
    assert result["answers"] == {"501": 1}
    assert report["passes"]


def test_a_section_convergent_does_not_have_is_all_missing(tmp_path):
    code, report = _report(
        _write(tmp_path / "ref", "dedicatedCloud", {"/dedicatedCloud/thing": _get({"type": "array"})})
    )
    assert report["sections"][0]["missing"] == 1 and code == 1


def test_an_absent_reference_skips_and_succeeds(tmp_path):
    result = _run("--reference", str(tmp_path / "absent"))
    assert result.exit_code == 0
    assert "conformance skipped" in result.output and "not found" in result.output


def test_the_table_names_each_operation_and_the_summary(tmp_path):
    result = _run(
        "--reference", str(_write(tmp_path / "ref", "publicCloud", {PLANS: _get({"type": "array"})}))
    )
    assert result.exit_code == 0
    assert f"GET {PLANS}" in result.output and "1 served (1 validating)" in result.output
