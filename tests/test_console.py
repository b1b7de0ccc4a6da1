"""The API console: its static files in-process, then the console itself in headless Chromium
against a real `convergent serve` (Debian's chromium driven by Playwright for Python; the
browser tests skip, saying why, where either is missing).

Screenshots of the main views go to $CONSOLE_SCREENSHOTS (default build/screenshots, which
git ignores); `CONSOLE_SCREENSHOTS=docs/screenshots` refreshes the ones the README shows.
"""

import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess

import httpx
import pytest
from processes import Server, credential, wait_for

from convergent.client import OvhSignature
from convergent.console import STATIC

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = pathlib.Path(__file__).resolve().parents[1]
SHOTS = pathlib.Path(os.environ.get("CONSOLE_SCREENSHOTS", ROOT / "build" / "screenshots"))
FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The static files, in-process


@pytest.mark.anyio
async def test_console_is_served_without_authentication(connect):
    anonymous = connect()
    moved = await anonymous.get("/console")
    assert moved.status_code == 308 and moved.headers["location"] == "/console/"
    page = await anonymous.get("/console/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="module" src="js/main.js">' in page.text
    for asset in ["console.css", *(f"js/{p.name}" for p in (STATIC / "js").glob("*.js"))]:
        answer = await anonymous.get(f"/console/{asset}")
        assert answer.status_code == 200, asset
    module = await anonymous.get("/console/js/main.js")
    assert "javascript" in module.headers["content-type"]
    missing = await anonymous.get("/console/nothing.js")
    assert missing.status_code == 404 and missing.json()["class"] == "Client::NotFound::RouteNotFound"
    posted = await anonymous.post("/console/index.html")
    assert posted.status_code == 405 and posted.json()["class"] == "Client::MethodNotAllowed"
    assert "x-ovh-queryid" in page.headers


def test_console_fetches_nothing_from_elsewhere():
    """No CDN, no remote font, no absolute URL: only relative imports and same-origin paths."""
    for path in STATIC.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path
            for target in re.findall(r'from "([^"]+)"', text):
                assert target.startswith("./") and (path.parent / target).exists(), (path, target)


def test_every_console_file_is_shipped_in_the_package():
    patterns = re.search(r'"convergent.console" = \[([^\]]*)\]', (ROOT / "pyproject.toml").read_text()).group(
        1
    )
    globs = re.findall(r'"([^"]+)"', patterns)
    files = {p.relative_to(STATIC.parent).as_posix() for p in STATIC.rglob("*") if p.is_file()}
    shipped = {p.relative_to(STATIC.parent).as_posix() for g in globs for p in STATIC.parent.glob(g)}
    assert files == shipped


# In a real browser

try:
    from playwright import sync_api
except ImportError:
    sync_api = None

if sync_api is None:
    _MISSING = "playwright (pip, in the test extra) is not installed"
elif not os.access(CHROMIUM, os.X_OK):
    _MISSING = f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
else:
    _MISSING = ""
browser_test = pytest.mark.skipif(bool(_MISSING), reason=_MISSING)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A server whose steps take a fifth of their time, a credential, and a project with three
    READY ranchers."""
    db = tmp_path_factory.mktemp("console") / "c.db"
    keys = credential(db)
    server = Server(db, "--time-scale", "0.2")
    auth = OvhSignature(keys["applicationKey"], keys["applicationSecret"], keys["consumerKey"])
    try:
        with httpx.Client(base_url=server.url, auth=auth, timeout=10) as c:
            project = c.post(
                "/v2/publicCloud/project", json={"targetSpec": {"name": "demo", "mode": "CLASSIC"}}
            ).json()["id"]
            wait_for(lambda: c.get(f"/v2/publicCloud/project/{project}").json()["resourceStatus"] == "READY")
            base = f"/v2/publicCloud/project/{project}/rancher"
            ids = [
                c.post(base, json={"targetSpec": {"name": f"r{i}", "plan": "STANDARD"}}).json()["id"]
                for i in range(3)
            ]
            wait_for(
                lambda: all(c.get(f"{base}/{i}").json()["resourceStatus"] == "READY" for i in ids), timeout=30
            )
        yield {"url": server.url, "keys": keys, "project": project, "ranchers": ids, "auth": auth}
    finally:
        server.stop()
        server.log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, world):
    """A fresh page on the console; at the end, no JavaScript error may have happened in it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    # An API answer of 4xx is logged by Chromium as a failed resource: that is the API talking.
    page.on(
        "console",
        lambda m: (
            m.type == "error" and not m.text.startswith("Failed to load resource") and errors.append(m.text)
        ),
    )
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.goto(f"{world['url']}/console/")
    page.wait_for_selector("body[data-ready]")
    yield page
    context.close()
    assert errors == [], errors


def shot(page, name: str, locator=None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if locator is None:
        page.evaluate("() => scrollTo(0, 0)")
    (locator or page).screenshot(path=str(SHOTS / f"{name}.png"))


def sign_in(page, keys: dict) -> None:
    page.get_by_label("Application key").fill(keys["applicationKey"])
    page.get_by_label("Application secret").fill(keys["applicationSecret"])
    page.get_by_label("Consumer key").fill(keys["consumerKey"])
    page.get_by_role("button", name="Use", exact=True).click()
    page.get_by_text(f"Signing as application {keys['applicationKey']}").wait_for()


@pytest.mark.slow
@browser_test
def test_explore_list_page_open_and_watch_a_task(page, world):
    sign_in(page, world["keys"])
    page.get_by_role("link", name="publicCloud", exact=True).click()
    page.get_by_label("Schemas version").select_option("2.0")
    page.get_by_role("heading", name="Differences from 1.1").wait_for()
    put = page.locator('details[data-key="PUT /publicCloud/project/{projectId}/rancher/{rancherId}"]')
    assert "changed since 1.1" in put.locator("summary").inner_text()
    put.locator("summary").click()
    assert put.locator("tr.added", has_text="targetSpec.ipAllowlist[].cidr").count() == 2, (
        "in the body and the answer"
    )
    assert (
        put.locator("li.removed").get_by_text("− request targetSpec.ipRestrictions", exact=True).count() == 1
    )
    shot(page, "section")

    listing = page.locator('details[data-key="GET /publicCloud/project/{projectId}/rancher"]')
    listing.locator("summary").click()
    listing.get_by_label("projectId (path)").fill(world["project"])
    listing.get_by_label("X-Pagination-Size (header)").fill("2")
    listing.get_by_role("button", name="Send GET").click()
    first = listing.locator(".exchange[data-status='200']")
    first.wait_for()
    received = first.locator("table.received")
    for name in ("x-pagination-cursor-next", "x-schemas-version", "x-ovh-queryid"):
        assert received.locator("tr.notable", has_text=name).count() == 1, name
    assert first.locator("ul.items li").count() == 2
    shot(page, "try-it", listing)
    first.get_by_role("button", name="Next page").click()
    page.wait_for_function("() => document.querySelectorAll('.exchange ul.items li').length === 1")
    second = listing.locator(".exchange")
    assert second.get_by_role("button", name="Next page").count() == 0
    assert "X-Pagination-Cursor" in second.locator("table.sent").inner_text()
    [last] = [r for r in world["ranchers"] if r not in first_page_ids(world)]
    second.get_by_role("button", name=f"Open {last}").click()

    status = page.locator(".resource-status")
    page.wait_for_selector(".resource-status[data-status='READY']")
    assert page.locator("table.compare tr.differs").count() == 0
    shot(page, "resource")
    spec = json.loads(page.get_by_label(re.compile("^Target spec")).input_value())
    assert "ipAllowlist" not in spec or isinstance(spec["ipAllowlist"], list), "read in 2.0"
    spec.update(
        name="renamed",
        plan="OVHCLOUD_EDITION",
        ipAllowlist=[{"cidr": "198.51.100.0/24", "description": "office"}],
    )
    page.get_by_label(re.compile("^Target spec")).fill(json.dumps(spec))
    page.get_by_role("button", name="Apply target spec (PUT)").click()

    # The task's steps are seen unfinished, then done, with the resource converging meanwhile.
    page.wait_for_selector("li.task.current .step:not([data-status='DONE'])")
    assert page.locator("table.compare tr.differs").count() > 0, "targetSpec ahead of currentState"
    page.wait_for_selector("li.task.current .step[data-status='RUNNING']")
    shot(page, "task-running")
    page.wait_for_selector(".resource-status[data-status='READY']", timeout=20000)
    task = page.locator("li.task").first
    assert task.get_attribute("data-status") == "DONE"
    steps = task.locator(".step")
    assert steps.count() >= 2 and all(
        s == "DONE" for s in steps.evaluate_all("els => els.map(e => e.dataset.status)")
    )
    assert page.locator("table.compare tr.differs").count() == 0
    events = page.locator("table.event-list tbody tr td:nth-child(2)").all_inner_texts()
    assert events[:3] == ["TASK_SUCCESS", "TASK_START", "TARGET_SPEC_UPDATE"]
    assert "resourceStatus: READY" in status.inner_text()
    shot(page, "task-done")


def first_page_ids(world) -> list[str]:
    with httpx.Client(base_url=world["url"], auth=world["auth"]) as c:
        answer = c.get(
            f"/v2/publicCloud/project/{world['project']}/rancher", headers={"X-Pagination-Size": "2"}
        )
        return [r["id"] for r in answer.json()]


@pytest.mark.slow
@browser_test
def test_every_operation_of_every_section_and_version_renders(page, world):
    with httpx.Client(base_url=world["url"]) as c:
        sections = [("v2", a["path"][1:]) for a in c.get("/v2/").json()["apis"]]
        sections += [("1.0", a["path"][1:]) for a in c.get("/1.0/").json()["apis"]]
        rendered = 0
        for branch, name in sections:
            versions = [None]
            if branch == "v2":
                majors = c.get(f"/v2/{name}.changelog.json").json()["majors"]
                versions = [
                    m["version"] for m in majors if m["status"] in ("current", "supported", "deprecated")
                ]
            for version in versions:
                query = f"?version={version}" if version else ""
                doc = c.get(f"/{branch}/{name}.json{query}").json()
                expected = sorted(
                    f"{o['httpMethod']} {a['path']}" for a in doc["apis"] for o in a["operations"]
                )
                view = f"#section={name}" + (f"&version={version}" if version else "")
                page.evaluate("view => { location.hash = view }", view)
                page.wait_for_function(
                    "view => document.querySelector('main').dataset.shown === view", arg=view
                )
                assert page.locator("main h2").inner_text() == f"/{name}"
                page.evaluate(
                    "() => document.querySelectorAll('details.operation').forEach(d => d.open = true)"
                )
                keys = page.locator("details.operation").evaluate_all("els => els.map(e => e.dataset.key)")
                assert sorted(keys) == expected, (name, version)
                if version:
                    assert page.get_by_label("Schemas version").input_value() == version
                rendered += len(keys)
    assert rendered > 60


@pytest.mark.slow
@browser_test
def test_signature_in_the_browser_matches_the_reference_vector(page):
    vector = page.evaluate("""async () => {
        const api = await import('/console/js/api.js');
        const as = '9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk', ck = '5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY';
        const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
        const text = [as, ck, 'POST', 'https://eu.api.ovh.com/1.0/auth', '{"a":"b","c":"d"}', '1457018875'].join('+');
        return {
            v1: await api.sign(as, ck, 'GET', 'https://eu.api.ovh.com/1.0/call', '', '1457018875'),
            v2: await api.sign(as, ck, 'get', 'https://eu.api.ovh.com/v2/call', '', '1457018875'),
            post: await api.sign(as, ck, 'POST', 'https://eu.api.ovh.com/1.0/auth', '{"a":"b","c":"d"}', '1457018875'),
            fallback: '$1$' + hex(api.sha1(new TextEncoder().encode(text))),
            long: hex(api.sha1(new TextEncoder().encode('a'.repeat(1000)))),
        };
    }""")
    assert vector["v1"] == "$1$7f2db49253edfc41891023fcd1a54cf61db05fbb"
    assert vector["v2"] == "$1$bb63b132a6f84ad5433d0c534d48d3f7c3804285"
    assert vector["post"] == vector["fallback"] == "$1$ec2fb5c7a81f64723c77d2e5b609ae6f58a84fc1"
    assert vector["long"] == hashlib.sha1(b"a" * 1000).hexdigest()


@pytest.mark.slow
@browser_test
def test_every_control_has_a_label_and_the_keyboard_reaches_the_routes(page, world):
    page.goto(f"{world['url']}/console/#section=publicCloud")
    page.reload()  # a fresh load: focus starts at the top of the document
    page.wait_for_selector("body[data-ready] details.operation")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.outerHTML)""")
    assert unlabelled == []
    assert page.locator("[aria-live]").count() > 0
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert page.evaluate("() => location.hash") == "#section=publicCloud", "the skip link does not navigate"
    on_operation = "() => document.activeElement.matches('details.operation > summary')"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(on_operation):
            break
    assert page.evaluate(on_operation), "Tab reaches the first operation"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.parentElement.open") is True
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.labels[0].textContent") == "X-Pagination-Size (header)"


def test_changelog_markdown_becomes_elements_not_backticks():
    # The console builds <code>, <strong>, <em> and <a> from markdown.js's tokens (never HTML).
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is needed to run the console's markdown module outside a browser")
    text = "ipRestrictions is now ipAllowlist; its entries name the block `cidr` (was `cidrBlock`), **now**"
    script = (
        f"import({json.dumps((STATIC / 'js' / 'markdown.js').as_uri())})"
        f".then((m) => console.log(JSON.stringify(m.inlineTokens({json.dumps(text)}))))"
    )
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [
        {"type": "text", "text": "ipRestrictions is now ipAllowlist; its entries name the block "},
        {"type": "code", "text": "cidr"},
        {"type": "text", "text": " (was "},
        {"type": "code", "text": "cidrBlock"},
        {"type": "text", "text": "), "},
        {"type": "strong", "text": "now"},
    ]
    section = (STATIC / "js" / "section.js").read_text()
    assert "md(v.summary)" in section and "md(c.description)" in section
