"""Reusable UI pieces: the shared layout, the profile form, the local sign-in card."""
