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

from dialogs.models import Checkin, PainKind, PainWhere, Sign, Tier, TriageResult, Trend

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


def _both_legs_numb(c: Checkin) -> bool:
    return _where(c, PainWhere.BOTH_LEGS) and _kind(c, PainKind.NUMBNESS)


def _both_legs_tingling(c: Checkin) -> bool:
    return (
        _where(c, PainWhere.BOTH_LEGS) and _kind(c, PainKind.TINGLING) and not _kind(c, PainKind.NUMBNESS)
    )


E, T, S, R, K = Tier.EMERGENCY, Tier.DOCTOR_TODAY, Tier.DOCTOR_SOON, Tier.REST, Tier.KEEP_EASY

RULES: tuple[Rule, ...] = (
    Rule("E0", E, "yes to one of the urgent warning signs", (), _sign(Sign.URGENT_UNSPECIFIED)),
    Rule("E1", E, "numbness around the groin, buttocks or inner thighs", (), _sign(Sign.SADDLE_NUMBNESS)),
    Rule("E2", E, "new trouble peeing, or losing control of bladder or bowels", (), _sign(Sign.BLADDER_BOWEL)),
    Rule(
        "E3",
        E,
        "weakness or numbness in both legs",
        ("P6",),
        lambda c: Sign.BOTH_LEGS.value in c.signs or _both_legs_numb(c),
    ),
    Rule("E4", E, "leg weakness that is getting worse quickly", ("P6",), _sign(Sign.LEG_WEAKNESS_WORSENING)),
    Rule("T1", T, "the pain came after a fall or an accident", (), _sign(Sign.FALL_INJURY)),
    Rule("T2", T, "back pain with a fever or feeling unwell", (), _sign(Sign.FEVER_UNWELL)),
    Rule("T3", T, "new weakness in one leg", ("P6",), _sign(Sign.LEG_WEAKNESS)),
    Rule("T4", T, "very strong pain (9 or 10 out of 10)", (), lambda c: _score_at_least(c, 9)),
    Rule("T5", T, "tingling in both legs", ("P6",), _both_legs_tingling),
    Rule("S1", S, "pain that wakes you at night or is worse lying down", ("P9",), _sign(Sign.NIGHT_PAIN)),
    Rule("S2", S, "unexplained weight loss or a history of cancer", (), _sign(Sign.WEIGHT_LOSS_CANCER)),
    # GUIDANCE's safety list says any pain lasting beyond a couple of days, so
    # pain that is easing still counts (the brief excluded trend "better").
    Rule(
        "S3",
        S,
        "pain that has lasted more than a couple of days, even if it is easing",
        ("P8",),
        lambda c: _days_at_least(c, 3),
    ),
    Rule(
        "S4",
        S,
        "pain that has been getting worse over the days",
        ("P8",),
        lambda c: c.pain_trend == Trend.WORSE.value and _days_at_least(c, 1),
    ),
    Rule(
        "S5",
        S,
        "tingling or numbness below the knee",
        ("P6",),
        lambda c: _where(c, PainWhere.LEG_BELOW_KNEE) and _kind(c, PainKind.TINGLING, PainKind.NUMBNESS),
    ),
    Rule(
        "S6",
        S,
        "steady pain after every run, worth a check by a spine specialist",
        ("P7",),
        lambda c: c.every_run is True,
    ),
    Rule(
        "S7",
        S,
        "numbness in the buttock or one leg",
        ("P6",),
        lambda c: _kind(c, PainKind.NUMBNESS) and _one_side_leg(c),
    ),
    Rule(
        "S8",
        S,
        "pain in both legs",
        ("P6",),
        lambda c: _where(c, PainWhere.BOTH_LEGS) and not _kind(c, PainKind.TINGLING, PainKind.NUMBNESS),
    ),
    Rule("R1", R, "muscle spasm in the back", ("P1", "P2"), lambda c: _kind(c, PainKind.SPASM)),
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
        "tingling in the buttock or upper leg on one side; see a clinician if it stays",
        ("P6",),
        lambda c: _kind(c, PainKind.TINGLING)
        and _where(c, PainWhere.BUTTOCK, PainWhere.LEG_ABOVE_KNEE)
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
        lambda c: c.pain_trend == Trend.WORSE.value,
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
