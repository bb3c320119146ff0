"""`postgres`: a PostgreSQL connection."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="postgres",
    display_name="Postgres",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/postgres/",
    properties=(
        CredentialProperty("host", "Host", default="localhost"),
        CredentialProperty("database", "Database", default="postgres"),
        CredentialProperty("user", "User", default="postgres"),
        CredentialProperty("password", "Password", default="", password=True),
        CredentialProperty("port", "Port", type="number", default=5432),
        CredentialProperty(
            "ssl",
            "SSL",
            type="options",
            default="disable",
            options=(
                ("disable", "Disable"),
                ("allow", "Allow"),
                ("require", "Require"),
                ("verify", "Verify (not implemented)"),
                ("verify-full", "Verify-Full (not implemented)"),
            ),
        ),
    ),
)
