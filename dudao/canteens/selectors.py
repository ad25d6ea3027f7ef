"""Canteen reads, scoped by `for_user`: canteens with today's records counted in bulk, documents that expire."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.canteens.models import (
    Canteen,
    CanteenWorker,
    CompanionMeal,
    FoodSample,
    Meal,
    MorningCheck,
    Supplier,
)

# Documents are flagged this many days before they expire.
EXPIRY_WARNING_DAYS = 30


def canteens_for(user: User, action: str = "read") -> QuerySet[Canteen]:
    return Canteen.objects.for_user(user, action).select_related("school")


def workers_for(user: User, action: str = "read") -> QuerySet[CanteenWorker]:
    return CanteenWorker.objects.for_user(user, action).select_related("canteen__school")


def suppliers_for(user: User, action: str = "read") -> QuerySet[Supplier]:
    return Supplier.objects.for_user(user, action).select_related("canteen__school")


def samples_for(user: User, action: str = "read") -> QuerySet[FoodSample]:
    return FoodSample.objects.for_user(user, action).select_related("canteen__school", "photo")


def companions_for(user: User, action: str = "read") -> QuerySet[CompanionMeal]:
    return CompanionMeal.objects.for_user(user, action).select_related("canteen__school")


def record_deadline() -> tuple[int, int]:
    """Lunch 留样 and 陪餐 are due by this local time (DUDAO_CANTEEN_DEADLINE, default 14:00)."""
    raw = str(getattr(settings, "DUDAO_CANTEEN_DEADLINE", "") or "14:00")
    hour, minute = (int(p) for p in raw.split(":"))
    return hour, minute


def deadline_label() -> str:
    hour, minute = record_deadline()
    return f"{hour:02d}:{minute:02d}"


def is_school_day(day: dt.date) -> bool:
    """Monday to Friday (there is no holiday calendar yet): no meals are due at weekends."""
    return day.weekday() < 5


def is_overdue_now(day: dt.date, now: dt.datetime | None = None) -> bool:
    """Whether `day`'s lunch records are overdue at `now`: a past school day, or today after the deadline."""
    now = timezone.localtime(now)
    if not is_school_day(day) or day > now.date():
        return False
    return day < now.date() or (now.hour, now.minute) >= record_deadline()


def lunch_missing_filter(day: dt.date) -> Q:
    """Canteens (as a filter) whose lunch 留样 or 陪餐 of `day` is not recorded."""
    lunch_sample = FoodSample.objects.filter(canteen=OuterRef("pk"), served_on=day, meal=Meal.LUNCH)
    lunch_companion = CompanionMeal.objects.filter(canteen=OuterRef("pk"), served_on=day, meal=Meal.LUNCH)
    return ~Q(Exists(lunch_sample)) | ~Q(Exists(lunch_companion))


@dataclass
class CanteenDay:
    """One canteen's records of one day: which meals have a sample and a companion, and the staff check."""

    canteen: Canteen
    day: dt.date
    samples: dict[str, FoodSample] = field(default_factory=dict)
    companions: dict[str, CompanionMeal] = field(default_factory=dict)
    workers: int = 0
    checked: int = 0
    sent_home: int = 0
    expired_certificates: int = 0
    overdue: bool = False

    @property
    def meals(self) -> list[tuple[str, str, FoodSample | None, CompanionMeal | None]]:
        return [(m, Meal(m).label, self.samples.get(m), self.companions.get(m)) for m in self.canteen.meals]

    @property
    def lunch_missing(self) -> list[str]:
        missing = []
        if Meal.LUNCH not in self.samples:
            missing.append("留样")
        if Meal.LUNCH not in self.companions:
            missing.append("陪餐")
        return missing

    @property
    def is_red(self) -> bool:
        """Lunch 留样 or 陪餐 missing once the deadline has passed on a school day."""
        return self.overdue and bool(self.lunch_missing)


def days_of(canteens: Sequence[Canteen], day: dt.date, now: dt.datetime | None = None) -> list[CanteenDay]:
    """Each canteen's records of `day`, in four queries whatever the number of canteens."""
    ids = [c.pk for c in canteens]
    rows = {c.pk: CanteenDay(canteen=c, day=day, overdue=is_overdue_now(day, now)) for c in canteens}
    for s in FoodSample.objects.filter(canteen_id__in=ids, served_on=day).select_related("photo"):
        rows[s.canteen_id].samples[s.meal] = s
    for m in CompanionMeal.objects.filter(canteen_id__in=ids, served_on=day):
        rows[m.canteen_id].companions[m.meal] = m
    for w in CanteenWorker.objects.filter(canteen_id__in=ids, is_active=True).only(
        "canteen_id", "certificate_expires_on"
    ):
        rows[w.canteen_id].workers += 1
        if w.certificate_expires_on < day:
            rows[w.canteen_id].expired_certificates += 1
    for c in MorningCheck.objects.filter(canteen_id__in=ids, checked_on=day).only("canteen_id", "is_well"):
        rows[c.canteen_id].checked += 1
        rows[c.canteen_id].sent_home += 0 if c.is_well else 1
    return [rows[c.pk] for c in canteens]


@dataclass(frozen=True)
class Document:
    """A licence or certificate that has expired or expires within the warning period."""

    kind: str
    canteen: Canteen
    holder: str
    number: str
    expires_on: dt.date
    today: dt.date

    @property
    def is_expired(self) -> bool:
        return self.expires_on < self.today

    @property
    def days_left(self) -> int:
        return (self.expires_on - self.today).days


def expiring_documents(canteens: QuerySet[Canteen], today: dt.date | None = None) -> list[Document]:
    """Canteen licences, health certificates of active staff and qualifications of active suppliers that expired or
    expire within EXPIRY_WARNING_DAYS; expired ones first, then by date. Three queries."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    docs: list[Document] = []
    for c in canteens.filter(licence_expires_on__lte=horizon).select_related("school"):
        assert c.licence_expires_on is not None
        docs.append(Document("食品经营许可证", c, c.name, c.licence_number, c.licence_expires_on, today))
    ids = canteens.values("pk")
    for w in CanteenWorker.objects.filter(
        canteen__in=ids, is_active=True, certificate_expires_on__lte=horizon
    ).select_related("canteen__school"):
        docs.append(Document("健康证", w.canteen, w.name, w.certificate_number, w.certificate_expires_on, today))
    for s in Supplier.objects.filter(canteen__in=ids, is_active=True, licence_expires_on__lte=horizon).select_related(
        "canteen__school"
    ):
        docs.append(Document("供应商资质", s.canteen, s.name, s.licence_number, s.licence_expires_on, today))
    docs.sort(key=lambda d: (d.expires_on, d.canteen.school.path, d.kind))
    return docs


def expiry_counts(canteens: Sequence[Canteen], today: dt.date) -> dict[int, tuple[int, int]]:
    """{canteen id: (expired, expiring within the warning period)} over licence, certificates and suppliers."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    ids = [c.pk for c in canteens]
    dated: list[tuple[int, dt.date]] = [
        (c.pk, c.licence_expires_on) for c in canteens if c.licence_expires_on is not None
    ]
    dated += list(
        CanteenWorker.objects.filter(
            canteen_id__in=ids, is_active=True, certificate_expires_on__lte=horizon
        ).values_list("canteen_id", "certificate_expires_on")
    )
    dated += list(
        Supplier.objects.filter(canteen_id__in=ids, is_active=True, licence_expires_on__lte=horizon).values_list(
            "canteen_id", "licence_expires_on"
        )
    )
    for canteen_id, expires_on in dated:
        if expires_on < today:
            counts[canteen_id][0] += 1
        elif expires_on <= horizon:
            counts[canteen_id][1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def recent_samples(canteen: Canteen, days: int = 7) -> QuerySet[FoodSample]:
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    return canteen.samples.filter(served_on__gte=since).select_related("photo").order_by("-served_on", "-sampled_at")


def recent_companions(canteen: Canteen, days: int = 7) -> QuerySet[CompanionMeal]:
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    return canteen.companion_meals.filter(served_on__gte=since).order_by("-served_on", "meal")


def checks_of(canteen: Canteen, day: dt.date) -> dict[int, MorningCheck]:
    return {c.worker_id: c for c in MorningCheck.objects.filter(canteen=canteen, checked_on=day)}
