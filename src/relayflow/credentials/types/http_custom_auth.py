"""`httpCustomAuth`: a JSON document of headers, query and body fields merged into requests."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="httpCustomAuth",
    display_name="Custom Auth",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/httprequest/",
    properties=(
        CredentialProperty(
            "json",
            "JSON",
            type="json",
            required=True,
            password=True,
            default="{}",
            description='A JSON string such as {"headers": {"X-Key": "…"}, "qs": {}, "body": {}}',
        ),
    ),
)
