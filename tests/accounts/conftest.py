"""Fixtures of the account tests.

oidc_provider   this worker's real OpenID Connect provider (tests/oidc_provider.py), started once
"""

from tests.oidc_provider import oidc_provider  # noqa: F401 - a fixture, registered by importing it
