"""``/members``: the merged profile (Clerk's fields, our fields) and the form."""

from clerk_app.pages.members.page import page

__all__ = ["page"]
