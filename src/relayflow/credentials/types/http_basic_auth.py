"""`httpBasicAuth`: a user and password sent as `Authorization: Basic …`."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="httpBasicAuth",
    display_name="Basic Auth",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/httprequest/",
    properties=(
        CredentialProperty("user", "User", required=True, default=""),
        CredentialProperty("password", "Password", default="", password=True),
    ),
)
