"""The production lock store against the real Redis: Rasa's tickets, safe across replicas."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from bot.rasa.lock_store import ClinicRedisLockStore


@pytest.fixture
def stores(redis_url: str, redis_prefix: str) -> list[ClinicRedisLockStore]:
    """Two lock stores on the same Redis: two replicas."""
    parts = urlsplit(redis_url)
    db = int(parts.path.strip("/") or 0)
    return [
        ClinicRedisLockStore(
            host=parts.hostname, port=parts.port or 6379, db=db, key_prefix=redis_prefix
        )
        for _ in range(2)
    ]


def test_replicas_issuing_tickets_at_once_never_share_one(stores):
    conversation = "tickets-at-once"

    def issue(i: int) -> int:
        return stores[i % 2].issue_ticket(conversation, 30)

    with ThreadPoolExecutor(max_workers=16) as pool:
        tickets = list(pool.map(issue, range(200)))
    assert sorted(tickets) == list(range(min(tickets), min(tickets) + 200))
    assert len(stores[0].get_lock(conversation).tickets) == 200
    stores[0].delete_lock(conversation)


def test_message_waiting_behind_a_dead_replica_gets_the_lock(stores):
    """A dead replica's ticket and the re-sent message's ticket expire together: the waiting
    message must still be served (Rasa 3.6 would wait for ever)."""
    conversation = "dead-holder"
    stores[0].issue_ticket(conversation, 1.0)  # the replica that died holding the lock
    mine = stores[1].issue_ticket(conversation, 1.0)  # the re-sent message, a moment later

    async def acquire() -> None:
        lock = await asyncio.wait_for(stores[1]._acquire_lock(conversation, mine, 0.2), 15)
        assert lock.now_serving == mine
        stores[1].cleanup(conversation, mine)

    asyncio.run(acquire())
    assert stores[0].get_lock(conversation) is None  # nothing left behind
