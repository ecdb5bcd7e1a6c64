"""Fixtures shared by the syncer's tests: a CDP on the storage under test and a data source."""
import pytest

from syncer.cdp import CDP


@pytest.fixture
def cdp(db_url):
    """A fresh CDP (SQLite, and PostgreSQL when SF_TEST_POSTGRES_URL is set)."""
    store = CDP(db_url)
    yield store
    store.close()


@pytest.fixture
def source(cdp):
    """A Salesforce data source in it."""
    return cdp.create_data_source("Salesforce A", org_id="00DA")
