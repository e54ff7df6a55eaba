"""Phrasing tables for dialogs.parsing: what runners type and what the coach must understand."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.parsing import (
    MAX_DISTANCE_KM,
    Extraction,
    InputError,
    extract,
    parse_distance,
    parse_duration,
    parse_effort,
    parse_has_pain,
    parse_pain_kind,
    parse_pain_score,
    parse_pain_where,
    parse_signs,
    parse_since_days,
    parse_surface,
    parse_trend,
    parse_yes_no,
)

MILE = 1.609344

DISTANCES = [
    ("8", "km", 8.0),
    ("8.5", "km", 8.5),
    ("8", "mi", 8 * MILE),
    ("about 8", "km", 8.0),
    ("5k", "km", 5.0),
    ("5k", "mi", 5.0),
    ("10 km", "km", 10.0),
    ("10km", "km", 10.0),
    ("10K", "km", 10.0),
    ("10 kilometres", "km", 10.0),
    ("10 kilometers", "mi", 10.0),
    ("8.5km!", "km", 8.5),
    ("about 5 miles", "km", 5 * MILE),
    ("13.1", "mi", 13.1 * MILE),
    ("8 km in 45 min", "mi", 8.0),
    ("ten k", "km", 10.0),
    ("6.2 miles", "km", 6.2 * MILE),
    ("3 mi", "km", 3 * MILE),
    ("3 mile", "km", 3 * MILE),
    ("5 kilomtres", "km", 5.0),
    ("5000m", "km", 5.0),
    ("5,000 metres", "km", 5.0),
    ("800 meters", "km", 0.8),
    ("half marathon", "km", 21.0975),
    ("Half-marathon 🏃", "km", 21.0975),
    ("half", "km", 21.0975),
    ("did a half", "mi", 21.0975),
    ("marathon", "km", 42.195),
    ("a parkrun", "km", 5.0),
    ("Parkrun!", "mi", 5.0),
]


@pytest.mark.parametrize(("text", "units", "km"), DISTANCES)
def test_parse_distance(text: str, units: str, km: float) -> None:
    assert parse_distance(text, units) == pytest.approx(km, abs=0.01)


@pytest.mark.parametrize("text", ["", "far", "half an hour", "45 min", "my back hurts", "45m"])
def test_parse_distance_nothing(text: str) -> None:
    assert parse_distance(text) is None


@pytest.mark.parametrize(
    ("text", "units", "fragment"),
    [
        ("0 km", "km", "0 km"),
        ("500 km", "km", "500 km is more than I can believe"),
        ("-5", "km", "-5 km"),
        ("300", "mi", "300 miles"),
        ("0", "km", "0 km"),
    ],
)
def test_parse_distance_rejects(text: str, units: str, fragment: str) -> None:
    with pytest.raises(InputError, match="How far did you go") as error:
        parse_distance(text, units)
    assert fragment in str(error.value)


def test_distance_limit_is_inclusive() -> None:
    assert parse_distance(f"{MAX_DISTANCE_KM:g} km") == MAX_DISTANCE_KM
    with pytest.raises(InputError):
        parse_distance(f"{MAX_DISTANCE_KM + 1:g} km")


DURATIONS = [
    ("45", 45.0),
    ("45 min", 45.0),
    ("45mins", 45.0),
    ("45 minutes", 45.0),
    ("45m", 45.0),
    ("about 45", 45.0),
    ("1h", 60.0),
    ("1 hr 5 min", 65.0),
    ("1 hour and 5 minutes", 65.0),
    ("1h05", 65.0),
    ("1.5 hours", 90.0),
    ("1:05:30", 65.5),
    ("45:30", 45.5),
    ("half an hour", 30.0),
    ("Half an hour 😅", 30.0),
    ("an hour", 60.0),
    ("an hour and a half", 90.0),
    ("hour and a half", 90.0),
    ("about an hour", 60.0),
    ("quarter of an hour", 15.0),
    ("45 min 30 sec", 45.5),
    ("1:05", 65.0),
    ("2:30", 150.0),
    ("two and a half hours", 150.0),
    ("90 minutes", 90.0),
    ("one hour", 60.0),
    ("twenty minutes", 20.0),
    ("forty-five minutes", 45.0),
    ("45 minuets", 45.0),
    ("took me 52 min, pace 5:30/km", 52.0),
]


@pytest.mark.parametrize(("text", "minutes"), DURATIONS)
def test_parse_duration(text: str, minutes: float) -> None:
    assert parse_duration(text) == pytest.approx(minutes, abs=0.01)


@pytest.mark.parametrize("text", ["", "a while", "5:30/km", "8 km"])
def test_parse_duration_nothing(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize("text", ["30 hours", "0", "0 min", "-5", "2000 minutes"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(InputError, match="How long did it take"):
        parse_duration(text)


SURFACES = [
    ("road", "road"),
    ("Concrete", "road"),
    ("concreet", "road"),
    ("asphalt", "road"),
    ("asphault", "road"),
    ("pavement", "road"),
    ("tarmac", "road"),
    ("sidewalk", "road"),
    ("city streets", "road"),
    ("track", "track"),
    ("the athletics track", "track"),
    ("trail", "trail"),
    ("trails 🌲", "trail"),
    ("dirt", "trail"),
    ("gravel path", "trail"),
    ("in the woods", "trail"),
    ("forest", "trail"),
    ("off-road", "trail"),
    ("grass", "grass"),
    ("playing field", "grass"),
    ("park grass", "grass"),
    ("treadmill", "treadmill"),
    ("treadmil", "treadmill"),
    ("at the gym", "treadmill"),
    ("mixed", "mixed"),
    ("Road 🛣️", "road"),
    ("canal towpath", "trail"),
    ("both", "mixed"),
    ("bit of both", "mixed"),
    ("various", "mixed"),
    ("road then trail", "mixed"),
]


@pytest.mark.parametrize(("text", "surface"), SURFACES)
def test_parse_surface(text: str, surface: str) -> None:
    assert parse_surface(text) == surface


@pytest.mark.parametrize("text", ["", "outside", "parkrun", "dunno"])
def test_parse_surface_nothing(text: str) -> None:
    assert parse_surface(text) is None


EFFORTS = [
    ("easy", ("easy", None)),
    ("Relaxed", ("easy", None)),
    ("chill", ("easy", None)),
    ("gentle recovery jog", ("easy", None)),
    ("moderate", ("moderate", None)),
    ("steady", ("moderate", None)),
    ("medium", ("moderate", None)),
    ("ok", ("moderate", None)),
    ("tempo-ish", ("moderate", None)),
    ("not too hard", ("moderate", None)),
    ("hard", ("hard", None)),
    ("tough 😤", ("hard", None)),
    ("all out", ("hard", None)),
    ("race", ("hard", None)),
    ("intervals", ("hard", None)),
    ("tempo", ("hard", None)),
    ("2", ("easy", 2)),
    ("3", ("easy", 3)),
    ("4", ("moderate", 4)),
    ("6", ("moderate", 6)),
    ("7", ("hard", 7)),
    ("10", ("hard", 10)),
    ("RPE 7", ("hard", 7)),
    ("effort 7/10", ("hard", 7)),
    ("5/10", ("moderate", 5)),
    ("easy, 3", ("easy", 3)),
    ("easy but I'd say 8", ("hard", 8)),
    ("easy-ish", ("easy", None)),
    ("not easy", ("moderate", None)),
    ("a 6", ("moderate", 6)),
    ("8/10 😅", ("hard", 8)),
]


@pytest.mark.parametrize(("text", "expected"), EFFORTS)
def test_parse_effort(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_effort(text) == expected


@pytest.mark.parametrize("text", ["0", "effort 0", "11", "RPE 12", "15/10", "-2"])
def test_parse_effort_rejects(text: str) -> None:
    with pytest.raises(InputError, match="1 \\(very easy\\) to 10"):
        parse_effort(text)


@pytest.mark.parametrize("text", ["no idea", "hard to say", ""])
def test_parse_effort_nothing(text: str) -> None:
    assert parse_effort(text) is None


PAIN_SCORES = [
    ("4", 4),
    ("4/10", 4),
    ("4 / 10", 4),
    ("4 out of 10", 4),
    ("four", 4),
    ("Four.", 4),
    ("pain 4", 4),
    ("pain is about a 6", 6),
    ("maybe a 3 I'd say", 3),
    ("0", 0),
    ("zero", 0),
    ("none", 0),
    ("10/10 😭", 10),
    ("2.5", 3),
    ("about a four", 4),
    ("7 out of ten", 7),
    ("pain was 2/10, effort 8/10", 2),
    ("effort 8/10, pain 2", 2),
]


@pytest.mark.parametrize(("text", "score"), PAIN_SCORES)
def test_parse_pain_score(text: str, score: int) -> None:
    assert parse_pain_score(text) == score


@pytest.mark.parametrize("text", ["11", "pain 11", "12/10", "-1", "eleven"])
def test_parse_pain_score_rejects(text: str) -> None:
    with pytest.raises(InputError, match="0 \\(none\\) to 10"):
        parse_pain_score(text)


@pytest.mark.parametrize("text", ["", "bad", "it hurts"])
def test_parse_pain_score_nothing(text: str) -> None:
    assert parse_pain_score(text) is None


PAIN_WHERE = [
    ("lower back", ["low_back_centre"]),
    ("Low back", ["low_back_centre"]),
    ("lumbar", ["low_back_centre"]),
    ("lowerback", ["low_back_centre"]),
    ("lower back, left side", ["low_back_side"]),
    ("right side of my lower back", ["low_back_side"]),
    ("lower back on one side", ["low_back_side"]),
    ("my back", ["low_back_centre"]),
    ("my back hurts", ["low_back_centre"]),
    ("upper back", ["upper_back"]),
    ("between my shoulder blades", ["upper_back"]),
    ("mid back", ["upper_back"]),
    ("left buttock", ["buttock"]),
    ("my bum", ["buttock"]),
    ("glute", ["leg_muscles"]),  # a sore muscle on its own; with nerve words it is the buttock
    ("butt", ["buttock"]),
    ("back of my thigh", ["leg_above_knee"]),
    ("hamstring", ["leg_muscles"]),
    ("above the knee", ["leg_above_knee"]),
    ("calf", ["leg_muscles"]),
    ("shin", ["leg_below_knee"]),
    ("foot", ["leg_below_knee"]),
    ("below the knee", ["leg_below_knee"]),
    ("numbness down my left leg", ["leg_below_knee"]),
    ("both legs", ["both_legs"]),
    ("lower back and right buttock", ["low_back_centre", "buttock"]),
    ("lower back, glute and hamstring 😣", ["low_back_centre", "leg_muscles"]),
    ("my back felt great, calf sore", ["leg_muscles"]),
    ("sore hamstrings", ["leg_muscles"]),
    ("numb glute", ["buttock"]),
    ("pain from my lower back down into my hamstring", ["low_back_centre", "leg_above_knee"]),
    ("came back home", []),
    ("came back sore", []),
    ("LOWER BACK", ["low_back_centre"]),
    ("upperback", ["upper_back"]),
    ("both sides of my lower back", ["low_back_side"]),
    ("down both legs", ["both_legs"]),
    ("left calf and right calf", ["leg_muscles"]),
    ("numb left calf and right calf", ["leg_below_knee", "both_legs"]),
    ("The pain shoots down my right leg to my foot", ["leg_below_knee"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "places"), PAIN_WHERE)
def test_parse_pain_where(text: str, places: list[str]) -> None:
    assert parse_pain_where(text) == places


PAIN_KINDS = [
    ("ache", ["ache"]),
    ("aching", ["ache"]),
    ("achy", ["ache"]),
    ("Sore", ["ache"]),
    ("dull", ["ache"]),
    ("a niggle", ["ache"]),
    ("stiff", ["stiffness"]),
    ("stiffnes", ["stiffness"]),
    ("tight", ["stiffness"]),
    ("tightness", ["stiffness"]),
    ("spasm", ["spasm"]),
    ("spasms", ["spasm"]),
    ("cramp", ["spasm"]),
    ("seized up", ["spasm"]),
    ("locked up", ["spasm"]),
    ("sharp", ["sharp"]),
    ("stabbing", ["sharp"]),
    ("shooting", ["sharp"]),
    ("a twinge", ["sharp"]),
    ("pinch", ["sharp"]),
    ("burning", ["tingling"]),
    ("tingling", ["tingling"]),
    ("tingeling", ["tingling"]),
    ("pins and needles", ["tingling"]),
    ("electric", ["tingling"]),
    ("numb", ["numbness"]),
    ("numbness", ["numbness"]),
    ("no feeling", ["numbness"]),
    ("stiff and achy", ["ache", "stiffness"]),
    ("not sharp, just a dull ache", ["ache"]),
    ("sore but no numbness or tingling", ["ache"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "kinds"), PAIN_KINDS)
def test_parse_pain_kind(text: str, kinds: list[str]) -> None:
    assert parse_pain_kind(text) == kinds


SINCE = [
    ("today", 0),
    ("this run", 0),
    ("during the run", 0),
    ("just now", 0),
    ("started running", 0),
    ("yesterday", 1),
    ("Yesterday 🙁", 1),
    ("2 days", 2),
    ("a couple of days", 2),
    ("few days", 3),
    ("a few days ago", 3),
    ("a week", 7),
    ("last week", 7),
    ("two weeks", 14),
    ("3 weeks", 21),
    ("a month", 30),
    ("months", 60),
    ("ages", 365),
    ("years", 365),
    ("5", 5),
    ("since yesterday", 1),
    ("3 days ago", 3),
    ("about a week", 7),
    ("2 months", 60),
    ("a fortnight", 14),
    ("the day before yesterday", 2),
    ("last night", 1),
    ("for a week but worse this run", 7),
]


@pytest.mark.parametrize(("text", "days"), SINCE)
def test_parse_since_days(text: str, days: int) -> None:
    assert parse_since_days(text) == days


def test_parse_since_days_nothing() -> None:
    assert parse_since_days("not sure") is None


TRENDS = [
    ("better", "better"),
    ("Easing", "better"),
    ("improving", "better"),
    ("getting better 🙂", "better"),
    ("same", "same"),
    ("no change", "same"),
    ("unchanged", "same"),
    ("similar", "same"),
    ("not getting any worse", "same"),
    ("worse", "worse"),
    ("getting worse", "worse"),
    ("worsening", "worse"),
    ("was better but now worse", "worse"),
    ("no better", "same"),
    ("not improving", "same"),
    ("it's getting worse and worse", "worse"),
    ("", None),
    ("hmm", None),
]


@pytest.mark.parametrize(("text", "trend"), TRENDS)
def test_parse_trend(text: str, trend: str | None) -> None:
    assert parse_trend(text) == trend


YES_NO = [
    ("yes", True),
    ("Yeah", True),
    ("yep 👍", True),
    ("y", True),
    ("sure", True),
    ("it does", True),
    ("true", True),
    ("no", False),
    ("Nope", False),
    ("n", False),
    ("not really", False),
    ("nah", False),
    ("it doesn't", False),
    ("it does not", False),
    ("Yes it does", True),
    ("No it doesn't", False),
    ("nope 🙅", False),
    ("I think so", None),
    ("not sure", None),
    ("maybe", None),
    ("", None),
    ("banana", None),
]


@pytest.mark.parametrize(("text", "answer"), YES_NO)
def test_parse_yes_no(text: str, answer: bool | None) -> None:
    assert parse_yes_no(text) is answer


HAS_PAIN = [
    ("no pain", False),
    ("No pain at all 🎉", False),
    ("pain free", False),
    ("pain-free", False),
    ("not really", False),
    ("no niggles", False),
    ("pain 0", False),
    ("no, felt great", False),
    ("a little", True),
    ("only a tiny niggle", True),
    ("yes, lower back", True),
    ("felt great", False),
    ("nothing hurts", False),
    ("all good", False),
    ("0/10", False),
    ("none", False),
    ("no", False),
    ("my back felt fine", False),
    ("it hurts", True),
    ("some pain", True),
    ("sore", True),
    ("a bit achy", True),
    ("stiff", True),
    ("a twinge", True),
    ("spasm", True),
    ("numb", True),
    ("tingling", True),
    ("lower back", True),
    ("felt great but my calf is sore", True),
    ("yes", True),
    ("hmm", None),
]


@pytest.mark.parametrize(("text", "answer"), HAS_PAIN)
def test_parse_has_pain(text: str, answer: bool | None) -> None:
    assert parse_has_pain(text) is answer


SIGNS = [
    ("numb around my groin", ["saddle_numbness"]),
    ("tingling between my legs", ["saddle_numbness"]),
    ("numbness in the saddle area", ["saddle_numbness"]),
    ("my genitals feel numb", ["saddle_numbness"]),
    ("numb bum", ["saddle_numbness"]),
    ("no feeling in my inner thighs", ["saddle_numbness"]),
    ("new trouble peeing", ["bladder_bowel"]),
    ("I can't pee properly", ["bladder_bowel"]),
    ("couldn't wee", ["bladder_bowel"]),
    ("wet myself on the run", ["bladder_bowel"]),
    ("lost control of my bowels", ["bladder_bowel"]),
    ("some incontinence", ["bladder_bowel"]),
    ("can't feel when I need to go", ["bladder_bowel"]),
    ("peed myself", ["bladder_bowel"]),
    ("Soiled myself 😳", ["bladder_bowel"]),
    ("both legs are numb", ["both_legs"]),
    ("both legs feel weak", ["both_legs"]),
    ("my legs keep giving way", ["both_legs"]),
    ("leg getting weaker", ["leg_weakness_worsening", "leg_weakness"]),
    ("my foot is dragging more and more", ["leg_weakness_worsening", "leg_weakness"]),
    ("leg weakness getting worse", ["leg_weakness_worsening", "leg_weakness"]),
    ("foot drop", ["leg_weakness"]),
    ("my left leg gave way", ["leg_weakness"]),
    ("can't lift my foot", ["leg_weakness"]),
    ("I fell on the ice", ["fall_injury"]),
    ("started after a fall", ["fall_injury"]),
    ("tripped and landed on my back", ["fall_injury"]),
    ("car accident last year", ["fall_injury"]),  # long over: asked about (signs.find(...).ask), not an emergency
    ("got hit by a bike", ["major_trauma", "fall_injury"]),
    ("I have a fever", ["fever_unwell"]),
    ("running a temperature", ["fever_unwell"]),
    ("feverish", ["fever_unwell"]),
    ("I feel unwell", ["fever_unwell"]),
    ("feel ill", ["fever_unwell"]),
    ("chills", ["fever_unwell"]),
    ("it wakes me up at night", ["night_pain"]),
    ("woke me up", ["night_pain"]),
    ("worse lying down", ["night_pain"]),
    ("can't sleep for the pain", ["night_pain"]),
    ("lost weight without trying", ["weight_loss"]),
    ("unexplained weight loss", ["weight_loss"]),
    ("history of cancer", ["cancer_history"]),
    ("I had cancer", ["cancer_history"]),
    ("numb groin and can't pee", ["saddle_numbness", "bladder_bowel"]),
    ("numb on the inside of my thighs", ["saddle_numbness"]),
    ("my feet are numb", ["both_legs"]),
    ("numbness in my legs", ["both_legs"]),
    ("both feet numb", ["both_legs"]),
    ("I cant pee", ["bladder_bowel"]),
    ("I can\u2019t pee", ["bladder_bowel"]),
    ("pooed myself 💩", ["bladder_bowel"]),
    ("my leg feels weak", ["leg_weakness"]),
    ("fell over", ["fall_injury"]),
    ("WOKE ME UP at 3am", ["night_pain"]),
    # negation and normal life must stay quiet
    ("no numbness", []),
    ("not numb", []),
    ("without any tingling", []),
    ("no problems peeing", []),
    ("no fever", []),
    ("didn't fall", []),
    ("I haven't fallen", []),
    ("no numbness around my groin", []),
    ("my groin isn't numb", []),
    ("it doesn't wake me up", []),
    ("never had cancer", []),
    ("no bladder or bowel problems", []),
    ("both legs aren't weak", []),
    ("had to stop for a toilet break as usual", []),
    ("normal pit stop for a poo", []),
    ("needed the loo like always", []),
    ("numbness down my left leg", []),
    ("both legs tingling", ["both_legs"]),  # tingling in both legs is an emergency sign (E3)
    ("pain in my buttock", []),
    ("fell asleep after the run", []),
    ("my mum had cancer", []),
    ("woke up stiff", []),
    ("I nearly fell", []),
    ("fever? no", []),
    ("numbness: none", []),
    ("no leg weakness", []),
    ("peeing is fine", []),
    ("my temperature is normal", []),
    ("legs felt heavy at the end", []),
    ("fell running over the hills", []),
    ("numbnes around my groyne", ["saddle_numbness"]),  # typos near the groin must not be missed
    ("", []),
]


@pytest.mark.parametrize(("text", "signs"), SIGNS)
def test_parse_signs(text: str, signs: list[str]) -> None:
    assert parse_signs(text) == signs


def test_example_message() -> None:
    result = extract("ran 8 km in 45 min on concrete, lower back aching 4/10 since yesterday, getting worse")
    assert result.values == {
        "distance_km": 8.0,
        "duration_min": 45.0,
        "surface": "road",
        "has_pain": True,
        "pain_where": ["low_back_centre"],
        "pain_kind": ["ache"],
        "pain_score": 4,
        "pain_since_days": 1,
        "pain_trend": "worse",
    }
    assert result.problems == []


EXTRACTS = [
    ("8", {}),
    ("did 10k, RPE 7, no pain 💪", {"distance_km": 10.0, "effort": "hard", "effort_score": 7, "has_pain": False}),
    (
        "5 miles easy on the treadmil",
        {"distance_km": 5 * MILE, "effort": "easy", "surface": "treadmill"},
    ),
    (
        "Half marathon in 1:52:10 on tarmac, effort 8/10",
        {"distance_km": 21.0975, "duration_min": 112.17, "surface": "road", "effort": "hard", "effort_score": 8},
    ),
    (
        "an hour on trails, stiff lower back that loosens up after a mile",
        {
            "duration_min": 60.0, "surface": "trail", "has_pain": True,
            "pain_where": ["low_back_centre"], "pain_kind": ["stiffness"], "eases_with_warmup": True,
        },
    ),
    (
        "my back always hurts after running, it doesn't ease",
        {
            "has_pain": True, "pain_where": ["low_back_centre"], "every_run": True,
            "eases_with_warmup": False,
        },
    ),
    (
        "sharp pain in my left buttock after every run for 2 weeks",
        {
            "has_pain": True, "pain_where": ["buttock"], "pain_kind": ["sharp"],
            "pain_since_days": 14, "every_run": True,
        },
    ),
    (
        "lower back sore, numb around my groin and couldn't wee after",
        {
            "has_pain": True, "pain_where": ["low_back_centre"], "pain_kind": ["ache", "numbness"],
            "signs": ["saddle_numbness", "bladder_bowel"],
        },
    ),
    (
        "ran at 7:30 this morning, felt great, no numbness",
        {"has_pain": False},
    ),
    ("45m steady, 5:30/km pace", {"duration_min": 45.0, "effort": "moderate"}),
    (
        "Ran 6.2 miles in 58:30, felt ok but my lower back on the right is tight, maybe 3/10",
        {
            "distance_km": 6.2 * MILE, "duration_min": 58.5, "has_pain": True,
            "pain_where": ["low_back_side"], "pain_kind": ["stiffness"], "pain_score": 3,
        },
    ),
    (
        "my back has been aching for a couple of weeks, worse at night, wakes me up",
        {
            "has_pain": True, "pain_where": ["low_back_centre"], "pain_kind": ["ache"],
            "pain_since_days": 14, "pain_trend": "worse", "signs": ["night_pain"],
        },
    ),
    (
        "both legs tingling after the run",
        {"has_pain": True, "pain_where": ["both_legs"], "pain_kind": ["tingling"], "signs": ["both_legs"]},
    ),
    (
        "ran 30 min, back pain 5/10 and effort 7/10",
        {
            "duration_min": 30.0, "has_pain": True, "pain_where": ["low_back_centre"], "pain_score": 5,
            "effort": "hard", "effort_score": 7,
        },
    ),
    (
        "slipped on ice and landed on my back, now pain 7",
        {"has_pain": True, "pain_where": ["low_back_centre"], "pain_score": 7, "signs": ["fall_injury"]},
    ),
    ("had to stop for a toilet break as usual, otherwise fine", {"has_pain": False}),
    (
        "5k in 30 min on grass, easy, back a bit stiff 2/10 today, better, eases once warm",
        {
            "distance_km": 5.0, "duration_min": 30.0, "surface": "grass", "effort": "easy",
            "has_pain": True, "pain_where": ["low_back_centre"], "pain_kind": ["stiffness"],
            "pain_score": 2, "pain_since_days": 0, "pain_trend": "better", "eases_with_warmup": True,
        },
    ),
    (
        "lower back tight, goes away once I warm up, not every run though",
        {
            "has_pain": True, "pain_where": ["low_back_centre"], "pain_kind": ["stiffness"],
            "eases_with_warmup": True, "every_run": False,
        },
    ),
    ("no numbness, no tingling, no problems with peeing, no fever", {"has_pain": False}),
]


@pytest.mark.parametrize(("text", "values"), EXTRACTS)
def test_extract(text: str, values: dict[str, object]) -> None:
    result = extract(text)
    assert result.problems == []
    assert result.values.keys() == values.keys()
    for key, value in values.items():
        if isinstance(value, float):
            assert result.values[key] == pytest.approx(value, abs=0.01), key
        else:
            assert result.values[key] == value, key


def test_extract_bare_number_in_miles_is_not_a_distance() -> None:
    assert "distance_km" not in extract("8", units="mi").values


def test_extract_reports_problems_instead_of_values() -> None:
    result = extract("ran 500 km in 30 hours, effort 0, pain 11/10 in my lower back")
    assert isinstance(result, Extraction)
    for key in ("distance_km", "duration_min", "effort", "effort_score", "pain_score"):
        assert key not in result.values
    assert len(result.problems) == 4
    assert any("500 km" in p for p in result.problems)
    assert any("30 hours" in p for p in result.problems)
    assert result.values["pain_where"] == ["low_back_centre"]


def test_extract_uses_runner_units_only_for_explicit_units() -> None:
    assert extract("ran 6 miles", units="km").values["distance_km"] == pytest.approx(6 * MILE, abs=0.01)
    assert extract("ran 10 km", units="mi").values["distance_km"] == 10.0


@pytest.mark.parametrize(
    ("parse", "text", "nothing"),
    [
        (parse_effort, "not sure though", None),
        (parse_surface, "grave concerns", None),
        (parse_pain_kind, "went camping", []),
        (parse_pain_kind, "arching my feet", []),
        (parse_trend, "similarly", None),
        (parse_pain_where, "the sun shines", []),
    ],
)
def test_real_words_are_not_typos(parse: object, text: str, nothing: object) -> None:
    assert parse(text) == nothing  # type: ignore[operator]


PARSERS = [
    parse_distance,
    parse_duration,
    parse_surface,
    parse_effort,
    parse_pain_score,
    parse_pain_where,
    parse_pain_kind,
    parse_since_days,
    parse_trend,
    parse_yes_no,
    parse_signs,
    parse_has_pain,
    extract,
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300))
def test_parsers_only_raise_input_error(text: str) -> None:
    for parse in PARSERS:
        try:
            parse(text)
        except InputError as error:
            assert str(error)


@settings(max_examples=150, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            ["8", "km", "min", "/10", "pain", "no", "numb", "groin", "-", ":", "30", "hours", "effort",
             "back", "and", ",", "0", "12", "half", "an", "hour", "rpe", "days", "ago", " "]
        ),
        max_size=30,
    ).map(" ".join)
)
def test_parsers_only_raise_input_error_on_runner_like_text(text: str) -> None:
    for parse in PARSERS:
        try:
            parse(text)
        except InputError as error:
            assert str(error)


@pytest.mark.parametrize(
    ("text", "trend", "aggravated"),
    [
        ("back good in the morning but running makes it worse every time, 3k today", None, True),
        ("whenever I run the back pain go up, walking is ok", None, True),
        ("5k, back pain 4/10, getting worse since tuesday", "worse", None),
        ("5k, back better than yesterday, but running makes it worse", "better", True),
    ],
)
def test_worse_when_running_is_an_aggravation_not_a_trend(text: str, trend: str | None, aggravated: bool | None) -> None:
    values = extract(text).values
    assert (values.get("pain_trend"), values.get("aggravated")) == (trend, aggravated)
