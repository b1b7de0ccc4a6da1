"""A Python client for OVHcloud-style APIs (convergent or OVHcloud itself)."""

from .auth import OvhSignature

__all__ = ["OvhSignature"]
