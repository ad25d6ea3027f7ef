"""The vaccines a school records (国家免疫规划 and the ones bureaus chase), one table for the whole app.

`doses` is the full course a student must hold to count as covered; `target` the default coverage target (%) until
the bureau sets its own (`VaccineTarget`). Codes are stored on dose rows and never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Vaccine:
    code: str
    name: str
    doses: int
    target: Decimal
    # Shown as its own figure in the cockpit's indicator catalogue.
    in_catalogue: bool = False


VACCINES: tuple[Vaccine, ...] = (
    Vaccine("covid", "新冠", 2, Decimal("90"), in_catalogue=True),
    Vaccine("flu", "流感", 1, Decimal("60"), in_catalogue=True),
    Vaccine("mmr", "麻腮风", 2, Decimal("95"), in_catalogue=True),
    Vaccine("hepb", "乙肝", 3, Decimal("95")),
    Vaccine("polio", "脊灰", 4, Decimal("95")),
    Vaccine("dtap", "百白破", 4, Decimal("95")),
    Vaccine("je", "乙脑", 2, Decimal("95")),
    Vaccine("mena", "流脑", 4, Decimal("90")),
    Vaccine("hepa", "甲肝", 1, Decimal("90")),
    Vaccine("varicella", "水痘", 2, Decimal("85")),
)
BY_CODE = {v.code: v for v in VACCINES}
BY_NAME = {v.name: v for v in VACCINES}
CHOICES = [(v.code, v.name) for v in VACCINES]


def vaccine(code: str) -> Vaccine | None:
    return BY_CODE.get(code)
