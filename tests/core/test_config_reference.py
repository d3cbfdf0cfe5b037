"""docs/config-reference.md is generated from the model and cannot drift from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from breakglass_gui.core.config.reference import DOCS, keys, render_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "config-reference.md"


def test_every_key_of_the_model_has_a_sentence_and_every_sentence_a_key() -> None:
    assert sorted(DOCS) == sorted(keys())


def test_the_committed_reference_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == render_reference(), (
        "docs/config-reference.md is stale: run `python scripts/references.py`"
    )


def _minimal() -> dict[str, Any]:
    """The smallest configuration the loader accepts."""
    return {
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


def test_a_key_left_out_takes_the_default_the_reference_shows() -> None:
    import dataclasses

    from breakglass_gui.core.config import model, parse_config

    minimal = _minimal()
    config = parse_config(minimal)
    for section in ("role", "session", "monitoring", "rotation", "provisioning"):
        assert getattr(config, section) == type(getattr(config, section))(), section
    defaults = model.VaultConfig(
        address="https://vault.example.com", auth_method="userpass", username="bg"
    )
    for f in dataclasses.fields(model.VaultConfig):
        assert getattr(config.vault, f.name) == getattr(defaults, f.name), f.name


def _documented_keys() -> list[tuple[str, str, bool]]:
    """(section, key, is_array_of_tables) as the committed markdown shows them."""
    import re

    found, section, array = [], "", False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## `\[(\[?)([a-z_]+)\]?\]`", line)
        if heading:
            array, section = heading.group(1) == "[", heading.group(2)
            continue
        row = re.match(r"\| `([a-z_0-9]+)` \|", line)
        if row and section:
            found.append((section, row.group(1), array))
    return found


def test_every_key_the_reference_shows_is_read_by_the_loader_and_no_other_is() -> None:
    """Issue 22: the reference and the loader agree, key by key. Each documented key is given
    a value in the minimal config: the loader may dislike the value, never the key; a key the
    reference does not show is refused as unknown."""
    from breakglass_gui.core.config import parse_config
    from breakglass_gui.core.errors import ConfigError

    documented = _documented_keys()
    assert len(documented) == len([k for k in keys() if "." in k])

    def problems(section: str, key: str, array: bool) -> list[str]:
        data = _minimal()
        value = "x"
        if array:
            data.setdefault(section, [{}])[0][key] = value
        else:
            data.setdefault(section, {})[key] = value
        try:
            parse_config(data)
        except ConfigError as exc:
            return list(exc.problems)
        return []

    for section, key, array in documented:
        unknown = [p for p in problems(section, key, array) if "unknown key" in p]
        assert unknown == [], (section, key)
    for section, _, array in {(s, "", a) for s, _, a in documented}:
        assert any("unknown key" in p for p in problems(section, "no_such_key", array)), section
