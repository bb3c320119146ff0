"""`redis`: a Redis connection."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="redis",
    display_name="Redis",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/redis/",
    properties=(
        CredentialProperty("password", "Password", default="", password=True),
        CredentialProperty("host", "Host", default="localhost"),
        CredentialProperty("port", "Port", type="number", default=6379),
        CredentialProperty("database", "Database Number", type="number", default=0),
        CredentialProperty("ssl", "SSL", type="boolean", default=False),
    ),
)
