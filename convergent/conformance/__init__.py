"""Conformance, measured: what convergent serves compared with OVHcloud's reference OpenAPI
exports. `convergent conformance --reference DIR` runs it; docs/conformance.md explains it.

- reference.py: the reference files and their operations, examples and schemas;
- schema.py: validating values against a reference's schemas (formats, nullable reading);
- runner.py and walk.py: convergent in-process, every reference operation called;
- bodies.py and hints.py: how request bodies are made;
- report.py: served, declined, missing and validated, as tables or JSON.
"""

from .reference import Reference, load, reference_files
from .report import Report
from .runner import measure

__all__ = ["Reference", "Report", "load", "measure", "reference_files"]
