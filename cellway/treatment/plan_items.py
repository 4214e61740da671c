"""The plan's items: each infusion and adjunct session the signed plan asks for, and where each stands.

Pure Python, no Django. A logged session fulfils one item ("physiotherapy 3 of 5"); an item not given has
a deviation with its reason; treatment is complete only when no item is left to do.
"""

from __future__ import annotations

from dataclasses import dataclass

# Session kind -> the signed plan's count of it, in the order the ward lists them.
PLAN_COUNTS = {
    "iv": "iv_infusions",
    "it": "it_infusions",
    "supplementary": "supplementary_infusions",
    "physio": "physiotherapy_sessions",
    "occupational": "occupational_sessions",
    "speech": "speech_sessions",
    "rehab": "rehab_sessions",
}

DONE, SET_ASIDE, TO_DO = "done", "set aside", "to do"


@dataclass(frozen=True)
class Item:
    kind: str
    number: int
    of: int
    status: str
    reason: str = ""  # why it was set aside

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.number}"


def items(counts: dict[str, int], done: set[tuple[str, int]], set_aside: dict[tuple[str, int], str]) -> list[Item]:
    """Every planned item with its status: done (a session fulfils it), set aside (a deviation), or to do."""
    found = []
    for kind in PLAN_COUNTS:
        of = counts.get(kind, 0)
        for number in range(1, of + 1):
            if (kind, number) in done:
                found.append(Item(kind, number, of, DONE))
            elif (kind, number) in set_aside:
                found.append(Item(kind, number, of, SET_ASIDE, set_aside[(kind, number)]))
            else:
                found.append(Item(kind, number, of, TO_DO))
    return found


def to_do(planned: list[Item], kind: str | None = None) -> list[Item]:
    return [i for i in planned if i.status == TO_DO and (kind is None or i.kind == kind)]


def parse_key(key: str) -> tuple[str, int] | None:
    """ "physio-3" -> ("physio", 3); None if it is not of that shape."""
    kind, _, number = key.partition("-")
    if kind not in PLAN_COUNTS or not number.isdigit() or not 0 < int(number) < 100:
        return None
    return kind, int(number)
