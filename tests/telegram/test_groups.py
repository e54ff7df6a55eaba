"""Club groups end to end: deep links, privacy, the admin check, membership and migration."""

from __future__ import annotations

from dialogs.messages import Address, ChatKind, Reply, Visibility
from bot.outbound import Delivery
from tests.telegram.conftest import Runner

GROUP = -1001234567890
ADMIN, MEMBER = 601, 602
PAIN_WORDS = ("pain", "hurt", "ache", "killing", "lower back", "7/10")


async def test_group_checkin_answers_with_a_deep_link_button(api, make_adapter) -> None:
    adapter = await make_adapter()
    dee = Runner(api, adapter, MEMBER, GROUP, kind="supergroup")
    sent = await dee.say("/checkin@backstride_test_bot")
    assert len(sent) == 1
    [button] = sent[0].buttons
    assert button == {"text": "Continue privately", "url": "https://t.me/backstride_test_bot?start=checkin"}
    assert not any(word in sent[0].text.lower() for word in PAIN_WORDS)


async def test_pain_in_a_group_invites_to_continue_privately_without_echoing(api, make_adapter, store) -> None:
    adapter = await make_adapter()
    dee = Runner(api, adapter, MEMBER, GROUP, kind="supergroup")
    sent = await dee.say("@backstride_test_bot my lower back is killing me after the 10k, 7/10")
    assert len(sent) == 1 and sent[0].buttons[0]["url"].endswith("?start=checkin")
    assert not any(word in sent[0].text.lower() for word in PAIN_WORDS)
    assert store.load(Address("telegram", str(GROUP), str(MEMBER), ChatKind.GROUP)).profile is None


async def test_commands_for_another_bot_and_photos_in_groups_are_ignored(api, make_adapter) -> None:
    adapter = await make_adapter()
    dee = Runner(api, adapter, MEMBER, GROUP, kind="supergroup")
    assert await dee.say("/checkin@some_other_bot") == []
    photo = api.message(MEMBER, None, GROUP, "supergroup", photo=[{"file_id": "f", "file_unique_id": "u",
                                                                   "width": 9, "height": 9}])
    assert await dee._turn(lambda: api.deliver(api.new_update(message=photo))) == []


async def test_private_replies_never_reach_a_group(api, make_adapter) -> None:
    adapter = await make_adapter()
    group = Address("telegram", str(GROUP), str(MEMBER), ChatKind.GROUP)
    result = await adapter.send(group, [
        Reply(text="Your back pain 7/10: rest two days."),  # PRIVATE by default
        Reply(text="Club run Saturday 09:00", visibility=Visibility.ANYWHERE),
    ])
    assert result is Delivery.SENT
    assert [c.text for c in api.sent(GROUP)] == ["Club run Saturday 09:00"]


async def test_only_admins_may_change_club_runs(api, make_adapter, store) -> None:
    api.admins[GROUP] = {ADMIN}
    adapter = await make_adapter()
    dee = Runner(api, adapter, MEMBER, GROUP, kind="supergroup")
    boss = Runner(api, adapter, ADMIN, GROUP, kind="supergroup")
    await dee.say("/clubrun add Sat 09:00 Park gates")
    assert "only the group's admins" in dee.text
    await boss.say("/clubrun add Sat 09:00 Park gates")
    assert "Added" in boss.text
    await dee.say("/clubrun list")
    assert "Park gates" in dee.text


async def test_a_removed_admin_cannot_change_club_runs_a_moment_later(api, make_adapter) -> None:
    api.admins[GROUP] = {ADMIN}
    adapter = await make_adapter()
    boss = Runner(api, adapter, ADMIN, GROUP, kind="supergroup")
    await boss.say("/clubrun add Sat 09:00 Park gates")
    assert "Added" in boss.text
    api.admins[GROUP] = set()  # demoted in the group's settings
    await boss.say("/clubrun remove 1")
    assert "only the group's admins" in boss.text
    await boss.say("/stretches")
    assert len(api.calls_of("getChatMember")) == 2  # asked fresh for each /clubrun, not for other commands


async def test_added_removed_and_migrated_group_keeps_its_club_runs(api, make_adapter, store) -> None:
    old, new = -4001, -1009999
    api.admins[old] = {ADMIN}
    api.admins[new] = {ADMIN}
    adapter = await make_adapter()
    boss = Runner(api, adapter, ADMIN, old, kind="group")
    greeting = await boss._turn(lambda: api.chat_member_update(old, ADMIN, "member"))
    assert len(greeting) == 1 and not any(word in greeting[0].text.lower() for word in PAIN_WORDS)
    assert store.club_timezone("telegram", str(old)) == "UTC"  # the club exists
    await boss.say("/clubrun add Wed 18:30 Track")
    await boss._turn(lambda: api.migrate(old, new, ADMIN))
    assert [r.place for r in store.club_runs("telegram", str(new))] == ["Track"]
    await boss._turn(lambda: api.chat_member_update(new, ADMIN, "left", old_status="member"))
    assert [r.place for r in store.club_runs("telegram", str(new))] == ["Track"]
