"""Arcs: which beats a story of N panels tells, with the label each panel carries. The words of
each beat are in pools.py."""

from __future__ import annotations

#: beats in story order with their priority (a lower one survives in shorter stories) and label
ORDER: list[tuple[str, int, str]] = [
    ("intro", 0, "setup"), ("want", 5, "inciting incident"), ("prepare", 8, "preparation"), ("try", 2, "first attempt"),
    ("trouble", 3, "setback"), ("second", 9, "second attempt"), ("low", 6, "low point"), ("turn", 4, "twist"),
    ("together", 10, "team-up"), ("climax", 7, "climax"), ("celebrate", 11, "celebration"), ("end", 1, "resolution"),
]
_SHORT = {
    1: [("gag", "gag")],
    2: [("intro", "setup"), ("end", "payoff")],
    3: [("intro", "setup"), ("trouble", "confrontation"), ("end", "resolution")],
    4: [("intro", "ki"), ("try", "sho"), ("turn", "ten"), ("end", "ketsu")],
}


def arc(n: int, trouble: bool = False) -> list[tuple[str, str]]:
    """[(beat, label)] for an n-panel story (1..12): a gag, setup/payoff, setup/confrontation/
    resolution, kishotenketsu, then longer arcs with attempts, a setback, a low point, a twist.
    `trouble`: the request names an obstacle, so a 4-panel story's development (sho) meets it."""
    if n == 4 and trouble:
        return [("intro", "ki"), ("trouble", "sho"), ("turn", "ten"), ("end", "ketsu")]
    if n in _SHORT:
        return list(_SHORT[n])
    return [(beat, label) for beat, prio, label in ORDER if prio < n]
