"""Break Glass: guided, audited emergency access to AWS (see SPEC.md)."""

__version__ = "0.1.0"
