"""Demo ideas: replaced by the full demo organisation below."""


def seed() -> None:
    """Nothing yet."""
