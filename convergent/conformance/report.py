"""What a conformance run found: per section, per reference operation.

An operation of the reference is `served` (convergent routes it), `declined` (routed on
purpose to an error, with the reason in code: `Operation.declined`) or `missing`. A served
operation `passes` when at least one generated call got a 2xx answer and every 2xx answer
validated against the reference's response schema; a 5xx answer is a failure too. Other
answers (404 on a resource deleted earlier, 409, ...) are counted and shown, not judged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["OperationResult", "SectionResult", "Report", "SERVED", "DECLINED", "MISSING"]

SERVED, DECLINED, MISSING = "served", "declined", "missing"
_KEPT = 5  # problems kept per operation


@dataclass
class OperationResult:
    method: str
    path: str
    status: str
    reason: str | None = None  # why it is declined
    calls: int = 0
    validated: int = 0
    failed: int = 0
    answers: Counter = field(default_factory=Counter)  # HTTP status -> count
    problems: list[str] = field(default_factory=list)  # the first few failures
    unfilled: str | None = None  # a path parameter no resource could fill

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def passes(self) -> bool:
        if self.status == DECLINED:
            return True
        return self.status == SERVED and self.failed == 0 and self.validated > 0

    def fail(self, problem: str) -> None:
        self.failed += 1
        if len(self.problems) < _KEPT:
            self.problems.append(problem)

    def verdict(self) -> str:
        """One line: why it does not pass, the declined reason, or empty."""
        if self.status == DECLINED:
            return self.reason or ""
        if self.status == MISSING:
            return "not served"
        if self.problems:
            return self.problems[0]
        if self.validated == 0:
            if self.calls == 0:
                return (
                    f"never called: no resource to fill {{{self.unfilled}}}"
                    if self.unfilled
                    else "never called"
                )
            return f"no 2xx answer to {self.calls} call(s)"
        return ""

    def as_json(self) -> dict:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "reason": self.reason,
            "calls": self.calls,
            "validated": self.validated,
            "failed": self.failed,
            "answers": {str(k): v for k, v in sorted(self.answers.items())},
            "passes": self.passes,
            "problems": self.problems or ([self.verdict()] if not self.passes else []),
        }


@dataclass
class SectionResult:
    name: str
    operations: list[OperationResult]
    extra: list[str] = field(default_factory=list)  # served by convergent, not in the reference

    def count(self, status: str) -> int:
        return sum(1 for op in self.operations if op.status == status)

    @property
    def validating(self) -> int:
        return sum(1 for op in self.operations if op.status == SERVED and op.passes)

    @property
    def passes(self) -> bool:
        return all(op.passes for op in self.operations)

    def summary(self) -> str:
        return (
            f"{self.name}: {len(self.operations)} operations, {self.count(SERVED)} served "
            f"({self.validating} validating), {self.count(DECLINED)} declined, {self.count(MISSING)} missing"
        )

    def as_json(self) -> dict:
        return {
            "section": self.name,
            "operations": len(self.operations),
            "served": self.count(SERVED),
            "validating": self.validating,
            "declined": self.count(DECLINED),
            "missing": self.count(MISSING),
            "calls": sum(op.calls for op in self.operations),
            "passes": self.passes,
            "extra": self.extra,
            "results": [op.as_json() for op in self.operations],
        }


@dataclass
class Report:
    sections: list[SectionResult]

    @property
    def passes(self) -> bool:
        return all(s.passes for s in self.sections)

    @property
    def exit_code(self) -> int:
        return 0 if self.passes else 1

    def summary(self) -> str:
        ops = [op for s in self.sections for op in s.operations]
        served = sum(1 for op in ops if op.status == SERVED)
        validating = sum(1 for op in ops if op.status == SERVED and op.passes)
        declined = sum(1 for op in ops if op.status == DECLINED)
        missing = sum(1 for op in ops if op.status == MISSING)
        calls = sum(op.calls for op in ops)
        verdict = "conformant" if self.passes else "NOT conformant"
        return (
            f"{len(ops)} reference operations in {len(self.sections)} section(s): {served} served "
            f"({validating} validating), {declined} declined, {missing} missing; {calls} calls; {verdict}"
        )

    def as_json(self) -> dict:
        return {
            "passes": self.passes,
            "summary": self.summary(),
            "sections": [s.as_json() for s in self.sections],
        }

    def render(self, console) -> None:
        """Print one table per section, then the summary, on a rich console."""
        from rich.table import Table

        for section in self.sections:
            table = Table(title=section.summary(), title_justify="left", expand=False)
            for column in ("operation", "status", "calls", "valid", "other answers", "problem / reason"):
                table.add_column(column, overflow="fold", no_wrap=column == "operation")
            for op in section.operations:
                style = "" if op.passes else "bold red"
                others = ", ".join(f"{k}x{v}" for k, v in sorted(op.answers.items()) if not 200 <= k < 300)
                table.add_row(
                    op.name, op.status, str(op.calls), str(op.validated), others, op.verdict(), style=style
                )
            console.print(table)
            if section.extra:
                console.print(f"  served by convergent, not in the reference: {', '.join(section.extra)}")
        console.print(self.summary(), style="bold green" if self.passes else "bold red")
