"""/undo and /edit over Telegram: the real python-telegram-bot Application against the fake Bot API."""

from __future__ import annotations

from dialogs.messages import Address
from tests.telegram.conftest import Runner, onboard


def address(runner: Runner) -> Address:
    return Address("telegram", str(runner.chat_id), str(runner.user_id))


async def test_undo_and_edit_by_buttons(api, make_adapter, store) -> None:  # type: ignore[no-untyped-def]
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await onboard(ann)
    await ann.say("ran 5 km in 30 min on grass, easy, no pain")
    await ann.say("ran 9 km yesterday in 50 min on grass, easy, no pain")
    assert "filed under" in ann.text
    await ann.say("/edit")
    runs = [label for label in ann.labels if "9.0 km" in label]
    assert len(runs) == 1, ann.labels
    await ann.tap(runs[0])
    await ann.tap("Distance")
    await ann.say("8 km")
    assert "Changed." in ann.text and "8.0 km" in ann.text
    await ann.say("/undo")
    assert "Remove your last logged run?" in ann.text and "8.0 km" in ann.text
    await ann.tap("Yes, remove it")
    assert "Removed:" in ann.text
    assert [r.distance_km for r in store.recent_runs(address(ann))] == [5.0]
    await ann.say("/history")
    assert "8.0 km" not in ann.text and "5.0 km" in ann.text
