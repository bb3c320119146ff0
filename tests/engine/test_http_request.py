"""The HTTP Request node against a real HTTP server on a loopback port."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from relayflow.engine.runner import RunResult
from tests.support.echo import echo_server
from tests.support.engine import MANUAL, chain, node, output, run


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with echo_server() as url:
        yield url


def request(
    parameters: dict[str, Any],
    *,
    credentials: dict[str, dict[str, Any]] | None = None,
    **extra: Any,
) -> RunResult:
    """Run one HTTP Request node (version 4.2) with `parameters` and node settings `extra`."""
    if "credentials_" in extra:
        extra["credentials"] = extra.pop("credentials_")
    nodes = [MANUAL, node("HTTP", "httpRequest", typeVersion=4.2, parameters=parameters, **extra)]
    return run(nodes, chain("Manual", "HTTP"), credentials=credentials)


def test_a_get_should_return_the_json_answer(base: str) -> None:
    result = request({"url": f"{base}/echo"})
    [answer] = output(result, "HTTP")
    assert answer["method"] == "GET" and answer["path"] == "/echo"


def test_query_headers_and_a_json_body_should_be_sent(base: str) -> None:
    result = request(
        {
            "method": "POST",
            "url": f"{base}/things",
            "sendQuery": True,
            "queryParameters": {"parameters": [{"name": "page", "value": "={{ 1 + 1 }}"}]},
            "sendHeaders": True,
            "headerParameters": {"parameters": [{"name": "X-Trace", "value": "abc"}]},
            "sendBody": True,
            "bodyParameters": {"parameters": [{"name": "name", "value": "Ada"}]},
        }
    )
    [answer] = output(result, "HTTP")
    assert answer["query"] == {"page": "2"}
    assert answer["headers"]["x-trace"] == "abc"
    assert answer["body"] == '{"name":"Ada"}' or answer["body"] == '{"name": "Ada"}'


def test_one_request_should_be_made_per_item(base: str) -> None:
    nodes = [
        MANUAL,
        node(
            "HTTP",
            "httpRequest",
            typeVersion=4.2,
            parameters={"url": f"={base}/item/{{{{ $json.n }}}}"},
        ),
    ]
    result = run(nodes, chain("Manual", "HTTP"), items=[{"json": {"n": 1}}, {"json": {"n": 2}}])
    assert [answer["path"] for answer in output(result, "HTTP")] == ["/item/1", "/item/2"]


def test_an_array_answer_should_become_items_and_text_a_data_field(base: str) -> None:
    assert output(request({"url": f"{base}/list"}), "HTTP") == [{"n": 1}, {"n": 2}]
    assert output(request({"url": f"{base}/text"}), "HTTP") == [{"data": "plain words"}]


@pytest.mark.parametrize(
    ("type_name", "data", "check"),
    [
        (
            "httpHeaderAuth",
            {"name": "X-Api-Key", "value": "s3cret-header"},
            lambda a: a["headers"]["x-api-key"] == "s3cret-header",
        ),
        (
            "httpQueryAuth",
            {"name": "token", "value": "s3cret-query"},
            lambda a: a["query"]["token"] == "s3cret-query",
        ),
        (
            "httpBearerAuth",
            {"token": "s3cret-bearer"},
            lambda a: a["headers"]["authorization"] == "Bearer s3cret-bearer",
        ),
        (
            "httpBasicAuth",
            {"user": "ada", "password": "s3cret-basic"},
            lambda a: (
                a["headers"]["authorization"]
                == "Basic " + base64.b64encode(b"ada:s3cret-basic").decode()
            ),
        ),
        (
            "httpCustomAuth",
            {"json": '{"headers": {"X-Custom": "s3cret-custom"}, "qs": {"k": "v"}}'},
            lambda a: a["headers"]["x-custom"] == "s3cret-custom" and a["query"]["k"] == "v",
        ),
    ],
)
def test_credentials_should_authenticate_the_request(
    base: str, type_name: str, data: dict[str, Any], check: Any
) -> None:
    parameters = {
        "url": f"{base}/private",
        "authentication": "genericCredentialType",
        "genericAuthType": type_name,
    }
    reference = {type_name: {"id": "cred000000000001", "name": "Secret"}}
    result = request(parameters, credentials={type_name: data}, credentials_=reference)
    [answer] = output(result, "HTTP")
    assert check(answer)


def test_a_node_without_the_credential_should_fail_clearly(base: str) -> None:
    result = request(
        {
            "url": f"{base}/private",
            "authentication": "genericCredentialType",
            "genericAuthType": "httpHeaderAuth",
        }
    )
    assert result.status == "error"
    assert result.data["resultData"]["error"]["message"] == (
        'Node "HTTP" does not have any credentials of type "httpHeaderAuth" set'
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "The resource you are requesting could not be found"),
        (401, "Authorization failed - please check your credentials"),
        (500, "The service was not able to process your request"),
        (418, "Request failed with status code 418"),
    ],
)
def test_a_failing_status_should_fail_the_node_with_n8ns_message(
    base: str, status: int, message: str
) -> None:
    result = request({"url": f"{base}/status/{status}"})
    assert result.status == "error"
    error = result.data["resultData"]["error"]
    assert error["message"] == message and error["httpCode"] == str(status)


def test_never_error_should_return_the_failing_answer(base: str) -> None:
    options = {"response": {"response": {"neverError": True, "fullResponse": True}}}
    [answer] = output(request({"url": f"{base}/status/404", "options": options}), "HTTP")
    assert answer["statusCode"] == 404 and answer["body"] == {"error": "as asked"}


def test_an_unreachable_server_should_fail_without_a_traceback() -> None:
    result = request({"url": "http://127.0.0.1:9/nothing", "options": {"timeout": 2000}})
    assert result.status == "error"
    message = result.data["resultData"]["error"]["message"]
    assert message.startswith("The connection to the server failed") and "Traceback" not in message


def test_continue_on_fail_should_turn_each_failure_into_an_item(base: str) -> None:
    result = request({"url": f"{base}/status/500"}, continueOnFail=True)
    assert result.status == "success"
    assert output(result, "HTTP") == [{"error": "The service was not able to process your request"}]


def test_retry_on_fail_should_try_again_until_it_works(base: str) -> None:
    retries = {"retryOnFail": True, "maxTries": 3, "waitBetweenTries": 0}
    result = request({"url": f"{base}/flaky/2/recovers"}, **retries)
    assert result.status == "success"
    assert output(result, "HTTP") == [{"call": 3}]


def test_retry_on_fail_should_give_up_after_max_tries(base: str) -> None:
    retries = {"retryOnFail": True, "maxTries": 2, "waitBetweenTries": 0}
    result = request({"url": f"{base}/flaky/5/stays-down"}, **retries)
    assert result.status == "error"
    assert result.data["resultData"]["error"]["httpCode"] == "503"


def test_json_that_javascript_would_refuse_should_fail_the_node(base: str) -> None:
    result = request({"url": f"{base}/nan"})
    assert result.status == "error"
    assert "not valid JSON" in result.data["resultData"]["error"]["message"]
