"""`githubApi`: a GitHub personal access token; n8n's own create-credential test uses it."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

CREDENTIAL_TYPE = CredentialType(
    name="githubApi",
    display_name="GitHub API",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/github/",
    properties=(
        CredentialProperty(
            "server",
            "GitHub Server",
            default="https://api.github.com",
            description="The API root; change it for GitHub Enterprise",
        ),
        CredentialProperty("user", "User", default=""),
        CredentialProperty("accessToken", "Access Token", default="", password=True),
    ),
)
