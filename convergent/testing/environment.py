"""The `OVH_*` variables OVHcloud's clients and Terraform provider read, for a credential on a
convergent server: what `convergent env` prints for CI jobs to `eval` (or append to $GITHUB_ENV)."""

from __future__ import annotations

import shlex

__all__ = ["ovh_variables", "render"]


def ovh_variables(issued: dict) -> dict[str, str]:
    """From a credential as `/admin/credential` or `credential create --json` give it."""
    return {
        "OVH_ENDPOINT": issued["endpoint"].rstrip("/") + "/1.0",
        "OVH_APPLICATION_KEY": issued["applicationKey"],
        "OVH_APPLICATION_SECRET": issued["applicationSecret"],
        "OVH_CONSUMER_KEY": issued["consumerKey"],
    }


def render(variables: dict[str, str], shell: bool) -> str:
    """`export NAME='value'` lines for a shell's eval, or `NAME=value` lines (dotenv, $GITHUB_ENV)."""
    if shell:
        return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in variables.items())
    return "\n".join(f"{name}={value}" for name, value in variables.items())
