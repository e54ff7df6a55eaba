"""Pure, table-driven triage of a post-run check-in.

Each `Rule` in `RULES` looks at one `Checkin` and says whether it applies; the
result's tier is the most urgent tier among the rules that apply. The rules
follow GUIDANCE.md ("When it hurts" P1-P9 and "Beyond the articles: safety").
Reasons are plain words for the runner and never name a diagnosis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from dialogs.models import AgeBand, Checkin, PainKind, PainWhere, Risk, Sign, Tier, TriageResult, Trend

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    id: str
    tier: Tier
    reason: str
    guidance: tuple[str, ...]
    applies: Callable[[Checkin], bool]


ONE_SIDE_LEG = frozenset({PainWhere.BUTTOCK.value, PainWhere.LEG_ABOVE_KNEE.value, PainWhere.LEG_BELOW_KNEE.value})
WEAKNESS_SIGNS = frozenset({Sign.LEG_WEAKNESS.value, Sign.LEG_WEAKNESS_WORSENING.value})


def _sign(sign: Sign) -> Callable[[Checkin], bool]:
    return lambda c: sign.value in c.signs


def _where(c: Checkin, *places: PainWhere) -> bool:
    return any(p.value in c.pain_where for p in places)


def _kind(c: Checkin, *kinds: PainKind) -> bool:
    return any(k.value in c.pain_kind for k in kinds)


def _score_at_least(c: Checkin, n: int) -> bool:
    return c.pain_score is not None and c.pain_score >= n


def _score_at_most(c: Checkin, n: int) -> bool:
    return c.pain_score is not None and c.pain_score <= n


def _days_at_least(c: Checkin, n: int) -> bool:
    return c.pain_since_days is not None and c.pain_since_days >= n


def _one_side_leg(c: Checkin) -> bool:
    return bool(ONE_SIDE_LEG & set(c.pain_where)) and not _where(c, PainWhere.BOTH_LEGS)


E, T, S, R, K = Tier.EMERGENCY, Tier.DOCTOR_TODAY, Tier.DOCTOR_SOON, Tier.REST, Tier.KEEP_EASY
OLDER = frozenset({AgeBand.FROM_50.value, AgeBand.FROM_65.value})
AGE_RISK = frozenset({AgeBand.UNDER_20.value, *OLDER})
NEW_PAIN_DAYS = 90  # pain older than about 3 months is not "new"
NOT_SETTLING_DAYS = 14  # "no better after about two weeks"


def _has(c: Checkin, *signs: Sign) -> bool:
    return any(s.value in c.signs for s in signs)


def _risk(c: Checkin, risk: Risk, sign: Sign) -> bool:
    return risk.value in c.risks or sign.value in c.signs


def _back_pain(c: Checkin) -> bool:
    """Pain reported anywhere but only in sore leg muscles."""
    return bool(c.has_pain) and set(c.pain_where) != {PainWhere.LEG_MUSCLES.value}


def _new_pain(c: Checkin) -> bool:
    return _back_pain(c) and (c.pain_since_days is None or c.pain_since_days < NEW_PAIN_DAYS)


def _thin_bones(c: Checkin) -> bool:
    return _risk(c, Risk.OSTEOPOROSIS, Sign.OSTEOPOROSIS) or _risk(c, Risk.STEROIDS, Sign.STEROIDS)


def _settling(c: Checkin) -> bool:
    """Clearly a strain settling quickly: improving, easing once warm, or mild and only a day or so old."""
    if c.pain_trend == Trend.WORSE.value:
        return False
    return c.pain_trend == Trend.BETTER.value or (_score_at_most(c, 3) and (c.pain_since_days or 0) <= 2)


def _not_settling(c: Checkin) -> bool:
    """No better after about two weeks; pain of more than 3 months is long-standing, not "not settling"."""
    return (
        _days_at_least(c, NOT_SETTLING_DAYS)
        and not _days_at_least(c, NEW_PAIN_DAYS)
        and c.pain_trend != Trend.BETTER.value
    )


RULES: tuple[Rule, ...] = (
    Rule("E0", E, "yes or not sure to one of the urgent warning signs", (), _sign(Sign.URGENT_UNSPECIFIED)),
    Rule("E1", E, "numbness or a changed feeling around the groin, bottom or inner thighs", (), _sign(Sign.SADDLE_NUMBNESS)),
    Rule("E2", E, "new trouble peeing, or losing control of bladder or bowels", (), _sign(Sign.BLADDER_BOWEL)),
    Rule(
        "E3",
        E,
        "weakness, numbness or tingling in both legs",
        ("P6",),
        lambda c: Sign.BOTH_LEGS.value in c.signs
        or (_where(c, PainWhere.BOTH_LEGS) and _kind(c, PainKind.NUMBNESS, PainKind.TINGLING)),
    ),
    Rule("E4", E, "leg weakness that is getting worse quickly", ("P6",), _sign(Sign.LEG_WEAKNESS_WORSENING)),
    Rule("E5", E, "chest, arm or jaw pain, breathlessness or fainting, which can come from the heart", (), _sign(Sign.HEART)),
    Rule("E6", E, "a sudden, severe tearing pain in the belly or back", (), _sign(Sign.AORTA)),
    Rule("E7", E, "a crash, a fall from a height, or a hard fall onto the spine", (), _sign(Sign.MAJOR_TRAUMA)),
    Rule(
        "E9",
        E,
        "a hard fall with strong pain in the middle of the spine",
        (),
        lambda c: _has(c, Sign.HARD_FALL_CENTRAL) and (_score_at_least(c, 7) or _has(c, Sign.PAIN_DISABLING)),
    ),
    Rule(
        "E8",
        E,
        "a fall with thin bones at 65 or over",
        (),
        lambda c: _has(c, Sign.FALL_INJURY) and _thin_bones(c) and c.age_band == AgeBand.FROM_65.value,
    ),
    Rule("T1", T, "a fall, lift or twist with thin bones or long-term steroids", (), lambda c: _has(c, Sign.FALL_INJURY) and _thin_bones(c)),
    Rule("T2", T, "back pain with a fever, chills or feeling unwell", (), _sign(Sign.FEVER_UNWELL)),
    Rule("T3", T, "new weakness in one leg or foot", ("P6",), _sign(Sign.LEG_WEAKNESS)),
    Rule(
        "T4",
        T,
        "pain so strong (9 or 10 out of 10) it stops you moving",
        (),
        lambda c: _score_at_least(c, 9) or _has(c, Sign.PAIN_DISABLING),
    ),
    Rule("T5", T, "new back pain after cancer in the past", (), lambda c: _risk(c, Risk.CANCER, Sign.CANCER_HISTORY) and _new_pain(c)),
    Rule(
        "T6",
        T,
        "back pain with a weakened immune system or long-term steroid tablets",
        (),
        lambda c: (_risk(c, Risk.IMMUNE, Sign.IMMUNE_WEAK) or _risk(c, Risk.STEROIDS, Sign.STEROIDS)) and _back_pain(c),
    ),
    Rule("T7", T, "back pain after a recent infection", (), lambda c: _has(c, Sign.INFECTION_RISK) and _back_pain(c)),
    Rule("T8", T, "severe pain that is much easier lying down", (), _sign(Sign.SEVERE_LYING_EASES)),
    Rule("T9", T, "yes or not sure to one of the see-a-doctor-today signs", (), _sign(Sign.SCREEN_TODAY)),
    Rule("S1", S, "pain at night that wakes you or that no position eases", ("P9",), _sign(Sign.NIGHT_PAIN)),
    Rule("S2", S, "weight loss you can't explain", (), lambda c: _has(c, Sign.WEIGHT_LOSS, Sign.WEIGHT_LOSS_CANCER)),
    Rule("S3", S, "pain that is no better after about two weeks", ("P8",), lambda c: _back_pain(c) and _not_settling(c)),
    Rule(
        "S4",
        S,
        "pain that has been getting worse day by day",
        ("P8",),
        lambda c: c.pain_trend == Trend.WORSE.value and _days_at_least(c, 2),
    ),
    Rule(
        "S5",
        S,
        "pain below the knee that is not settling after a couple of weeks",
        ("P6",),
        lambda c: _where(c, PainWhere.LEG_BELOW_KNEE) and _not_settling(c),
    ),
    Rule(
        "S6",
        S,
        "steady pain after every run for weeks, worth a check by a spine specialist",
        ("P7",),
        lambda c: c.every_run is True and _days_at_least(c, NOT_SETTLING_DAYS),
    ),
    Rule(
        "R7",
        R,
        "numbness in the buttock or one leg; see a clinician if it stays",
        ("P6",),
        lambda c: _kind(c, PainKind.NUMBNESS) and _one_side_leg(c),
    ),
    Rule(
        "S8",
        S,
        "sharp or shooting pain in both legs",
        ("P6",),
        lambda c: _where(c, PainWhere.BOTH_LEGS)
        and _kind(c, PainKind.SHARP)
        and not _kind(c, PainKind.TINGLING, PainKind.NUMBNESS),
    ),
    Rule(
        "S9",
        S,
        "new back pain at your age that is not clearly settling",
        (),
        lambda c: c.age_band in AGE_RISK and _new_pain(c) and not _settling(c),
    ),
    Rule("S10", S, "pain in several places", (), _sign(Sign.SEVERAL_PLACES)),
    Rule("S11", S, "a long-standing pattern of morning stiffness or night waking", (), _sign(Sign.INFLAMMATORY)),
    Rule("S12", S, "yes or not sure to one of the see-a-doctor-soon signs", (), _sign(Sign.SCREEN_SOON)),
    Rule("R1", R, "muscle spasm in the back", ("P1", "P2"), lambda c: _kind(c, PainKind.SPASM) and _back_pain(c)),
    Rule(
        "R2",
        R,
        "sharp pain (4 out of 10 or more)",
        ("P2",),
        lambda c: _kind(c, PainKind.SHARP) and _score_at_least(c, 4),
    ),
    Rule("R3", R, "strong pain (6 out of 10 or more)", ("P2",), lambda c: _score_at_least(c, 6)),
    Rule(
        "R4",
        R,
        "tingling in the buttock or one leg; see a clinician if it stays",
        ("P6",),
        lambda c: _kind(c, PainKind.TINGLING)
        and _where(c, PainWhere.BUTTOCK, PainWhere.LEG_ABOVE_KNEE, PainWhere.LEG_BELOW_KNEE)
        and not _where(c, PainWhere.BOTH_LEGS)
        and not WEAKNESS_SIGNS & set(c.signs),
    ),
    Rule(
        "R5",
        R,
        "pain spreading into the buttock or one leg; see a clinician if it stays",
        ("P6",),
        lambda c: _one_side_leg(c) and _kind(c, PainKind.ACHE, PainKind.SHARP),
    ),
    # Any day: on later days S4 outranks it; on day 0 "worse" means the run aggravated it.
    Rule(
        "R6",
        R,
        "the pain got worse with running",
        ("P5",),
        lambda c: c.pain_trend == Trend.WORSE.value or c.aggravated is True,
    ),
    Rule("K1", K, "no pain after this run", (), lambda c: c.has_pain is False),
    Rule(
        "K2",
        K,
        "mild stiffness or ache that eases once you warm up",
        ("P4", "W1"),
        lambda c: _kind(c, PainKind.STIFFNESS, PainKind.ACHE)
        and c.eases_with_warmup is True
        and _score_at_most(c, 4),
    ),
    Rule(
        "K3",
        K,
        "mild pain (3 out of 10 or less) with no warning signs",
        ("P4",),
        lambda c: c.has_pain is True and _score_at_most(c, 3) and not _earlier_rule_applies(c, "K3"),
    ),
    Rule(
        "K4",
        K,
        "sore leg muscles after the run, with nothing spreading from the back",
        ("A1",),
        lambda c: bool(c.pain_where) and set(c.pain_where) == {PainWhere.LEG_MUSCLES.value},
    ),
)

NO_RULE = Rule("K0", K, "nothing in this check-in needs more than easy running", (), lambda c: True)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in (*RULES, NO_RULE)}


def _earlier_rule_applies(checkin: Checkin, rule_id: str) -> bool:
    for rule in RULES:
        if rule.id == rule_id:
            return False
        if rule.applies(checkin):
            return True
    raise KeyError(rule_id)


def triage(checkin: Checkin) -> TriageResult:
    """Return the most urgent tier among the rules that apply to `checkin`."""
    fired = sorted((rule for rule in RULES if rule.applies(checkin)), key=lambda rule: rule.tier.rank)
    if not fired:
        fired = [NO_RULE]
    result = TriageResult(tier=fired[0].tier, rules=tuple(rule.id for rule in fired), signs=tuple(checkin.signs))
    logger.debug("triage %s via %s", result.tier.value, ",".join(result.rules))
    return result


def reasons(result: TriageResult) -> list[str]:
    """Plain-words reasons of the fired rules that set the result's tier."""
    return [
        RULES_BY_ID[rule_id].reason
        for rule_id in result.rules
        if rule_id in RULES_BY_ID and RULES_BY_ID[rule_id].tier == result.tier
    ]
