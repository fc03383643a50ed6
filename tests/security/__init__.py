"""Hostile-input tests: every one must be refused, none may crash."""
