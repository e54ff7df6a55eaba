"""A hostile run file uploaded on Telegram never stalls the other runners.

Through the real python-telegram-bot Application and the fake Bot API (the
upload is a getFile plus a file download there). Before run files were read in
a worker process, gpxpy held the bot's GIL for 75 s on the 1 MB ` xmlns` file
and another runner's /help waited that long.
"""

from __future__ import annotations

import time

import pytest

from dialogs import imports, runfile_worker
from tests.runfile_makers import make_fit, slow_gpx
from tests.telegram.conftest import Runner, onboard

ANSWER_WITHIN_S = 2.0
HOSTILE = {
    "slow-gpx": ("evil.gpx", lambda: slow_gpx(1_000_000), "damaged"),
    # about 2 s of reading: still being read when the other runner asks
    "long-fit": ("long.fit", lambda: make_fit(km=30, minutes=1000, records=60_000), "From your FIT file"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_other_runners_are_answered_while_a_file_is_read(
    api, make_adapter, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "LIMITS", runfile_worker.Limits(wall_s=60))  # a busy CI core must not refuse it
    name, make, expected = HOSTILE[case]
    adapter = await make_adapter()
    ann, bob = Runner(api, adapter, user_id=501), Runner(api, adapter, user_id=502)
    await onboard(ann)
    await onboard(bob)
    content = make()
    mark = len(api.calls)
    await api.send_file(ann.user_id, name, content)
    await api.wait_for(lambda: any(c.method == "download" for c in api.calls[mark:]))  # now being read
    began = time.monotonic()
    await bob.say("/help")
    waited = time.monotonic() - began
    assert "/checkin" in bob.text
    assert waited < ANSWER_WITHIN_S, f"/help took {waited:.2f} s while {name} was read"

    def to_ann() -> list[str]:
        return [c.text for c in api.calls[mark:] if c.method == "sendMessage" and c.chat_id == ann.user_id]

    await api.wait_for(lambda: bool(to_ann()), timeout=15)
    reply = "\n".join(to_ann())
    assert expected in reply
    assert "wrong on my side" not in reply
