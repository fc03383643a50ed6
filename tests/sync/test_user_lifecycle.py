"""The account fields of the user sync: banned, locked, last sign-in, public metadata."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clerk_app.clerk.users import clerk_user_data, user_from_claims
from clerk_app.sync import SyncOutcome, delete_user, is_current, sync_user_outcome
from tests.support.database import migrated, row, run
from tests.support.factories import clerk_user, updated


@pytest.fixture
def url(database_url):
    with migrated(database_url) as url:
        yield url


def test_the_account_fields_are_stored_and_secrets_never(url):
    clerk = clerk_user(
        banned=True,
        locked=True,
        last_sign_in_at=1_767_225_600_000,
        public_metadata={"plan": "pro", "seats": [1, 2]},
        private_metadata={"stripe": "cus_secret"},
        unsafe_metadata={"role": "admin"},
    )
    assert run(url, sync_user_outcome, clerk).outcome is SyncOutcome.CREATED
    stored = row(url, clerk["id"])
    assert (stored.banned, stored.locked) == (True, True)
    assert stored.last_sign_in_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert stored.public_metadata == {"plan": "pro", "seats": [1, 2]}
    assert "cus_secret" not in repr(stored.__dict__) and "admin" not in str(stored.public_metadata)


def test_older_data_changes_no_account_field(url):
    clerk = clerk_user(banned=False, public_metadata={"v": 1})
    run(url, sync_user_outcome, clerk)
    newer = updated(clerk, banned=True, public_metadata={"v": 2})
    assert run(url, sync_user_outcome, newer).outcome is SyncOutcome.UPDATED
    assert run(url, sync_user_outcome, clerk).outcome is SyncOutcome.IGNORED_STALE
    stored = row(url, clerk["id"])
    assert (stored.banned, stored.public_metadata) == (True, {"v": 2})


def test_a_payload_without_them_keeps_them(url):
    """Session claims never carry these fields: a sync from claims must not erase them."""
    clerk = clerk_user(banned=True, locked=True, public_metadata={"plan": "pro"})
    run(url, sync_user_outcome, clerk)
    claims = {"email": clerk["email_addresses"][0]["email_address"], "first_name": "New"}
    rebuilt = user_from_claims(clerk["id"], {**claims, "updated_at": clerk["updated_at"] + 5})
    assert run(url, sync_user_outcome, rebuilt).outcome is SyncOutcome.UPDATED
    stored = row(url, clerk["id"])
    assert stored.first_name == "New"
    assert (stored.banned, stored.locked, stored.public_metadata) == (True, True, {"plan": "pro"})
    assert stored.last_sign_in_at is not None


def test_a_change_of_an_account_field_alone_is_an_update(url):
    clerk = clerk_user(locked=False)
    run(url, sync_user_outcome, clerk)
    stored = row(url, clerk["id"]).__dict__
    same_time_locked = {**clerk, "locked": True}
    assert not is_current(stored, same_time_locked)
    assert is_current(stored, clerk)
    assert run(url, sync_user_outcome, same_time_locked).outcome is SyncOutcome.UPDATED


def test_the_tombstone_clears_public_metadata(url):
    clerk = clerk_user(public_metadata={"plan": "pro"})
    run(url, sync_user_outcome, clerk)
    run(url, delete_user, clerk["id"])
    stored = row(url, clerk["id"])
    assert stored.public_metadata == {} and stored.last_sign_in_at is None
    late = updated(clerk, public_metadata={"plan": "back"})
    assert run(url, sync_user_outcome, late).outcome is SyncOutcome.IGNORED_DELETED
    assert row(url, clerk["id"]).public_metadata == {}


@pytest.mark.parametrize(
    "metadata",
    [["a", "list"], "text", {"big": "x" * 9000}, {"nan": float("nan")}],
    ids=["list", "string", "over 8 KiB", "NaN"],
)
def test_malformed_public_metadata_is_refused(metadata):
    with pytest.raises(ValueError):
        clerk_user_data(clerk_user(public_metadata=metadata))


def test_odd_lifecycle_values_are_read_as_absent():
    data = clerk_user_data(clerk_user(banned="yes", locked=1, last_sign_in_at="today"))
    assert (data.banned, data.locked, data.last_sign_in_at) == (None, None, None)
