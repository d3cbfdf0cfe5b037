"""Help → About and Help → Operator guide (issue 19, item 7): the version, where the config
and the journal are, what the app is built from under which licences; the guide, offline."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from breakglass_gui import __version__
from breakglass_gui.core.resources import guide_path, resource_path


def _menu_action(d: Any, text: str) -> Any:
    for menu_action in d.window.menuBar().actions():
        for action in menu_action.menu().actions():
            if action.text().replace("&", "") == text:
                return action
    raise AssertionError(f"no menu item {text!r}")


def _opened(d: Any, name: str) -> Any:
    d.wait(lambda: any(w.objectName() == name for w in QApplication.topLevelWidgets()))
    return next(w for w in QApplication.topLevelWidgets() if w.objectName() == name)


def test_about_says_version_paths_and_licences(gui: Any) -> None:
    example = resource_path("example-config.toml")
    d = gui(config_path=example)
    d.wait(lambda: d.current.name == "emergency")
    _menu_action(d, "About Break Glass").trigger()
    about = _opened(d, "about-dialog")
    facts = {k: v.text() for k, v in about.facts.items()}
    assert facts["Version"] == __version__
    assert facts["Configuration"] == str(example)
    assert facts["Journal"] == str(d.ctl.options.journal_path(False))
    table = about.licences
    listed = {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}
    assert listed["breakglass-gui"] == "LicenseRef-Proprietary"
    assert "LGPL-3.0" in listed["PySide6-Essentials"] and listed["boto3"] == "Apache-2.0"
    assert all(listed.values())
    about.close()


def test_the_operator_guide_opens_inside_the_app(gui: Any) -> None:
    d = gui(config_path=resource_path("example-config.toml"))
    d.wait(lambda: d.current.name == "emergency")
    _menu_action(d, "Operator guide").trigger()
    guide = _opened(d, "guide-dialog")
    first_heading = next(
        line.lstrip("# ").strip()
        for line in guide_path().read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    )
    assert first_heading in guide.text.toPlainText()
    guide.close()
