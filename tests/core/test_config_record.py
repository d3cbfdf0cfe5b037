"""core/config/model.py's `Record`: the model's equality, hashing and repr are written once
instead of generated per class (the cold start, docs/rules.md §13); they must be exactly what
`@dataclass(frozen=True)` would generate. Each class is compared with its twin made by
dataclasses itself, over the objects of the shipped example configuration."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from breakglass_gui.core.config import load_config, model
from breakglass_gui.core.resources import resource_path

MODEL_CLASSES = {
    c for c in vars(model).values() if isinstance(c, type) and issubclass(c, model.Record)
} - {model.Record}


def _records(value: Any, found: dict[type, Any]) -> None:
    if isinstance(value, model.Record):
        found.setdefault(type(value), value)
        for name in (f.name for f in dataclasses.fields(value)):  # type: ignore[arg-type]
            _records(getattr(value, name), found)
    elif isinstance(value, tuple | list):
        for item in value:
            _records(item, found)


def _examples() -> dict[type, Any]:
    found: dict[type, Any] = {}
    _records(load_config(resource_path("example-config.toml")), found)
    return found


def test_every_model_class_is_a_frozen_record() -> None:
    assert len(MODEL_CLASSES) == 17
    for cls in MODEL_CLASSES:
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen and not params.eq and not params.repr, cls
    assert set(_examples()) == MODEL_CLASSES  # the example configuration uses every class


@pytest.mark.parametrize("cls", sorted(MODEL_CLASSES, key=lambda c: c.__name__), ids=str)
def test_equality_hash_and_repr_are_what_dataclasses_generates(cls: type) -> None:
    record = _examples()[cls]
    names = [f.name for f in dataclasses.fields(cls)]
    twin_type = dataclasses.make_dataclass(cls.__name__, names, frozen=True)
    twin = twin_type(**{name: getattr(record, name) for name in names})
    assert repr(record) == repr(twin)
    assert hash(record) == hash(twin)
    same = dataclasses.replace(record)
    assert same == record and hash(same) == hash(record) and same is not record
    assert record != twin and record.__eq__(twin) is NotImplemented
    for name in names:  # any one field differing makes it unequal, as the generated __eq__
        value = getattr(record, name)
        other = not value if isinstance(value, bool) else (None if value else 1)
        assert dataclasses.replace(record, **{name: other}) != record, name
