"""A step's copy of the conversation is its own: changing it never changes what the turn loaded."""

from __future__ import annotations

from dialogs.models import Checkin, copy_data
from dialogs.ports import Conversation


def test_a_copy_is_equal_and_shares_nothing_mutable() -> None:
    data = {"checkin": Checkin(pain_where=["lower_back"], distance_km=5.0).to_dict(), "skipped": ["surface"],
            "screen": {"answered": ["emergency"], "pair": ("a", ["b"])}, "n": 3, "ok": True, "none": None}
    loaded = Conversation(state="checkin:effort", data=data, question=7)
    copied = loaded.copy()
    assert copied == loaded
    copied.data["checkin"]["pain_where"].append("buttock")
    copied.data["skipped"].clear()
    copied.data["screen"]["pair"][1].append("c")
    copied.data["screen"]["answered"] = []
    assert loaded.data["checkin"]["pain_where"] == ["lower_back"]
    assert loaded.data["skipped"] == ["surface"]
    assert loaded.data["screen"] == {"answered": ["emergency"], "pair": ("a", ["b"])}


def test_a_checkins_dict_is_a_copy_of_its_lists() -> None:
    checkin = Checkin(pain_kind=["ache"], signs=["saddle_numbness"])
    as_dict = checkin.to_dict()
    as_dict["pain_kind"].append("sharp")
    assert checkin.pain_kind == ["ache"]
    assert Checkin.from_dict(checkin.to_dict()) == checkin
    assert copy_data({"t": (1, 2)}) == {"t": (1, 2)}
