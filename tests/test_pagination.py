"""Cursor pagination over the HTTP surface: sizes, cursors, stability under inserts and deletes."""

import base64

import pytest
from conftest import create_project

from convergent.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

pytestmark = pytest.mark.anyio


async def make_ranchers(client, settle, project, n):
    ids = []
    for i in range(n):
        r = await client.post(
            f"/v2/publicCloud/project/{project}/rancher",
            json={"targetSpec": {"name": f"r{i}", "plan": "STANDARD"}},
        )
        ids.append(r.json()["id"])
    await settle()
    return ids


async def walk(client, url, size, between=None):
    seen, cursor, pages = [], None, 0
    while True:
        headers = {"X-Pagination-Size": str(size)}
        if cursor:
            headers["X-Pagination-Cursor"] = cursor
        r = await client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        pages += 1
        seen.extend(r.json())
        cursor = r.headers.get("x-pagination-cursor-next")
        if cursor is None:
            return seen, pages
        if between:
            await between(pages)


async def test_120_ranchers_by_50_is_three_pages(client, settle):
    project = await create_project(client, settle)
    ids = await make_ranchers(client, settle, project, 120)
    url = f"/v2/publicCloud/project/{project}/rancher"
    seen, pages = await walk(client, url, 50)
    assert pages == 3 and [r["id"] for r in seen] == ids
    whole = await client.get(url)
    assert "x-pagination-cursor-next" not in whole.headers
    assert [r["id"] for r in whole.json()] == ids


async def test_inserts_and_deletes_between_pages_skip_and_repeat_nothing(client, settle):
    project = await create_project(client, settle)
    ids = await make_ranchers(client, settle, project, 30)
    url = f"/v2/publicCloud/project/{project}/rancher"
    deleted, added = [], []

    async def churn(page):
        # Delete one item already served and one not yet served; add a new one.
        for victim in (ids[page * 10 - 5], ids[page * 10 + 2]):
            if victim not in deleted:
                assert (await client.delete(f"{url}/{victim}")).status_code == 200
                deleted.append(victim)
        added.extend(await make_ranchers(client, settle, project, 1))
        await settle()

    items, _ = await walk(client, url, 10, churn)
    seen = [r["id"] for r in items]
    assert len(seen) == len(set(seen)), "an item was repeated"
    unserved_deleted = {d for d in deleted if seen.count(d) == 0}
    expected = [i for i in ids + added if i not in unserved_deleted]
    assert seen == expected, "an item present throughout was skipped"


async def test_cursor_tampered_or_from_another_list_is_invalid(client, settle):
    p1 = await create_project(client, settle, "one")
    p2 = await create_project(client, settle, "two")
    await make_ranchers(client, settle, p1, 3)
    await make_ranchers(client, settle, p2, 3)
    r = await client.get(f"/v2/publicCloud/project/{p1}/rancher", headers={"X-Pagination-Size": "1"})
    cursor = r.headers["x-pagination-cursor-next"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[7] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    for url, token in [
        (f"/v2/publicCloud/project/{p1}/rancher", tampered),
        (f"/v2/publicCloud/project/{p1}/rancher", "garbage!"),
        (f"/v2/publicCloud/project/{p1}/rancher", cursor[:-2]),
        (f"/v2/publicCloud/project/{p2}/rancher", cursor),
        ("/v2/publicCloud/project", cursor),
    ]:
        bad = await client.get(url, headers={"X-Pagination-Cursor": token})
        assert bad.status_code == 400, (url, token)
        assert bad.json() == {"class": "Client::BadRequest::InvalidCursor", "message": "invalid cursor"}


@pytest.mark.parametrize("size", ["0", "-3", "ten", "1.5"])
async def test_bad_page_size_is_400(client, settle, size):
    r = await client.get("/v2/publicCloud/project", headers={"X-Pagination-Size": size})
    assert r.status_code == 400
    assert r.json()["class"] == "Client::BadRequest::InvalidPaginationSize"


async def test_page_size_is_capped_and_defaults_are_documented(client, settle):
    assert DEFAULT_PAGE_SIZE >= 1000 and MAX_PAGE_SIZE >= DEFAULT_PAGE_SIZE
    project = await create_project(client, settle)
    await make_ranchers(client, settle, project, 2)
    r = await client.get(
        f"/v2/publicCloud/project/{project}/rancher", headers={"X-Pagination-Size": "999999999"}
    )
    assert r.status_code == 200 and len(r.json()) == 2


async def test_tasks_and_events_page_newest_first(client, settle):
    project = await create_project(client, settle)
    [rid] = await make_ranchers(client, settle, project, 1)
    url = f"/v2/publicCloud/project/{project}/rancher/{rid}"
    for name in ("a", "b", "c"):
        cur = (await client.get(url)).json()
        await client.put(
            url, json={"checksum": cur["checksum"], "targetSpec": {**cur["targetSpec"], "name": name}}
        )
        await settle()
    events, pages = await walk(client, f"{url}/event", 4)
    whole = (await client.get(f"{url}/event")).json()
    assert len(whole) == 12 and pages == 3 and events == whole
    assert [e["type"] for e in whole[:3]] == ["TASK_SUCCESS", "TASK_START", "TARGET_SPEC_UPDATE"]
    tasks = (await client.get(f"{url}/task")).json()
    assert [t["type"] for t in tasks] == ["RANCHER_UPDATE"] * 3 + ["RANCHER_CREATE"]
