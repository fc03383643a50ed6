"""``/organizations/[slug]``: one organization's page, for its members."""

from clerk_app.pages.organizations.page import page

__all__ = ["page"]
