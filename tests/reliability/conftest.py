import pytest

from tests.reliability.processes import app_environment, manage


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> str:
    """Static files collected as a production deployment has them (DEBUG off
    serves them from the manifest), once per test process."""
    folder = tmp_path_factory.mktemp("static")
    manage(
        app_environment(DEBUG="0", STATIC_ROOT=str(folder)),
        "collectstatic",
        "--noinput",
    )
    return str(folder)
