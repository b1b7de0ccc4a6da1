"""An example section from outside convergent: notebook servers as code (two schemas majors, a
reconciler with named steps), notebook templates as plain objects, and an order that delivers a
ready notebook. Installed, it is served like a built-in section (the `convergent.sections`
entry point in pyproject.toml); docs/framework.md walks through it."""

from __future__ import annotations

from convergent.framework import Section

from .notebook import NOTEBOOK
from .templates import OPERATIONS
from .versions import MAJORS, VERSIONS

__all__ = ["SECTION"]


async def starter(order) -> None:
    """`convergent provision notebooksStarter`: a ready notebook, as an order delivers it."""
    spec = {"name": "starter", "image": "python-3.12", "storage": 10}
    await order.deliver(NOTEBOOK, spec, {**spec, "url": "https://starter.notebooks.example"})


SECTION = Section(
    name="notebooks",
    description="Notebook servers and their templates",
    kinds=(NOTEBOOK,),
    operations=OPERATIONS,
    versions=VERSIONS,
    majors=MAJORS,
    default_major=1,
    provisioners={"notebooksStarter": starter},
)
