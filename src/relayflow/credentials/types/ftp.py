"""`ftp`: an FTP server; n8n's own schema test reads this type."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="ftp",
    display_name="FTP",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/ftp/",
    properties=(
        CredentialProperty("host", "Host", required=True, default=""),
        CredentialProperty("port", "Port", type="number", required=True, default=21),
        CredentialProperty("username", "Username", default=""),
        CredentialProperty("password", "Password", default="", password=True),
    ),
)
