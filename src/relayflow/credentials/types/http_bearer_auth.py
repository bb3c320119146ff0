"""`httpBearerAuth`: a token sent as `Authorization: Bearer …`."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="httpBearerAuth",
    display_name="Bearer Auth",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/httprequest/",
    properties=(
        CredentialProperty("token", "Bearer Token", required=True, default="", password=True),
    ),
)
