"""A Terraform provider for convergent and OVHcloud API v2, on the `tf` package (plugin protocol 6).

It needs the `terraform` extra (`pip install 'convergent[terraform]'`). `install` lays the
provider out as a filesystem mirror that a Terraform CLI configuration points to; Terraform then
runs it as `python -m convergent.terraform`.
"""

from __future__ import annotations

__all__ = ["main", "install", "cli_configuration", "ADDRESS", "VERSION"]

ADDRESS = "convergent.local/convergent/convergent"
VERSION = "0.1.0"

_MISSING = "the Terraform provider needs the terraform extra: pip install 'convergent[terraform]'"


def main(argv: list[str] | None = None) -> None:
    """Serve the provider to Terraform (it starts this process and speaks gRPC to it)."""
    try:
        import tf.provider
        from tf.runner import run_provider
    except ImportError:
        raise SystemExit(_MISSING) from None
    from .provider import ConvergentProvider, Servicer

    tf.provider.ProviderServicer = Servicer  # run_provider serves the class it finds there
    run_provider(ConvergentProvider(), argv)


def _platform() -> str:
    import platform

    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{platform.system().lower()}_{arch}"


def install(mirror: str, python: str | None = None) -> str:
    """Write the provider into `mirror` (unpacked filesystem-mirror layout) as a small launcher of
    this Python; return the executable's path."""
    import os
    import sys
    from pathlib import Path

    folder = Path(mirror, ADDRESS, VERSION, _platform())
    folder.mkdir(parents=True, exist_ok=True)
    executable = folder / f"terraform-provider-convergent_v{VERSION}"
    executable.write_text(f'#!/bin/sh\nexec "{python or sys.executable}" -m convergent.terraform "$@"\n')
    executable.chmod(0o755)
    os.utime(executable)
    return str(executable)


def cli_configuration(mirror: str) -> str:
    """The Terraform CLI configuration (`~/.terraformrc` or `TF_CLI_CONFIG_FILE`) that installs
    this provider from `mirror` and every other provider as usual."""
    return f"""provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["{ADDRESS}"]
  }}
  direct {{
    exclude = ["{ADDRESS}"]
  }}
}}
"""
