"""`httpQueryAuth`: one query parameter, such as `?api_key=…`, added to every request."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="httpQueryAuth",
    display_name="Query Auth",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/httprequest/",
    properties=(
        CredentialProperty(
            "name",
            "Name",
            required=True,
            default="",
            description="The query parameter's name, such as api_key",
        ),
        CredentialProperty("value", "Value", required=True, default="", password=True),
    ),
)
