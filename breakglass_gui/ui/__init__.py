"""The PySide6 skin over the core (wizard, session window, models, workers).

Nothing here holds a rule of the procedure: the core decides, the UI shows. The import-linter
contracts in pyproject.toml keep the dependency one-way (the core never imports this package).
"""
