"""A conformance run: convergent started in-process, every reference operation walked.

convergent runs on a temporary SQLite file with a manual clock and no background engine: the
walk moves the engine one transition at a time (the clock jumps an hour, past any step, before
each), so each state it reads is reached deterministically. One
account's owner credential signs every call, as an OVHcloud client would. Every product the
sections sell through orders is delivered first, so order-delivered kinds (and the IAM
resources they are) exist before the walk starts.
"""

from __future__ import annotations

import pathlib
import tempfile

import httpx

from ..admin.clock import advance, set_clock
from ..api.routing import operations_of
from ..auth import accounts
from ..client import OvhSignature
from ..config import Config
from ..model.section import Section
from ..runtime import Runtime
from ..server import create_app
from .hints import HINTS, Hints
from .reference import Reference
from .report import DECLINED, MISSING, SERVED, OperationResult, Report, SectionResult
from .walk import Walk

__all__ = ["ACCOUNT", "measure"]

ACCOUNT = "xx1111-ovh"
_BRANCHES = {"v2": "/v2", "v1": "/1.0"}


def _results(ref: Reference, served: set[tuple[str, str]], declined: dict[tuple[str, str], str]) -> dict:
    out = {}
    for method, path in ref.operations:
        key = (method, ref.branch + path)
        if key in declined:
            out[(method, path)] = OperationResult(method, path, DECLINED, declined[key])
        else:
            out[(method, path)] = OperationResult(method, path, SERVED if key in served else MISSING)
    return out


def _extra(ref: Reference, sections: tuple[Section, ...]) -> list[str]:
    """What convergent serves in the reference's section that the reference does not have."""
    ours = [
        (op.method, _BRANCHES[s.branch] + op.path)
        for s in sections
        if s.name == ref.name
        for op in operations_of(s)
    ]
    theirs = {(m, ref.branch + p) for m, p in ref.operations}
    return [f"{m} {p}" for m, p in ours if (m, p) not in theirs]


def _stepper(ctx: Runtime):
    async def step_by_step(each) -> None:
        """Run the engine one transition per pass, awaiting `each()` after every pass that moved."""
        while True:
            await advance(ctx.store, ctx.clock, 3600, _nothing)  # the clock only: the walk moves the engine
            if not await ctx.engine.run_due():
                return
            await each()

    return step_by_step


async def _nothing() -> None:
    return None


async def measure(
    references: list[Reference],
    sections: tuple[Section, ...] | None = None,
    hints: dict[str, Hints] | None = None,
) -> Report:
    """Walk every operation of `references` on a fresh convergent serving `sections` (the
    built-in ones by default) and report what was served, declined, missing and validated."""
    hints = HINTS if hints is None else hints
    with tempfile.TemporaryDirectory(prefix="convergent-conformance-") as tmp:
        config = Config(database=str(pathlib.Path(tmp) / "conformance.db"), workers=0, seed=1)
        app = create_app(config, sections)
        async with app.router.lifespan_context(app):
            ctx = app.state.ctx
            sections = ctx.sections
            served = set(app.state.table.entries)
            declined = {
                (op.method, _BRANCHES[s.branch] + op.path): op.declined
                for s in sections
                for op in operations_of(s)
                if op.declined
            }
            await set_clock(ctx.store, ctx.clock, "manual", 1.0)
            step_by_step = _stepper(ctx)
            issued = await accounts.issue_credential(ctx.store, ACCOUNT, ctx.clock.now())
            for product in ctx.products():
                await ctx.provision(product, ACCOUNT)
            await step_by_step(_nothing)
            auth = OvhSignature(issued.application_key, issued.application_secret, issued.consumer_key)
            transport = httpx.ASGITransport(app=app)
            report = Report([])
            async with httpx.AsyncClient(
                transport=transport, base_url="http://convergent", auth=auth
            ) as client:
                for ref in references:
                    results = _results(ref, served, declined)
                    walk = Walk(ref, client, step_by_step, results, hints.get(ref.name, Hints()))
                    await walk.run()
                    report.sections.append(
                        SectionResult(ref.name, list(results.values()), _extra(ref, sections))
                    )
            return report
