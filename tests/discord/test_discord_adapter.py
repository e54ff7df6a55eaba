"""End to end: the real discord.py against a fake Discord, driving the real engine on SQLite."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.discord.adapter import COMMANDS, OPEN_DMS, SENT_TO_DM, slash_specs
from bot.outbound import Delivery
from dialogs.engine import GROUP_HANDLERS, PASSED, PRIVATE_COMMANDS
from dialogs.messages import Address, Button, ChatKind, Reply, Visibility, rows
from storage.repository import SqlStore
from tests.discord.conftest import DmRunner, StartAdapter, make_settings, onboard
from tests.discord.fake_discord import EPHEMERAL, MANAGE_GUILD, FakeDiscord, buttons


def _ephemeral_texts(fake: FakeDiscord, token: str) -> list[str]:
    texts = []
    for response in fake.responses.get(token, []):
        message = response.get("message")
        if message is not None:
            assert message["flags"] & EPHEMERAL, f"not ephemeral: {message['content']!r}"
            texts.append(message["content"])
    return texts


async def _answered(fake: FakeDiscord, token: str) -> list[str]:
    await fake.wait_for(lambda: any(r.get("message") for r in fake.responses.get(token, [])))
    return _ephemeral_texts(fake, token)


# Start-up.


async def test_start_uses_minimal_intents_and_syncs_every_engine_command_to_the_guild(fake: FakeDiscord, adapter) -> None:
    assert fake.identify is not None
    assert fake.identify["intents"] == (1 << 0) | (1 << 12)  # GUILDS | DIRECT_MESSAGES, no message content
    assert "fake-discord-token" not in str(fake.identify.get("properties"))
    synced = {c["name"] for c in fake.commands[fake.guild_id]}
    assert synced == set(PRIVATE_COMMANDS) | set(GROUP_HANDLERS) == set(slash_specs())
    assert synced <= set(COMMANDS), f"give these a description in COMMANDS: {synced - set(COMMANDS)}"
    clubrun = next(c for c in fake.commands[fake.guild_id] if c["name"] == "clubrun")
    assert clubrun["options"][0]["name"] == "args" and clubrun["options"][0]["required"] is False


async def test_without_a_guild_id_commands_sync_globally(fake: FakeDiscord, start_adapter: StartAdapter) -> None:
    await start_adapter(make_settings())
    assert {c["name"] for c in fake.commands["global"]} == set(slash_specs())
    assert fake.guild_id not in fake.commands


# DMs.


async def test_dm_checkin_by_buttons(runner: DmRunner, store: SqlStore) -> None:
    await onboard(runner)
    assert "All set, Ann" in runner.text
    await runner.say("/checkin")
    await runner.say("8 km")
    await runner.say("45 min")
    await runner.tap("Road / concrete")
    await runner.tap("Easy")
    await runner.tap("Something hurts")
    await runner.tap("Low back, middle")
    await runner.tap("4")
    await runner.tap("Ache")
    await runner.tap("Yesterday")
    await runner.tap("Same")
    await runner.tap("No")
    assert "safety check" in runner.text.lower()
    await runner.tap("No")
    await runner.tap("No")
    await runner.tap("No")
    await runner.tap("No")
    assert "source" in runner.text.lower()
    address = Address("discord", runner.channel_id, runner.user["id"])
    run = store.recent_runs(address)[0]
    assert (run.distance_km, run.surface, run.pain_score) == (8.0, "road", 4)
    assert store.load(address).conversation.state == "idle"


async def test_dm_checkin_by_free_text_asks_only_what_is_missing(runner: DmRunner, store: SqlStore) -> None:
    await onboard(runner)
    await runner.say("ran 8 km in 45 min on concrete, lower back aching 4/10 since yesterday")
    assert "How hard" in runner.text and "How far" not in runner.text
    await runner.tap("Easy")
    await runner.tap("Same")
    await runner.tap("No")
    await runner.tap("No")
    await runner.tap("No")
    await runner.tap("No")
    await runner.tap("No")
    run = store.recent_runs(Address("discord", runner.channel_id, runner.user["id"]))[0]
    assert (run.distance_km, run.duration_min, run.pain_score) == (8.0, 45.0, 4)


async def test_buttons_are_persistent_custom_ids_at_most_five_a_row(runner: DmRunner) -> None:
    await onboard(runner)
    await runner.say("/checkin")
    await runner.say("8 km")
    await runner.say("45 min")
    await runner.tap("Road / concrete")
    await runner.tap("Easy")
    await runner.tap("Something hurts")
    await runner.tap("Low back, middle")  # the 0–10 pain scale: many buttons
    for message in runner.last:
        for row in message["components"]:
            assert len(row["components"]) <= 5
            for component in row["components"]:
                assert component["custom_id"].startswith("bs:") and len(component["custom_id"]) <= 100


async def test_export_arrives_as_a_file(fake: FakeDiscord, runner: DmRunner) -> None:
    await onboard(runner)
    await runner.say("10 km in 55 min on the track, moderate, no pain")
    await runner.say("/export")
    document = next(m for m in runner.last if m["attachments"])
    assert document["attachments"][0]["filename"] == "backstride-runs.csv"
    assert b"distance" in fake.files[document["id"]][0]
    uploads = [c for c in fake.posts(rf"^/channels/{runner.channel_id}/messages$") if c.files]
    assert len(uploads) == 2 and uploads[0].body["content"].startswith("Here is your one run")  # multipart, sent once
    assert "backstride-data.json" in str(uploads[1].files)  # and everything else stored, as JSON


async def test_a_slash_command_in_dms_is_answered_in_the_dm(fake: FakeDiscord, runner: DmRunner) -> None:
    interaction = await fake.slash(runner.user, "help", in_guild=False)
    await fake.wait_for(lambda: fake.responses.get(interaction.token))
    message = fake.responses[interaction.token][0]["message"]
    assert "/checkin" in message["content"] and not message["flags"] & EPHEMERAL
    assert message["channel_id"] == runner.channel_id


async def test_buttons_work_after_a_restart(
    fake: FakeDiscord, runner: DmRunner, start_adapter: StartAdapter, store: SqlStore
) -> None:
    await onboard(runner)
    await runner.say("/checkin")
    await runner.say("8 km")
    await runner.say("45 min")
    old_message, surface = runner.custom_id("Road / concrete")
    await runner.adapter.stop()
    assert not fake._sockets or all(ws.closed for ws in fake._sockets)

    runner.adapter = await start_adapter()  # a new client and process state, the same SQLite database
    await fake.press(runner.user, old_message, surface)
    await runner._collect()
    assert "How hard" in runner.text
    await fake.press(runner.user, old_message, surface)  # the same old button again: its question has passed
    await runner._collect()
    assert PASSED in runner.text
    address = Address("discord", runner.channel_id, runner.user["id"])
    assert store.load(address).conversation.state.startswith("checkin:")


async def test_a_slow_engine_is_deferred_within_three_seconds(fake: FakeDiscord, start_adapter: StartAdapter, engine) -> None:
    class Slow:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def handle(self, incoming: Any) -> list[Reply]:
            await asyncio.sleep(0.5)
            return await self.inner.handle(incoming)

    await start_adapter(engine_=Slow(engine), answer_budget=0.1)
    user = fake.user("sam")
    started = time.monotonic()
    interaction = await fake.slash(user, "help", in_guild=False)
    await fake.wait_for(lambda: fake.responses.get(interaction.token))
    first = fake.responses[interaction.token][0]
    assert first["type"] == 5 and time.monotonic() - started < 0.45  # deferred ("thinking") before the engine answered
    await fake.wait_for(lambda: len(fake.responses[interaction.token]) > 1)
    assert fake.responses[interaction.token][1]["type"] == "followup"
    assert "/checkin" in fake.responses[interaction.token][1]["message"]["content"]


# Servers.


async def test_checkin_in_a_server_is_ephemeral_and_continues_in_dms(fake: FakeDiscord, adapter) -> None:
    user = fake.user("dee")
    interaction = await fake.slash(user, "checkin", {"run": "5 km, back hurts 6/10"})
    texts = await _answered(fake, interaction.token)
    assert texts == [SENT_TO_DM]
    assert fake.responses[interaction.token][0]["type"] == 4
    assert all(m["flags"] & EPHEMERAL for m in fake.messages[fake.channel_id])  # nothing visible in the channel
    dm = fake.messages[fake.dm_channel_of(user)]
    assert dm, "the check-in continues in DMs"
    assert "6/10" not in "\n".join(texts)


async def test_a_server_command_that_belongs_in_dms_runs_the_engine_once(
    fake: FakeDiscord, start_adapter: StartAdapter, engine, store: SqlStore
) -> None:
    class Counting:
        def __init__(self, inner: Any) -> None:
            self.inner, self.seen = inner, []

        async def handle(self, incoming: Any) -> list[Reply]:
            self.seen.append(incoming)
            return await self.inner.handle(incoming)

    counting = Counting(engine)
    await start_adapter(engine_=counting)
    user = fake.user("lea")
    interaction = await fake.slash(user, "checkin", {"run": "5 km in 30 min"})
    assert await _answered(fake, interaction.token) == [SENT_TO_DM]
    [incoming] = counting.seen  # one turn, in the DM, not a group turn and then a private one
    assert incoming.private_chat == fake.dm_channel_of(user)
    dm = Address("discord", fake.dm_channel_of(user), user["id"])
    assert fake.messages[dm.chat_id] and store.load(dm).conversation.state != "idle"


async def test_help_in_a_server_answers_ephemerally_with_a_private_button(fake: FakeDiscord, adapter) -> None:
    user = fake.user("kit")
    interaction = await fake.slash(user, "help")
    [text] = await _answered(fake, interaction.token)
    assert "Backstride" in text and fake.dm_channel_of(user) not in fake.messages  # no DM until asked
    message = fake.responses[interaction.token][0]["message"]
    pressed = await fake.press(user, message, buttons(message)["Continue privately"])
    assert await _answered(fake, pressed.token) == [SENT_TO_DM]
    assert fake.messages[fake.dm_channel_of(user)]


async def test_pain_typed_in_a_server_command_is_never_posted_visibly(fake: FakeDiscord, adapter) -> None:
    user = fake.user("eve")
    for name, options in [("checkin", {"run": "my lower back hurts 7/10"}), ("history", None), ("help", None)]:
        interaction = await fake.slash(user, name, options)
        await _answered(fake, interaction.token)  # asserts every answer is ephemeral
    for message in fake.messages.get(fake.channel_id, []):
        assert message["flags"] & EPHEMERAL


async def test_closed_dms_are_explained_ephemerally_and_the_runner_marked_inactive(
    fake: FakeDiscord, start_adapter: StartAdapter, store: SqlStore
) -> None:
    adapter = await start_adapter()
    runner = DmRunner(fake, adapter, "fay")
    await onboard(runner)
    address = Address("discord", runner.channel_id, runner.user["id"])
    assert store.load(address).active
    fake.closed_dms.add(runner.user["id"])
    interaction = await fake.slash(runner.user, "checkin")
    assert await _answered(fake, interaction.token) == [OPEN_DMS]
    assert not store.load(address).active
    assert await adapter.send(address, [Reply(text="Time for your warm-up")]) is Delivery.BLOCKED


async def test_clubrun_changes_need_manage_server(fake: FakeDiscord, adapter, store: SqlStore) -> None:
    member, admin = fake.user("gus"), fake.user("hal")
    refused = await fake.slash(member, "clubrun", {"args": "add Sat 09:00 Park gates"})
    assert "only" in (await _answered(fake, refused.token))[0]
    assert store.club_runs("discord", fake.channel_id) == []

    added = await fake.slash(admin, "clubrun", {"args": "add Sat 09:00 Park gates"}, permissions=MANAGE_GUILD)
    assert "Added: Saturday 09:00 at Park gates" in (await _answered(fake, added.token))[0]
    listed = await fake.slash(member, "clubrun", {"args": "list"})
    assert "Park gates" in (await _answered(fake, listed.token))[0]
    [run] = store.club_runs("discord", fake.channel_id)
    assert run.place == "Park gates"


async def test_clubrun_role_counts_as_admin(fake: FakeDiscord, start_adapter: StartAdapter, store: SqlStore) -> None:
    await start_adapter(make_settings(discord_guild_id=int(fake.guild_id), discord_club_role="Run leaders"))
    leader = fake.user("ivy")
    added = await fake.slash(leader, "clubrun", {"args": "add Wed 18:30 Boathouse"}, roles=[fake.club_role_id])
    assert "Added" in (await _answered(fake, added.token))[0]
    assert len(store.club_runs("discord", fake.channel_id)) == 1


async def test_club_reminder_posts_in_the_channel_but_private_replies_never_do(fake: FakeDiscord, adapter) -> None:
    club = Address("discord", fake.channel_id, "scheduler", ChatKind.GROUP)
    reminder = Reply(
        text="Club run Saturday 09:00 at Park gates: warm up first!",
        buttons=rows([Button("Check in privately", "/checkin")]),
        visibility=Visibility.ANYWHERE,
        kind="go_private",
    )
    secret = Reply(text="Your back pain 7/10", visibility=Visibility.PRIVATE)
    assert await adapter.send(club, [reminder, secret]) is Delivery.SENT
    posted = fake.messages[fake.channel_id]
    assert [m["content"] for m in posted] == [reminder.text]

    user = fake.user("jo")  # a member presses the channel's button: ephemeral answer, check-in in DMs
    interaction = await fake.press(user, posted[0], buttons(posted[0])["Check in privately"])
    assert await _answered(fake, interaction.token) == [SENT_TO_DM]
    assert fake.messages[fake.dm_channel_of(user)]


# Delivery.


async def test_a_429_from_rest_is_retried_and_delivered(fake: FakeDiscord, runner: DmRunner, adapter) -> None:
    address = Address("discord", runner.channel_id, runner.user["id"])
    fake.fail("POST", rf"^/channels/{runner.channel_id}/messages$", 429, times=2, retry_after=0.05)
    started = time.monotonic()
    assert await adapter.send(address, [Reply(text="Warm up: 5 minutes of brisk walking")]) is Delivery.SENT
    assert time.monotonic() - started >= 0.1
    attempts = fake.posts(rf"^/channels/{runner.channel_id}/messages$")
    assert len(attempts) == 3
    assert [m["content"] for m in runner.messages] == ["Warm up: 5 minutes of brisk walking"]


async def test_forbidden_is_blocked_and_other_errors_fail(fake: FakeDiscord, runner: DmRunner, adapter, store: SqlStore) -> None:
    await onboard(runner)
    address = Address("discord", runner.channel_id, runner.user["id"])
    fake.fail("POST", r"/messages$", 400, code=50035)
    assert await adapter.send(address, [Reply(text="hello")]) is Delivery.FAILED
    assert store.load(address).active
    fake.fail("POST", r"/messages$", 403, code=50007)
    assert await adapter.send(address, [Reply(text="hello")]) is Delivery.BLOCKED
    assert not store.load(address).active
    await runner.say("/help")  # writing again makes them reachable again
    assert store.load(address).active


async def test_long_replies_are_split_under_discords_cap(fake: FakeDiscord, runner: DmRunner, adapter) -> None:
    address = Address("discord", runner.channel_id, runner.user["id"])
    text = "\n".join(f"line {n}: " + "x" * 90 for n in range(50))
    reply = Reply(text=text, buttons=rows([Button("OK", "x:how:W1")]))
    assert await adapter.send(address, [reply]) is Delivery.SENT
    sent = runner.messages
    assert len(sent) == 3 and all(len(m["content"]) <= 2000 for m in sent)
    assert "\n".join(m["content"] for m in sent) == text
    assert [bool(m["components"]) for m in sent] == [False, False, True]


# Running it.


async def test_backstride_run_serves_discord_until_stopped(fake: FakeDiscord, db_url: str) -> None:
    from bot.app import serve

    stop = asyncio.Event()
    settings = make_settings(database_url=db_url, discord_guild_id=int(fake.guild_id))
    task = asyncio.create_task(serve(settings, stop))
    await fake.wait_for(lambda: fake.identify and fake.commands, timeout=15)
    user = fake.user("lou")
    channel_id = await fake.dm(user, "/start")
    await fake.wait_for(lambda: fake.messages.get(channel_id))
    assert "Backstride" in fake.messages[channel_id][0]["content"]
    stop.set()
    await asyncio.wait_for(task, timeout=15)
