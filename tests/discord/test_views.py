"""The button view: persistent custom ids and Discord's row limits."""

from __future__ import annotations

from bot.discord.views import PayloadButton, build_view
from dialogs.messages import Button, Reply


async def test_custom_ids_carry_the_payload_and_match_the_template() -> None:
    reply = Reply(text="Pain?", buttons=((Button("4", "a12:4"), Button("5", "a12:5")),))
    view = build_view(reply)
    assert view is not None and view.timeout is None
    [row] = view.to_components()
    assert [c["custom_id"] for c in row["components"]] == ["bs:a12:4", "bs:a12:5"]
    match = PayloadButton.__discord_ui_compiled_template__.fullmatch("bs:x:routine:warmup")
    assert match is not None and match["payload"] == "x:routine:warmup"


async def test_more_than_five_rows_are_reflowed_into_five() -> None:
    layout = tuple((Button(f"{r}-{c}", f"p{r}{c}"), Button(f"{r}+{c}", f"q{r}{c}")) for r in range(6) for c in [0])
    reply = Reply(text="Pick one", buttons=layout)  # 6 rows of 2: valid neutrally, too many rows for Discord
    view = build_view(reply)
    assert view is not None
    rows = view.to_components()
    assert len(rows) <= 5 and all(len(r["components"]) <= 5 for r in rows)
    labels = [c["label"] for r in rows for c in r["components"]]
    assert labels == [b.label for b in reply.flat_buttons]


async def test_no_buttons_no_view() -> None:
    assert build_view(Reply(text="hi")) is None
