"""`oAuth2Api`: a generic OAuth2 client; the server caches and refreshes its access token."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

_INTERACTIVE = {"grantType": ["authorizationCode", "pkce"]}

CREDENTIAL_TYPE = CredentialType(
    name="oAuth2Api",
    display_name="OAuth2 API",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/httprequest/",
    properties=(
        CredentialProperty(
            "grantType",
            "Grant Type",
            type="options",
            default="clientCredentials",
            options=(
                ("clientCredentials", "Client Credentials"),
                ("authorizationCode", "Authorization Code"),
                ("pkce", "PKCE"),
            ),
        ),
        CredentialProperty(
            "authUrl",
            "Authorization URL",
            required=True,
            default="",
            display_options_show=_INTERACTIVE,
        ),
        CredentialProperty("accessTokenUrl", "Access Token URL", required=True, default=""),
        CredentialProperty("clientId", "Client ID", required=True, default=""),
        CredentialProperty(
            "clientSecret", "Client Secret", required=True, default="", password=True
        ),
        CredentialProperty(
            "scope", "Scope", default="", description="Space-separated scopes to request"
        ),
        CredentialProperty(
            "authQueryParameters",
            "Auth URI Query Parameters",
            default="",
            display_options_show=_INTERACTIVE,
            description="Extra query parameters for the authorization URL: access_type=offline",
        ),
        CredentialProperty(
            "authentication",
            "Authentication",
            type="options",
            default="header",
            options=(("header", "Send Auth Header"), ("body", "Send Credentials in Body")),
            description="How the client id and secret reach the token endpoint",
        ),
        CredentialProperty(
            "oauthTokenData",
            "OAuth Token Data",
            type="hidden",
            description="The cached token response; written by the server, never by clients",
        ),
    ),
)
