"""The warning-sign screen against the vignettes in vignettes.tsv, through the real engine.

CI holds the screen to: every emergency caught, no case more than one tier too
low, and at most 10% over-triage of the rest and keep-running cases.
`bench/triage_eval.py` prints the same figures with the confusion matrix.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.safety.harness import VIGNETTES, Scores, load, play_all

MAX_MILD_OVER_TRIAGE = 0.10
# Two sets, each written by a tester who saw neither the code nor the other set.
FILES = [VIGNETTES, VIGNETTES.with_name("vignettes_b.tsv")]


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.stem)
def scores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scores:
    folder: Path = tmp_path_factory.mktemp("vignettes")
    return asyncio.run(play_all(f"sqlite:///{folder / 'vignettes.db'}", load(request.param)))


def _listing(results: list) -> str:  # type: ignore[type-arg]
    return "\n".join(f"{r.vignette.id}: expected {r.vignette.expected}, got {r.scored}: {r.vignette.says}" for r in results)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_file_covers_what_the_issue_asks(path: Path) -> None:
    vignettes = load(path)
    assert len(vignettes) >= 200
    assert len({v.id for v in vignettes}) == len(vignettes)
    for situation in ("checkin", "first", "group", "aside"):
        assert any(v.situation == situation for v in vignettes), situation
    for v in vignettes:
        assert v.expected in v.acceptable, v.id


def test_every_emergency_is_caught(scores: Scores) -> None:
    missed = [r for r in scores.emergencies if r.scored != "emergency"]
    assert not missed, "missed emergencies:\n" + _listing(missed)


def test_no_case_is_more_than_one_tier_too_low(scores: Scores) -> None:
    assert not scores.far_under, "more than one tier too low:\n" + _listing(scores.far_under)


def test_rest_and_keep_running_cases_are_rarely_over_referred(scores: Scores) -> None:
    over = [r for r in scores.mild if r.over]
    assert scores.mild_over_rate <= MAX_MILD_OVER_TRIAGE, f"{len(over)}/{len(scores.mild)} over-triaged:\n" + _listing(over)
