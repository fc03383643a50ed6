"""``python -m clerk_app.reconcile``."""

import sys

from .cli import main

sys.exit(main())
