"""Filters on IAM tags, as list routes take them: `{"env":[{"operator":"EQ","value":"prod"}]}`.

`/v2/iam/resource` names the parameter `tags`; resource lists of other sections `iamTags`.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from ..errors import ApiError
from .policy import matches

__all__ = ["tag_filter"]

_TESTS = {
    "EQ": lambda have, value: have == value,
    "NEQ": lambda have, value: have != value,
    "EXISTS": lambda have, value: have is not None,
    "NEXISTS": lambda have, value: have is None,
    "LIKE": lambda have, value: have is not None and matches(value.replace("%", "*"), have),
    "ILIKE": lambda have, value: have is not None and matches(value.replace("%", "*").lower(), have.lower()),
}


def tag_filter(raw: str | None, parameter: str) -> Callable[[dict], bool] | None:
    """A test of a resource's tags from the parameter's raw value (None: no filter); 400 naming
    the parameter when the value is not such a map or names an unknown operator."""
    if not raw:
        return None
    try:
        wanted = msgspec.json.decode(raw, type=dict[str, list[dict[str, str]]])
    except msgspec.DecodeError:
        raise ApiError.invalid_parameter(
            parameter, 'a JSON map like {"env":[{"operator":"EQ","value":"prod"}]}'
        ) from None
    tests = []
    for key, conditions in wanted.items():
        for condition in conditions:
            op = condition.get("operator", "EQ")
            if op not in _TESTS:
                raise ApiError.invalid_parameter(parameter, f"unknown operator {op!r}")
            tests.append((key, _TESTS[op], condition.get("value", "")))

    def keep(tags: dict) -> bool:
        return all(test(tags.get(key), value) for key, test, value in tests)

    return keep
