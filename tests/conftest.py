"""Shared test set-up: no real keyring, browser, clock or AWS; Qt offscreen for UI tests."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Make sure nothing ambient can leak into a test: no real AWS credentials or profiles.
for _name in (
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "VAULT_TOKEN",
    "VAULT_ADDR",
    "VAULT_SKIP_VERIFY",
):
    os.environ.pop(_name, None)
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

pytest_plugins = ["tests.fakes.world"]
