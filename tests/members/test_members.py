"""The app's use cases against a real (SQLite) database and a counting Backend API.

/welcome makes exactly one Backend API call, or none when the session token carries
the custom claims; a failed sync writes nothing; /members reads Clerk's current
fields and falls back to the stored copy when Clerk cannot be reached; a save is
validated first and only touches the caller's row.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clerk_app import db, i18n, members, services
from clerk_app.clerk.api import ClerkAPIError
from clerk_app.profile import check_form, form_values, stored_values
from clerk_emulator import clerk_claims
from tests.support.database import migrated, row, rows, session_scope
from tests.support.reflex_states import emulator


class CountingAPI:
    """Stands in for ClerkAPI: serves the emulator's users, counts calls, can fail."""

    def __init__(self, emu, error: Exception | None = None) -> None:
        self.emu, self.error, self.calls = emu, error, 0
        #: ``GET /v1/users/{id}/organization_memberships`` calls (the user has none here).
        self.membership_calls = 0

    async def get_user(self, user_id: str) -> dict:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.emu.get_user(user_id)

    async def get_user_organization_memberships(self, user_id: str) -> list:
        self.membership_calls += 1
        return []


@pytest.fixture
def database(sqlite_database_url, use_database):
    with migrated(sqlite_database_url) as url:
        use_database(url)
        yield url


@pytest.fixture
def emu():
    with emulator() as emu:
        yield emu


@pytest.fixture
def api(emu, monkeypatch):
    api = CountingAPI(emu)
    monkeypatch.setattr(services, "get_clerk_api", lambda: api)
    return api


@pytest.fixture
def user(emu):
    return emu.create_user("ada@example.com", first_name="Ada", last_name="Lovelace")


def _claims(user: dict) -> dict:
    return {"sub": user["id"], "sid": "sess_1", "exp": 0}


async def test_welcome_sync_makes_exactly_one_backend_api_call(database, api, user):
    profile = await members.sync_account(user["id"], _claims(user))
    assert api.calls == 1
    assert api.membership_calls == 1  # a first sign-in lists the user's memberships once
    assert (profile.email, profile.first_name, profile.theme) == ("ada@example.com", "Ada", "light")
    await members.sync_account(user["id"], _claims(user))  # reload: idempotent
    assert len(rows(database)) == 1
    assert api.membership_calls == 1  # nothing changed: no second listing


async def test_welcome_sync_from_custom_claims_makes_no_call(database, api, user):
    claims = {**_claims(user), **clerk_claims(user)}
    profile = await members.sync_account(user["id"], claims)
    assert api.calls == 0
    assert api.membership_calls == 1  # the first sign-in still lists the memberships
    assert profile.email == "ada@example.com" and profile.last_name == "Lovelace"
    assert row(database, user["id"]).clerk_updated_at == user["updated_at"]


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (ClerkAPIError("down"), "err_clerk_unreachable"),
        (ClerkAPIError("slow down", status=429), "err_clerk_rate_limited"),
    ],
)
async def test_a_failed_sync_writes_nothing(database, api, user, error, key):
    api.error = error
    with pytest.raises(members.AccountError) as raised:
        await members.sync_account(user["id"], _claims(user))
    assert raised.value.key == key
    assert rows(database) == []


async def test_a_user_without_email_is_refused_and_nothing_written(database, api, emu):
    bare = emu.create_user(None, username="no_mail")
    with pytest.raises(members.AccountError) as raised:
        await members.sync_account(bare["id"], _claims(bare))
    assert raised.value.key == "err_no_email"
    assert rows(database) == []


async def test_database_down_is_reported_as_such(api, user, use_database):
    use_database("postgresql://nobody@127.0.0.1:1/nothing")
    with pytest.raises(members.AccountError) as raised:
        await members.sync_account(user["id"], _claims(user))
    assert raised.value.key == "err_database"


async def test_a_schema_left_behind_is_named_not_reported_as_unavailable(
    api, user, sqlite_database_url, use_database
):
    use_database(sqlite_database_url)  # reachable, never migrated
    form = check_form({"bio": "hello"})
    for use_case in (
        members.sync_account(user["id"], _claims(user)),
        members.load_member(user["id"], _claims(user)),
        members.save_profile(user["id"], form),
    ):
        with pytest.raises(members.AccountError) as raised:
            await use_case
        assert raised.value.key == "err_schema_behind"
    assert "schéma de la base de données n'est pas à jour" in i18n.text("fr", "err_schema_behind")
    assert "database schema is not up to date" in i18n.text("en", "err_schema_behind")
    await db.get_async_engine(sqlite_database_url).dispose()  # on this loop, before it closes
    db.dispose_engines()


async def test_members_shows_clerk_changes_on_the_next_visit(database, api, emu, user):
    await members.sync_account(user["id"], _claims(user))
    emu.update_user(user["id"], first_name="Augusta")
    profile, current = await members.load_member(user["id"], _claims(user))
    assert current and profile.first_name == "Augusta" and api.calls == 2
    assert row(database, user["id"]).first_name == "Augusta"


async def test_members_visit_with_unchanged_clerk_data_writes_nothing(database, api, user):
    """The common visit is one read: Clerk's data has not moved, so no upsert runs
    (``synced_at`` would move with one)."""
    first = await members.sync_account(user["id"], _claims(user))
    before = row(database, user["id"])
    profile, current = await members.load_member(user["id"], _claims(user))
    assert current and profile == first
    after = row(database, user["id"])
    assert (after.synced_at, after.updated_at) == (before.synced_at, before.updated_at)


async def test_members_visit_resyncs_a_row_that_lost_its_email(database, api, user):
    """Same Clerk data, but the stored email was released to another account: synced."""
    await members.sync_account(user["id"], _claims(user))
    with session_scope(database) as session:
        session.execute(
            sa.text('UPDATE "user" SET email = NULL WHERE clerk_id = :id'), {"id": user["id"]}
        )
    profile, _ = await members.load_member(user["id"], _claims(user))
    assert profile.email == "ada@example.com"
    assert row(database, user["id"]).email == "ada@example.com"


async def test_members_falls_back_to_the_stored_copy_when_clerk_is_down(database, api, user):
    await members.sync_account(user["id"], _claims(user))
    api.error = ClerkAPIError("down")
    profile, current = await members.load_member(user["id"], _claims(user))
    assert not current and profile.email == "ada@example.com"


async def test_save_profile_validates_then_updates_only_that_user(database, api, emu, user):
    other = emu.create_user("bob@example.com")
    await members.sync_account(user["id"], _claims(user))
    await members.sync_account(other["id"], _claims(other))

    saved, errors = await members.save_profile(
        user["id"], check_form({"website": "javascript:alert(1)", "bio": "kept?"})
    )
    assert saved is None and errors == {"website": "invalid_url"}
    assert row(database, user["id"]).bio is None

    form = check_form({"bio": "Analyst", "twitter": "@ada", "github": "https://github.com/ada"})
    saved, errors = await members.save_profile(user["id"], form)
    assert errors == {} and saved.twitter == "ada" and saved.github == "ada"
    assert saved.email_notifications is False  # the unticked checkbox
    assert row(database, other["id"]).bio is None
    assert await members.load_preferences(user["id"]) == ("light", "fr")


@pytest.fixture
def any_database(database_url, use_database):
    """SQLite and PostgreSQL: the guarded save's ``IS NOT DISTINCT FROM`` differs in SQL."""
    with migrated(database_url) as url:
        use_database(url)
        yield url


async def test_two_tabs_saving_different_fields_keep_both(any_database, api, user):
    """A guarded save writes only the fields this tab changed: another tab's are kept."""
    start = await members.sync_account(user["id"], _claims(user))
    shown, expected = form_values(start), stored_values(start)
    tab1 = check_form({**shown, "company": "Tab One Inc"})
    tab2 = check_form({**shown, "location": "Tab Two City"})
    await members.save_profile(user["id"], tab1, shown=shown, expected=expected)
    saved, _ = await members.save_profile(user["id"], tab2, shown=shown, expected=expected)
    assert (saved.company, saved.location) == ("Tab One Inc", "Tab Two City")
    stored = row(any_database, user["id"])
    assert (stored.company, stored.location) == ("Tab One Inc", "Tab Two City")


async def test_the_same_field_changed_in_two_tabs_is_refused_not_overwritten(
    any_database, api, user
):
    start = await members.sync_account(user["id"], _claims(user))
    shown, expected = form_values(start), stored_values(start)
    await members.save_profile(
        user["id"], check_form({**shown, "bio": "first"}), shown=shown, expected=expected
    )
    with pytest.raises(members.ProfileChanged) as refused:
        await members.save_profile(
            user["id"],
            check_form({**shown, "bio": "second", "company": "Also typed"}),
            shown=shown,
            expected=expected,
        )
    assert refused.value.current.bio == "first"
    stored = row(any_database, user["id"])
    assert (stored.bio, stored.company) == ("first", None)  # nothing of the refused save

    # The user keeps their version: the save expects what is stored now, and lands.
    rebased = stored_values(refused.value.current)
    saved, _ = await members.save_profile(
        user["id"],
        check_form({**shown, "bio": "second", "company": "Also typed"}),
        shown=shown,
        expected=rebased,
    )
    assert (saved.bio, saved.company) == ("second", "Also typed")


async def test_a_save_that_changes_nothing_writes_nothing(database, api, user):
    start = await members.sync_account(user["id"], _claims(user))
    shown, expected = form_values(start), stored_values(start)
    before = row(database, user["id"]).updated_at
    saved, errors = await members.save_profile(
        user["id"], check_form(dict(shown)), shown=shown, expected=expected
    )
    assert errors == {} and saved.updated_at == start.updated_at
    assert row(database, user["id"]).updated_at == before
