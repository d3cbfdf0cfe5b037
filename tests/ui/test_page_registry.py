"""The pages are registered by class, each under its own name, and no widget of the app
overrides a Qt method that Qt does not call virtually (a Python override of a non-virtual
method is silently skipped whenever Qt calls it from C++)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from breakglass_gui import ui
from breakglass_gui.ui.pages import PAGES
from breakglass_gui.ui.pages.base import Page
from tests.support.fresh_python import run_python


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_page_is_registered_under_its_own_name(name: str) -> None:
    page_type = PAGES[name]()
    assert issubclass(page_type, Page) and page_type.name == name


# Qt's virtual functions the app overrides on purpose (C++ calls them through the vtable):
# every *Event handler, QRunnable.run, QDialog.done, QSortFilterProxyModel.filterAcceptsRow,
# QObject.eventFilter.
VIRTUAL = {"run", "done", "filterAcceptsRow", "eventFilter"}


def _overrides() -> list[str]:
    found = []
    for info in pkgutil.walk_packages(ui.__path__, "breakglass_gui.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            qt = [b for b in cls.__mro__[1:] if b.__module__.startswith("PySide6")]
            for attr, value in vars(cls).items():
                if attr.startswith("_") or not callable(value):
                    continue
                if any(attr in vars(base) for base in qt):
                    found.append(f"{cls.__module__}.{cls.__qualname__}.{attr}")
    return found


def test_no_widget_overrides_a_non_virtual_qt_method(qapp: object) -> None:
    overrides = _overrides()
    assert overrides, "the scan finds the event handlers the app does override"
    non_virtual = [
        o for o in overrides if not (o.endswith("Event") or o.rsplit(".", 1)[1] in VIRTUAL)
    ]
    assert non_virtual == []


def test_the_warm_up_creates_no_qt_type_on_its_worker() -> None:
    """The warm-up runs on a worker; a page module defines Qt subclasses, and creating a Qt
    type there while the GUI thread runs Qt once crashed the app (Shiboken's type creation).
    In a fresh interpreter: the warm-up imports no page module."""
    code = """
import sys
from types import SimpleNamespace
from breakglass_gui.ui.app import warm_up
deps = SimpleNamespace(
    network=SimpleNamespace(ssl_context=lambda: None),
    aws=SimpleNamespace(warm_up=lambda services, region: None),
    config=SimpleNamespace(organisation=SimpleNamespace(region="eu-west-1")),
    directory=SimpleNamespace(accounts=lambda: ()),
    approvals=None,
)
pages = lambda: {m for m in sys.modules if m.startswith("breakglass_gui.ui.pages.")}
before = pages()
warm_up(deps)
assert "hvac" in sys.modules  # the warm-up did run
print(sorted(pages() - before))
"""
    run = run_python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
