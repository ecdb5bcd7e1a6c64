"""Sequences the convergence property found, shrunk and kept (issue 15): each ends with the
incremental CDP compared with a fresh sync of the same org."""
from __future__ import annotations

import pytest

from .harness import History, Org, Pair, assert_converges


@pytest.fixture
def org(salesforce_org):
    return Org(salesforce_org)


def pair_for(salesforce_org, strategy="overwrite", key="previous-key-empty"):
    return Pair(salesforce_org, strategy, key)


@pytest.mark.parametrize("key", ["previous-key-empty", "any-key"])
@pytest.mark.parametrize("same", ["Email", "Phone"])
def test_a_deleted_contacts_organization_does_not_come_back_with_a_new_contact(
        salesforce_org, org, key, same):
    # Rule 17 through deletes and restores: the person archived with the deleted contact kept
    # its organisation, and a new contact with the same email (without email, the same phone)
    # and no Account restored that person with the deleted contact's organisation.
    pair, history = pair_for(salesforce_org, key=key), History()
    try:
        account = org.create("Account", {"Name": "Acme"})
        values = {"Email": "ann@example.org"} if same == "Email" else {"Phone": "+61400000001"}
        first = org.create("Contact", {"LastName": "Lee", "AccountId": account, **values})
        pair.poll()
        org.delete("Contact", first)
        pair.poll()
        org.advance(61)
        org.create("Contact", {"LastName": "Lee", **values})
        pair.poll()
        assert_converges(pair, history)
    finally:
        pair.close()
