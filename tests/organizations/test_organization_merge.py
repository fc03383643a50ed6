"""Two admins, one organization: the form's three-way merge (SQLite and PostgreSQL).

Each admin's page remembers what its form showed (``shown``) and the stored values it
came from (``expected``). A save writes only the fields that admin edited, each only
while no one else changed it; a field changed meanwhile keeps the other admin's value
and is reported (``CHANGED_ELSEWHERE``), the admin's other edits still land.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clerk_app import organizations as orgs
from clerk_app.members import AccountError
from tests.organizations.test_organizations import _org, _run, world  # noqa: F401
from tests.support.organizations import ADMIN_ROLE, add_member, add_user


@pytest.fixture
def admins(world):  # noqa: F811
    """Ada and Zoe, both admins of Acme, each with the page as it loaded."""
    w, _ = world
    zoe = add_user(w["url"], "Zoe")
    add_member(w["url"], w["acme"], zoe, ADMIN_ROLE)
    pages = {}
    for name, clerk_id in (("ada", w["ada"].clerk_id), ("zoe", zoe.clerk_id)):
        view = _run(orgs.load_organization("acme", clerk_id, None))
        pages[name] = {
            "id": clerk_id,
            "shown": orgs.form_values(view),
            "expected": orgs.stored_values(view),
        }
    return w, pages


def _save(page: dict, **typed: str):
    """Submit the whole form as it stands: what was shown, with ``typed`` over it."""
    form = {**page["shown"], **typed}
    return _run(
        orgs.save_organization(
            "acme", page["id"], None, form, shown=page["shown"], expected=page["expected"]
        )
    )


def _stored(url: str) -> tuple[str | None, str | None, object]:
    org = _org(url, "acme")
    return org.description, org.website, org.updated_at


def test_edits_to_different_fields_both_land(admins):
    w, pages = admins
    view, errors = _save(pages["zoe"], website="zoe.example")
    assert errors == {} and view.website == "https://zoe.example"
    # Ada's page still shows the old website: her save must not write it back.
    view, errors = _save(pages["ada"], description="Anvils")
    assert errors == {}
    assert (view.description, view.website) == ("Anvils", "https://zoe.example")
    assert _stored(w["url"])[:2] == ("Anvils", "https://zoe.example")


def test_the_same_field_is_refused_for_that_field_only(admins):
    w, pages = admins
    _save(pages["zoe"], description="Zoe's words")
    view, errors = _save(pages["ada"], description="Ada's words", website="ada.example")
    assert errors == {"description": orgs.CHANGED_ELSEWHERE}
    # Zoe's description stays; Ada's website, which nobody else touched, lands.
    assert (view.description, view.website) == ("Zoe's words", "https://ada.example")
    assert _stored(w["url"])[:2] == ("Zoe's words", "https://ada.example")


def test_a_save_whose_every_field_was_changed_meanwhile_writes_nothing(admins):
    w, pages = admins
    _save(pages["zoe"], description="Zoe's words")
    before = _stored(w["url"])
    view, errors = _save(pages["ada"], description="Ada's words")
    assert errors == {"description": orgs.CHANGED_ELSEWHERE}
    assert view.description == "Zoe's words"
    assert _stored(w["url"]) == before  # updated_at included


def test_saving_again_from_the_stored_values_replaces_them_deliberately(admins):
    w, pages = admins
    _save(pages["zoe"], description="Zoe's words")
    view, _ = _save(pages["ada"], description="Ada's words")
    # What the page does after the refusal: it now expects the stored values.
    pages["ada"]["expected"] = orgs.stored_values(view)
    _, errors = _save(pages["ada"], description="Ada's words")
    assert errors == {} and _stored(w["url"])[0] == "Ada's words"


def test_the_same_value_typed_by_both_is_no_conflict(admins):
    _w, pages = admins
    _save(pages["zoe"], website="https://same.example")
    view, errors = _save(pages["ada"], website="same.example")
    assert errors == {} and view.website == "https://same.example"


def test_an_unedited_form_writes_nothing_and_a_member_is_still_refused(admins):
    w, pages = admins
    before = _stored(w["url"])
    view, errors = _save(pages["ada"])
    assert errors == {} and view.description == "Rockets"
    assert _stored(w["url"]) == before
    bob = _run(orgs.load_organization("acme", w["bob"].clerk_id, None))
    shown = orgs.form_values(bob)
    with pytest.raises(AccountError) as refused:
        _run(
            orgs.save_organization(
                "acme",
                w["bob"].clerk_id,
                None,
                shown,
                shown=shown,
                expected=orgs.stored_values(bob),
            )
        )
    assert refused.value.key == orgs.NOT_ADMIN


def test_a_member_cannot_write_through_the_guarded_statement(admins):
    w, pages = admins
    bob = {**pages["ada"], "id": w["bob"].clerk_id}
    with pytest.raises(AccountError) as refused:
        _save(bob, description="pwned")
    assert refused.value.key == orgs.NOT_ADMIN
    assert _stored(w["url"])[0] == "Rockets"


def test_the_guarded_statement_is_one_update(admins):
    from clerk_app.organizations import statements

    stmt = statements.save_statement(("description", "website"), True)
    sql = str(stmt.compile(dialect=sa.dialects.postgresql.dialect()))
    assert sql.count("UPDATE organization") == 1 and "IS NOT DISTINCT FROM" in sql
