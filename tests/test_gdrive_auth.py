"""Credentials and scopes, exchanged over real HTTP with the double's token endpoint."""
from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from drive_double.fixtures import drive  # noqa: F401  (fixture)
from promolint.sources.gdrive import open_gdrive
from promolint.sources.gdrive_auth import (ENV_SUBJECT, ENV_TOKEN, SCOPE_FULL, SCOPE_READONLY, DriveAuthError, DriveClient,
                                 GDriveConfig, load_credentials)


@pytest.fixture
def sa_key(tmp_path, drive):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "k1", "private_key": pem.decode(),
        "client_email": "promolint@p.iam.gserviceaccount.com", "client_id": "1", "token_uri": drive.root_url + "token"}))
    return path


@pytest.mark.parametrize("write,scope", [(True, SCOPE_FULL), (False, SCOPE_READONLY)])
def test_service_account_scopes_and_delegation(drive, sa_key, monkeypatch, write, scope):
    monkeypatch.delenv(ENV_TOKEN)
    folder = drive.add_folder("Packets")
    drive.add_file("a.docx", folder, b"x")
    client = DriveClient(GDriveConfig(credentials=sa_key, subject="manager@example.com"), write=write)
    assert [r.name for r in open_gdrive(f"gdrive://{folder}", client=client).list()] == ["a.docx"]
    [claims] = drive.token_requests
    assert claims["scope"] == scope and claims["sub"] == "manager@example.com"


def test_subject_from_environment(drive, sa_key, monkeypatch):
    monkeypatch.delenv(ENV_TOKEN)
    monkeypatch.setenv(ENV_SUBJECT, "boss@example.com")
    creds = load_credentials(GDriveConfig(credentials=sa_key), write=True)
    assert creds._subject == "boss@example.com"


def test_authorized_user_token_file(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    path = tmp_path / "token.json"
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "c", "client_secret": "s",
                                "refresh_token": "r", "token": "t", "scopes": [SCOPE_FULL]}))
    creds = load_credentials(GDriveConfig(credentials=path), write=True)
    assert creds.refresh_token == "r" and creds.scopes == [SCOPE_FULL]


def test_missing_or_bad_credentials_name_the_setting(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    with pytest.raises(DriveAuthError, match="gdrive.credentials"):
        load_credentials(GDriveConfig(), write=False)
    bad = tmp_path / "x.json"
    bad.write_text('{"type": "external_account"}')
    with pytest.raises(DriveAuthError, match="service account"):
        load_credentials(GDriveConfig(credentials=bad), write=False)


def test_config_section_from_an_org_file(tmp_path):
    from promolint.config import load_config
    from promolint.errors import ConfigError

    org = tmp_path / "org.yaml"
    org.write_text("gdrive:\n  reviewed_folder: 1Reviewed000\n  share: false\n  credentials: keys/sa.json\n")
    cfg = GDriveConfig.from_config(load_config(org))
    assert cfg.reviewed_folder == "1Reviewed000" and cfg.share is False
    assert cfg.credentials == (tmp_path / "keys" / "sa.json").resolve(), "paths are relative to the config file"
    org.write_text("gdrive:\n  shaer: true\n")
    with pytest.raises(ConfigError, match="gdrive.shaer"):
        load_config(org)
