"""One module per page; each exposes ``page()`` and is registered in ``clerk_app.clerk_app``."""
