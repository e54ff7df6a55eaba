"""Backstride's guidance content: loads dialogs/guidance.toml into typed objects.

The TOML holds every guidance item (W1-W5, A1-A2, S1-S3, F1-F5, C1-C5, P1-P11),
the tier texts, the safety texts and the warm-up reminder variants. Items name
their source articles by key; `load()` resolves the keys to article titles so
callers only ever see titles.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dialogs.models import Tier

logger = logging.getLogger(__name__)

GUIDANCE_PATH = Path(__file__).with_name("guidance.toml")

SECTIONS = ("warmup", "postrun", "surface", "shoes_form", "strength", "when_it_hurts")
ITEM_ID = re.compile(r"^[WASFCP]\d{1,2}$")


class GuidanceError(ValueError):
    """The guidance data is malformed (names the offending entry)."""


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    title: str
    text: str
    detail: str | None
    sources: tuple[str, ...]  # article titles


@dataclass(frozen=True)
class TierText:
    tier: str
    headline: str
    action: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Safety:
    disclaimer: str
    urgent_help: str
    sources: tuple[str, ...]
    net: str = ""  # the last line of every non-emergency answer: which signs mean call now
    until_seen: str = ""  # self-care under a see-a-doctor tier: no causes, no medicine names
    group_help: str = ""  # a group message with emergency words: no symptom repeated


@dataclass(frozen=True)
class WarmupVariant:
    text: str
    items: tuple[str, ...]
    sources: tuple[str, ...]  # article titles, gathered from the items


@dataclass(frozen=True)
class Guidance:
    articles: dict[str, str]  # article key -> title
    items: dict[str, Item]
    tiers: dict[str, TierText]
    safety: Safety
    warmup_variants: tuple[WarmupVariant, ...]

    def tier(self, tier: Tier | str) -> TierText:
        value = tier.value if isinstance(tier, Tier) else tier
        try:
            return self.tiers[value]
        except KeyError:
            raise GuidanceError(f"no text for tier {value!r}") from None

    @property
    def titles(self) -> frozenset[str]:
        return frozenset(self.articles.values())

    def in_section(self, section: str) -> list[Item]:
        return [item for item in self.items.values() if item.section == section]


def _text(table: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise GuidanceError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise GuidanceError(f"{where}: '{key}' must be a non-empty list of strings")
    return tuple(value)


def parse(data: dict[str, Any]) -> Guidance:
    """Builds a Guidance from the parsed TOML, checking every entry."""
    raw_articles = data.get("articles") or {}
    articles: dict[str, str] = {}
    for key, entry in raw_articles.items():
        articles[str(key)] = str(_text(entry, "title", f"article {key}"))
    if not articles:
        raise GuidanceError("no [articles] table")

    items: dict[str, Item] = {}
    for item_id, entry in (data.get("items") or {}).items():
        where = f"item {item_id}"
        if not ITEM_ID.match(item_id):
            raise GuidanceError(f"{where}: id must look like W1, P10, ...")
        section = _text(entry, "section", where)
        if section not in SECTIONS:
            raise GuidanceError(f"{where}: unknown section {section!r}")
        if not entry.get("sources"):
            raise GuidanceError(f"{where} has no source")
        keys = _strings(entry, "sources", where)
        unknown = [k for k in keys if k not in articles]
        if unknown:
            raise GuidanceError(f"{where}: unknown source(s) {unknown}")
        items[item_id] = Item(
            id=item_id,
            section=str(section),
            title=str(_text(entry, "title", where)),
            text=str(_text(entry, "text", where)),
            detail=_text(entry, "detail", where, required=False),
            sources=tuple(articles[k] for k in keys),
        )

    tiers: dict[str, TierText] = {}
    raw_tiers = data.get("tiers") or {}
    for tier in Tier:
        entry = raw_tiers.get(tier.value)
        if entry is None:
            raise GuidanceError(f"no [tiers.{tier.value}] table")
        where = f"tier {tier.value}"
        tiers[tier.value] = TierText(
            tier=tier.value,
            headline=str(_text(entry, "headline", where)),
            action=str(_text(entry, "action", where)),
            sources=_strings(entry, "sources", where),
        )

    raw_safety = data.get("safety")
    if not isinstance(raw_safety, dict):
        raise GuidanceError("no [safety] table")
    safety = Safety(
        disclaimer=str(_text(raw_safety, "disclaimer", "safety")),
        urgent_help=str(_text(raw_safety, "urgent_help", "safety")),
        sources=_strings(raw_safety, "sources", "safety"),
        net=str(_text(raw_safety, "net", "safety")),
        until_seen=str(_text(raw_safety, "until_seen", "safety")),
        group_help=str(_text(raw_safety, "group_help", "safety")),
    )

    variants: list[WarmupVariant] = []
    for n, entry in enumerate(data.get("warmup_variants") or []):
        where = f"warm-up variant {n + 1}"
        refs = _strings(entry, "items", where)
        bad = [r for r in refs if r not in items or items[r].section != "warmup"]
        if bad:
            raise GuidanceError(f"{where}: not warm-up items {bad}")
        titles = tuple(dict.fromkeys(t for r in refs for t in items[r].sources))
        variants.append(WarmupVariant(text=str(_text(entry, "text", where)), items=refs, sources=titles))
    if not variants:
        raise GuidanceError("no [[warmup_variants]]")

    return Guidance(articles=articles, items=items, tiers=tiers, safety=safety, warmup_variants=tuple(variants))


def load_file(path: Path) -> Guidance:
    with path.open("rb") as fh:
        return parse(tomllib.load(fh))


@lru_cache(maxsize=1)
def load() -> Guidance:
    """The coach's guidance, read once from dialogs/guidance.toml."""
    guidance = load_file(GUIDANCE_PATH)
    logger.debug("loaded %d guidance items", len(guidance.items))
    return guidance
