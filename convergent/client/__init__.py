"""A Python client for OVHcloud's API and for convergent: sync (`Client`) and asyncio (`AsyncClient`).

```python
from convergent.client import Client
with Client("http://127.0.0.1:8080") as api:          # keys from OVH_* or ovh.conf
    project = api.post("/v2/publicCloud/project", {"targetSpec": {"name": "demo", "mode": "CLASSIC"}})
    api.wait(f"/v2/publicCloud/project/{project['id']}")
    for rancher in api.iterate(f"/v2/publicCloud/project/{project['id']}/rancher"):
        print(rancher["id"])
```
"""

from .aio import AsyncClient
from .auth import OAuth2ClientCredentials, OvhSignature
from .errors import (
    ApiError,
    AuthError,
    AuthForbidden,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ForbiddenError,
    InvalidCredential,
    InvalidKey,
    InvalidSignature,
    LockedError,
    NotAuthenticated,
    NotCredential,
    NotFoundError,
    NotGrantedCall,
    OAuth2Error,
    PreconditionFailedError,
    QueryTimeOut,
    SchemasVersionDeprecated,
    ServerError,
    TaskFailed,
    WaitTimeout,
)
from .settings import ENDPOINTS, Settings, load_settings
from .sync import Client

__all__ = [
    "Client",
    "AsyncClient",
    "Settings",
    "load_settings",
    "ENDPOINTS",
    "OvhSignature",
    "OAuth2ClientCredentials",
    "ApiError",
    "AuthError",
    "AuthForbidden",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ForbiddenError",
    "InvalidCredential",
    "InvalidKey",
    "InvalidSignature",
    "LockedError",
    "NotAuthenticated",
    "NotCredential",
    "NotFoundError",
    "NotGrantedCall",
    "OAuth2Error",
    "PreconditionFailedError",
    "QueryTimeOut",
    "SchemasVersionDeprecated",
    "ServerError",
    "TaskFailed",
    "WaitTimeout",
]
