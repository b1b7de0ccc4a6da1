"""Observability through the HTTP surface: /metrics (read with prometheus_client's own parser),
GET /admin/health for load balancers, and the JSON access log."""

import json
import logging

import pytest
from conftest import ACCOUNT, create_project
from prometheus_client.parser import text_string_to_metric_families

from convergent.api.observe import JsonFormatter
from convergent.config import Config

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer test-admin-token"}


@pytest.fixture
def config(database) -> Config:
    return Config(
        database=database, instant=True, workers=0, admin_token="test-admin-token", log_format="json"
    )


def samples(text: str) -> dict[str, list]:
    families = {}
    for family in text_string_to_metric_families(text):
        families[family.name] = (family.type, family.samples)
    return families


async def test_metrics_count_requests_by_route_template_and_tasks_by_kind_and_state(connect, client, settle):
    admin = connect(headers=ADMIN)
    project = await create_project(client, settle)
    for _ in range(3):
        assert (await client.get(f"/v2/publicCloud/project/{project}")).status_code == 200
    assert (await client.get("/v2/publicCloud/project/nope-nope")).status_code in (400, 404)
    assert (await client.get("/v2/nowhere")).status_code == 404
    await client.post(
        f"/v2/publicCloud/project/{project}/rancher", json={"targetSpec": {"name": "r", "plan": "STANDARD"}}
    )

    answer = await admin.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "text/plain; version=0.0.4"
    )
    found = samples(answer.text)

    kind, requests = found["convergent_http_requests"]
    assert kind == "counter"
    counts = {(s.labels["route"], s.labels["method"], s.labels["status"]): s.value for s in requests}
    assert counts[("/v2/publicCloud/project/{projectId}", "GET", "200")] == 3, "the template, not the path"
    assert counts[("(unmatched)", "GET", "404")] == 1
    assert counts[("/v2/publicCloud/project", "POST", "200")] == 1

    kind, latency = found["convergent_http_request_duration_seconds"]
    assert kind == "histogram"
    one = [s for s in latency if s.labels.get("route") == "/v2/publicCloud/project/{projectId}"]
    count = next(s.value for s in one if s.name.endswith("_count"))
    infinite = next(s.value for s in one if s.name.endswith("_bucket") and s.labels["le"] == "+Inf")
    assert count == infinite >= 3
    buckets = [s.value for s in one if s.name.endswith("_bucket") and s.labels["method"] == "GET"]
    assert buckets == sorted(buckets), "buckets are cumulative"

    kind, tasks = found["convergent_tasks"]
    states = {(s.labels["kind"], s.labels["state"]): s.value for s in tasks}
    assert states[("publicCloud.project", "DONE")] == 1
    assert states[("publicCloud.rancher", "PENDING")] == 1, "the rancher's task waits: nothing settled it"
    assert found["convergent_engine_lag_seconds"][0] == "gauge"
    assert found["convergent_engine_lag_seconds"][1][0].value >= 0
    kind, errors = found["convergent_store_errors"]
    assert kind == "counter" and {s.labels["source"] for s in errors} == {"api", "engine"}


async def test_metrics_need_the_admin_credential_unless_made_public(connect, client, app):
    refused = await client.get("/metrics")
    assert (
        refused.status_code == 401
        and refused.json()["class"] == "Client::Unauthorized::AdminCredentialRequired"
    )
    wrong = await connect(headers={"Authorization": "Bearer nope"}).get("/metrics")
    assert wrong.status_code == 403


async def test_health_for_a_load_balancer_needs_no_credential(connect):
    answer = await connect().get("/admin/health")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "migrations": {"status": "ok", "missing": 0},
            "engines": {"status": "ok", "running": 0, "alive": 0},
        },
    }
    detailed = (await connect(headers=ADMIN).get("/admin/health")).json()
    assert detailed["status"] == "ok" and detailed["config"]["admin_token"] == "***"


async def test_health_says_503_when_the_database_is_gone(connect, app):
    await app.state.ctx.store.close()
    try:
        answer = await connect().get("/admin/health")
        assert answer.status_code == 503
        assert answer.json()["status"] == "unhealthy"
        assert answer.json()["checks"]["database"]["status"] == "unreachable"
    finally:
        await app.state.ctx.store.open()


async def test_json_access_log_has_query_id_account_route_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="convergent.access"):
        answer = await client.get("/v2/publicCloud/project")
    assert answer.status_code == 200
    [record] = [r for r in caplog.records if r.name == "convergent.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["queryId"] == answer.headers["x-ovh-queryid"]
    assert line["account"] == ACCOUNT
    assert line["route"] == "/v2/publicCloud/project" and line["method"] == "GET" and line["status"] == 200
    assert line["durationMs"] > 0 and line["time"].endswith("Z") and line["level"] == "info"
