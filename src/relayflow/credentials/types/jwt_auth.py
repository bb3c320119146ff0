"""`jwtAuth`: signs JSON Web Tokens with a shared passphrase or a PEM key pair."""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")

CREDENTIAL_TYPE = CredentialType(
    name="jwtAuth",
    display_name="JWT Auth",
    documentation_url="https://docs.n8n.io/integrations/builtin/credentials/jwt/",
    properties=(
        CredentialProperty(
            "keyType",
            "Key Type",
            type="options",
            default="passphrase",
            options=(("passphrase", "Passphrase"), ("pemKey", "PEM Key")),
        ),
        CredentialProperty(
            "secret",
            "Secret",
            required=True,
            default="",
            password=True,
            display_options_show={"keyType": ["passphrase"]},
        ),
        CredentialProperty(
            "privateKey",
            "Private Key",
            required=True,
            default="",
            password=True,
            display_options_show={"keyType": ["pemKey"]},
        ),
        CredentialProperty(
            "publicKey", "Public Key", default="", display_options_show={"keyType": ["pemKey"]}
        ),
        CredentialProperty(
            "algorithm",
            "Algorithm",
            type="options",
            default="HS256",
            options=tuple((name, name) for name in _ALGORITHMS),
        ),
    ),
)
