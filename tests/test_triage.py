"""Tests for dialogs.triage: one case per rule, tricky cases, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.models import EMERGENCY_SIGNS, Checkin, PainKind, PainWhere, Sign, Tier, TriageResult, Trend
from dialogs.triage import RULES, RULES_BY_ID, reasons, triage

# Minimal check-ins that trigger each rule.
RULE_CASES: dict[str, Checkin] = {
    "E0": Checkin(signs=["urgent_unspecified"]),
    "E1": Checkin(signs=["saddle_numbness"]),
    "E2": Checkin(signs=["bladder_bowel"]),
    "E3": Checkin(has_pain=True, pain_where=["both_legs"], pain_kind=["numbness"], pain_score=2),
    "E4": Checkin(signs=["leg_weakness_worsening"]),
    "E5": Checkin(signs=["heart"]),
    "E6": Checkin(signs=["aorta"]),
    "E7": Checkin(signs=["major_trauma"]),
    "E8": Checkin(
        has_pain=True, pain_where=["low_back_centre"], pain_score=4, signs=["fall_injury"], risks=["osteoporosis"],
        age_band="65_plus",
    ),
    "E9": Checkin(has_pain=True, pain_where=["low_back_centre"], pain_score=7, signs=["hard_fall_central"]),
    "T1": Checkin(signs=["fall_injury", "osteoporosis"]),
    "T2": Checkin(signs=["fever_unwell"]),
    "T3": Checkin(signs=["leg_weakness"]),
    "T4": Checkin(has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=9),
    "T5": Checkin(
        has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=2, pain_since_days=1,
        risks=["cancer"],
    ),
    "T6": Checkin(has_pain=True, pain_where=["low_back_side"], pain_kind=["ache"], pain_score=2, risks=["immune"]),
    "T7": Checkin(has_pain=True, pain_where=["low_back_centre"], pain_score=2, signs=["infection_risk"]),
    "T8": Checkin(signs=["severe_lying_eases"]),
    "T9": Checkin(signs=["screen_today"]),
    "S1": Checkin(signs=["night_pain"]),
    "S2": Checkin(signs=["weight_loss"]),
    "S3": Checkin(has_pain=True, pain_score=2, pain_since_days=15, pain_trend="same"),
    "S4": Checkin(has_pain=True, pain_score=2, pain_since_days=2, pain_trend="worse"),
    "S5": Checkin(
        has_pain=True, pain_where=["leg_below_knee"], pain_kind=["tingling"], pain_score=2, pain_since_days=15,
        pain_trend="same",
    ),
    "S6": Checkin(has_pain=True, pain_score=2, every_run=True, pain_since_days=21, pain_trend="same"),
    "R7": Checkin(has_pain=True, pain_where=["buttock"], pain_kind=["numbness"], pain_score=2),
    "S8": Checkin(has_pain=True, pain_where=["both_legs"], pain_kind=["sharp"], pain_score=2),
    "S9": Checkin(
        has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=4, pain_since_days=3,
        pain_trend="same", age_band="50_64",
    ),
    "S10": Checkin(signs=["several_places"]),
    "S11": Checkin(signs=["inflammatory"]),
    "S12": Checkin(signs=["screen_soon"]),
    "R1": Checkin(has_pain=True, pain_where=["low_back_centre"], pain_kind=["spasm"], pain_score=2),
    "R2": Checkin(has_pain=True, pain_where=["low_back_side"], pain_kind=["sharp"], pain_score=4),
    "R3": Checkin(has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=6),
    "R4": Checkin(has_pain=True, pain_where=["buttock"], pain_kind=["tingling"], pain_score=2),
    "R5": Checkin(has_pain=True, pain_where=["leg_above_knee"], pain_kind=["ache"], pain_score=2),
    "R6": Checkin(has_pain=True, pain_score=2, pain_since_days=0, pain_trend="worse"),
    "K1": Checkin(has_pain=False),
    "K2": Checkin(has_pain=True, pain_kind=["stiffness"], pain_score=4, eases_with_warmup=True),
    "K3": Checkin(has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=3),
    "K4": Checkin(has_pain=True, pain_where=["leg_muscles"], pain_kind=["ache"], pain_score=3),
}

DIAGNOSIS_WORDS = ("cauda", "equina", "sciatica", "disc", "radiculopathy", "sprain", "strain", "cancer risk")


def test_every_rule_has_a_case() -> None:
    assert set(RULE_CASES) == {rule.id for rule in RULES}


def test_rule_ids_are_unique_and_indexed() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert all(RULES_BY_ID[i] is rule for i, rule in zip(ids, RULES))
    assert RULES_BY_ID["K0"].tier is Tier.KEEP_EASY


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_fires_with_its_tier(rule) -> None:
    result = triage(RULE_CASES[rule.id])
    assert rule.id in result.rules
    assert result.tier is rule.tier
    assert rule.reason in reasons(result)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_reason_names_no_diagnosis(rule) -> None:
    assert rule.reason
    assert not any(word in rule.reason.lower() for word in DIAGNOSIS_WORDS)


def test_rules_listed_most_urgent_first() -> None:
    result = triage(
        Checkin(has_pain=True, pain_kind=["spasm"], pain_score=2, signs=["night_pain", "fall_injury", "osteoporosis"])
    )
    assert result.rules == ("T1", "S1", "R1")
    assert reasons(result) == [RULES_BY_ID["T1"].reason]


def test_nothing_applies_gives_k0() -> None:
    result = triage(Checkin())
    assert result == TriageResult(tier=Tier.KEEP_EASY, rules=("K0",), signs=())
    assert reasons(result) == [RULES_BY_ID["K0"].reason]


def test_signs_are_carried_into_result() -> None:
    result = triage(Checkin(signs=["night_pain", "fever_unwell"]))
    assert result.signs == ("night_pain", "fever_unwell")


# Tricky cases


def test_mild_ache_with_saddle_numbness_is_emergency() -> None:
    checkin = Checkin(
        has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=2, signs=["saddle_numbness"]
    )
    result = triage(checkin)
    assert result.tier is Tier.EMERGENCY
    assert result.rules[0] == "E1"


def test_normal_toilet_stop_is_not_a_sign() -> None:
    checkin = Checkin(has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=3)
    result = triage(checkin)
    assert result.tier is Tier.KEEP_EASY
    assert result.rules == ("K3",)


def test_one_sided_leg_tingling_is_rest_not_doctor() -> None:
    checkin = Checkin(has_pain=True, pain_where=["leg_above_knee"], pain_kind=["tingling"], pain_score=3)
    result = triage(checkin)
    assert result.tier is Tier.REST
    assert "R4" in result.rules
    assert "K3" not in result.rules


def test_one_sided_leg_tingling_with_weakness_goes_to_doctor() -> None:
    checkin = Checkin(
        has_pain=True, pain_where=["leg_above_knee"], pain_kind=["tingling"], pain_score=3, signs=["leg_weakness"]
    )
    result = triage(checkin)
    assert result.tier is Tier.DOCTOR_TODAY
    assert "R4" not in result.rules


def test_stiffness_that_eases_with_warmup_keeps_easy() -> None:
    checkin = Checkin(
        has_pain=True, pain_where=["low_back_centre"], pain_kind=["stiffness"], pain_score=3, eases_with_warmup=True
    )
    result = triage(checkin)
    assert result.tier is Tier.KEEP_EASY
    assert result.rules == ("K2",)


def test_no_pain_keeps_easy() -> None:
    result = triage(Checkin(has_pain=False))
    assert result.tier is Tier.KEEP_EASY
    assert result.rules == ("K1",)


def test_emergency_wins_over_everything_else() -> None:
    checkin = Checkin(
        has_pain=True,
        pain_where=["low_back_centre"],
        pain_kind=["spasm"],
        pain_score=9,
        pain_since_days=20,
        pain_trend="worse",
        signs=["fever_unwell", "saddle_numbness"],
    )
    result = triage(checkin)
    assert result.tier is Tier.EMERGENCY
    assert result.rules[0] == "E1"
    assert {"T2", "T4", "S3", "S4", "R1"} <= set(result.rules)
    assert reasons(result) == [RULES_BY_ID["E1"].reason]


def test_pain_five_days_same_is_not_a_doctor_tier() -> None:
    # GUIDANCE P8 conflict resolution: pain lasting a few days is advice, not a tier that stops running.
    checkin = Checkin(
        has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=3, pain_since_days=5,
        pain_trend="same",
    )
    result = triage(checkin)
    assert result.tier is Tier.KEEP_EASY
    assert "S3" not in result.rules


def test_pain_no_better_after_two_weeks_is_doctor_soon() -> None:
    checkin = Checkin(
        has_pain=True, pain_where=["low_back_centre"], pain_kind=["ache"], pain_score=3, pain_since_days=15,
        pain_trend="same",
    )
    result = triage(checkin)
    assert result.tier is Tier.DOCTOR_SOON
    assert "S3" in result.rules


def test_pain_easing_is_not_doctor_soon_even_after_two_weeks() -> None:
    # S3 is "no better after about two weeks": pain that is getting better does not count.
    for days in (5, 15):
        checkin = Checkin(has_pain=True, pain_kind=["ache"], pain_score=2, pain_since_days=days, pain_trend="better")
        assert triage(checkin).tier is Tier.KEEP_EASY


def test_long_standing_pain_is_not_s3() -> None:
    # More than about 3 months is long-standing, not "not settling".
    checkin = Checkin(has_pain=True, pain_kind=["ache"], pain_score=2, pain_since_days=120, pain_trend="same")
    assert "S3" not in triage(checkin).rules


def test_pain_two_days_same_is_not_doctor() -> None:
    checkin = Checkin(has_pain=True, pain_kind=["ache"], pain_score=2, pain_since_days=2, pain_trend="same")
    assert triage(checkin).tier is Tier.KEEP_EASY


def test_worse_day_by_day_is_doctor_soon() -> None:
    checkin = Checkin(
        has_pain=True, pain_where=["low_back_side"], pain_kind=["ache"], pain_score=4, pain_since_days=2,
        pain_trend="worse",
    )
    result = triage(checkin)
    assert result.tier is Tier.DOCTOR_SOON
    assert result.rules[0] == "S4"


def test_worse_since_yesterday_only_is_rest() -> None:
    # One day of "worse" is not yet "worse day by day" (S4 needs two days or more).
    checkin = Checkin(
        has_pain=True, pain_where=["low_back_side"], pain_kind=["ache"], pain_score=4, pain_since_days=1,
        pain_trend="worse",
    )
    result = triage(checkin)
    assert result.tier is Tier.REST
    assert result.rules == ("R6",)


def test_worse_today_only_is_rest() -> None:
    checkin = Checkin(has_pain=True, pain_kind=["ache"], pain_score=4, pain_since_days=0, pain_trend="worse")
    result = triage(checkin)
    assert result.tier is Tier.REST
    assert result.rules == ("R6",)


def test_spasm_low_back_centre_today_is_rest() -> None:
    checkin = Checkin(
        has_pain=True, pain_where=["low_back_centre"], pain_kind=["spasm"], pain_score=5, pain_since_days=0
    )
    result = triage(checkin)
    assert result.tier is Tier.REST
    assert result.rules == ("R1",)


def test_both_legs_tingling_and_numbness_is_emergency_not_s8() -> None:
    checkin = Checkin(has_pain=True, pain_where=["both_legs"], pain_kind=["tingling", "numbness"], pain_score=2)
    result = triage(checkin)
    assert result.tier is Tier.EMERGENCY
    assert "E3" in result.rules and "S8" not in result.rules


def test_both_legs_tingling_alone_is_emergency() -> None:
    checkin = Checkin(has_pain=True, pain_where=["both_legs"], pain_kind=["tingling"], pain_score=2)
    result = triage(checkin)
    assert result.tier is Tier.EMERGENCY
    assert result.rules[0] == "E3"


def test_dull_ache_in_both_legs_is_not_s8() -> None:
    checkin = Checkin(has_pain=True, pain_where=["both_legs"], pain_kind=["ache"], pain_score=2)
    assert "S8" not in triage(checkin).rules


def test_numbness_in_one_leg_is_rest_not_doctor() -> None:
    checkin = Checkin(has_pain=True, pain_where=["leg_above_knee"], pain_kind=["numbness"], pain_score=2)
    result = triage(checkin)
    assert result.tier is Tier.REST
    assert "R7" in result.rules


def test_sore_leg_muscles_keep_easy_not_nerve_or_rest() -> None:
    checkin = Checkin(has_pain=True, pain_where=["leg_muscles"], pain_kind=["ache"], pain_score=3)
    result = triage(checkin)
    assert result.tier is Tier.KEEP_EASY
    assert "K4" in result.rules
    assert not {"R4", "R5", "R7"} & set(result.rules)


def test_fall_without_thin_bones_is_not_a_doctor_tier() -> None:
    checkin = Checkin(has_pain=True, pain_where=["low_back_centre"], pain_score=2, signs=["fall_injury"])
    assert triage(checkin).tier is Tier.KEEP_EASY


def test_sharp_pain_below_threshold_is_not_rest() -> None:
    checkin = Checkin(has_pain=True, pain_where=["low_back_side"], pain_kind=["sharp"], pain_score=3)
    assert triage(checkin).tier is Tier.KEEP_EASY


# Properties

checkins = st.builds(
    Checkin,
    has_pain=st.none() | st.booleans(),
    pain_where=st.lists(st.sampled_from([p.value for p in PainWhere]), unique=True),
    pain_score=st.none() | st.integers(0, 10),
    pain_kind=st.lists(st.sampled_from([k.value for k in PainKind]), unique=True),
    pain_since_days=st.none() | st.integers(0, 60),
    pain_trend=st.none() | st.sampled_from([t.value for t in Trend]),
    eases_with_warmup=st.none() | st.booleans(),
    every_run=st.none() | st.booleans(),
    signs=st.lists(st.sampled_from([s.value for s in Sign]), unique=True),
    signs_checked=st.booleans(),
)


@given(checkins)
def test_triage_always_gives_one_tier(checkin: Checkin) -> None:
    result = triage(checkin)
    assert isinstance(result.tier, Tier)
    assert result.rules
    assert result.tier is RULES_BY_ID[result.rules[0]].tier
    ranks = [RULES_BY_ID[i].tier.rank for i in result.rules]
    assert ranks == sorted(ranks)
    assert reasons(result)


@given(checkins, st.sampled_from(EMERGENCY_SIGNS))
def test_emergency_sign_always_emergency(checkin: Checkin, sign: Sign) -> None:
    if sign.value not in checkin.signs:
        checkin.signs.append(sign.value)
    assert triage(checkin).tier is Tier.EMERGENCY


@given(checkins, st.sampled_from(list(Sign)))
def test_adding_a_sign_never_lowers_urgency(checkin: Checkin, sign: Sign) -> None:
    before = triage(checkin).tier
    more = Checkin.from_dict({**checkin.to_dict(), "signs": [*checkin.signs, sign.value]})
    after = triage(more).tier
    assert after.rank <= before.rank


def test_pain_that_running_aggravates_is_rest_even_when_not_worse_since_it_began() -> None:
    checkin = Checkin(has_pain=True, pain_kind=["ache"], pain_score=4, pain_since_days=3, pain_trend="same", aggravated=True)
    result = triage(checkin)
    assert result.tier is Tier.REST
    assert result.rules == ("R6",)
