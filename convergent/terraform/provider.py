"""The provider: its configuration block and the Client every resource calls through."""

from __future__ import annotations

from tf import schema, types
from tf.iface import Config, DataSource, Provider, Resource
from tf.utils import Diagnostics

from ..client import Client, ConfigurationError
from . import ADDRESS
from .resources import RESOURCES

__all__ = ["ConvergentProvider"]

_SETTINGS = (
    "endpoint",
    "application_key",
    "application_secret",
    "consumer_key",
    "client_id",
    "client_secret",
)
_SECRET = {"application_secret", "consumer_key", "client_secret"}


class ConvergentProvider(Provider):
    """Every setting is optional: what the block leaves out comes from `OVH_*` variables and
    `ovh.conf`, as for OVHcloud's clients. `endpoint` is a name (ovh-eu) or a URL."""

    def __init__(self):
        self.client: Client | None = None

    def get_model_prefix(self) -> str:
        return "convergent_"

    def full_name(self) -> str:
        return ADDRESS

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(
            version=1,
            attributes=[
                schema.Attribute(name, types.String(), optional=True, sensitive=name in _SECRET)
                for name in _SETTINGS
            ],
        )

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        pass

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        given = {k: v for k, v in config.items() if k in _SETTINGS and isinstance(v, str) and v}
        try:
            self.client = Client(given.pop("endpoint", None), **given)
        except ConfigurationError as error:
            diags.add_error("convergent provider configuration", str(error))

    def get_data_sources(self) -> list[type[DataSource]]:
        return []

    def get_resources(self) -> list[type[Resource]]:
        return list(RESOURCES)
