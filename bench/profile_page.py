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
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import Substr
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from dudao.accounts.models import User
    from dudao.orgs.models import OrgUnit, Student, UnitKind

    # Schools of a district sit at depth 3: group the enrolled students by that path prefix, take the largest.
    width = 3 * OrgUnit.steplen
    prefix, students = (
        Student.objects.annotate(prefix=Substr("klass__path", 1, width))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("prefix", "n")
        .first()
    ) or ("", 0)
    school = OrgUnit.objects.get(path=prefix, kind=UnitKind.SCHOOL)
    school_id, name = school.pk, school.name
    common.log(f"school: {name} ({students} students)")
    # The test client's host, and static URLs without the collected manifest (DEBUG stays off, as deployed).
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    storages = {**settings.STORAGES, "staticfiles": plain}
    override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=storages).enable()
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
