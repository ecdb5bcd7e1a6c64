"""Fixtures of the conformance tests: an unmodified simple-salesforce client on the HTTPS mock."""
import pytest


@pytest.fixture
def sf(salesforce_org):
    """A logged-in simple-salesforce client."""
    return salesforce_org.client()


@pytest.fixture
def org(salesforce_org):
    """The mock's backend org (to load many records fast)."""
    return salesforce_org.registry.default_org
