"""convergent: a resource-centric cloud control-plane API server.

It serves the OVHcloud API v2 principles of operation (as-code resources, asynchronous tasks
and events, cursor pagination) as a faithful local server, and as a framework: declare a
section, its kinds and a reconciler, and get the rest.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
