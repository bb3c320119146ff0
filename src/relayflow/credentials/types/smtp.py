"""`smtp`: an outgoing mail server."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="smtp",
    display_name="SMTP",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/sendemail/",
    properties=(
        CredentialProperty("user", "User", default=""),
        CredentialProperty("password", "Password", default="", password=True),
        CredentialProperty("host", "Host", required=True, default=""),
        CredentialProperty("port", "Port", type="number", default=465),
        CredentialProperty(
            "secure",
            "SSL/TLS",
            type="boolean",
            default=True,
            description="Connect over TLS from the start (usually port 465)",
        ),
        CredentialProperty(
            "disableStartTls",
            "Disable STARTTLS",
            type="boolean",
            default=False,
            display_options_show={"secure": [False]},
            description="Never upgrade a plain connection with STARTTLS",
        ),
    ),
)
