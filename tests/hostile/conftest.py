"""A real incident's review (tests/core/test_review.py), for the hostile-content properties."""

from tests.core.test_review import review  # noqa: F401 - the shared fixture
