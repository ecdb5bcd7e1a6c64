"""Unmodified simple-salesforce Bulk API 2.0 queries against the real threaded server over TLS."""
import csv
import io

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mock_salesforce.backend import dml_batch

WAIT = 0.05  # simple-salesforce sleeps this long before its first poll (its default is 5 s)


@pytest.fixture
def three_thousand(org):
    return dml_batch.bulk_create(org, org.sobject("Contact"),
                           [{"LastName": f"L{n:04d}", "Email": f"c{n}@example.com"}
                            for n in range(3000)], org.first_user_id(), audit=True)


def parse(page: str, delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(page, newline=""), delimiter=delimiter))


def test_query_pages_by_max_records(sf, three_thousand):
    pages = list(sf.bulk2.Contact.query("SELECT Id, LastName FROM Contact", max_records=1000,
                                        wait=WAIT))
    assert len(pages) == 3
    records = [record for page in pages for record in parse(page)]
    assert sorted(r["Id"] for r in records) == sorted(three_thousand)
    assert records[0].keys() == {"Id", "LastName"}


def test_query_all_includes_deleted_records(sf, three_thousand):
    for record_id in three_thousand[:5]:
        sf.Contact.delete(record_id)
    query = "SELECT Id, IsDeleted FROM Contact"
    live = [r for page in sf.bulk2.Contact.query(query, wait=WAIT) for r in parse(page)]
    every = [r for page in sf.bulk2.Contact.query_all(query, wait=WAIT) for r in parse(page)]
    assert len(live) == 2995 and {r["IsDeleted"] for r in live} == {"false"}
    assert len(every) == 3000
    assert {r["Id"] for r in every if r["IsDeleted"] == "true"} == set(three_thousand[:5])


def test_download_writes_one_file_per_page(sf, three_thousand, tmp_path):
    results = sf.bulk2.Contact.download("SELECT Id FROM Contact", str(tmp_path),
                                        max_records=2000, wait=WAIT)
    assert [r["number_of_records"] for r in results] == [2000, 1000]
    ids = [row["Id"] for r in results for row in parse(open(r["file"], encoding="utf-8").read())]
    assert sorted(ids) == sorted(three_thousand)


def test_delimiter_and_line_ending_round_trip(sf, org):
    dml_batch.bulk_create(org, org.sobject("Contact"), [{"LastName": 'Pipe|"quoted"\nname'}],
                    org.first_user_id(), audit=True)
    pages = list(sf.bulk2.Contact.query("SELECT LastName FROM Contact", column_delimiter="PIPE",
                                        line_ending="CRLF", wait=WAIT))
    assert pages[0].endswith("\r\n")
    assert parse(pages[0], "|") == [{"LastName": 'Pipe|"quoted"\nname'}]


def test_unsupported_query_is_refused_at_job_creation(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        list(sf.bulk2.Account.query("SELECT Id, (SELECT Id FROM Contacts) FROM Account",
                                    wait=WAIT))
    assert caught.value.content[0]["errorCode"] == "API_ERROR"
