"""Chooses which guidance items a runner sees after a check-in, and renders them.

`select_items` is the pure choice (ordered guidance ids); `build_advice` turns a
check-in into short chat replies: a tier header, a few short sections, and
buttons for the rest. Every button payload is "x:<key>" and `detail(key)`
answers each key these replies offer.
"""

from __future__ import annotations

import logging
import statistics

from dialogs.units import KM_PER_MILE
from dialogs.guidance import SECTIONS, Guidance, Item, load
from dialogs.messages import MAX_BUTTONS_PER_REPLY, Button, Reply, Visibility, rows
from dialogs.safety.care import Care, for_country
from dialogs.models import (
    HARD_SURFACES,
    LEG_PLACES,
    UNEVEN_SURFACES,
    Checkin,
    PainKind,
    PainWhere,
    Profile,
    RunRecord,
    Sign,
    Tier,
    TriageResult,
)

logger = logging.getLogger(__name__)

PREFIX = "x:"
REPLY_BUDGET = 950  # characters per reply; messages.MAX_TEXT_CHARS is the hard cap
MAX_SECTIONS = 3
MAX_ITEMS_PER_SECTION = 3
LONG_RUN_KM = 15.0
LONG_RUN_FACTOR = 1.5
FOOTNOTE = "P10"

HEADINGS = {
    "warmup": "Before your next run —",
    "postrun": "After the run —",
    "surface": "Surface —",
    "shoes_form": "Shoes and form —",
    "strength": "Between runs —",
    "when_it_hurts": "About the pain —",
}
MORE_LABELS = {
    "surface": "Surfaces",
    "shoes_form": "Shoes & form",
    "strength": "Strength & cross-training",
}
ROUTINES = {
    "warmup": ("Warm-up routine —", ("W1", "W2", "W3", "W4", "W5"), "Warm-up routine"),
    "postrun": ("After-run stretches —", ("A1", "A2"), "Post-run stretches"),
}
DOCTOR_TIERS = (Tier.DOCTOR_TODAY, Tier.DOCTOR_SOON)
NOT_UNDER_DOCTOR = ("P1", "P2", "P3", "P4", "P5")  # a guessed cause, medicines, or "come back to running"
NOT_UNDER_KEEP_EASY = ("P1", "P2", "P5", "P6")  # "pause running" or "don't run through it" beside "keep running"
MESSAGE_CHARS = 1900  # Discord's cap is 2,000 characters a message; at most two messages close a check-in
WEAK_BACK = ("past", "now")

_WHERE_WORDS = {
    PainWhere.LOW_BACK_CENTRE.value: "low back (centre)",
    PainWhere.LOW_BACK_SIDE.value: "low back (side)",
    PainWhere.UPPER_BACK.value: "upper back",
    PainWhere.BUTTOCK.value: "buttock",
    PainWhere.LEG_ABOVE_KNEE.value: "leg above the knee",
    PainWhere.LEG_BELOW_KNEE.value: "leg below the knee",
    PainWhere.BOTH_LEGS.value: "both legs",
}
_SIGN_WORDS = {  # every Sign, as "What you told me" names it
    Sign.SADDLE_NUMBNESS.value: "numbness between the legs",
    Sign.BLADDER_BOWEL.value: "bladder or bowel changes",
    Sign.BOTH_LEGS.value: "symptoms in both legs",
    Sign.LEG_WEAKNESS_WORSENING.value: "leg weakness getting worse",
    Sign.URGENT_UNSPECIFIED.value: "yes or not sure to an urgent warning sign",
    Sign.HEART.value: "chest, arm or jaw pain, breathlessness or fainting",
    Sign.AORTA.value: "a sudden tearing pain",
    Sign.MAJOR_TRAUMA.value: "a crash or a bad fall",
    Sign.HARD_FALL_CENTRAL.value: "a hard fall onto the spine",
    Sign.LEG_WEAKNESS.value: "new leg weakness",
    Sign.FEVER_UNWELL.value: "fever or feeling unwell",
    Sign.INFECTION_RISK.value: "a recent infection",
    Sign.SEVERE_LYING_EASES.value: "severe pain that eases lying down",
    Sign.PAIN_DISABLING.value: "pain that stops you moving",
    Sign.CANCER_HISTORY.value: "cancer in the past",
    Sign.IMMUNE_WEAK.value: "a weakened immune system",
    Sign.STEROIDS.value: "long-term steroid tablets",
    Sign.OSTEOPOROSIS.value: "osteoporosis",
    Sign.FALL_INJURY.value: "a fall, lift or twist",
    Sign.SCREEN_TODAY.value: "yes or not sure to a see-a-doctor-today sign",
    Sign.WEIGHT_LOSS.value: "weight loss you can't explain",
    Sign.NIGHT_PAIN.value: "pain at night",
    Sign.SEVERAL_PLACES.value: "pain in several places",
    Sign.INFLAMMATORY.value: "long morning stiffness or night waking",
    Sign.SCREEN_SOON.value: "yes or not sure to a see-a-doctor-soon sign",
    Sign.WEIGHT_LOSS_CANCER.value: "weight loss or cancer history",
}


# ------------------------------------------------------------------ choosing


def _has_pain(checkin: Checkin) -> bool:
    return bool(checkin.has_pain) or bool(checkin.pain_score) or bool(checkin.pain_where)


def _is_long_run(checkin: Checkin, history: list[RunRecord]) -> bool:
    distance = checkin.distance_km
    if distance is None or distance <= 0:
        return False
    if distance >= LONG_RUN_KM:
        return True
    past = [r.distance_km for r in history if r.distance_km and r.distance_km > 0]
    return bool(past) and distance >= LONG_RUN_FACTOR * statistics.median(past)


def select_items(checkin: Checkin, profile: Profile, result: TriageResult, history: list[RunRecord]) -> list[str]:
    """Ordered guidance ids to show for this check-in (the tier header is not an item)."""
    if result.tier is Tier.EMERGENCY:
        return []
    doctor = result.tier in DOCTOR_TIERS
    pain = _has_pain(checkin)
    where = set(checkin.pain_where)
    kinds = set(checkin.pain_kind)
    signs = set(checkin.signs) | set(result.signs)
    worse = checkin.pain_trend == "worse"
    hard = checkin.effort == "hard"
    weak_back = profile.back_history in WEAK_BACK
    leg = checkin.leg_symptoms
    chosen: list[str] = []

    def add(*ids: str) -> None:
        chosen.extend(i for i in ids if i not in chosen)

    if pain and leg:
        add("P6", "P11")
    if Sign.NIGHT_PAIN.value in signs:
        add("P9")
    if checkin.every_run:
        add("P7")
    if pain and ((checkin.pain_since_days or 0) >= 2 or worse):
        add("P8")
    strain = PainKind.SPASM.value in kinds or (
        PainWhere.LOW_BACK_CENTRE.value in where and not where & {p.value for p in LEG_PLACES}
    )
    if pain and strain and not leg and result.tier is not Tier.KEEP_EASY:
        add("P1", "P2", "P4", "P3")  # strain self-care pauses running, so never under "keep running easy"
    elif pain and strain and not leg:
        add("P3")
    if pain and (worse or hard):
        add("P5", "C3")
    if not pain:
        add("A1", "A2", ("C1", "C3")[len(history) % 2])

    if pain and checkin.surface in {s.value for s in HARD_SURFACES}:
        add("S2", "S1", "S3", "F1")
    elif pain and checkin.surface in {s.value for s in UNEVEN_SURFACES}:
        add("S3", "S1")
    if PainKind.STIFFNESS.value in kinds:
        add("W5", "W3")
    if hard or PainWhere.UPPER_BACK.value in where:
        add("F4", "F5")
    if _is_long_run(checkin, history) and (pain or weak_back):
        add("C4")
    if weak_back and not doctor:
        add("C1", "C2")
    if result.tier is Tier.KEEP_EASY and profile.back_history == "now":
        add("C5")
    if pain and not doctor and len(chosen) < 2:
        add("A1", "C1")

    if doctor:
        # No running advice before a clinician has looked, nothing that guesses at the
        # cause ("probably a strain") and no medicine names: the safety text says that.
        chosen = [i for i in chosen if i.startswith("P") and i not in NOT_UNDER_DOCTOR]
        add("P11")
    else:
        if result.tier is Tier.KEEP_EASY:
            chosen = [i for i in chosen if i not in NOT_UNDER_KEEP_EASY]
        if pain:
            _add_stretching(chosen, kinds, where)
    if pain or doctor:
        add(FOOTNOTE)
    return chosen


def _add_stretching(chosen: list[str], kinds: set[str], where: set[str]) -> None:
    """Puts gentle movement and stretching right after the pain items (W5, A1, A2 as fit)."""
    wanted = ["W5", "A2"] if PainKind.STIFFNESS.value in kinds or PainKind.SPASM.value in kinds else ["A1", "A2"]
    if PainWhere.LEG_MUSCLES.value in where:
        wanted = ["A1", "A2"]
    missing = [i for i in wanted if i not in chosen]
    at = next((n for n, i in enumerate(chosen) if not i.startswith("P")), len(chosen))
    chosen[at:at] = missing


# ------------------------------------------------------------------ rendering helpers


def _cite(sources: tuple[str, ...]) -> str:
    return f"(Source: {'; '.join(sources)})"


def _line(item: Item) -> str:
    return f"• {item.text} {_cite(item.sources)}"


def _reply(text: str, buttons: list[Button] | None = None, kind: str = "advice") -> Reply:
    return Reply(
        text=text,
        buttons=rows(buttons[:MAX_BUTTONS_PER_REPLY], per_row=3) if buttons else (),
        visibility=Visibility.PRIVATE,
        kind=kind,
    )


def _button(label: str, key: str) -> Button:
    return Button(label=label, payload=PREFIX + key)


def _how_button(item: Item) -> Button:
    return _button(f"How to: {item.title}", f"how:{item.id}")


def _pack(blocks: list[str], budget: int = REPLY_BUDGET) -> list[str]:
    """Joins text blocks into as few replies as fit the budget."""
    texts: list[str] = []
    current = ""
    for block in blocks:
        if current and len(current) + 2 + len(block) > budget:
            texts.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    if current:
        texts.append(current)
    return texts


def _section_blocks(heading: str, items: list[Item]) -> list[str]:
    """Renders items under a heading, split into blocks that fit the reply budget."""
    blocks: list[str] = []
    current = heading
    for item in items:
        line = _line(item)
        if len(current) + 1 + len(line) > REPLY_BUDGET and current != heading:
            blocks.append(current)
            current = f"{heading} (cont.)"
        current = f"{current}\n{line}"
    blocks.append(current)
    return blocks


def _distance(km: float, units: str) -> str:
    if units == "mi":
        return f"{km / KM_PER_MILE:.1f} mi"
    return f"{km:.1f} km"


def _reason(checkin: Checkin, profile: Profile, result: TriageResult) -> str:
    where_run = " ".join(
        p
        for p in (
            _distance(checkin.distance_km, profile.units) if checkin.distance_km else "",
            f"on {checkin.surface}" if checkin.surface else "",
        )
        if p
    )
    run = [p for p in (where_run, f"{checkin.effort} effort" if checkin.effort else "") if p]
    parts = [", ".join(run)] if run else []
    if _has_pain(checkin):
        pain = f"pain {checkin.pain_score}/10" if checkin.pain_score is not None else "pain"
        where = [_WHERE_WORDS.get(w, w.replace("_", " ")) for w in checkin.pain_where]
        if where:
            pain += " in the " + ", ".join(where)
        if checkin.pain_kind:
            pain += " (" + ", ".join(k.replace("_", " ") for k in checkin.pain_kind) + ")"
        if checkin.pain_trend == "worse":
            pain += ", getting worse"
        parts.append(pain)
    else:
        parts.append("no pain")
    signs = list(dict.fromkeys([*checkin.signs, *result.signs]))
    if signs:
        parts.append(", ".join(_SIGN_WORDS.get(s, s.replace("_", " ")) for s in signs))
    return "What you told me: " + "; ".join(p for p in parts if p) + "."


# ------------------------------------------------------------------ public API


def emergency_reply(care: Care | None = None) -> Reply:
    """The single reply for the emergency tier: what to do now, nothing else."""
    care = care or for_country(None)
    text = load().tier(Tier.EMERGENCY)
    body = f"{text.headline}\n\n{care.fill(text.action)}\n\n{_cite(text.sources)}"
    return Reply(text=body, visibility=Visibility.PRIVATE, kind="emergency")


def safety_net(care: Care | None = None) -> str:
    """The one line every non-emergency answer ends with."""
    return (care or for_country(None)).fill(load().safety.net)


def build_advice(
    checkin: Checkin,
    profile: Profile,
    result: TriageResult,
    history: list[RunRecord],
    care: Care | None = None,
    opening: str = "",
) -> list[Reply]:
    """At most two replies that close a check-in: what to do, then the guidance, ending with the safety net."""
    care = care or for_country(None)
    if result.tier is Tier.EMERGENCY:
        return [emergency_reply(care)]
    guidance = load()
    ids = select_items(checkin, profile, result, history)
    tier_text = guidance.tier(result.tier)
    header = (
        f"{tier_text.headline}\n{_reason(checkin, profile, result)}\n\n"
        f"{care.fill(tier_text.action)} {_cite(tier_text.sources)}"
    )
    if result.tier in DOCTOR_TIERS:
        header += f"\n\n{guidance.safety.until_seen}"
    if opening:
        header = f"{opening}\n\n{header}"

    footnote = guidance.items[FOOTNOTE] if FOOTNOTE in ids else None
    groups: dict[str, list[Item]] = {}
    for item_id in ids:
        if item_id != FOOTNOTE:
            item = guidance.items[item_id]
            groups.setdefault(item.section, []).append(item)

    shown: list[Item] = []
    overflow: list[Item] = []
    blocks: list[str] = []
    for n, (section, items) in enumerate(groups.items()):
        if n >= MAX_SECTIONS:
            overflow.extend(items)
            continue
        head, tail = items[:MAX_ITEMS_PER_SECTION], items[MAX_ITEMS_PER_SECTION:]
        blocks.extend(_section_blocks(HEADINGS[section], head))
        shown.extend(head)
        overflow.extend(tail)
    if footnote is not None:
        blocks.append(f"Good to know — {footnote.text} {_cite(footnote.sources)}")

    buttons = [_button(item.title, f"item:{item.id}") for item in overflow]
    if result.tier not in DOCTOR_TIERS:
        if _has_pain(checkin):
            buttons.append(_button(MORE_LABELS["surface"], "more:surface"))
        buttons.append(_button(MORE_LABELS["shoes_form"], "more:shoes_form"))
        buttons.append(_button(MORE_LABELS["strength"], "more:strength"))
        buttons.append(_button(ROUTINES["warmup"][2], "routine:warmup"))
        buttons.append(_button(ROUTINES["postrun"][2], "routine:postrun"))
    buttons.extend(_how_button(item) for item in shown if item.detail)
    logger.debug("advice for tier %s: %s (overflow %s)", result.tier.value, ids, [i.id for i in overflow])
    return _two_messages(header, blocks, buttons, safety_net(care))


def _two_messages(header: str, blocks: list[str], buttons: list[Button], net: str) -> list[Reply]:
    """Packs the answer into at most two messages; the second ends with the safety net."""
    body: list[str] = []
    for block in blocks:
        if len("\n\n".join([*body, block, net])) <= MESSAGE_CHARS:
            body.append(block)
    second = "\n\n".join([*body, net])
    if len(header) + 2 + len(second) <= MESSAGE_CHARS // 2:
        return [_reply(f"{header}\n\n{second}", buttons)]
    return [_reply(header), _reply(second, buttons)]


def compact(replies: list[Reply], notes: list[Reply], care: Care | None = None) -> list[Reply]:
    """Adds the notes of other flows above the safety net of the last reply, keeping two messages."""
    if not notes or not replies:
        return replies
    last = replies[-1]
    net = safety_net(care)
    body = last.text.removesuffix(net).rstrip()
    extra = "\n\n".join(n.text for n in notes if n.text)
    blocks = [b for b in body.split("\n\n") if b]
    while blocks and len("\n\n".join([*blocks, extra, net])) > MESSAGE_CHARS:
        blocks.pop()  # the last guidance block gives way; its items stay behind the buttons
    text = "\n\n".join([*blocks, extra, net])[: MESSAGE_CHARS + len(net)]
    return [*replies[:-1], Reply(text=text, buttons=last.buttons, visibility=last.visibility, kind=last.kind)]


def _items_replies(heading: str, items: list[Item], extra: list[Button] | None = None) -> list[Reply]:
    texts = _pack(_section_blocks(heading, items))
    buttons = [_how_button(item) for item in items if item.detail] + (extra or [])
    return [_reply(t) for t in texts[:-1]] + [_reply(texts[-1], buttons)]


def routine(kind: str) -> list[Reply]:
    """The warm-up (W1-W5) or post-run (A1, A2) routine for /stretches, with how-to buttons."""
    if kind not in ROUTINES:
        raise ValueError(f"unknown routine {kind!r}; expected one of {sorted(ROUTINES)}")
    heading, ids, _ = ROUTINES[kind]
    guidance = load()
    other = "postrun" if kind == "warmup" else "warmup"
    extra = [_button(ROUTINES[other][2], f"routine:{other}")]
    return _items_replies(heading, [guidance.items[i] for i in ids], extra)


def _how_reply(item: Item) -> Reply:
    return _reply(f"How to: {item.title} —\n{item.detail}\n\n{item.text} {_cite(item.sources)}")


def detail(key: str) -> list[Reply] | None:
    """Answers a button payload "x:<key>" (the prefix is optional); None if the key is unknown."""
    if key.startswith(PREFIX):
        key = key[len(PREFIX) :]
    kind, _, arg = key.partition(":")
    guidance: Guidance = load()
    if kind == "how":
        item = guidance.items.get(arg)
        return [_how_reply(item)] if item is not None and item.detail else None
    if kind == "item":
        item = guidance.items.get(arg)
        if item is None:
            return None
        return _items_replies(HEADINGS[item.section], [item])
    if kind == "more" and arg in SECTIONS:
        return _items_replies(HEADINGS[arg], guidance.in_section(arg))
    if kind == "routine" and arg in ROUTINES:
        return routine(arg)
    logger.debug("unknown advice key %r", key)  # button data can be forged: what it says stays out of INFO
    return None


def warmup_reminder(seed: int) -> str:
    """A short warm-up nudge (W1-W5); consecutive seeds give different texts."""
    variants = load().warmup_variants
    variant = variants[seed % len(variants)]
    return f"{variant.text} {_cite(variant.sources)}"


def disclaimer(care: Care | None = None) -> str:
    """Not a clinician, and how to get urgent help (for /start and /privacy)."""
    safety = load().safety
    urgent = (care or for_country(None)).fill(safety.urgent_help)
    return f"{safety.disclaimer}\n\n{urgent} {_cite(safety.sources)}"


def group_help(care: Care | None = None) -> str:
    """The group-safe line for a group message with emergency words: no symptom repeated."""
    return (care or for_country(None)).fill(load().safety.group_help)
