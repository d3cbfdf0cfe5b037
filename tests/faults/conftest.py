"""The fault matrix uses the procedure world (tests/fakes/world.py) and the GUI drill fixture."""

from tests.e2e.conftest import gui  # noqa: F401 - the GUI drill fixture, shared
