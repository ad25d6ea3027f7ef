"""profile_page_ms: how long one school's 一校一档 page takes on the city demo, against the module pages it sums up.

Value: median milliseconds of `GET /schools/<id>/` (the whole page: every section, the registry's figures,
rendering) for the city demo's largest school, signed in as city.admin (bureau staff at the city: every section).
Baseline: the median of the four module pages that can be filtered to that school, fetched one after the other
(整改台账 ?school=, 晨午检统计 ?unit=, 个案统计 ?unit=, 心理健康队伍 ?unit=): what a clerk opened before.
Ratio: value / baseline. The page's query count is printed too (fixed whatever the school: see
tests/profiles/test_profile.py).

    python -m bench.profile_page [--repeat N]

Data: bench/.data/city.sqlite3 (the city demo with its apps' demo data, loaded first if missing: minutes).
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench import common


def _median_ms(client: object, urls: list[str], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        for url in urls:
            response = client.get(url)  # type: ignore[attr-defined]
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    common.configure("city")
    from bench.scoping import ensure_city

    ensure_city()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dudao.accounts.models import User
    from dudao.orgs.models import OrgUnit, Student, UnitKind

    biggest = (
        Student.objects.values("klass__parent__parent")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("klass__parent__parent", "n")
        .first()
    )
    school = OrgUnit.objects.filter(kind=UnitKind.SCHOOL).order_by("path").first() if biggest is None else None
    school_id = biggest[0] if biggest is not None else school.pk  # type: ignore[union-attr]
    name = OrgUnit.objects.get(pk=school_id).name
    common.log(f"school: {name} ({biggest[1] if biggest else '?'} students)")
    client = Client()
    client.force_login(User.objects.get(username="city.admin"))
    page = f"/schools/{school_id}/"
    modules = [
        f"/ledger/?school={school_id}",
        f"/health/dashboard/?unit={school_id}",
        f"/cases/stats/?unit={school_id}",
        f"/cases/staffing/?unit={school_id}",
    ]
    _median_ms(client, [page, *modules], 1)  # warm caches and templates
    with CaptureQueriesContext(connection) as captured:
        client.get(page)
    common.log(f"queries for the profile page: {len(captured)}")
    value = _median_ms(client, [page], args.repeat)
    baseline = _median_ms(client, modules, args.repeat)
    common.log(f"profile page {value:.1f} ms; the four module pages together {baseline:.1f} ms")
    print(f"RESULT name=profile_page_ms value={value:.1f} unit=ms baseline={baseline:.1f} ratio={value / baseline:.2f}")


if __name__ == "__main__":
    main()
