"""The plain-object registry (engine/objects.py) through HTTP: versions (ETag, If-Match, 412),
concurrent writers losing nothing, events, cursor paging. Policies, groups and /me objects
are served by it; each behaviour is checked on the kinds that show it."""

import asyncio

import msgspec
import pytest
from conftest import serve_sections

from convergent.config import Config
from convergent.errors import ApiError
from convergent.model.objects import ObjectKind, ObjectStrategy
from convergent.model.operation import Operation
from convergent.model.section import Section
from convergent.sections.auth import SECTION as AUTH
from convergent.sections.me import SECTION as ME

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer test-admin-token"}
POLICIES = "/v2/iam/policy"
RGROUPS = "/v2/iam/resourceGroup"
PGROUPS = "/v2/iam/permissionsGroup"
USERS = "/1.0/me/identity/user"
CLIENTS = "/1.0/me/api/oauth2/client"


@pytest.fixture
def config(database) -> Config:
    return Config(database=database, instant=True, workers=0, admin_token="test-admin-token")


def _policy(name: str, identities=("urn:v1:eu:identity:user:xx1111-ovh/alice",)) -> dict:
    return {
        "name": name,
        "identities": list(identities),
        "resources": [{"urn": "urn:v1:eu:resource:*"}],
        "permissions": {"allow": [{"action": "*"}]},
    }


async def _events(connect, kind: str) -> list[dict]:
    """The events of plain objects of `kind`, oldest first, from the admin snapshot."""
    tables = (await connect(headers=ADMIN).get("/admin/snapshot")).json()["tables"]
    events = tables["events"]
    rows = [dict(zip(events["columns"], row)) for row in events["rows"]]
    return [row for row in rows if row["kind"] == kind]


async def test_answers_carry_the_version_and_a_stale_if_match_is_refused(client):
    created = await client.post(POLICIES, json=_policy("p"))
    assert created.status_code == 200, created.text
    first = created.headers["ETag"]
    url = f"{POLICIES}/{created.json()['id']}"
    assert (await client.get(url)).headers["ETag"] == first

    changed = await client.put(url, json=_policy("p2"), headers={"If-Match": first})
    assert changed.status_code == 200, changed.text
    second = changed.headers["ETag"]
    assert second != first and (await client.get(url)).headers["ETag"] == second

    stale = await client.put(url, json=_policy("lost"), headers={"If-Match": first})
    assert stale.status_code == 412
    body = stale.json()
    assert body["class"] == "Client::PreconditionFailed::VersionMismatch"
    assert first in body["message"] and second in body["message"]
    assert (await client.get(url)).json()["name"] == "p2", "a refused write changes nothing"
    refused = await client.delete(url, headers={"If-Match": first})
    assert refused.status_code == 412 and (await client.get(url)).status_code == 200

    # No If-Match: unconditional, as on OVHcloud's API; `*` and a list naming the current one match.
    assert (await client.put(url, json=_policy("p3"))).status_code == 200
    third = (await client.get(url)).headers["ETag"]
    assert (await client.put(url, json=_policy("p4"), headers={"If-Match": "*"})).status_code == 200
    fourth = (await client.get(url)).headers["ETag"]
    assert third != fourth
    ok = await client.delete(url, headers={"If-Match": f'"0.0", {fourth}'})
    assert ok.status_code == 200 and (await client.get(url)).status_code == 404


async def test_a_write_that_changes_nothing_keeps_the_version(client):
    created = await client.post(POLICIES, json=_policy("same"))
    url = f"{POLICIES}/{created.json()['id']}"
    again = await client.put(url, json=_policy("same"))
    assert again.status_code == 200 and again.headers["ETag"] == created.headers["ETag"]


async def test_an_object_deleted_and_made_again_does_not_match_its_old_version(client):
    assert (
        await client.post(USERS, json={"login": "bob", "email": "b@x", "password": "secret-123"})
    ).status_code == 200
    old = (await client.get(f"{USERS}/bob")).headers["ETag"]
    assert (await client.delete(f"{USERS}/bob")).status_code == 200
    await client.post(USERS, json={"login": "bob", "email": "b@x", "password": "secret-123"})
    r = await client.put(f"{USERS}/bob", json={"description": "x"}, headers={"If-Match": old})
    assert r.status_code == 412 and r.json()["class"] == "Client::PreconditionFailed::VersionMismatch"


async def test_me_objects_carry_versions_and_refuse_stale_writes(client, connect):
    user = {"login": "carol", "email": "c@x", "password": "secret-123"}
    created = await client.post(USERS, json=user)
    assert created.status_code == 200 and created.json() is None and created.headers["ETag"]
    tag = (await client.get(f"{USERS}/carol")).headers["ETag"]
    assert tag == created.headers["ETag"]
    disabled = await client.post(f"{USERS}/carol/disable", headers={"If-Match": tag})
    assert disabled.status_code == 200 and disabled.headers["ETag"] != tag
    stale = await client.put(f"{USERS}/carol", json={"description": "late"}, headers={"If-Match": tag})
    assert stale.status_code == 412 and "User 'carol'" in stale.json()["message"]
    assert (await client.get(f"{USERS}/carol")).json()["description"] == ""
    names = [e["name"] for e in await _events(connect, "user") if e["resource_id"] == "xx1111-ovh/carol"]
    assert names == ["IDENTITY_USER_CREATE", "IDENTITY_USER_UPDATE"]

    made = await client.post(CLIENTS, json={"name": "ci", "description": "d", "flow": "CLIENT_CREDENTIALS"})
    url = f"{CLIENTS}/{made.json()['clientId']}"
    tag = (await client.get(url)).headers["ETag"]
    assert made.headers["ETag"] == tag
    assert (await client.put(url, json={"name": "ci2"}, headers={"If-Match": tag})).status_code == 200
    assert (await client.delete(url, headers={"If-Match": tag})).status_code == 412
    assert (await client.get(url)).json()["name"] == "ci2"


async def test_deleting_an_application_deletes_its_consumer_keys(client, credentials, connect, app):
    issued = await credentials()
    other = connect(issued)
    assert (await other.get("/1.0/me")).status_code == 200
    current = (await other.get("/1.0/auth/currentCredential")).json()
    apps = (await client.get("/1.0/me/api/application")).json()
    assert current["applicationId"] in apps
    r = await client.delete(f"/1.0/me/api/application/{current['applicationId']}")
    assert r.status_code == 200
    gone = await client.get(f"/1.0/me/api/credential/{current['credentialId']}")
    assert gone.status_code == 404 and gone.json()["class"] == "Client::NotFound::CredentialNotFound"
    assert current["credentialId"] not in (await client.get("/1.0/me/api/credential")).json()
    assert (await other.get("/1.0/me")).status_code in (401, 403), "its consumer key no longer works"


async def test_concurrent_read_modify_writes_lose_nothing(client):
    """Writers that read, change and write back with If-Match, retrying on 412: every change lands."""
    created = await client.post(POLICIES, json=_policy("shared", identities=()))
    url = f"{POLICIES}/{created.json()['id']}"
    conflicts = 0
    names = [f"urn:v1:eu:identity:user:xx1111-ovh/u{i}" for i in range(8)]
    together = asyncio.Barrier(len(names))  # every writer's first read sees the same version

    async def add(identity: str) -> None:
        nonlocal conflicts
        for attempt in range(100):
            current = await client.get(url)
            if attempt == 0:
                await together.wait()
            body = current.json()
            wanted = _policy("shared", identities=[*body["identities"], identity])
            r = await client.put(url, json=wanted, headers={"If-Match": current.headers["ETag"]})
            if r.status_code == 200:
                return
            assert r.status_code == 412, r.text
            conflicts += 1
        raise AssertionError("never got through")

    await asyncio.gather(*(add(name) for name in names))
    assert sorted((await client.get(url)).json()["identities"]) == sorted(names)
    assert conflicts >= len(names) - 1, "the writers never overlapped: the test proves nothing"


async def test_concurrent_writes_with_one_version_only_one_wins(client):
    created = await client.post(POLICIES, json=_policy("race"))
    url = f"{POLICIES}/{created.json()['id']}"
    tag = created.headers["ETag"]
    answers = await asyncio.gather(
        *(client.put(url, json=_policy(f"w{i}"), headers={"If-Match": tag}) for i in range(6))
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [412] * 5, codes
    winner = next(r for r in answers if r.status_code == 200).json()["name"]
    assert (await client.get(url)).json()["name"] == winner


async def test_writes_record_events(client, connect):
    created = await client.post(POLICIES, json=_policy("audited"))
    id = created.json()["id"]
    await client.put(f"{POLICIES}/{id}", json=_policy("audited2"))
    await client.put(f"{POLICIES}/{id}", json=_policy("audited2"))  # no change: no event
    await client.delete(f"{POLICIES}/{id}")
    events = [e for e in await _events(connect, "iam.policy") if e["resource_id"] == id]
    assert [(e["type"], e["name"]) for e in events] == [
        ("OBJECT_CREATE", "IAM_POLICY_CREATE"),
        ("OBJECT_UPDATE", "IAM_POLICY_UPDATE"),
        ("OBJECT_DELETE", "IAM_POLICY_DELETE"),
    ]
    assert {e["account"] for e in events} == {"xx1111-ovh"}
    assert events[0]["message"] == f"Policy '{id}' created"
    group = (await client.post(RGROUPS, json={"name": "g"})).json()
    assert [
        e["name"] for e in await _events(connect, "iam.resourceGroup") if e["resource_id"] == group["id"]
    ] == ["IAM_RESOURCE_GROUP_CREATE"]


async def test_a_refused_write_records_no_event(client, connect):
    created = await client.post(POLICIES, json=_policy("x"))
    url = f"{POLICIES}/{created.json()['id']}"
    await client.put(url, json=_policy("y"), headers={"If-Match": '"1.999"'})
    bad = await client.put(url, json={**_policy("z"), "expiredAt": "tomorrow"})
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "expiredAt"
    names = [e["name"] for e in await _events(connect, "iam.policy")]
    assert names == ["IAM_POLICY_CREATE"]


@pytest.mark.parametrize("collection", [POLICIES, RGROUPS])
async def test_lists_page_by_cursor_in_creation_order(client, collection):
    made = []
    for i in range(5):
        body = _policy(f"p{i}") if collection == POLICIES else {"name": f"g{i}"}
        made.append((await client.post(collection, json=body)).json()["id"])
    whole = [item["id"] for item in (await client.get(collection)).json()]
    assert whole == made
    seen, headers, pages = [], {"X-Pagination-Size": "2"}, 0
    while True:
        r = await client.get(collection, headers=headers)
        assert r.status_code == 200 and len(r.json()) <= 2
        seen += [item["id"] for item in r.json()]
        pages += 1
        cursor = r.headers.get("X-Pagination-Cursor-Next")
        if cursor is None:
            break
        headers = {"X-Pagination-Size": "2", "X-Pagination-Cursor": cursor}
    assert seen == made and pages == 3
    # A page's cursor belongs to its list: another list refuses it.
    first = await client.get(collection, headers={"X-Pagination-Size": "2"})
    other = RGROUPS if collection == POLICIES else POLICIES
    r = await client.get(other, headers={"X-Pagination-Cursor": first.headers["X-Pagination-Cursor-Next"]})
    assert r.status_code == 400 and r.json()["class"] == "Client::BadRequest::InvalidCursor"


async def test_a_filtered_list_pages_past_what_it_hides(client):
    alice = "urn:v1:eu:identity:user:xx1111-ovh/alice"
    bob = "urn:v1:eu:identity:user:xx1111-ovh/bob"
    for i in range(6):
        await client.post(POLICIES, json=_policy(f"p{i}", identities=[alice if i % 2 else bob]))
    seen, headers = [], {"X-Pagination-Size": "2"}
    for _ in range(10):
        r = await client.get(POLICIES, params={"identity": alice}, headers=headers)
        seen += [p["name"] for p in r.json()]
        cursor = r.headers.get("X-Pagination-Cursor-Next")
        if cursor is None:
            break
        headers = {"X-Pagination-Size": "2", "X-Pagination-Cursor": cursor}
    assert seen == ["p1", "p3", "p5"]


async def test_another_accounts_objects_are_not_found_even_with_their_version(client, credentials, connect):
    created = await client.post(POLICIES, json=_policy("mine"))
    url = f"{POLICIES}/{created.json()['id']}"
    other = connect(await credentials("zz9999-ovh"))
    for r in (
        await other.get(url),
        await other.put(url, json=_policy("theirs"), headers={"If-Match": created.headers["ETag"]}),
        await other.delete(url, headers={"If-Match": "*"}),
    ):
        assert r.status_code == 404 and r.json()["class"] == "Client::NotFound::PolicyNotFound"
    assert (await client.get(url)).json()["name"] == "mine"


# --- a section of its own: objects owned by another object, strategy hooks -------------------


class BookStrategy(ObjectStrategy):
    def prepare_create(self, account, id, body):
        return {**body, "urn": f"urn:v1:eu:book:{id}"}

    def prepare_update(self, old, body):
        return {**body, "urn": old.body["urn"]}  # server-owned: a change cannot touch it

    def validate(self, body):
        if not body["title"].strip():
            raise ApiError.invalid_field("title", "not empty")

    def canonical(self, body):
        return {**body, "title": " ".join(body["title"].split())}


BOOKS = ObjectKind(
    key="test.book",
    label="Book",
    strategy=BookStrategy(),
    children=("test.page",),
    per_account_ids=True,
    event="BOOK",
)
PAGES = ObjectKind(key="test.page", label="Page", event="PAGE")


class BookInput(msgspec.Struct, forbid_unknown_fields=True):
    title: str


class PageInput(msgspec.Struct, forbid_unknown_fields=True):
    text: str


def _book(item):
    return {"name": item.id.rpartition("/")[2], **item.body}


async def create_book(call):
    body = await call.body(BookInput)
    item = await call.objects(BOOKS).create({"title": body.title}, id=call.params["name"])
    return call.tagged(_book(item), item)


async def list_books(call):
    return await call.paginate(call.objects(BOOKS).page, lambda item: item.id.rpartition("/")[2])


async def get_book(call):
    item = await call.objects(BOOKS).get(call.params["name"])
    return call.tagged(_book(item), item)


async def edit_book(call):
    body = await call.body(BookInput)

    def retitle(item):
        item.body = {"title": body.title, "urn": "urn:v1:eu:book:forged"}

    item = await call.objects(BOOKS).update(call.params["name"], retitle)
    return call.tagged(_book(item), item)


async def delete_book(call):
    await call.objects(BOOKS).delete(call.params["name"])


async def _pages(call):
    book = await call.objects(BOOKS).get(call.params["name"])
    return call.objects(PAGES, parent=book.id)


async def add_page(call):
    body = await call.body(PageInput)
    item = await (await _pages(call)).create({"text": body.text})
    return call.tagged({"id": item.id, **item.body}, item)


async def list_pages(call):
    pages = await _pages(call)
    return await call.paginate(pages.page, lambda item: item.id)


async def get_page(call):
    item = await (await _pages(call)).get(call.params["pageId"])
    return call.tagged({"id": item.id, **item.body}, item)


NOTEBOOK = Section(
    name="notebook",
    description="Books and their pages: plain objects in a section declared by a test",
    branch="v1",
    operations=(
        Operation("GET", "/notebook/book", list_books, paged=True),
        Operation("POST", "/notebook/book/{name}", create_book),
        Operation("GET", "/notebook/book/{name}", get_book),
        Operation("PUT", "/notebook/book/{name}", edit_book),
        Operation("DELETE", "/notebook/book/{name}", delete_book),
        Operation("GET", "/notebook/book/{name}/page", list_pages, paged=True),
        Operation("POST", "/notebook/book/{name}/page", add_page),
        Operation("GET", "/notebook/book/{name}/page/{pageId}", get_page),
    ),
)


@pytest.fixture
async def notebook(database):
    async with serve_sections(database, (AUTH, ME, NOTEBOOK), instant=True) as (client, ctx):
        yield client, ctx


async def test_strategy_hooks_shape_what_is_stored(notebook):
    client, _ = notebook
    made = await client.post("/1.0/notebook/book/b1", json={"title": "  A   tale "})
    assert made.status_code == 200 and made.json() == {
        "name": "b1",
        "title": "A tale",
        "urn": "urn:v1:eu:book:xx1111-ovh/b1",
    }
    edited = await client.put("/1.0/notebook/book/b1", json={"title": "Another  tale"})
    assert edited.json() == {"name": "b1", "title": "Another tale", "urn": "urn:v1:eu:book:xx1111-ovh/b1"}
    empty = await client.put("/1.0/notebook/book/b1", json={"title": "  "})
    assert empty.status_code == 400 and empty.json()["details"] == {"field": "title"}
    again = await client.post("/1.0/notebook/book/b1", json={"title": "dup"})
    assert again.status_code == 409 and again.json() == {
        "class": "Client::Conflict::BookAlreadyExists",
        "message": "Book 'b1' already exists",
    }
    assert (await client.get("/1.0/notebook/book/b1")).json()["title"] == "Another tale"


async def test_objects_owned_by_another_object(notebook):
    client, ctx = notebook
    for name in ("b1", "b2"):
        await client.post(f"/1.0/notebook/book/{name}", json={"title": name})
    pages = [
        (await client.post("/1.0/notebook/book/b1/page", json={"text": f"p{i}"})).json()["id"]
        for i in range(3)
    ]
    other = (await client.post("/1.0/notebook/book/b2/page", json={"text": "elsewhere"})).json()["id"]
    assert (await client.get("/1.0/notebook/book/b1/page")).json() == pages
    assert (await client.get("/1.0/notebook/book/b2/page")).json() == [other]
    first = await client.get("/1.0/notebook/book/b1/page", headers={"X-Pagination-Size": "2"})
    assert first.json() == pages[:2]
    rest = await client.get(
        "/1.0/notebook/book/b1/page",
        headers={"X-Pagination-Size": "2", "X-Pagination-Cursor": first.headers["X-Pagination-Cursor-Next"]},
    )
    assert rest.json() == pages[2:] and "X-Pagination-Cursor-Next" not in rest.headers
    # A page is found only under its own book.
    wrong = await client.get(f"/1.0/notebook/book/b2/page/{pages[0]}")
    assert wrong.status_code == 404 and wrong.json()["class"] == "Client::NotFound::PageNotFound"
    assert (await client.get(f"/1.0/notebook/book/b1/page/{pages[0]}")).json()["text"] == "p0"
    # Deleting a book deletes its pages, and only them.
    assert (await client.delete("/1.0/notebook/book/b1")).status_code == 200
    assert (await client.get("/1.0/notebook/book/b1/page")).json()[
        "class"
    ] == "Client::NotFound::BookNotFound"
    assert await ctx.store.get_item("test.page", pages[0]) is None
    assert (await client.get(f"/1.0/notebook/book/b2/page/{other}")).json()["text"] == "elsewhere"
    assert (await client.get("/1.0/notebook/book")).json() == ["b2"]


async def test_the_openapi_document_names_the_registry_errors(client):
    doc = (await client.get("/v2/iam.openapi.json")).json()
    put = doc["paths"]["/iam/policy/{policyId}"]["put"]
    classes = {(e["status"], e["class"]) for e in put["x-error-classes"]}
    assert {
        (404, "Client::NotFound::PolicyNotFound"),
        (412, "Client::PreconditionFailed::VersionMismatch"),
    } <= classes
    assert "Client::PreconditionFailed::VersionMismatch" in put["responses"]["412"]["description"]
    get = {e["class"] for e in doc["paths"]["/iam/policy/{policyId}"]["get"]["x-error-classes"]}
    assert (
        "Client::NotFound::PolicyNotFound" in get and "Client::PreconditionFailed::VersionMismatch" not in get
    )
