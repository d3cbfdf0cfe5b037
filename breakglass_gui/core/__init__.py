"""The break-glass procedure, free of Qt: every rule lives here and is tested without a display."""
