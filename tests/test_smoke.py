"""The server answers health checks on every backend."""

from tests.support.client import Api


def test_healthz_should_respond_ok(api: Api) -> None:
    response = api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
