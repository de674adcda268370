"""A real Prefect API for a test module: `prefect_test_harness` with its own temp PREFECT_HOME.

Import the fixture into a module (`from prefect_harness import harness`). Subprocesses (the CLI, a
killed batch) reach the same server through `harness["env"]` (PREFECT_API_URL, PREFECT_HOME).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import promolint.flows  # noqa: F401  (Prefect env defaults: startup timeout, no telemetry)


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    old = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_DATABASE_CONNECTION_URL
    from prefect.testing.utilities import prefect_test_harness

    try:
        with prefect_test_harness(server_startup_timeout=180):
            db = Path(PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split("///", 1)[1])
            url = PREFECT_API_URL.value()
            yield {"home": home, "db_dir": db.parent, "api_url": url,
                   "env": {"PREFECT_API_URL": url, "PREFECT_HOME": str(home)}}
    finally:
        if old is None:
            os.environ.pop("PREFECT_HOME", None)
        else:
            os.environ["PREFECT_HOME"] = old
