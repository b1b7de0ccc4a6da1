"""What a running server tells its operators: request metrics, structured access logs, health.

`Observe` wraps the whole app (outside the Guard, so it sees every answer with its query id):
it counts each request by route template, method and status, adds its duration to a latency
histogram, and with `--log-format json` writes one JSON line per request. `/metrics` renders
those counters in Prometheus' text format (version 0.0.4) with what is read at scrape time:
tasks by kind and state, engine lag, store errors, engines alive.
"""

from __future__ import annotations

import bisect
import json
import logging
import time

__all__ = ["Metrics", "Observe", "JsonFormatter", "engines_alive", "render"]

access_log = logging.getLogger("convergent.access")

# Seconds; the last bucket is +Inf.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "(unmatched)"  # the route label of requests no route matched (404, 405)


class Metrics:
    """Counters kept in the process; `render` writes them out."""

    def __init__(self):
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[tuple[str, str], list] = {}  # (route, method) -> [bucket counts..., sum, count]
        self.store_errors = 0  # calls answered 503 because the database could not be reached

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, str(status))
        self.requests[key] = self.requests.get(key, 0) + 1
        cell = self.latency.get((route, method))
        if cell is None:
            cell = self.latency[(route, method)] = [0] * (len(BUCKETS) + 3)
        cell[bisect.bisect_left(BUCKETS, seconds)] += 1  # index len(BUCKETS) is +Inf
        cell[-2] += seconds
        cell[-1] += 1


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels) -> str:
    return "{" + ",".join(f'{name}="{_label(str(value))}"' for name, value in labels.items()) + "}"


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def engines_alive(ctx, grace: float = 10.0) -> tuple[int, int]:
    """(engines of this process whose loop passed recently, engines it runs)."""
    running = ctx.engines[: ctx.config.workers]
    now = time.monotonic()
    limit = max(ctx.config.poll, 1.0) * 3 + grace
    alive = sum(1 for e in running if e.last_pass is not None and now - e.last_pass <= limit)
    return alive, len(running)


async def render(ctx, metrics: Metrics) -> str:
    """Everything, in Prometheus' text exposition format."""
    lines: list[str] = []

    def family(name: str, kind: str, help: str) -> None:
        lines.append(f"# HELP {name} {help}")
        lines.append(f"# TYPE {name} {kind}")

    family(
        "convergent_http_requests_total",
        "counter",
        "HTTP requests answered, by route template, method and status.",
    )
    for (route, method, status), count in sorted(metrics.requests.items()):
        lines.append(
            f"convergent_http_requests_total{_labels(route=route, method=method, status=status)} {count}"
        )
    family(
        "convergent_http_request_duration_seconds",
        "histogram",
        "Time from a request's arrival to its answer's last byte, by route template and method.",
    )
    for (route, method), cell in sorted(metrics.latency.items()):
        cumulative = 0
        for bound, count in zip((*BUCKETS, float("inf")), cell[: len(BUCKETS) + 1]):
            cumulative += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            lines.append(
                f"convergent_http_request_duration_seconds_bucket{_labels(route=route, method=method, le=le)} {cumulative}"
            )
        tail = _labels(route=route, method=method)
        lines.append(f"convergent_http_request_duration_seconds_sum{tail} {_number(cell[-2])}")
        lines.append(f"convergent_http_request_duration_seconds_count{tail} {cell[-1]}")
    family("convergent_tasks", "gauge", "Tasks kept in the database, by kind and state.")
    for kind, state, count in sorted(await ctx.store.task_counts()):
        lines.append(f"convergent_tasks{_labels(kind=kind, state=state)} {count}")
    due = await ctx.store.next_due()
    lag = max(0.0, ctx.clock.now() - due) if due is not None else 0.0
    family(
        "convergent_engine_lag_seconds",
        "gauge",
        "How long the most overdue task step has been waiting past its due time (0: none is late).",
    )
    lines.append(f"convergent_engine_lag_seconds {_number(lag)}")
    alive, running = engines_alive(ctx)
    family("convergent_engines", "gauge", "Task engines this process runs, and how many are alive.")
    lines.append(f"convergent_engines{_labels(state='running')} {running}")
    lines.append(f"convergent_engines{_labels(state='alive')} {alive}")
    family(
        "convergent_store_errors_total",
        "counter",
        "Times the database could not be reached: by API calls (answered 503) and engine passes.",
    )
    lines.append(f"convergent_store_errors_total{_labels(source='api')} {metrics.store_errors}")
    engine_errors = sum(engine.store_errors for engine in ctx.engines)
    lines.append(f"convergent_store_errors_total{_labels(source='engine')} {engine_errors}")
    return "\n".join(lines) + "\n"


class Observe:
    """ASGI wrapper: metrics for every HTTP request, and an access log line when `log` is set."""

    def __init__(self, app, metrics: Metrics, log: bool = False):
        self.app = app
        self.metrics = metrics
        self.log = log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer = {"status": 500, "query": ""}
        log = self.log

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                if log:  # the query id is for the access log only
                    for name, value in message.get("headers", ()):
                        if name == b"x-ovh-queryid":
                            answer["query"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("convergent.route") or UNMATCHED
            status = answer["status"]
            self.metrics.observe(route, scope["method"], status, seconds)
            if scope.get("convergent.store_error"):
                self.metrics.store_errors += 1
            if self.log:
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "queryId": answer["query"],
                        "account": scope.get("convergent.account"),
                        "method": scope["method"],
                        "route": route,
                        "path": scope["path"],
                        "status": status,
                        "durationMs": round(seconds * 1000, 3),
                    },
                )


_FIELDS = ("queryId", "account", "method", "route", "path", "status", "durationMs")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, milliseconds, Z), level, logger, message, and
    the request's fields on access lines."""

    def format(self, record: logging.LogRecord) -> str:
        from ..model.times import iso

        entry = {
            "time": iso(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, separators=(",", ":"))
