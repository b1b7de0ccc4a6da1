"""convergent.client: configuration, signatures and OAuth2, errors, pagination, wait, versions."""

from __future__ import annotations

import asyncio
import time
import warnings

import httpx
import pytest
from conftest import ACCOUNT, create_project, serve_sections

import convergent.client as client_module
from convergent.auth import accounts
from convergent.client import (
    AsyncClient,
    BadRequestError,
    Client,
    ConfigurationError,
    InvalidCredential,
    InvalidSignature,
    NotFoundError,
    NotGrantedCall,
    PreconditionFailedError,
    SchemasVersionDeprecated,
    Settings,
    TaskFailed,
    load_settings,
)
from convergent.client.settings import target
from convergent.model.kind import StepFailed
from convergent.sections.publiccloud import RANCHER

pytestmark = pytest.mark.anyio


def test_public_surface_is_explicit():
    assert sorted(client_module.__all__) == sorted(
        name
        for name in dir(client_module)
        if not name.startswith("_") and name not in {"aio", "auth", "errors", "settings", "sync", "wire"}
    )
    for name in client_module.__all__:
        assert getattr(client_module, name).__doc__, name


# --- configuration, as python-ovh reads it ---------------------------------------------------

CONF = """
[default]
endpoint=ovh-eu

[ovh-eu]
application_key=ak-file
application_secret=as-file
consumer_key=ck-file

[http://127.0.0.1:9999]
client_id=cid
client_secret=csecret
"""


@pytest.fixture
def conf(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for key in (
        "ENDPOINT",
        "APPLICATION_KEY",
        "APPLICATION_SECRET",
        "CONSUMER_KEY",
        "CLIENT_ID",
        "CLIENT_SECRET",
    ):
        monkeypatch.delenv(f"OVH_{key}", raising=False)
    (tmp_path / "ovh.conf").write_text(CONF)
    return tmp_path


@pytest.mark.parametrize(
    "endpoint, environ, expected",
    [
        (
            None,
            {},
            dict(endpoint="https://eu.api.ovh.com/1.0", application_key="ak-file", consumer_key="ck-file"),
        ),
        (None, {"OVH_CONSUMER_KEY": "ck-env"}, dict(application_key="ak-file", consumer_key="ck-env")),
        (
            "http://127.0.0.1:9999",
            {},
            dict(
                endpoint="http://127.0.0.1:9999",
                client_id="cid",
                token_url="http://127.0.0.1:9999/auth/oauth2/token",
            ),
        ),
        (
            "http://h:1/1.0/",
            {"OVH_APPLICATION_KEY": "a", "OVH_APPLICATION_SECRET": "s"},
            dict(endpoint="http://h:1/1.0", application_key="a", consumer_key=None),
        ),
        (
            "ovh-ca",
            {"OVH_CLIENT_ID": "i", "OVH_CLIENT_SECRET": "s"},
            dict(token_url="https://ca.ovh.com/auth/oauth2/token"),
        ),
    ],
)
def test_settings_from_arguments_variables_and_ovh_conf(conf, endpoint, environ, expected):
    settings = load_settings(endpoint, environ=environ)
    for key, value in expected.items():
        assert getattr(settings, key) == value, key


@pytest.mark.parametrize(
    "endpoint, environ, message",
    [
        ("nowhere", {}, "unknown endpoint"),
        ("ovh-us", {}, "no credentials for ovh-us"),
        ("ovh-us", {"OVH_APPLICATION_KEY": "a"}, "both application_key and application_secret"),
        ("ovh-us", {"OVH_CLIENT_ID": "a"}, "both client_id and client_secret"),
        ("ovh-eu", {"OVH_CLIENT_ID": "a", "OVH_CLIENT_SECRET": "b"}, "not both"),
        ("kimsufi-eu", {"OVH_CLIENT_ID": "a", "OVH_CLIENT_SECRET": "b"}, "OAuth2 is not offered"),
    ],
)
def test_settings_refused_as_python_ovh_refuses_them(conf, endpoint, environ, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings(endpoint, environ=environ)


def test_a_config_file_argument_is_read_too(tmp_path, conf):
    extra = tmp_path / "other.conf"
    extra.write_text("[ovh-us]\napplication_key=k\napplication_secret=s\nconsumer_key=c\n")
    assert load_settings("ovh-us", config_file=str(extra), environ={}).consumer_key == "c"


def test_paths_are_placed_as_the_official_clients_place_them():
    assert target("https://eu.api.ovh.com/1.0", "/v2/iam/policy") == "https://eu.api.ovh.com/v2/iam/policy"
    assert target("https://eu.api.ovh.com/1.0", "/auth/time") == "https://eu.api.ovh.com/1.0/auth/time"
    assert target("http://h:8080", "/auth/time") == "http://h:8080/auth/time"


# --- in-process, over ASGI -------------------------------------------------------------------


def signed(app, issued, endpoint="http://testserver/1.0", **kwargs) -> AsyncClient:
    settings = Settings(endpoint, issued.application_key, issued.application_secret, issued.consumer_key)
    return AsyncClient(settings=settings, transport=httpx.ASGITransport(app=app), **kwargs)


async def test_signed_calls_through_a_1_0_endpoint_and_errors_carry_the_wire(app, credentials):
    issued = await credentials()
    async with signed(app, issued) as api:
        project = await api.post("/v2/publicCloud/project", {"targetSpec": {"name": "p", "mode": "CLASSIC"}})
        assert project["resourceStatus"] == "CREATING"
        assert api._http.auth.time_delta is not None, "the clock was asked through /1.0/auth/time"
        with pytest.raises(NotFoundError) as missing:
            await api.get(f"/v2/publicCloud/project/{'0' * 32}")
        error = missing.value
        assert error.status == 404 and error.error_class.startswith("Client::NotFound::")
        assert error.query_id and error.query_id in str(error) and error.message in str(error)
        with pytest.raises(PreconditionFailedError) as stale:
            await api.put(
                f"/v2/publicCloud/project/{project['id']}",
                {"checksum": "0" * 32, "targetSpec": {"name": "q", "mode": "CLASSIC"}},
            )
        assert stale.value.error_class == "Client::PreconditionFailed::ChecksumMismatch"
        with pytest.raises(BadRequestError) as bad:
            await api.post("/v2/publicCloud/project", {"targetSpec": {"name": "p", "mode": "NOPE"}})
        assert bad.value.details.get("field") == "targetSpec.mode"


async def test_auth_errors_by_error_code(app, credentials):
    issued = await credentials()
    wrong = Settings("http://testserver", issued.application_key, "not-the-secret", issued.consumer_key)
    async with AsyncClient(settings=wrong, transport=httpx.ASGITransport(app=app)) as api:
        with pytest.raises(InvalidSignature) as refused:
            await api.get("/v2/publicCloud/project")
        assert refused.value.error_code == "INVALID_SIGNATURE"
    unknown = Settings("http://testserver", issued.application_key, issued.application_secret, "x" * 32)
    async with AsyncClient(settings=unknown, transport=httpx.ASGITransport(app=app)) as api:
        with pytest.raises(InvalidCredential):
            await api.get("/v2/publicCloud/project")
    readonly = await credentials(rules=[{"method": "GET", "path": "/v2/*"}])
    async with signed(app, readonly) as api:
        assert await api.get("/v2/publicCloud/project") == []
        with pytest.raises(NotGrantedCall):
            await api.post("/v2/publicCloud/project", {"targetSpec": {"name": "p", "mode": "CLASSIC"}})


async def test_oauth2_client_credentials_and_refresh(app, client):
    created = (
        await client.post(
            "/1.0/me/api/oauth2/client",
            json={"callbackUrls": [], "flow": "CLIENT_CREDENTIALS", "name": "ci", "description": "ci"},
        )
    ).json()
    settings = load_settings(
        "http://testserver", environ={}, client_id=created["clientId"], client_secret=created["clientSecret"]
    )
    asked = []
    transport = httpx.ASGITransport(app=app)

    async def count(request):
        if request.url.path == "/auth/oauth2/token":
            asked.append(request)

    async with AsyncClient(settings=settings, transport=transport) as api:
        api._http.event_hooks["request"].append(count)
        assert await api.get("/v2/publicCloud/project") == []
        assert await api.get("/v2/publicCloud/project") == []
        assert len(asked) == 1
        api._http.auth.expires_at = time.time()  # as if an hour had passed
        assert await api.get("/v2/publicCloud/project") == []
        assert len(asked) == 2
        api._http.auth.token = "revoked"  # refused with 401: asked again, once
        api._http.auth.expires_at = time.time() + 3600
        assert await api.get("/v2/publicCloud/project") == []
        assert len(asked) == 3


async def test_iterator_lists_1000_ranchers_across_pages_in_one_call(app, client, credentials, settle):
    project = await create_project(client, settle)
    url = f"/v2/publicCloud/project/{project}/rancher"
    made = []
    for start in range(0, 1000, 100):
        batch = [
            client.post(url, json={"targetSpec": {"name": f"r{i}", "plan": "STANDARD"}})
            for i in range(start, start + 100)
        ]
        made += [r.json()["id"] for r in await asyncio.gather(*batch)]
    pages = []

    async def page(response):
        pages.append(response)

    async with signed(app, await credentials()) as api:
        api._http.event_hooks["response"].append(page)
        began = time.perf_counter()
        seen = [r["id"] async for r in api.iterate(url, page_size=150)]
        elapsed = time.perf_counter() - began
    listed = [r for r in pages if r.request.url.path == url]
    assert len(listed) == 7 and sorted(seen) == sorted(made) and len(seen) == 1000
    print(f"\n1,000 ranchers in {len(listed)} pages: {elapsed * 1000:.0f} ms")


async def test_wait_follows_tasks_to_ready_and_raises_on_error(tmp_path, monkeypatch):
    from convergent.config import Config
    from convergent.server import create_app

    app = create_app(Config(database=str(tmp_path / "w.db"), instant=True, workers=1))
    async with app.router.lifespan_context(app):
        issued = await accounts.issue_credential(app.state.ctx.store, ACCOUNT, time.time())
        async with signed(app, issued) as api:
            project = await api.post(
                "/v2/publicCloud/project", {"targetSpec": {"name": "p", "mode": "CLASSIC"}}
            )
            ready = await api.wait(project, poll=0.05)
            assert ready["resourceStatus"] == "READY" and ready["currentState"]["name"] == "p"
            ranchers = f"/v2/publicCloud/project/{project['id']}/rancher"
            first = await api.post(ranchers, {"targetSpec": {"name": "first", "plan": "STANDARD"}})
            seen = []
            ready = await api.wait(first, on_progress=lambda resource, tasks: seen.extend(tasks), poll=0.05)
            assert ready["resourceStatus"] == "READY" and ready["currentTasks"] == []
            assert seen and all(task["progress"] for task in seen), "the current tasks were read in full"

            real = RANCHER.reconciler.apply

            def failing(step, resource):
                if step == "Provision control plane":
                    raise StepFailed("no capacity left in this region")
                return real(step, resource)

            monkeypatch.setattr(RANCHER.reconciler, "apply", failing)
            rancher = await api.post(
                f"/v2/publicCloud/project/{project['id']}/rancher",
                {"targetSpec": {"name": "r", "plan": "STANDARD"}},
            )
            with pytest.raises(TaskFailed, match="no capacity left in this region") as failed:
                await api.wait(rancher, poll=0.05)
            assert failed.value.task["status"] == "ERROR"
            path = f"/v2/publicCloud/project/{project['id']}"
            monkeypatch.setattr(RANCHER.reconciler, "apply", real)
            await api.delete(f"{path}/rancher/{rancher['id']}")
            assert await api.wait(f"{path}/rancher/{rancher['id']}", until="DELETED", poll=0.05) is None


async def test_schemas_version_pinned_and_deprecation_surfaced_as_a_warning(tmp_path):
    from datetime import date

    from test_versions import Quick, Renamed, Spec  # the lab section of the versions suite

    from convergent.model.kind import Kind, standard_actions
    from convergent.model.section import Section
    from convergent.model.versions import Major, Version, epoch_of
    from convergent.sections.auth import SECTION as AUTH
    from convergent.sections.me import SECTION as ME

    box = Kind(
        section="lab",
        name="box",
        label="Box",
        collection="/lab/box",
        id_param="boxId",
        spec_create=Spec,
        spec_update=Spec,
        reconciler=Quick(),
        iam_type="labBox",
        actions=standard_actions("labBox"),
    )
    lab = Section(
        "lab",
        "lifecycle",
        kinds=(box,),
        versions=(Version("1.0", date(2025, 1, 1), "first"), Version("2.0", date(2026, 1, 1), "second")),
        majors=(
            Major(1, date(2025, 1, 1), deprecated=date(2026, 6, 1), sunset=date(2027, 1, 1)),
            Major(2, date(2026, 1, 1), codecs={"box": Renamed()}),
        ),
    )
    async with serve_sections(tmp_path / "lab.db", (AUTH, ME, lab), instant=True) as (raw, ctx):
        ctx.clock.now = lambda: epoch_of(date(2026, 7, 1))
        issued = await accounts.issue_credential(ctx.store, ACCOUNT, time.time())
        transport = raw._transport
        one = AsyncClient(
            settings=Settings(
                "http://t", issued.application_key, issued.application_secret, issued.consumer_key
            ),
            transport=transport,
            schemas_version="1.0",
        )
        two = AsyncClient(settings=one.settings, transport=transport, schemas_version="2.0")
        with pytest.warns(SchemasVersionDeprecated) as caught:
            box = await one.post("/v2/lab/box", {"targetSpec": {"size": 3}})
        warning = caught[0].message
        assert warning.deprecation == f"@{epoch_of(date(2026, 6, 1))}" and warning.sunset.startswith(
            "Fri, 01 Jan 2027"
        )
        assert warning.link.startswith("</v2/lab.changelog.json>") and warning.version == "1.0"
        assert isinstance(warning, DeprecationWarning)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert (await two.get(f"/v2/lab/box/{box['id']}"))["targetSpec"] == {"dimension": 3}
        await one.aclose()
        await two.aclose()


def test_blocking_client_against_a_socket_server(live):
    with Client() as api:  # endpoint and keys from OVH_* variables
        project = api.post("/v2/publicCloud/project", {"targetSpec": {"name": "p", "mode": "CLASSIC"}})
        ready = api.wait(project, poll=0.05)
        assert ready["resourceStatus"] == "READY"
        assert [p["id"] for p in api.iterate("/v2/publicCloud/project", page_size=1)] == [project["id"]]
        assert isinstance(api.get("/auth/time"), int)
