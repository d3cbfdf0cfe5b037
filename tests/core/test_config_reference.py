"""docs/config-reference.md is generated from the model and cannot drift from it."""

from __future__ import annotations

from pathlib import Path

from breakglass_gui.core.config.reference import DOCS, keys, render_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "config-reference.md"


def test_every_key_of_the_model_has_a_sentence_and_every_sentence_a_key() -> None:
    assert sorted(DOCS) == sorted(keys())


def test_the_committed_reference_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == render_reference(), (
        "docs/config-reference.md is stale: run `python scripts/config_reference.py`"
    )


def test_a_key_left_out_takes_the_default_the_reference_shows() -> None:
    import dataclasses

    from breakglass_gui.core.config import model, parse_config

    minimal = {
        "organisation": {
            "name": "X",
            "iam_account_id": "111111111111",
            "partition": "aws",
            "region": "eu-central-1",
        },
        "operators": [{"id": "jdoe", "name": "Op", "email": "op@example.com"}],
        "approvers": [
            {
                "id": "ciso",
                "name": "A",
                "email": "a@example.com",
                "role": "primary",
                "aws_infrastructure": False,
            },
            {
                "id": "cfo",
                "name": "B",
                "email": "b@example.com",
                "role": "secondary",
                "aws_infrastructure": False,
            },
        ],
        "vault": {
            "address": "https://vault.example.com",
            "auth_method": "userpass",
            "username": "bg",
        },
        "accounts": [{"id": "111111111111", "name": "iam", "environment": "shared"}],
        "notifications": {"sns_topic_arn": "arn:aws:sns:eu-central-1:111111111111:t"},
    }
    config = parse_config(minimal)
    for section in ("role", "session", "monitoring", "rotation", "provisioning"):
        assert getattr(config, section) == type(getattr(config, section))(), section
    defaults = model.VaultConfig(
        address="https://vault.example.com", auth_method="userpass", username="bg"
    )
    for f in dataclasses.fields(model.VaultConfig):
        assert getattr(config.vault, f.name) == getattr(defaults, f.name), f.name
