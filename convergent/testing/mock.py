"""`mock_ovh()`: calls to OVHcloud's API hosts answered by an in-process convergent, with no socket.

While it is active, `requests` sessions (python-ovh's, requests-oauthlib's) and httpx clients
(convergent's own client) that reach `eu.api.ovh.com`, `ca.api.ovh.com`, `api.us.ovhcloud.com`,
the kimsufi and soyoustart hosts or the OAuth2 token hosts are answered by one convergent app
running in this process on a private event loop; every other host goes where it went before.

Keys are accepted as moto accepts AWS credentials: an application key, a consumer key or an
OAuth2 client id seen for the first time is registered for `account` (validated, every route;
the OAuth2 client with ovh-admin on the account). A registered-on-first-sight application's
secret is not known, so its requests are signed again with the secret convergent gave it before
they reach the app: signatures are not checked for those keys, timestamps are. Keys made
through the API itself (`POST /1.0/auth/credential`, `/admin/credential`) are checked exactly.
"""

from __future__ import annotations

import functools
import inspect
import secrets
import tempfile
import threading
import time
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

import httpx
import requests
import requests.adapters
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from ..auth import accounts
from ..auth.signature import sign
from ..client.settings import ENDPOINTS, OAUTH2_TOKEN_URLS
from ..config import Config
from .admin import Admin
from .embedded import Embedded, EmbeddedTransport
from .server import CLOCKS

__all__ = ["mock_ovh", "MockOvh", "OVH_HOSTS", "EmbeddedAdapter"]

OVH_HOSTS = frozenset(urlsplit(url).hostname for url in (*ENDPOINTS.values(), *OAUTH2_TOKEN_URLS.values()))
_EVERY_ROUTE = [{"method": m, "path": "/*"} for m in ("GET", "POST", "PUT", "DELETE")]


class EmbeddedAdapter(requests.adapters.HTTPAdapter):
    """A requests transport adapter that hands each request to an `Embedded` app (no socket)."""

    def __init__(self, embedded: Embedded):
        super().__init__()
        self.embedded = embedded

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes):
            body = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in body)
        answer = self.embedded.exchange(
            httpx.Request(request.method, request.url, headers=dict(request.headers), content=body or b"")
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = HTTPStatus(answer.status_code).phrase
        response.headers = CaseInsensitiveDict(answer.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = answer.content
        response._content_consumed = True
        response.url = request.url
        response.request = request
        response.connection = self
        return response


class _Patches:
    """The two seams where a request picks its transport, each patched once while any mock is
    active, and sent to the newest active mock: `requests.Session.get_adapter` (the adapter
    mounted for a URL) and the default httpx transports."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active: list[MockOvh] = []
        self.saved: dict = {}

    def push(self, mock: MockOvh) -> None:
        with self.lock:
            if not self.active:
                self._install()
            self.active.append(mock)

    def pop(self, mock: MockOvh) -> None:
        with self.lock:
            self.active.remove(mock)
            if not self.active:
                self._uninstall()

    def target(self, host: str | None) -> MockOvh | None:
        active = self.active
        return active[-1] if active and host in OVH_HOSTS else None

    def _install(self) -> None:
        get_adapter = requests.Session.get_adapter
        handle = httpx.HTTPTransport.handle_request
        ahandle = httpx.AsyncHTTPTransport.handle_async_request
        self.saved = {"get_adapter": get_adapter, "handle": handle, "ahandle": ahandle}
        target = self.target

        def patched_get_adapter(session, url):
            mock = target(urlsplit(url).hostname)
            return mock.adapter if mock else get_adapter(session, url)

        def patched_handle(transport, request):
            mock = target(request.url.host)
            return mock.embedded.exchange(request) if mock else handle(transport, request)

        async def patched_ahandle(transport, request):
            mock = target(request.url.host)
            return await mock.embedded.aexchange(request) if mock else await ahandle(transport, request)

        requests.Session.get_adapter = patched_get_adapter
        httpx.HTTPTransport.handle_request = patched_handle
        httpx.AsyncHTTPTransport.handle_async_request = patched_ahandle

    def _uninstall(self) -> None:
        requests.Session.get_adapter = self.saved["get_adapter"]
        httpx.HTTPTransport.handle_request = self.saved["handle"]
        httpx.AsyncHTTPTransport.handle_async_request = self.saved["ahandle"]


_PATCHES = _Patches()


class MockOvh:
    """One in-process convergent answering OVHcloud's hosts while active. Use `mock_ovh()`.

    - `database`: ":memory:" (default) or "file" for a SQLite file in a temporary folder, or
      a path; the state lives as long as the mock.
    - `account`: the account keys seen for the first time act as.
    - `register_keys`: False to refuse unknown keys as OVHcloud does (INVALID_KEY, ...).
    - `clock`: instant (default), realistic, scaled (by `time_scale`, default 0.1) or manual;
      `seed`: deterministic ids.
    - `admin`: the admin controls (clock, faults, snapshots, orders, credentials).
    """

    def __init__(
        self,
        *,
        database: str = ":memory:",
        account: str = "xx1111-ovh",
        register_keys: bool = True,
        clock: str = "instant",
        time_scale: float | None = None,
        seed: int | None = None,
    ):
        if clock not in CLOCKS:
            raise ValueError(f"clock {clock!r}: one of {', '.join(CLOCKS)}")
        self.database = database
        self.account = account
        self.register_keys = register_keys
        self.clock = clock
        self.time_scale = time_scale
        self.seed = seed
        self.embedded: Embedded | None = None
        self._folder: tempfile.TemporaryDirectory | None = None
        self._learned: dict[str, str | None] = {}  # application key -> the secret to sign with, if learned
        self._consumers: set[str] = set()
        self._clients: set[str] = set()

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> MockOvh:
        self._learned, self._consumers, self._clients = {}, set(), set()  # a new state knows no key
        database = self.database
        if database == "file":
            self._folder = tempfile.TemporaryDirectory(prefix="convergent-mock-")
            database = f"{self._folder.name}/convergent.db"
        token = "cva_" + secrets.token_urlsafe(24)
        scale = {"instant": 0.0, "realistic": 1.0, "manual": 1.0}.get(self.clock, self.time_scale or 0.1)
        config = Config(database=database, time_scale=scale, seed=self.seed, admin_token=token)
        self.embedded = Embedded(config, before=self._admit).start()
        self.embedded.run(self._ready())
        self.adapter = EmbeddedAdapter(self.embedded)
        self.admin = Admin.connect(
            "https://admin.convergent.invalid", token, EmbeddedTransport(self.embedded)
        )
        if self.clock == "manual":
            self.admin.clock("manual")
        _PATCHES.push(self)
        return self

    async def _ready(self) -> None:
        await accounts.ensure_account(self.embedded.ctx.store, self.account, time.time(), login=False)

    def stop(self) -> None:
        if self.embedded is None:
            return
        _PATCHES.pop(self)
        self.admin.close()
        self.embedded.stop()
        self.embedded = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def __enter__(self) -> MockOvh:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __call__(self, func):
        """As a decorator: a fresh mock around each call of `func` (sync or async)."""
        settings = dict(
            database=self.database,
            account=self.account,
            register_keys=self.register_keys,
            clock=self.clock,
            time_scale=self.time_scale,
            seed=self.seed,
        )
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def awrapper(*args, **kwargs):
                with MockOvh(**settings):
                    return await func(*args, **kwargs)

            return awrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with MockOvh(**settings):
                return func(*args, **kwargs)

        return wrapper

    # --- keys seen for the first time ------------------------------------------------------------

    async def _admit(self, request: httpx.Request) -> httpx.Request:
        """Register the request's unknown keys (on the app's loop), and sign it again with the
        secret of an application registered here."""
        if not self.register_keys:
            return request
        headers = request.headers
        app_key = headers.get("x-ovh-application")
        if app_key:
            secret = await self._application(app_key)
            consumer = headers.get("x-ovh-consumer")
            if consumer and consumer not in self._consumers:
                await self._consumer(app_key, consumer)
            stamp = headers.get("x-ovh-timestamp")
            if secret and consumer and stamp and "x-ovh-signature" in headers:
                body = request.content
                headers["x-ovh-signature"] = sign(
                    secret, consumer, request.method, str(request.url), body, stamp
                )
        elif request.url.path == "/auth/oauth2/token":
            await self._oauth2_client(request)
        return request

    async def _application(self, key: str) -> str | None:
        if key in self._learned:
            return self._learned[key]
        ctx = self.embedded.ctx
        app = await ctx.objects.by_key(accounts.APPLICATIONS, key)
        secret = None
        if app is None:
            secret = secrets.token_urlsafe(24)
            await accounts.create_application(
                ctx.store, self.account, "first sight", "registered by mock_ovh", time.time(), key, secret
            )
        self._learned[key] = secret
        return secret

    async def _consumer(self, app_key: str, consumer: str) -> None:
        objects = self.embedded.ctx.objects
        if await objects.by_key(accounts.CREDENTIALS, consumer) is None:
            app = await objects.by_key(accounts.APPLICATIONS, app_key)
            now = time.time()
            pending = await accounts.request_credential(objects, app, _EVERY_ROUTE, None, None, now, consumer)
            await accounts.validate_credential(objects, pending, self.account, None, None, now)
        self._consumers.add(consumer)

    async def _oauth2_client(self, request: httpx.Request) -> None:
        from ..sections.auth import client_pair

        try:
            form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            return
        pair = client_pair(request.headers.get("authorization", ""), form)
        if pair is None or pair[0] in self._clients:
            return
        ctx = self.embedded.ctx
        if await ctx.objects.find(accounts.OAUTH2_CLIENTS, None, pair[0]) is None:
            await accounts.issue_service_account(
                ctx.store, self.account, time.time(), client_id=pair[0], secret=pair[1]
            )
        self._clients.add(pair[0])


def mock_ovh(**settings) -> MockOvh:
    """A context manager and decorator: OVHcloud's API hosts answered in-process while active.

    ```python
    @mock_ovh()
    def test_deploy():
        client = ovh.Client(endpoint="ovh-eu", application_key="any", application_secret="any",
                            consumer_key="any")
        ...
    ```
    Settings are MockOvh's (`database`, `account`, `register_keys`, `clock`, `time_scale`, `seed`)."""
    return MockOvh(**settings)
