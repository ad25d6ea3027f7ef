"""picker_worst_ms: the unit-tree picker and the live recipient count at city scale.

Value: the worst median milliseconds over the requests below, each requested `--repeat` times warm (the whole
request: scoping, the level's rows and its GROUP BY, rendering): the city's top level, a district opened, searches by
name and by pinyin initials, and “将下发给 N 个单位” for three whole districts plus a school (resolving ~400 schools).
Baseline: the target, 300 ms (a tree that answers later than that feels stuck). Ratio: value / 300 (target ≤ 1).

    DATABASE_URL=sqlite:////tmp/city-copy.sqlite3 python -m bench.picker [--repeat 5]

Data: the city demo. Give it a copy of bench/.data/city.sqlite3: the original is never written.
"""

from __future__ import annotations

import argparse
import statistics
import time
from urllib.parse import urlencode

from bench import common

MULTI = {"kinds": "district,school", "multiple": "1", "whole": "1"}


def urls() -> list[tuple[str, str]]:
    from dudao.orgs.models import OrgUnit

    districts = list(OrgUnit.objects.filter(kind="district", is_closed=False).order_by("path")[:3])
    school = OrgUnit.objects.filter(kind="school", is_closed=False).order_by("path").first()
    assert districts and school is not None
    picker = "/orgs/picker/tree/?"
    count = [("target_mode", "list"), ("units", school.pk), *(("schools_of", d.pk) for d in districts)]
    return [
        ("top level", picker + urlencode(MULTI)),
        ("district opened", picker + urlencode({**MULTI, "parent": districts[0].pk})),
        ("search 第五中学", picker + urlencode({**MULTI, "q": "第五中学"})),
        ("search wz", picker + urlencode({**MULTI, "q": "wz"})),
        ("search jdwz", picker + urlencode({**MULTI, "q": "jdwz"})),
        ("ledger top level", picker + urlencode({"kinds": "school,district,office"})),
        ("count 3 districts", "/directives/recipients/?" + urlencode(count)),
        ("create page", "/directives/new/"),
    ]


def measure(repeat: int) -> list[tuple[float, str]]:
    from django.test import Client

    from dudao.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="city.admin"))
    rows = []
    for label, url in urls():
        client.get(url, HTTP_HX_REQUEST="true")  # cold
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, HTTP_HX_REQUEST="true")
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        rows.append((statistics.median(timings), label))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    common.configure("city")
    from django.conf import settings
    from django.test.utils import override_settings

    plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=plain):
        rows = measure(args.repeat)
    for ms, label in rows:
        common.log(f"{ms:8.1f} ms  {label}")
    worst = max(ms for ms, _ in rows)
    print(f"RESULT name=picker_worst_ms value={worst:.1f} unit=ms baseline=300 ratio={worst / 300:.2f}")


if __name__ == "__main__":
    main()
