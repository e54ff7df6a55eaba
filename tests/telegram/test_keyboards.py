"""What Telegram draws besides text: the share-location button and the command menus."""

from __future__ import annotations

from bot.commands import engine_commands
from dialogs.messages import Address, Button, Reply, rows
from tests.telegram.conftest import Runner, onboard

ANN = 701


async def test_a_reply_that_asks_for_a_location_offers_a_one_time_location_button_then_takes_it_away(
    api, make_adapter
) -> None:  # type: ignore[no-untyped-def]
    adapter = await make_adapter()
    ann = Runner(api, adapter, ANN)
    await onboard(ann)
    address = Address("telegram", str(ANN), str(ANN))
    await adapter.send(address, [Reply(text="Where are you? Share your location or type a city.", asks_location=True)])
    markup = api.sent(ANN)[-1].params["reply_markup"]
    [[button]] = markup["keyboard"]
    assert button["request_location"] is True and markup["one_time_keyboard"] is True
    assert api.reply_keyboards.get(ANN)

    await ann._turn(lambda: api.share_location(ANN, 48.8566, 2.3522))  # Paris
    assert api.sent(ANN)[-1].params.get("reply_markup", {}).get("remove_keyboard") is True
    assert ANN not in api.reply_keyboards  # the location button is gone after use

    await adapter.send(address, [Reply(text="Pick one", buttons=rows([Button("A", "a"), Button("B", "b")]),
                                       asks_location=True)])  # fmt: skip
    assert "inline_keyboard" in api.sent(ANN)[-1].params["reply_markup"]  # the question's own buttons come first


async def test_the_command_menus_are_set_at_start_from_the_engines_commands(api, make_adapter) -> None:  # type: ignore[no-untyped-def]
    await make_adapter()
    menus = {c.params["scope"]["type"]: c.params["commands"] for c in api.calls_of("setMyCommands")}
    private = [command["command"] for command in menus["all_private_chats"]]
    assert private == list(engine_commands())  # every command the engine answers, in its order
    assert all(1 <= len(command["description"]) <= 256 and command["description"] != f"/{command['command']}"
               for command in menus["all_private_chats"])  # fmt: skip  (each has real wording)
    group = [command["command"] for command in menus["all_group_chats"]]
    assert "clubrun" in group and "help" in group and "forget" not in group
