"""core/paths.py computes the XDG directories itself on Linux (platformdirs' import is off the
desktop start): it must answer what platformdirs' Unix rules answer, in every case the
specification names. The tests play Linux wherever they run (the rules are platformdirs' Unix
class, which any platform can ask)."""

from __future__ import annotations

from pathlib import Path

import pytest
from platformdirs.unix import Unix

from breakglass_gui.core import paths

XDG = Unix(paths.APP, appauthor=False)


@pytest.fixture(autouse=True)
def _linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths.sys, "platform", "linux")


CASES = {
    "defaults": {},
    "absolute variables": {"XDG_DATA_HOME": "/srv/op/data", "XDG_CONFIG_HOME": "/srv/op/conf/"},
    "relative variables are ignored": {"XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "./conf"},
    "empty variables": {"XDG_DATA_HOME": "", "XDG_CONFIG_HOME": ""},
    "no HOME": {"HOME": None},
    "a relative HOME": {"HOME": "somewhere"},
}


@pytest.mark.parametrize("env", CASES.values(), ids=CASES.keys())
def test_the_directories_are_platformdirs_own(
    env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", "/home/operator")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    assert paths.data_dir() == Path(XDG.user_data_dir)
    assert paths.config_dir() == Path(XDG.user_config_dir)
    assert paths.data_dir().is_absolute() and paths.config_dir().is_absolute()


def test_the_variables_move_the_directories(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/op/data")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/srv/op/conf")
    assert paths.default_journal() == Path("/srv/op/data/breakglass/journal.sqlite3")
    assert paths.default_config() == Path("/srv/op/conf/breakglass/config.toml")
