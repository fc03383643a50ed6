"""Reflex states: thin layers that call services, sync and the data functions.

``auth`` holds the only source of "who is this" (a verified session token) and the
guard every data handler goes through; ``ui`` holds the current language and theme (and
the read-only auth configuration the frontend needs);
page states live in their own modules and ask ``auth`` for the user id.
"""
