"""A testing kit for code that calls OVHcloud: `mock_ovh()` (in-process, no socket), the admin
controls, and the pytest plugin (`convergent.testing.plugin`, loaded by pytest through the
`pytest11` entry point). docs/testing.md is the guide."""

from .admin import Admin, AdminError
from .mock import MockOvh, mock_ovh

__all__ = ["Admin", "AdminError", "MockOvh", "mock_ovh"]
