"""Salesforce ids: generation, checksum, 15 → 18 conversion."""
import pytest

from mock_salesforce.backend import ids


def test_known_id_gets_salesforce_checksum():
    assert ids.to18("001D000000IqhSL") == "001D000000IqhSLIAZ"


def test_generated_ids_are_18_characters_with_prefix_and_valid_checksum():
    value = ids.make_id("003", 12345)
    assert len(value) == 18 and value.startswith("003") and ids.is_valid(value)


def test_generated_ids_sort_in_creation_order():
    values = [ids.make_id("003", n) for n in (1, 61, 62, 3843, 3844, 10**9)]
    assert values == sorted(values)


def test_15_character_id_is_valid_and_converts_to_its_18_form():
    value = ids.make_id("001", 77)
    assert ids.is_valid(value[:15]) and ids.to18(value[:15]) == value


def test_wrong_checksum_is_invalid():
    value = ids.make_id("001", 77)
    assert not ids.is_valid(value[:15] + "ZZZ")


@pytest.mark.parametrize("bad", ["", "001", "001D000000IqhSL!", "001D000000IqhSLIAZX", None, 42])
def test_malformed_ids_are_rejected(bad):
    assert not ids.is_valid(bad)


def test_to18_raises_on_malformed_id():
    with pytest.raises(ValueError):
        ids.to18("nope")


@pytest.mark.parametrize("number", [0, 1, 61, 62, 3_843, 1_000_000_007, ids.MAX_NUMBER - 1])
def test_record_number_reads_back_what_make_id_wrote(number):
    assert ids.record_number(ids.make_id("003", number)) == number


@pytest.mark.parametrize("first, count", [(0, 5), (3_840, 10), (3_844 * 3_844 - 3, 8),
                                          (1_000, 9_000), (ids.MAX_NUMBER - 3, 3)])
def test_make_ids_are_the_ids_make_id_gives_one_by_one(first, count):
    assert ids.make_ids("a0B", first, count) == \
        [ids.make_id("a0B", number) for number in range(first, first + count)]
