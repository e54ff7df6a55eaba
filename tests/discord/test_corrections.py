"""/undo and the coaching buttons over Discord: the real discord.py adapter against the fake Discord."""

from __future__ import annotations

from dialogs.messages import Address
from storage.repository import SqlStore
from tests.discord.conftest import DmRunner, onboard


async def test_undo_and_the_next_run_in_plan_by_dm(runner: DmRunner, store: SqlStore) -> None:
    await onboard(runner)
    address = Address("discord", runner.channel_id, runner.user["id"])
    await runner.say("ran 5 km in 30 min on grass, easy, no pain")
    await runner.say("ran 9 km in 54 min on grass, easy, no pain")
    assert "Single-run check" in runner.text  # 80% past the 30-day longest
    await runner.say("/undo")
    await runner.tap("Yes, remove it")
    assert "Removed:" in runner.text
    assert [r.distance_km for r in store.recent_runs(address)] == [5.0]
    await runner.say("/plan next 9 km")
    assert "is 80% past your longest run of the last 30 days (5.0 km)" in runner.text
