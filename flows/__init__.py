"""Prefect flows over the plain pipeline (flows.core). Importing this package sets Prefect's
environment defaults, before Prefect itself is imported by any module below it."""
import os

# A fresh PREFECT_HOME's first ephemeral start runs its migrations for over 20 s here.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
# No network but loopback at run time: Prefect's server would otherwise send telemetry.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
