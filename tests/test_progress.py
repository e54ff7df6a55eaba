"""/progress: weekly figures, the trend caption, the chart, training-load and pain-trend rules, digest, club summary."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from dialogs import charts, digest, progress
from dialogs.messages import Address, Visibility
from dialogs.models import Checkin, Profile, RunRecord, Tier, TriageResult
from dialogs.ports import Change, Conversation, NewRun
from tests.conftest import Chat, onboard

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)  # a Sunday, as the clock fixture
_ids = iter(range(1, 10_000))


def run(days_ago: float, km: float, pain: int = 0, surface: str = "road", kinds: tuple[str, ...] = (),
        where: tuple[str, ...] = (), effort: str = "easy") -> RunRecord:
    return RunRecord(
        run_id=next(_ids),
        logged_at=NOW - timedelta(days=days_ago),
        distance_km=km,
        duration_min=km * 6,
        surface=surface,
        effort=effort,
        pain_score=pain or None,
        pain_where=where,
        pain_kind=kinds,
        tier="keep_easy",
    )


def rising_distance_easing_pain() -> list[RunRecord]:
    """Ten weeks, three runs a week: distance grows 1 km a week per run, pain falls from 6 to 1."""
    runs = []
    for week in range(10):
        back = (9 - week) * 7
        for offset, surface in ((5, "road"), (3, "trail"), (1, "grass")):
            runs.append(run(back + offset, 3 + week, pain=max(1, 6 - week), surface=surface))
    return runs


# ------------------------------------------------------------------ weekly figures and trend


def test_weekly_figures_per_local_week() -> None:
    runs = [run(1, 5, pain=3, surface="grass"), run(2, 7, pain=5), run(8, 4)]
    weeks = progress.weekly(runs, NOW, "Europe/London")
    assert [w.start.isoformat() for w in weeks] == ["2026-11-09", "2026-11-16"]
    last = weeks[-1]
    assert (last.runs, last.distance_km, last.longest_km) == (2, 12, 7)
    assert (last.pain_max, last.pain_avg) == (5, 4)
    assert last.surfaces == {"grass": 5, "road": 7}
    assert weeks[0].pain_max == 0  # a run without a pain report is a pain-free run


def test_weeks_are_capped_at_twelve_and_padded_to_eight() -> None:
    runs = [run(d, 5) for d in range(0, 200, 7)]
    assert len(progress.weekly(runs, NOW)) == progress.MAX_WEEKS
    short = progress.weekly([run(1, 5), run(8, 5)], NOW)
    assert len(short) == 2 and len(progress.pad(short)) == progress.MIN_CHART_WEEKS


def test_caption_states_rising_distance_and_easing_pain() -> None:
    weeks = progress.weekly(rising_distance_easing_pain(), NOW)
    said = progress.trend(weeks)
    assert (said.distance, said.pain) == ("up", "down")
    assert said.caption.startswith("Over the last 10 weeks")
    assert "went up" in said.caption and "eased" in said.caption
    assert said.caption.count(".") <= 5 and "\n" not in said.caption  # one sentence


def test_caption_states_falling_distance_and_worse_pain_in_miles() -> None:
    runs = [run(w * 7 + 1, 10 + w * 2, pain=max(0, 6 - w)) for w in range(8)]  # older weeks longer, less pain
    said = progress.trend(progress.weekly(runs, NOW), units="mi")
    assert (said.distance, said.pain) == ("down", "up")
    assert "mileage went down" in said.caption and " mi a week" in said.caption and "got worse" in said.caption


def test_caption_for_steady_pain_free_running() -> None:
    said = progress.trend(progress.weekly([run(w * 7 + 1, 5) for w in range(6)], NOW))
    assert (said.distance, said.pain) == ("flat", "none")
    assert "held steady at about 5.0 km a week" in said.caption and "stayed at zero" in said.caption


# ------------------------------------------------------------------ the chart


def test_chart_is_a_phone_sized_png() -> None:
    weeks = progress.pad(progress.weekly(rising_distance_easing_pain(), NOW))
    png = charts.progress_chart(weeks, "km")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == charts.SIZE_PX == (1080, 1080)
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1_000_000)}
    assert (0x00, 0x72, 0xB2) in colours  # road bars in Okabe-Ito blue
    assert (0x00, 0x9E, 0x73) in colours  # trail bars in bluish green


def test_chart_shows_hatches_and_both_pain_lines() -> None:
    from dataclasses import replace

    weeks = progress.pad(progress.weekly(rising_distance_easing_pain(), NOW))

    def colours(surface: str) -> dict[tuple[int, int, int], int]:
        same = [replace(w, surfaces={surface: w.distance_km} if w.distance_km else {}) for w in weeks]
        image = Image.open(io.BytesIO(charts.progress_chart(same, "mi"))).convert("RGB")
        return {colour: n for n, colour in image.getcolors(maxcolors=1_000_000)}

    road, trail = colours("road"), colours("trail")
    assert road.get((0xD5, 0x5E, 0x00), 0) > 500  # the average-pain line in vermilion
    assert road.get((0x00, 0x00, 0x00), 0) > 500  # the worst-pain line in black
    dark = (0x22, 0x22, 0x22)
    assert trail.get(dark, 0) > road.get(dark, 0) + 5000  # trail bars are hatched, road bars plain
    assert (0x00, 0x9E, 0x73) in trail and (0x00, 0x72, 0xB2) not in trail


def test_chart_module_loads_pillow_lazily() -> None:
    import subprocess
    import sys

    code = "import sys, dialogs.engine, dialogs.charts; print('PIL' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


async def test_progress_without_pillow_answers_in_words_and_names_the_extra(
    chat: Chat, store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    await onboard(chat)
    _save_runs(store, chat.address, [(w * 7 + 1, 5 + w, 0, "road") for w in range(4)])
    for name in [m for m in sys.modules if m == "PIL" or m.startswith("PIL.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    assert not charts.available()
    replies = await chat.say("/progress")
    assert replies[0].image is None
    assert replies[0].text.startswith("Over the last") and "backstride[charts]" in replies[0].text
    assert "wrong on my side" not in replies[0].text
    digest_replies = digest.weekly_digest(rising_distance_easing_pain(), Profile(), NOW)
    assert digest_replies[0].image is None and "went up" in digest_replies[0].text


def _save_runs(store, address: Address, runs: list[tuple[float, float, int, str]]) -> None:
    profile = Profile(name="Ann", timezone="Europe/London", onboarded=True, risks_asked=True)  # as onboard() leaves it
    for days_ago, km, pain, surface in runs:
        checkin = Checkin(distance_km=km, duration_min=km * 6, surface=surface, effort="easy",
                          has_pain=bool(pain), pain_score=pain, pain_where=["low_back_centre"] if pain else [])
        when = NOW - timedelta(days=days_ago)
        effect = NewRun(checkin=checkin, result=TriageResult(Tier.KEEP_EASY, ()), logged_at=when)
        store.save(address, Change(conversation=Conversation(), profile=profile, effects=[effect]))


async def test_progress_command_sends_chart_with_caption(chat: Chat, store, tmp_path) -> None:
    await onboard(chat)
    _save_runs(store, chat.address, [(w * 7 + d, 4 + (5 - w), max(0, w - 1), s)
                                     for w in range(6) for d, s in ((1, "grass"), (3, "road"))])
    replies = await chat.say("/progress")
    assert replies[0].image is not None
    assert Image.open(io.BytesIO(replies[0].image)).size == (1080, 1080)
    assert replies[0].text.startswith("Over the last") and "went up" in replies[0].text and "eased" in replies[0].text
    assert replies[0].visibility is Visibility.PRIVATE


async def test_progress_with_one_week_says_so_without_chart(chat: Chat, store) -> None:
    await onboard(chat)
    assert "No runs logged yet" in (await chat.say("/progress"))[0].text
    _save_runs(store, chat.address, [(1, 5, 0, "road"), (2, 6, 2, "grass")])
    replies = await chat.say("/progress")
    assert len(replies) == 1 and replies[0].image is None
    assert "at least two weeks" in replies[0].text


async def test_progress_in_a_group_moves_to_private(engine) -> None:
    from dialogs.messages import ChatKind

    group = Chat(engine, user="ann", chat_kind=ChatKind.GROUP, chat_id="club")
    replies = await group.say("/progress")
    assert replies[0].image is None and "private" in replies[0].text.lower()


# ------------------------------------------------------------------ training load


def steady_four_weeks(km: float = 5.0) -> list[RunRecord]:
    return [run(7 * w + d, km) for w in range(1, 5) for d in (1, 4)]  # 10 km a week, longest 5 km


def test_load_jump_in_weekly_distance() -> None:
    runs = steady_four_weeks() + [run(1, 5), run(3, 5), run(5, 4)]  # 14 km vs 10 km: +40%
    jump = progress.training_load(runs, NOW)
    assert jump is not None and jump.distance_jump and not jump.longest_jump
    notes = progress.load_notes(jump)
    text = "\n".join(notes)
    assert "over the last 7 days is 40% above" in text
    assert "short, easy jogs" in text and "Does Running Help With Back Pain?" in text  # C4 with its source
    assert "weak" in text and "evidence" in text  # honest about the evidence


def test_load_jump_in_longest_run() -> None:
    runs = steady_four_weeks() + [run(2, 8)]  # 8 km vs the usual 5 km longest; week total 8 < 13
    jump = progress.training_load(runs, NOW)
    assert jump is not None and jump.longest_jump and not jump.distance_jump
    assert "longest run of the last 7 days (8.0 km) is 60% longer" in "\n".join(progress.load_notes(jump))


def test_no_load_warning_for_a_modest_week_or_without_a_baseline() -> None:
    assert not progress.training_load(steady_four_weeks() + [run(1, 5), run(4, 6)], NOW).any  # +10%
    assert progress.training_load([run(1, 20), run(10, 5)], NOW) is None  # one week of history is no baseline
    assert progress.load_notes(None) == []


# ------------------------------------------------------------------ pain trend


def test_pain_rising_two_points_suggests_a_clinician() -> None:
    rise = progress.pain_rise([run(9, 5, pain=2), run(6, 5, pain=3), run(3, 5, pain=4)], NOW)
    assert rise is not None and (rise.first, rise.last, rise.count) == (2, 4, 3) and rise.every_run
    text = "\n".join(progress.pain_notes(rise))
    assert "from 2/10 to 4/10" in text
    assert "doctor" in text  # P8
    assert "spine specialist" in text  # P7: it hurt after every run


def test_pain_rule_ignores_small_rises_falls_and_old_reports() -> None:
    assert progress.pain_rise([run(6, 5, pain=3), run(3, 5, pain=4)], NOW) is None  # +1
    assert progress.pain_rise([run(6, 5, pain=5), run(3, 5, pain=2)], NOW) is None  # falling
    assert progress.pain_rise([run(60, 5, pain=1), run(3, 5, pain=4)], NOW) is None  # the low one is old
    rise = progress.pain_rise([run(6, 5), run(3, 5, pain=2)], NOW)  # 0 -> 2, not every run
    assert rise is not None and not rise.every_run
    assert "spine specialist" not in "\n".join(progress.pain_notes(rise))


async def test_checkin_adds_pain_trend_and_load_notes(chat: Chat, store) -> None:
    await onboard(chat)
    _save_runs(store, chat.address, [(7 * w + d, 5, 0, "grass") for w in range(1, 5) for d in (1, 4)]
               + [(2, 5, 1, "grass")])
    await chat.say("16 km in 95 min on grass, easy, lower back aching 3/10 since today")
    for _ in range(8):
        if "Logged:" in chat.text:
            break
        labels = chat.labels
        # "No" to each warning-sign group (yes / no / not sure); the other answers first
        pick = next((l for l in ("Today / this run", "Same", "Yes, it eases", "No") if l in labels), None)
        assert pick, chat.text
        await chat.tap(pick)
    text = chat.text
    assert "Logged: 16.0 km" in text
    # the single-run check (evidence-backed) replaces the weekly-load note at check-in
    assert "Single-run check: this run (16.0 km) is 220% longer than your longest in the 30 days before it (5.0 km)" in text
    assert "Frandsen et al. 2025" in text and "above your weekly average" not in text
    assert text.count("several short, easy jogs") <= 1  # C4 at most once
    assert "from 0/10 to 3/10 over your last 4 check-ins" in text


def test_no_notes_under_a_doctor_tier() -> None:
    class NoStore:
        def recent_runs(self, *a, **k):  # pragma: no cover - must not be called
            raise AssertionError("read the store under a doctor tier")

    from dialogs.flow import Context

    ctx = Context(Address("t", "a", "a"), Profile(), True, Conversation(), NOW, NoStore())  # type: ignore[arg-type]
    assert progress.after_checkin(ctx, Checkin(pain_score=6), TriageResult(Tier.DOCTOR_SOON, ())) == []


# ------------------------------------------------------------------ weekly digest


def test_weekly_digest_content_and_chart() -> None:
    runs = rising_distance_easing_pain()
    replies = digest.weekly_digest(runs, Profile(timezone="Europe/London"), NOW)
    assert len(replies) == 1
    text = replies[0].text
    assert text.startswith("Your week (16 Nov–22 Nov): 3 runs, 36.0 km in total.")
    assert "average 1.0/10, worst 1/10" in text and "about the same as the week before" in text
    assert "Tip for next week:" in text and "(Source:" in text
    assert replies[0].image is not None and replies[0].visibility is Visibility.PRIVATE
    assert "went up" in text  # the chart's caption


def test_digest_tip_follows_what_was_reported() -> None:
    week = [run(1, 5, pain=3, kinds=("stiffness",), where=("low_back_centre",))]
    assert digest.choose_tip(week, week, NOW) == "W5"
    leg = [run(1, 5, pain=3, where=("leg_below_knee",))]
    assert digest.choose_tip(leg, leg, NOW) == "P6"
    road = [run(1, 5, pain=2, surface="road")]
    assert digest.choose_tip(road, road, NOW) == "S1"
    calm = [run(1, 5), run(3, 5), run(5, 5)]
    assert digest.choose_tip(calm, calm, NOW) == "A2"
    rising = [run(9, 5, pain=1), run(2, 5, pain=4, surface="grass")]
    assert digest.choose_tip(rising[1:], rising, NOW) == "P8"


def test_digest_pain_comparison_and_quiet_week() -> None:
    runs = [run(9, 5, pain=5), run(2, 5, pain=2)]
    text = digest.weekly_digest(runs, Profile(), NOW, draw_chart=False)[0].text
    assert "1 run," in text and "lower than the week before (5.0/10)" in text
    assert digest.weekly_digest([run(9, 5)], Profile(), NOW) == []  # nothing this week: nothing sent


# ------------------------------------------------------------------ club summary


def test_club_summary_counts_without_names() -> None:
    members = {
        "telegram:111:Ann": [run(1, 5, pain=3, kinds=("stiffness",))],
        "telegram:222:Bob": [run(2, 8), run(4, 6)],
        "telegram:333:Cem": [run(3, 10, pain=2, kinds=("ache",))],
        "telegram:444:Dee": [run(20, 5, pain=7)],  # not this week: not counted
    }
    reply = digest.club_summary(members, NOW, "Europe/London")
    assert reply is not None and reply.visibility is Visibility.ANYWHERE
    text = reply.text
    assert "3 members checked in and logged 4 runs, 29.0 km together" in text
    assert "1 ran without any back pain" in text and "1 reported stiffness" in text
    assert "2 reported some back pain" in text
    for secret in ("Ann", "Bob", "Cem", "Dee", "111", "222", "333", "3/10", "2/10", "7"):
        assert secret not in text


@pytest.mark.parametrize("active", [0, 1, 2])
def test_club_summary_says_nothing_below_three_members(active: int) -> None:
    members = {f"m{i}": [run(1, 5, pain=4)] for i in range(active)}
    members["old"] = [run(30, 5)]
    assert digest.club_summary(members, NOW) is None
