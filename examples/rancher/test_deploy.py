"""Tests of deploy.py against convergent, with the pytest plugin's fixtures."""

import pytest
from deploy import CallFailed, DeployFailed, call, change_plan, deploy_rancher

RANCHER_UPDATE = "PUT /v2/publicCloud/project/{projectId}/rancher/{rancherId}"


def test_deploy_a_rancher(ovh_client):
    project, rancher = deploy_rancher(ovh_client, "demo", "r1")
    assert rancher["resourceStatus"] == "READY"
    assert rancher["currentState"]["url"].startswith("https://")
    assert [p["id"] for p in call(ovh_client, "GET", "/v2/publicCloud/project")] == [project["id"]]


def test_a_stale_checksum_is_refused_and_change_plan_reads_again(ovh_client, convergent_admin):
    project, rancher = deploy_rancher(ovh_client, "demo", "r1")
    path = f"/v2/publicCloud/project/{project['id']}/rancher/{rancher['id']}"
    # Someone else changes the rancher between our read and our write: a real race first...
    stale = rancher["checksum"]
    change_plan(ovh_client, path, "OVHCLOUD_EDITION")
    with pytest.raises(CallFailed) as refused:
        call(
            ovh_client,
            "PUT",
            path,
            {"checksum": stale, "targetSpec": {**rancher["targetSpec"], "plan": "STANDARD"}},
        )
    assert (refused.value.status, refused.value.cls) == (412, "Client::PreconditionFailed::ChecksumMismatch")
    # ...then the same answer injected once, to check that change_plan reads again and succeeds.
    convergent_admin.fail_operation(RANCHER_UPDATE, 412, "Client::PreconditionFailed::ChecksumMismatch")
    assert change_plan(ovh_client, path, "STANDARD")["targetSpec"]["plan"] == "STANDARD"
    assert convergent_admin.faults() == []  # spent


def test_a_task_failing_at_a_step_fails_the_deployment(ovh_client, convergent_admin):
    convergent_admin.fail_task("publicCloud.rancher", "Deploy Rancher", "no capacity left in GRA")
    with pytest.raises(DeployFailed) as failed:
        deploy_rancher(ovh_client, "demo", "r1")
    assert failed.value.errors == ["no capacity left in GRA"]


def test_a_deprecated_schemas_version_warns(ovh_client, convergent_admin):
    convergent_admin.deprecate("publicCloud", 1, sunset="2030-01-01")
    with pytest.warns(DeprecationWarning, match="schemas version 1.1 is deprecated"):
        deploy_rancher(ovh_client, "demo", "r1")
