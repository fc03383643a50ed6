"""The framework's ceiling: a Reflex app with one trivial event handler (bench only).

``bench/events.py`` starts it exactly like the real app (``reflex run --env prod
--backend-only``) and measures it in the same run, so every figure of ours has a
baseline taken on the same machine, under the same load, minutes apart.
"""

import reflex as rx

config = rx.Config(
    app_name="ceiling_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[],
)
