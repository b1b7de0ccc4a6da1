import pytest
from conftest import create_project, create_rancher

pytestmark = pytest.mark.anyio


async def test_rancher_reaches_ready(client, settle):
    project = await create_project(client, settle)
    rancher = await create_rancher(client, settle, project)
    assert rancher["resourceStatus"] == "READY"
