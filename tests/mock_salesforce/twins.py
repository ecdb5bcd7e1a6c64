"""Two orgs started alike, for tests that write the same records a fast way into one (``org``)
and the one-by-one way into the other (``twin``, a fixture of this directory's conftest) and
compare results and stored rows."""
from datetime import datetime, timezone

from mock_salesforce.backend import dml

#: The Contact fields both tests write: text, date, references, a boolean, a picklist.
FIELDS = ["FirstName", "LastName", "Email", "Birthdate", "AccountId", "ReportsToId", "DoNotCall",
          "MailingGeocodeAccuracy", "Title"]
WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def arrange(org) -> str:
    """The same starting point in either org: ids from 1000, a frozen clock, one Account."""
    org.clock.set(WHEN, frozen=True)
    org.seed_ids(1000)
    return dml.create(org, org.sobject("Account"), {"Name": "Acme"}, org.first_user_id())
