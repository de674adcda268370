"""pytest fixtures: import them into a test module (`from drive_double.fixtures import drive`)."""
from __future__ import annotations

import pytest

from drive_double import DriveDouble
from promolint.sources.gdrive_auth import ENV_CREDENTIALS, ENV_ROOT_URL, ENV_SUBJECT, ENV_TOKEN


@pytest.fixture
def drive(monkeypatch):
    """A fresh Drive double; the Drive client is pointed at it through the documented env vars."""
    with DriveDouble() as d:
        monkeypatch.setenv(ENV_ROOT_URL, d.root_url)
        monkeypatch.setenv(ENV_TOKEN, d.token)
        monkeypatch.delenv(ENV_CREDENTIALS, raising=False)
        monkeypatch.delenv(ENV_SUBJECT, raising=False)
        yield d
