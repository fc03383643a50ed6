"""Reconcile: the safety net that brings the ``user`` table back in line with Clerk.

``python -m clerk_app.reconcile [--dry-run]`` or, from code,
``await reconcile(api, session_factory)``. See :mod:`.core` for the algorithm
and :mod:`.cli` for where it connects.
"""

from .cli import main
from .core import Action, Change, Reconciler, Report, reconcile
from .orgs import OrgCounts

__all__ = ["Action", "Change", "OrgCounts", "Reconciler", "Report", "main", "reconcile"]
