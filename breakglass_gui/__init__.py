"""Break Glass: guided, audited emergency access to AWS (see docs/rules.md and
docs/architecture.md)."""

__version__ = "0.1.0"
