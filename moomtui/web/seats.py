"""The seats of ``moomtui serve``: which visitor holds which session, how many each may
hold, and waiting for one to be given back.

A seat is a session: at most ``max_sessions`` in all and ``seats_per_client`` for one
visitor's address (:func:`~.visitors.client_key`). A page reloaded, or opened again, asks
for a seat while its old page's session is still stopping — the browser lets the old page
go once the new one is in, and its process takes a few tenths of a second to end — so a
request for a seat waits up to :data:`SEAT_GRACE` seconds for one to be given back before
it is refused.
"""

from __future__ import annotations

import asyncio
from typing import Generic, Protocol, TypeVar

SEAT_GRACE = 3.0
"""How long a session asked for while every seat it may take is in use waits for one to be
given back before it is refused."""


class Held(Protocol):
    """A session, as the seats see it."""

    number: int
    client: str


S = TypeVar("S", bound=Held)


class SeatKeeper(Generic[S]):
    """The seat keeping of :class:`~.server.MoomServer` (a base class of it), over its
    sessions of type ``S``."""

    sessions: dict[int, S]
    max_sessions: int
    seats_per_client: int

    def keep_seats(self, max_sessions: int, seats_per_client: int) -> None:
        self.max_sessions = max_sessions
        self.seats_per_client = seats_per_client
        self.sessions = {}
        self.stopping = False
        """Set once the server stops its sessions: no new one starts after."""
        self._seat_freed = asyncio.Event()

    def seats_of(self, client: str) -> int:
        return sum(1 for session in self.sessions.values() if session.client == client)

    def has_seat(self, client: str) -> bool:
        return len(self.sessions) < self.max_sessions and (
            self.seats_of(client) < self.seats_per_client
        )

    async def wait_for_seat(self, client: str) -> None:
        """Wait up to :data:`SEAT_GRACE` seconds for a seat ``client`` may take. Returns at
        once when there is one, or when the server stops; the caller checks again."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SEAT_GRACE
        while not self.stopping and not self.has_seat(client):
            left = deadline - loop.time()
            if left <= 0:
                return
            try:
                await asyncio.wait_for(self._seat_freed.wait(), left)
            except TimeoutError:
                return

    def give_back_seat(self, session: S) -> None:
        del self.sessions[session.number]
        freed, self._seat_freed = self._seat_freed, asyncio.Event()
        freed.set()  # every waiter looks again
