"""A hundred deployments, each from the same empty state: the plugin's speed and isolation."""

import pytest
from deploy import call, deploy_rancher


@pytest.mark.parametrize("n", range(100))
def test_deploy(ovh_client, n):
    project, rancher = deploy_rancher(ovh_client, f"project-{n}", f"rancher-{n}")
    assert rancher["resourceStatus"] == "READY"
    assert [p["id"] for p in call(ovh_client, "GET", "/v2/publicCloud/project")] == [project["id"]]
