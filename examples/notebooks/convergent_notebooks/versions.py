"""Two schemas majors. 1.x is the stored (hub) form. 2.0 names the storage for its unit:
`storage` becomes `storageGb`, in what callers send and in what they read. A codec converts
both ways; the checksum is computed on the hub, so it is the same in both majors."""

from __future__ import annotations

from datetime import date

import msgspec

from convergent.framework import Change, Codec, Major, Version

from .notebook import Image, Storage

__all__ = ["VERSIONS", "MAJORS"]


class NotebookSpecV2(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str
    image: Image
    storageGb: Storage = 10
    idleShutdownMinutes: int | None = None


def _renamed(body: dict, old: str, new: str) -> dict:
    return {(new if key == old else key): value for key, value in body.items()}


class NotebookV2(Codec):
    spec_create = NotebookSpecV2
    spec_update = NotebookSpecV2

    def spec_to_hub(self, spec: dict, previous: dict | None) -> dict:
        return _renamed(spec, "storageGb", "storage")

    def spec_from_hub(self, hub: dict) -> dict:
        return _renamed(hub, "storage", "storageGb")

    def state_from_hub(self, state: dict) -> dict:
        return _renamed(state, "storage", "storageGb")


_ITEM = "/notebooks/notebook/{notebookId}"

VERSIONS = (
    Version("1.0", date(2025, 1, 1), "Notebooks"),
    Version("1.1", date(2025, 6, 1), "idleShutdownMinutes stops an idle kernel"),
    Version(
        "2.0",
        date(2026, 1, 1),
        "storage is storageGb",
        (
            Change(f"PUT {_ITEM}", "targetSpec.storage", "renamed targetSpec.storageGb", True, True),
            Change(
                "POST /notebooks/notebook", "targetSpec.storage", "renamed targetSpec.storageGb", True, True
            ),
            Change(f"GET {_ITEM}", "targetSpec.storage", "renamed targetSpec.storageGb", True),
        ),
    ),
)

MAJORS = (Major(1, date(2025, 1, 1)), Major(2, date(2026, 1, 1), codecs={"notebook": NotebookV2()}))
