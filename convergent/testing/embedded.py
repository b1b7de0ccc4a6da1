"""A convergent app served inside this process, with no socket: the app and its task engine run
on an event loop of their own thread, and requests reach it as ASGI calls (httpx's
`ASGITransport`). Blocking callers wait on a future; async callers, on any loop, await it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading

import httpx

from ..config import Config

__all__ = ["Embedded", "EmbeddedTransport", "AsyncEmbeddedTransport"]


class Embedded:
    """`create_app(config)` served on a private event loop until `stop()`.

    `exchange` is the one seam every caller goes through: an `httpx.Request` in, a fully read
    `httpx.Response` out. `before` (a coroutine function taking the request) runs on the app's
    loop first, where it may use the store and change the request."""

    def __init__(self, config: Config, before=None):
        self.config = config
        self.before = before
        self.app = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None

    @property
    def ctx(self):
        return self.app.state.ctx

    def start(self) -> Embedded:
        from ..server import create_app

        self.app = create_app(self.config)
        self._transport = httpx.ASGITransport(app=self.app)
        started: concurrent.futures.Future = concurrent.futures.Future()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_until_complete,
            args=(self._serve(started),),
            name="convergent-embedded",
            daemon=True,
        )
        self._thread.start()
        started.result(timeout=60)
        return self

    async def _serve(self, started: concurrent.futures.Future) -> None:
        try:
            async with self.app.router.lifespan_context(self.app):
                self._stopping = asyncio.Event()
                started.set_result(None)
                await self._stopping.wait()
        except BaseException as error:
            if not started.done():
                started.set_exception(error)
            raise

    def stop(self) -> None:
        if self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop already ended
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(30)
        self._loop.close()
        self._loop = None

    def run(self, coroutine):
        """Run `coroutine` on the app's loop and wait for its result (from another thread)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    async def arun(self, coroutine):
        """Await `coroutine` run on the app's loop, from a coroutine of another loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        if self.before is not None:
            request = await self.before(request)
        response = await self._transport.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def exchange(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self.run(self._exchange(request))

    async def aexchange(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return await self.arun(self._exchange(request))


class EmbeddedTransport(httpx.BaseTransport):
    """An httpx transport to an `Embedded` app: `httpx.Client(transport=EmbeddedTransport(e))`."""

    def __init__(self, embedded: Embedded):
        self.embedded = embedded

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.embedded.exchange(request)


class AsyncEmbeddedTransport(httpx.AsyncBaseTransport):
    def __init__(self, embedded: Embedded):
        self.embedded = embedded

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.embedded.aexchange(request)
