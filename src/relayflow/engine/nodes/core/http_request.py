"""HTTP Request (version 4 and later): one request per input item.

Authentication comes from the node's credentials, never from its parameters:
`genericCredentialType` with `genericAuthType` (`httpHeaderAuth`, `httpBasicAuth`,
`httpQueryAuth`, `httpBearerAuth`, `httpCustomAuth`, `oAuth2Api`), or
`predefinedCredentialType` with `nodeCredentialType` naming one of those. Credential values are
applied to the request only: they are not in the node's output, its errors or its run data.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx

from relayflow.engine.errors import NodeApiError, NodeError
from relayflow.engine.items import Item, Outputs, normalize
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register

# httpx logs each request's URL at INFO and httpcore each response's headers at DEBUG. With
# query authentication the URL carries the credential, and a server may echo a header back:
# neither log may run.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

# What n8n says for the common failing statuses (NodeApiError).
STATUS_MESSAGES = {
    400: "Bad request - please check your parameters",
    401: "Authorization failed - please check your credentials",
    403: "Forbidden - perhaps check your credentials?",
    404: "The resource you are requesting could not be found",
    405: "Method not allowed - please check you are using the right HTTP method",
    429: "The service is receiving too many requests from you",
    500: "The service was not able to process your request",
    502: "Bad gateway - the service failed to handle your request",
    503: (
        "Service unavailable - try again later or consider setting this node to retry "
        "automatically (in the node settings)"
    ),
    504: "Gateway timed out - perhaps try again later?",
}
SUPPORTED_AUTH = (
    "httpHeaderAuth",
    "httpBasicAuth",
    "httpQueryAuth",
    "httpBearerAuth",
    "httpCustomAuth",
    "oAuth2Api",
)
DEFAULT_TIMEOUT_MS = 300_000


class _Request:
    """A request being put together: the parts credentials may add to."""

    def __init__(self, method: str, url: str) -> None:
        self.method = method
        self.url = url
        self.params: list[tuple[str, str | int | float | bool | None]] = []
        self.headers: dict[str, str] = {}
        self.json: Any = None
        self.form: dict[str, Any] | None = None
        self.content: str | None = None


def _pairs(parameters: Any) -> list[tuple[str, Any]]:
    entries = (parameters or {}).get("parameters") or [] if isinstance(parameters, dict) else []
    return [(str(entry.get("name", "")), entry.get("value")) for entry in entries]


def _json_param(value: Any, what: str, index: int) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else {}
        except ValueError:
            raise NodeError(
                f"JSON parameter needs to be valid JSON ({what})", item_index=index
            ) from None
    return value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


async def _authenticate(call: NodeCall, request: _Request, index: int) -> None:
    method = call.param("authentication", index, "none")
    if method in (None, "none"):
        return
    if method == "genericCredentialType":
        type_name = call.param("genericAuthType", index, "")
    elif method == "predefinedCredentialType":
        type_name = call.param("nodeCredentialType", index, "")
    else:
        raise NodeError(f'Unknown authentication "{method}"', item_index=index)
    if type_name not in SUPPORTED_AUTH:
        raise NodeError(
            f'Authentication with "{type_name}" is not supported by the HTTP Request node yet',
            item_index=index,
        )
    data = await call.credentials(str(type_name))
    if type_name == "httpHeaderAuth":
        request.headers[str(data.get("name", ""))] = str(data.get("value", ""))
    elif type_name == "httpQueryAuth":
        request.params.append((str(data.get("name", "")), str(data.get("value", ""))))
    elif type_name == "httpBasicAuth":
        pair = f"{data.get('user', '')}:{data.get('password', '')}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif type_name == "httpBearerAuth":
        request.headers["Authorization"] = f"Bearer {data.get('token', '')}"
    elif type_name == "oAuth2Api":
        token = data.get("oauthTokenData") or {}
        kind = str(token.get("token_type") or "Bearer")
        kind = "Bearer" if kind.lower() == "bearer" else kind
        request.headers["Authorization"] = f"{kind} {token.get('access_token', '')}"
    elif type_name == "httpCustomAuth":
        try:
            custom = json.loads(data.get("json") or "{}")
        except ValueError:
            raise NodeError(
                "The Custom Auth credential does not hold valid JSON", item_index=index
            ) from None
        request.headers.update({str(k): _text(v) for k, v in (custom.get("headers") or {}).items()})
        request.params.extend((str(k), _text(v)) for k, v in (custom.get("qs") or {}).items())
        if custom.get("body"):
            if request.form is not None:
                request.form.update(custom["body"])
            elif isinstance(request.json, dict) or request.json is None:
                request.json = {**(request.json or {}), **custom["body"]}


def _build(call: NodeCall, index: int) -> _Request:
    method = str(call.param("method", index, "GET")).upper()
    url = call.param("url", index, "")
    if not isinstance(url, str) or not url.strip():
        raise NodeError("The URL parameter is empty", item_index=index)
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise NodeError(
            f'Invalid URL: "{url}". URL must start with "http" or "https".', item_index=index
        )
    request = _Request(method, url)
    if call.param("sendQuery", index, False):
        if call.param("specifyQuery", index, "keypair") == "json":
            query = _json_param(call.param("jsonQuery", index, "{}"), "Query Parameters", index)
            request.params.extend((str(k), _text(v)) for k, v in (query or {}).items())
        else:
            request.params.extend(
                (name, _text(value))
                for name, value in _pairs(call.param("queryParameters", index, {}))
            )
    if call.param("sendHeaders", index, False):
        if call.param("specifyHeaders", index, "keypair") == "json":
            headers = _json_param(call.param("jsonHeaders", index, "{}"), "Headers", index)
            request.headers.update({str(k): _text(v) for k, v in (headers or {}).items()})
        else:
            request.headers.update(
                {
                    name: _text(value)
                    for name, value in _pairs(call.param("headerParameters", index, {}))
                }
            )
    if call.param("sendBody", index, False):
        content_type = call.param("contentType", index, "json")
        if content_type == "raw":
            request.content = _text(call.param("body", index, ""))
            request.headers.setdefault(
                "Content-Type", str(call.param("rawContentType", index, "text/plain"))
            )
        elif content_type in ("form-urlencoded", "multipart-form-data"):
            request.form = {
                name: _text(value)
                for name, value in _pairs(call.param("bodyParameters", index, {}))
            }
        elif content_type == "json":
            if call.param("specifyBody", index, "keypair") == "json":
                request.json = _json_param(call.param("jsonBody", index, "{}"), "JSON Body", index)
            else:
                request.json = dict(_pairs(call.param("bodyParameters", index, {})))
        else:
            raise NodeError(
                f'Sending a body as "{content_type}" is not supported yet', item_index=index
            )
    return request


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _strict_json(text: str) -> Any:
    """JSON as JavaScript's `JSON.parse` reads it: `NaN` and `Infinity` are not JSON."""
    return json.loads(text, parse_constant=_refuse_constant)


def _response_items(response: httpx.Response, options: dict[str, Any], index: int) -> list[Item]:
    settings = ((options.get("response") or {}).get("response")) or {}
    fmt = settings.get("responseFormat", "autodetect")
    property_name = settings.get("outputPropertyName") or "data"
    content_type = response.headers.get("content-type", "")
    body: Any
    if fmt == "text" or (fmt == "autodetect" and "json" not in content_type):
        text = response.text
        body = text
        if fmt == "autodetect":
            try:
                body = _strict_json(text)
            except ValueError:
                body = text
    else:
        try:
            body = _strict_json(response.text) if response.content else {}
        except ValueError:
            raise NodeError(
                'Response body is not valid JSON. Change "Response Format" to "Text"',
                item_index=index,
            ) from None
    if settings.get("fullResponse"):
        return [
            {
                "json": {
                    "headers": dict(response.headers),
                    "statusCode": response.status_code,
                    "statusMessage": response.reason_phrase,
                    "body": body,
                },
                "pairedItem": {"item": index},
            }
        ]
    if isinstance(body, str):
        return [{"json": {property_name: body}, "pairedItem": {"item": index}}]
    items = normalize(
        body if isinstance(body, (dict, list)) else {property_name: body}, "The response"
    )
    for entry in items:
        entry["pairedItem"] = {"item": index}
    return items


@register
class HttpRequest(NodeType):
    """n8n's HTTP Request node, version 4 and later."""

    type_name = "n8n-nodes-base.httpRequest"
    display_name = "HTTP Request"

    async def execute(self, call: NodeCall) -> Outputs:
        if call.type_version < 4:
            raise NodeError(
                f"HTTP Request version {call.node.get('typeVersion')} is not supported yet: "
                "open the workflow and replace the node with a current HTTP Request node"
            )
        out: list[Item] = []
        client = call.state.http or httpx.AsyncClient()
        try:
            for index, _item in enumerate(call.items(0)):
                try:
                    out.extend(await self._one(call, client, index))
                except NodeError as exc:
                    if not call.continue_on_fail:
                        raise
                    out.append(call.failed_item(index, exc))
        finally:
            if call.state.http is None:
                await client.aclose()
        return [out]

    async def _one(self, call: NodeCall, client: httpx.AsyncClient, index: int) -> list[Item]:
        request = _build(call, index)
        await _authenticate(call, request, index)
        options = call.param("options", index, {}) or {}
        settings = ((options.get("response") or {}).get("response")) or {}
        redirect = ((options.get("redirect") or {}).get("redirect")) or {}
        timeout_ms = options.get("timeout") or DEFAULT_TIMEOUT_MS
        try:
            response = await client.request(
                request.method,
                request.url,
                params=request.params or None,
                headers=request.headers or None,
                json=request.json
                if request.form is None and request.content is None and request.json is not None
                else None,
                data=request.form,
                content=request.content,
                timeout=float(timeout_ms) / 1000,
                follow_redirects=redirect.get("followRedirects", True) is not False,
            )
        except httpx.TimeoutException:
            raise NodeApiError(
                f"Timeout of {timeout_ms}ms exceeded", item_index=index, http_code="ETIMEDOUT"
            ) from None
        except httpx.HTTPError as exc:
            raise NodeApiError(
                f"The connection to the server failed: {type(exc).__name__}", item_index=index
            ) from None
        if response.status_code >= 400 and not settings.get("neverError"):
            message = STATUS_MESSAGES.get(
                response.status_code, f"Request failed with status code {response.status_code}"
            )
            raise NodeApiError(
                message,
                description=response.text[:1000] or None,
                item_index=index,
                http_code=str(response.status_code),
            )
        return _response_items(response, options, index)
