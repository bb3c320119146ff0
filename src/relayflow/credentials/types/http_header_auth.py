"""`httpHeaderAuth`: one header, such as `X-API-Key: …`, sent with every request."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="httpHeaderAuth",
    display_name="Header Auth",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/httprequest/",
    properties=(
        CredentialProperty(
            "name",
            "Name",
            required=True,
            default="",
            description="The header's name, such as X-API-Key",
        ),
        CredentialProperty("value", "Value", required=True, default="", password=True),
    ),
)
