"""The lock store of the production profile: Rasa's Redis lock store, made safe across replicas.

Rasa keeps, per conversation, a queue of tickets in one Redis key; each message takes a
ticket and is processed when its ticket is first, so one conversation's messages are
processed one at a time, in order, whichever replica receives them. Rasa 3.6's
``RedisLockStore`` updates that key by read-modify-write (GET, change, SET) without
making the three steps atomic. Inside one replica that is harmless (the steps never
yield to the event loop), but two replicas updating the same conversation's queue at the
same moment can lose a ticket: a message is then processed alongside another one, or
waits for a ticket that no one will release until it expires.

A second flaw: a ticket's lifetime (``TICKET_LOCK_LIFETIME``, 60 s) runs from the moment
it is issued, also while its message waits. When a replica dies holding a ticket, the
message nginx re-sends to another replica takes the next ticket a moment later; both
expire together, and Rasa's waiting loop, finding its own ticket gone but the key still
there, waits for ever.

``ClinicRedisLockStore`` is Rasa's class with both fixed:

- each read-modify-write (issuing a ticket, dropping expired ones, finishing) is done
  under a short Redis mutex per conversation (redis-py's ``Lock``: ``SET NX PX`` and a
  token-checked release);
- a waiting message renews its own ticket at every poll (a live process keeps its place;
  only a dead one's ticket expires), puts it back in its place if it expired, and gets a
  full lifetime from the moment it is served.

The tickets, their format, their keys and the lifetime setting are Rasa's own.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# A mutex is held for a few Redis round trips; these bounds only matter if Redis stalls.
MUTEX_TIMEOUT = 5.0  # seconds before a holder that died releases it
MUTEX_WAIT = 10.0  # seconds to wait for it before giving up (LockError)
MUTEX_POLL = 0.005


class ClinicRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore with atomic ticket updates; see the module docstring."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _mutex_key(self, conversation_id: str) -> str:
        # The ticket key is "<prefix>lock:<id>"; "<prefix>lockmutex:<id>" can never equal one.
        return self.key_prefix.rstrip(":") + "mutex:" + conversation_id

    def _mutex(self, conversation_id: str) -> Any:
        return self.red.lock(
            self._mutex_key(conversation_id),
            timeout=MUTEX_TIMEOUT,
            sleep=MUTEX_POLL,
            blocking_timeout=MUTEX_WAIT,
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._mutex(conversation_id):
                return super().issue_ticket(conversation_id, lock_lifetime)
        except LockError:
            raise
        except Exception as exc:  # redis-py's LockError and connection errors
            raise LockError(f"Error while acquiring lock: {type(exc).__name__}") from exc

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        while True:
            with self._mutex(conversation_id):
                lock = self.get_lock(conversation_id) or self.create_lock(conversation_id)
                lock.remove_expired_tickets()
                renewed = time.time() + LOCK_LIFETIME
                mine = next((t for t in lock.tickets if t.number == ticket), None)
                if mine is None:  # expired while this live process waited: back in its place
                    tickets = [*lock.tickets, Ticket(ticket, renewed)]
                    lock.tickets = deque(sorted(tickets, key=lambda t: t.number))
                else:
                    mine.expires = renewed
                self.save_lock(lock)
                if not lock.is_locked(ticket):
                    return lock
            await asyncio.sleep(wait_time_in_seconds)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
