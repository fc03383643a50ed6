"""sync_user / delete_user / update_profile on SQLite and PostgreSQL (migrated databases)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from clerk_app import db
from clerk_app.models import ProcessedWebhook, User, UserPublic
from clerk_app.profile import ProfileUpdate
from clerk_app.sync import (
    SyncOutcome,
    UserWithoutEmail,
    clerk_user_data,
    delete_user,
    sync_user,
    sync_user_outcome,
)
from clerk_app.sync.upsert import _resolve_conflicts  # the slow path, for a race
from clerk_app.webhooks import claim_webhook
from tests.support.database import migrated, row, rows, run, session_scope, update_profile
from tests.support.factories import clerk_user, updated, with_email

APP_FIELDS = {
    "bio": "Mathematician",
    "company": "Analytical Engines",
    "job_title": "Programmer",
    "location": "London",
    "website": "https://ada.example.com",
    "twitter": "ada",
    "linkedin": "https://linkedin.com/in/ada",
    "github": "ada",
    "email_notifications": False,
    "theme": "dark",
    "language": "en",
}


@pytest.fixture
def url(database_url):
    with migrated(database_url) as url:
        yield url


def outcome(url, clerk_user_json):
    result = run(url, sync_user_outcome, clerk_user_json)
    return result.outcome, result.user


# -- creating and updating ---------------------------------------------------------------


def test_first_sync_creates_the_row_from_clerk_data(url):
    clerk = clerk_user(email="Ada@Example.COM ", first_name="Ada", username="ada_l")
    result, user = outcome(url, clerk)
    assert result is SyncOutcome.CREATED
    assert user.clerk_id == clerk["id"]
    assert user.email == "ada@example.com"
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert user.image_url == clerk["image_url"]
    assert user.username == "ada_l"
    assert user.clerk_updated_at == clerk["updated_at"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{21}", user.id) and user.id != clerk["id"]
    for stamp in (user.created_at, user.updated_at, user.synced_at):
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
    assert (user.theme, user.language, user.email_notifications) == ("light", "fr", True)
    stored = row(url, clerk["id"])
    assert stored.email == "ada@example.com" and stored.created_at.tzinfo is not None


def test_sync_user_accepts_keyword_arguments_and_returns_the_row(url):
    clerk = clerk_user()
    with session_scope(url) as session:
        user = sync_user(session=session, clerk_user=clerk)
        assert isinstance(user, User) and user in session  # persistent, no reload needed
    assert row(url, clerk["id"]).id == user.id


def test_the_primary_address_is_used_not_the_first(url):
    clerk = clerk_user(emails=["old@example.com", "primary@example.com"], primary=1)
    _, user = outcome(url, clerk)
    assert user.email == "primary@example.com"


@pytest.mark.parametrize(
    "overrides",
    [
        {"emails": [], "primary": None},
        {"emails": ["a@example.com"], "primary": None},
        {"emails": ["a@example.com"], "primary_email_address_id": "idn_unknown"},
        {"emails": ["   "]},
        {"emails": ["not-an-address"]},
    ],
    ids=["no-address", "no-primary", "primary-missing", "blank", "no-at"],
)
def test_no_usable_primary_address_raises_and_writes_nothing(url, overrides):
    with pytest.raises(UserWithoutEmail):
        run(url, sync_user, clerk_user(**overrides))
    assert rows(url) == []


def test_an_existing_user_without_address_is_left_unchanged(url):
    clerk = clerk_user(first_name="Ada")
    run(url, sync_user, clerk)
    later = updated(clerk, first_name="Changed", email_addresses=[], primary_email_address_id=None)
    with pytest.raises(UserWithoutEmail):
        run(url, sync_user, later)
    assert row(url, clerk["id"]).first_name == "Ada"


def test_outcomes_created_updated_unchanged(url):
    clerk = clerk_user()
    assert outcome(url, clerk)[0] is SyncOutcome.CREATED
    assert outcome(url, clerk)[0] is SyncOutcome.UNCHANGED
    assert outcome(url, updated(clerk, last_name="Byron"))[0] is SyncOutcome.UPDATED
    # Newer updated_at, same stored fields: unchanged, and the newer stamp is recorded.
    result, user = outcome(url, updated(clerk, last_name="Byron", delta_ms=5000))
    assert result is SyncOutcome.UNCHANGED
    assert user.clerk_updated_at == clerk["updated_at"] + 5000


def test_unchanged_sync_keeps_updated_at_and_moves_synced_at(url):
    clerk = clerk_user()
    _, first = outcome(url, clerk)
    _, second = outcome(url, clerk)
    assert second.updated_at == first.updated_at
    assert second.synced_at > first.synced_at
    _, third = outcome(url, updated(clerk, first_name="Augusta"))
    assert third.updated_at > first.updated_at and third.first_name == "Augusta"


def test_clerk_fields_follow_clerk_including_cleared_ones(url):
    clerk = clerk_user(first_name="Ada", image_url="https://img/1")
    run(url, sync_user, clerk)
    _, user = outcome(url, updated(clerk, first_name=None, image_url="https://img/2"))
    assert user.first_name is None and user.image_url == "https://img/2"


def test_sync_never_touches_app_managed_fields(url):
    clerk = clerk_user()
    run(url, sync_user, clerk)
    run(url, update_profile, clerk["id"], ProfileUpdate(**APP_FIELDS))
    later = updated(clerk, first_name="Augusta", username="countess")
    result, user = outcome(url, later)
    assert result is SyncOutcome.UPDATED and user.first_name == "Augusta"
    assert {field: getattr(user, field) for field in APP_FIELDS} == APP_FIELDS


def test_a_session_object_already_loaded_is_refreshed(url):
    clerk = clerk_user(first_name="Ada")
    run(url, sync_user, clerk)
    with session_scope(url) as session:
        loaded = session.scalars(sa.select(User).where(User.clerk_id == clerk["id"])).one()
        returned = sync_user(session, updated(clerk, first_name="Augusta"))
        assert returned is loaded and loaded.first_name == "Augusta"


def test_the_returned_user_is_a_clean_persistent_orm_object(url):
    clerk = clerk_user()
    with session_scope(url) as session:
        user = sync_user(session, clerk)
        state = sa.inspect(user)
        assert state.persistent and not session.dirty and not session.new
        assert UserPublic.from_user(user).email == user.email
        before = user.updated_at
        user.bio = "edited through the ORM"  # the ORM tracks it like any loaded object
    stored = row(url, clerk["id"])
    assert stored.bio == "edited through the ORM"
    assert stored.updated_at > before  # maintained automatically on ORM updates too


def test_delete_refreshes_a_user_loaded_in_the_session(url):
    clerk = clerk_user()
    run(url, sync_user, clerk)
    with session_scope(url) as session:
        loaded = session.scalars(sa.select(User).where(User.clerk_id == clerk["id"])).one()
        delete_user(session, clerk["id"])
        assert loaded.deleted_at is not None and loaded.email is None


# -- ordering: stale data and tombstones -------------------------------------------------


def test_older_data_changes_nothing(url):
    clerk = clerk_user(first_name="Old")
    newer = updated(clerk, first_name="New")
    run(url, sync_user, newer)
    result, user = outcome(url, clerk)
    assert result is SyncOutcome.IGNORED_STALE
    assert user.first_name == "New" and user.clerk_updated_at == newer["updated_at"]
    assert row(url, clerk["id"]).first_name == "New"


def test_a_replay_of_the_same_data_is_unchanged(url):
    clerk = clerk_user()
    run(url, sync_user, clerk)
    assert outcome(url, dict(clerk))[0] is SyncOutcome.UNCHANGED
    assert len(rows(url)) == 1


def test_delete_tombstones_anonymises_and_releases(url):
    clerk = clerk_user(email="ada@example.com", username="ada")
    run(url, sync_user, clerk)
    run(url, update_profile, clerk["id"], ProfileUpdate(**APP_FIELDS))
    run(url, delete_user, clerk["id"])
    tomb = row(url, clerk["id"])
    assert tomb.deleted_at is not None and tomb.deleted_at is not None
    for field in ("email", "username", "first_name", "last_name", "image_url"):
        assert getattr(tomb, field) is None, field
    for field in ("bio", "company", "job_title", "location", "website", "twitter", "linkedin"):
        assert getattr(tomb, field) is None, field
    assert tomb.github is None
    assert (tomb.theme, tomb.language, tomb.email_notifications) == ("light", "fr", True)


def test_no_update_resurrects_a_deleted_user_whatever_its_timestamp(url):
    clerk = clerk_user()
    run(url, sync_user, clerk)
    run(url, delete_user, clerk["id"])
    for later in (clerk, updated(clerk, delta_ms=10**9, first_name="Back")):
        result, user = outcome(url, later)
        assert result is SyncOutcome.IGNORED_DELETED
        assert user.deleted_at is not None and user.email is None and user.first_name is None
    assert row(url, clerk["id"]).deleted_at is not None


def test_delete_before_create_still_wins(url):
    clerk = clerk_user()
    run(url, delete_user, clerk["id"])  # user.deleted delivered first
    assert row(url, clerk["id"]).deleted_at is not None
    assert outcome(url, clerk)[0] is SyncOutcome.IGNORED_DELETED
    assert len(rows(url)) == 1 and rows(url)[0].email is None


def test_delete_twice_changes_nothing(url):
    clerk = clerk_user()
    run(url, sync_user, clerk)
    run(url, delete_user, clerk["id"])
    first = row(url, clerk["id"])
    run(url, delete_user, clerk["id"])
    second = row(url, clerk["id"])
    assert (second.deleted_at, second.updated_at) == (first.deleted_at, first.updated_at)


# -- usernames ---------------------------------------------------------------------------


def test_username_is_derived_from_the_email_when_clerk_has_none(url):
    _, user = outcome(url, clerk_user(email="John.Doe+news@Example.com"))
    assert user.username == "john_doe"
    _, accented = outcome(url, clerk_user(email="élodie-é@example.com"))
    assert accented.username == "elodie_e"
    _, odd = outcome(url, clerk_user(email="...@example.com"))
    assert odd.username == "user"
    _, long = outcome(url, clerk_user(email=("x" * 60) + "@example.com"))
    assert re.fullmatch(r"[a-z0-9_]{1,31}", long.username)


def test_same_local_part_on_two_domains_both_sync(url):
    first = outcome(url, clerk_user(email="john@a.com"))
    second = outcome(url, clerk_user(email="john@b.com"))
    third = outcome(url, clerk_user(email="john@c.com"))
    assert [result for result, _ in (first, second, third)] == [SyncOutcome.CREATED] * 3
    names = [user.username for _, user in (first, second, third)]
    assert names == ["john", "john_2", "john_3"]


def test_derived_usernames_go_random_after_nine(url):
    names = [outcome(url, clerk_user(email=f"sam@d{n}.com"))[1].username for n in range(11)]
    assert names[:9] == ["sam"] + [f"sam_{n}" for n in range(2, 10)]
    assert all(re.fullmatch(r"sam_[a-z0-9]{6}", name) for name in names[9:])
    assert len(set(names)) == 11


def test_a_user_keeps_their_username_when_clerk_has_none(url):
    clerk = clerk_user(email="ada@example.com", username="countess")
    run(url, sync_user, clerk)
    _, user = outcome(url, updated(clerk, username=None, first_name="Augusta"))
    assert user.username == "countess"
    # Even when the email changes, the derived fallback is not recomputed.
    _, user = outcome(url, with_email(updated(clerk, username=None), "zed@example.com"))
    assert user.username == "countess" and user.email == "zed@example.com"


def test_clerk_username_is_lowercased_and_followed(url):
    clerk = clerk_user(username="Ada_L")
    assert outcome(url, clerk)[1].username == "ada_l"
    assert outcome(url, updated(clerk, username="lovelace"))[1].username == "lovelace"


def test_a_clerk_username_wins_over_another_rows_derived_one(url):
    john = clerk_user(email="john@a.com")
    run(url, sync_user, john)  # derived "john"
    other = clerk_user(email="someone@b.com", username="john")
    result, user = outcome(url, other)
    assert result is SyncOutcome.CREATED and user.username == "john"
    renamed = row(url, john["id"]).username
    assert re.fullmatch(r"john_[a-z0-9]{6}", renamed)
    assert row(url, john["id"]).email == "john@a.com"


def test_a_stale_clerk_username_is_released_to_its_new_owner(url):
    a = clerk_user(username="handle")
    run(url, sync_user, a)
    # A renamed themselves in Clerk (not synced yet); B took "handle".
    b = clerk_user(username="handle", updated_at=a["updated_at"] + 10)
    assert outcome(url, b)[1].username == "handle"
    # A's next sync brings their current Clerk username.
    _, user_a = outcome(url, updated(a, username="new_handle", delta_ms=20))
    assert user_a.username == "new_handle"
    assert row(url, b["id"]).username == "handle"


def test_a_renamed_holder_keeps_its_new_name_when_clerk_has_none(url):
    a = clerk_user(email="ann@example.com", username="shared")
    run(url, sync_user, a)
    run(url, sync_user, clerk_user(username="shared", updated_at=a["updated_at"] + 1))
    # A no longer has a Clerk username; the row's renamed one is kept.
    _, user = outcome(url, updated(a, username=None, delta_ms=5))
    assert user.username.startswith("shared_")


# -- emails held by other rows -----------------------------------------------------------


def test_a_recreated_account_with_the_same_email_syncs(url):
    old = clerk_user(email="ada@example.com", username="ada")
    run(url, sync_user, old)
    run(url, delete_user, old["id"])
    new = clerk_user(email="ada@example.com", username="ada", updated_at=old["updated_at"] + 1)
    result, user = outcome(url, new)
    assert result is SyncOutcome.CREATED
    assert (user.email, user.username) == ("ada@example.com", "ada")
    assert row(url, old["id"]).deleted_at is not None


def test_a_live_row_holding_a_stale_email_releases_it(url):
    # The old account was deleted in Clerk but user.deleted never reached us.
    old = clerk_user(email="ada@example.com")
    run(url, sync_user, old)
    new = clerk_user(email="ada@example.com", updated_at=old["updated_at"] + 1)
    result, user = outcome(url, new)
    assert result is SyncOutcome.CREATED and user.email == "ada@example.com"
    stale = row(url, old["id"])
    assert stale.email is None and not stale.deleted_at is not None  # address released, row kept
    # Its next data (its current address) fills it back in.
    _, again = outcome(url, with_email(old, "ada.old@example.com", delta_ms=5))
    assert again.email == "ada.old@example.com"


def test_an_email_moved_between_live_users_follows_the_newest_data(url):
    a = clerk_user(email="a@example.com")
    b = clerk_user(email="b@example.com", updated_at=a["updated_at"])
    run(url, sync_user, a)
    run(url, sync_user, b)
    # A moves to a new address and B takes A's old one; B's update arrives first.
    b2 = with_email(b, "a@example.com", delta_ms=20)
    a2 = with_email(a, "a2@example.com", delta_ms=10)
    assert outcome(url, b2)[1].email == "a@example.com"
    assert row(url, a["id"]).email is None
    assert outcome(url, a2)[1].email == "a2@example.com"
    assert row(url, b["id"]).email == "a@example.com"


def test_an_older_claim_on_an_email_does_not_steal_it(url):
    a = clerk_user(email="a@example.com")
    run(url, sync_user, updated(a, delta_ms=100))  # A holds the address as of t+100
    # B's data from t+50 says B had it: that claim is older, so B's address is unknown.
    b = clerk_user(email="a@example.com", updated_at=a["updated_at"] + 50)
    result, user = outcome(url, b)
    assert result is SyncOutcome.CREATED and user.email is None
    assert row(url, a["id"]).email == "a@example.com"


def test_stale_data_releases_nothing(url):
    a = clerk_user(email="a@example.com")
    b = clerk_user(email="b@example.com", updated_at=a["updated_at"])
    run(url, sync_user, a)
    run(url, sync_user, updated(b, delta_ms=100))
    # An old payload of B that claimed A's address is ignored entirely.
    result, _ = outcome(url, with_email(b, "a@example.com", delta_ms=50))
    assert result is SyncOutcome.IGNORED_STALE
    assert row(url, a["id"]).email == "a@example.com"
    assert row(url, b["id"]).email == "b@example.com"


def test_a_deleted_users_data_releases_nothing(url):
    a = clerk_user(email="a@example.com")
    b = clerk_user(email="b@example.com")
    run(url, sync_user, a)
    run(url, delete_user, b["id"])
    result, _ = outcome(url, with_email(b, "a@example.com", delta_ms=10**6))
    assert result is SyncOutcome.IGNORED_DELETED
    assert row(url, a["id"]).email == "a@example.com"


def test_a_conflict_keeps_the_callers_earlier_work(url):
    """The slow path must not roll back what the caller did before in the same transaction."""
    run(url, sync_user, clerk_user(email="john@a.com"))
    newcomer = clerk_user(email="john@b.com")
    with session_scope(url) as session:
        assert claim_webhook(session, "msg_1", "user.created")
        result = sync_user_outcome(session, newcomer)
        assert result.outcome is SyncOutcome.CREATED and result.user.username == "john_2"
    assert row(url, newcomer["id"]).username == "john_2"
    with db.new_session(url) as session:
        assert session.get(ProcessedWebhook, "msg_1") is not None


def test_a_conflict_in_an_outer_savepoint_is_resolved(url):
    """The reconcile command wraps each sync in its own SAVEPOINT."""
    run(url, sync_user, clerk_user(email="john@a.com"))
    users = [clerk_user(email="john@b.com"), clerk_user(email="john@c.com")]
    with session_scope(url) as session:
        for clerk in users:
            with session.begin_nested():
                sync_user(session, clerk)
    assert sorted(row(url, clerk["id"]).username for clerk in users) == ["john_2", "john_3"]


def test_a_rolled_back_sync_leaves_nothing(url):
    clerk = clerk_user()
    with db.new_session(url) as session:
        sync_user(session, clerk)
        session.rollback()
    assert row(url, clerk["id"]) is None


# -- profile updates ---------------------------------------------------------------------


def test_update_profile_sets_only_the_given_fields(url):
    clerk = clerk_user()
    run(url, sync_user, clerk)
    run(url, update_profile, clerk["id"], ProfileUpdate(bio="Hello", theme="dark"))
    user = run(url, update_profile, clerk["id"], ProfileUpdate(company="ACME"))
    assert (user.bio, user.theme, user.company, user.language) == ("Hello", "dark", "ACME", "fr")
    cleared = run(url, update_profile, clerk["id"], ProfileUpdate(bio=None))
    assert cleared.bio is None and cleared.company == "ACME"
    assert cleared.email == row(url, clerk["id"]).email  # Clerk fields untouched


def test_update_profile_refuses_unknown_and_deleted_users(url):
    clerk = clerk_user()
    run(url, sync_user, clerk)
    run(url, delete_user, clerk["id"])
    assert run(url, update_profile, clerk["id"], ProfileUpdate(bio="x")) is None
    assert run(url, update_profile, "user_unknown", ProfileUpdate(bio="x")) is None
    assert row(url, clerk["id"]).bio is None


def test_user_public_hides_bookkeeping(url):
    _, user = outcome(url, clerk_user())
    public = UserPublic.from_user(user).model_dump()
    assert public["email"] == user.email and public["synced_at"] == user.synced_at
    assert not {"clerk_id", "clerk_updated_at", "deleted_at"} & public.keys()


# -- webhook idempotency -----------------------------------------------------------------


def test_the_slow_path_rechecks_staleness(url):
    """Between a failed fast attempt and the retry, newer data may have landed: release nothing."""
    a = clerk_user(email="a@example.com")
    b = clerk_user(email="b@example.com", updated_at=a["updated_at"])
    run(url, sync_user, a)
    run(url, sync_user, updated(b, delta_ms=100))
    stale_b = with_email(b, "a@example.com", delta_ms=50)
    with session_scope(url) as session:
        result = _resolve_conflicts(session, clerk_user_data(stale_b), datetime.now(UTC))
    assert result.outcome is SyncOutcome.IGNORED_STALE
    assert row(url, a["id"]).email == "a@example.com"
