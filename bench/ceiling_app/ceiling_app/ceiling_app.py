"""One state, one trivial handler: what Reflex itself costs per event.

``/`` has no ``on_load``; ``/loaded`` runs the same trivial handler as its ``on_load``,
so a client-side navigation there costs what any page load costs the framework
(``on_load_internal`` plus one chained handler) and nothing else.
"""

import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.text(CounterState.count, id="count")


app = rx.App()
app.add_page(index, route="/")
app.add_page(index, route="/loaded", on_load=CounterState.increment)
