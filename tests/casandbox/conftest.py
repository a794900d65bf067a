"""One sandbox process per test session; every test starts from the demo data set."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from casandbox import demo
from casandbox.testing import SandboxControl, SandboxProcess


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[SandboxProcess]:
    with SandboxProcess() as process:
        yield process


@pytest.fixture(scope="session")
def control(sandbox_process: SandboxProcess) -> Iterator[SandboxControl]:
    with sandbox_process.control() as client:
        yield client


@pytest.fixture
def sandbox(sandbox_process: SandboxProcess, control: SandboxControl) -> SandboxProcess:
    control.reset(seed="demo")
    return sandbox_process


def get_token(sandbox: SandboxProcess, refresh_token: str = demo.REFRESH_TOKEN) -> str:
    """The demo application's access token (helpers are fixtures' callables, so modules need no imports)."""
    response = httpx.post(
        sandbox.token_url,
        auth=(demo.APPLICATION_ID, demo.SHARED_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def new_token(sandbox: SandboxProcess) -> Callable[..., str]:
    return lambda refresh_token=demo.REFRESH_TOKEN: get_token(sandbox, refresh_token)


@pytest.fixture
def api(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    """An API client authorised for both demo profiles."""
    token = get_token(sandbox)
    with httpx.Client(base_url=sandbox.api_url, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.fixture
def other_integration(sandbox: SandboxProcess, control: SandboxControl) -> Callable[..., str]:
    """Register another application on profile 12345678 and return an access token for it."""

    def register(app_id: str = "other-app", developer_key: str = "other-dev", scope: str = "orders inventory") -> str:
        refresh = f"{app_id}-refresh"
        control.seed(
            applications=[
                {
                    "application_id": app_id,
                    "shared_secret": "s",
                    "developer_key": developer_key,
                    "profiles": [demo.PROFILE_ID],
                    "refresh_tokens": [{"token": refresh, "scope": scope}],
                }
            ]
        )
        data = {"grant_type": "refresh_token", "refresh_token": refresh}
        response = httpx.post(sandbox.token_url, auth=(app_id, "s"), data=data)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    return register
