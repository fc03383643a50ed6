"""One state, one trivial handler: what Reflex itself costs per event."""

import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.text(CounterState.count)


app = rx.App()
app.add_page(index, route="/")
