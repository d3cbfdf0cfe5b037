"""Drivers and checks for the real widgets, used by the tests, bench/ and scripts/ — never by
the app (the bundle leaves tests/ out)."""
