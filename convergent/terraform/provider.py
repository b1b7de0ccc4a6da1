"""The provider: its configuration block and the Client every resource calls through."""

from __future__ import annotations

from tf import schema, types
from tf.iface import Config, DataSource, Provider, Resource
from tf.provider import ProviderServicer
from tf.utils import Diagnostics, read_dynamic_value, to_dynamic_value

from ..client import Client, ConfigurationError
from . import ADDRESS
from .dynamic import Dynamic
from .resources import RESOURCES

__all__ = ["ConvergentProvider", "Servicer"]

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


class Servicer(ProviderServicer):
    """The `tf` package's servicer, with a state file read right for `dynamic` attributes: it
    hands a stored state's JSON back to Terraform as it is, where a dynamic value is
    `{"value": ..., "type": ...}`; the plugin protocol wants the pair that `Dynamic` writes."""

    def UpgradeResourceState(self, request, context):
        response = super().UpgradeResourceState(request, context)
        state = read_dynamic_value(response.upgraded_state)
        if isinstance(state, dict):
            dynamic = Dynamic()
            for name, attribute in self._get_res_attrs(request.type_name).items():
                if isinstance(attribute.type, Dynamic) and state.get(name) is not None:
                    state[name] = dynamic.encode(dynamic.decode(state[name]))
            response.upgraded_state.CopyFrom(to_dynamic_value(state))
        return response
