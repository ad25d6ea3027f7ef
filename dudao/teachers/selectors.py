"""Reads of 教师档案, scoped to the viewer's subtree for `teacher.read` (a person always reads their own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can, scope_root_path
from dudao.teachers.models import Certificate, CertificateKind, Posting, StaffProfile, Title

EXPIRY_WARNING_DAYS = 30
PSYCH_KINDS = (CertificateKind.PSYCH_A, CertificateKind.PSYCH_B, CertificateKind.PSYCH_C)
SENIOR_TITLES = (Title.SENIOR_PROFESSOR, Title.SENIOR)


@dataclass(frozen=True)
class Filters:
    unit: OrgUnit | None = None
    q: str = ""
    post: str = ""
    title: str = ""
    employment: str = ""
    certificate: str = ""  # a CertificateKind, "expiring" or "expired"
    incomplete: bool = False


def people_for(viewer: User, action: str = "read") -> QuerySet[User]:
    """Accounts whose unit lies in the viewer's subtree for `teacher.<action>`."""
    root = scope_root_path(viewer, f"teacher.{action}")
    if root is None:
        return User.objects.none()
    return User.objects.filter(unit__path__under=root)


def can_read(viewer: User, person: User) -> bool:
    return viewer.pk == person.pk or (person.unit is not None and can(viewer, "teacher.read", person.unit))


def person_for(viewer: User, pk: int) -> User | None:
    """The person if the viewer may read their profile (None: answer 404)."""
    person = User.objects.select_related("unit", "staff_profile").filter(pk=pk).first()
    if person is None or not can_read(viewer, person):
        return None
    return person


def roster(viewer: User, filters: Filters, *, today: dt.date) -> QuerySet[User]:
    qs = people_for(viewer).filter(is_active=True).select_related("unit", "staff_profile")
    if filters.unit is not None:
        qs = qs.filter(unit__path__under=filters.unit.path)
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(full_name__contains=q) | Q(username__iexact=q))
    if filters.post:
        qs = qs.filter(staff_profile__post=filters.post)
    if filters.title:
        qs = qs.filter(staff_profile__title=filters.title)
    if filters.employment:
        qs = qs.filter(staff_profile__employment=filters.employment)
    # The people holding matching certificates, as one `IN (…)` list: a few hundred ids at city scale, where a
    # correlated EXISTS per person walked all 72,000.
    holders = Certificate.objects.values("profile__user_id")
    if filters.certificate == "expiring":
        qs = qs.filter(
            pk__in=holders.filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS))
        )
    elif filters.certificate == "expired":
        qs = qs.filter(pk__in=holders.filter(expires_on__lt=today))
    elif filters.certificate in CertificateKind.values:
        qs = qs.filter(pk__in=holders.filter(kind=filters.certificate))
    if filters.incomplete:
        qs = qs.filter(
            Q(staff_profile__isnull=True) | Q(staff_profile__id_card_no="") | Q(staff_profile__work_started_on=None)
        )
    return qs.order_by("unit__path", "id")


@dataclass(frozen=True)
class Summary:
    people: int
    with_profile: int
    teaching: int
    established: int
    senior_titles: int
    psych_certified: int
    expiring: int
    expired: int

    @property
    def psych_rate(self) -> float | None:
        return self.psych_certified / self.people if self.people else None


def summary(viewer: User, unit: OrgUnit | None, *, today: dt.date) -> Summary:
    """The figures above the list, one aggregate over people and one over certificates."""
    people = people_for(viewer).filter(is_active=True)
    if unit is not None:
        people = people.filter(unit__path__under=unit.path)
    figures = people.aggregate(
        people=Count("id"),
        with_profile=Count("staff_profile", filter=~Q(staff_profile__id_card_no="")),
        teaching=Count("staff_profile", filter=Q(staff_profile__post="teaching")),
        established=Count("staff_profile", filter=Q(staff_profile__employment="established")),
        senior=Count("staff_profile", filter=Q(staff_profile__title__in=SENIOR_TITLES)),
    )
    # One pass over the certificates of the same people (joined, not `IN (subquery)`: at city scale this is the
    # costly half of the page).
    root = scope_root_path(viewer, "teacher.read")
    certificates = (
        Certificate.objects.none()
        if root is None
        else Certificate.objects.filter(profile__user__is_active=True, profile__user__unit__path__under=root)
    )
    if unit is not None:
        certificates = certificates.filter(profile__user__unit__path__under=unit.path)
    expiry = certificates.aggregate(
        certified=Count("profile", distinct=True, filter=Q(kind__in=PSYCH_KINDS)),
        expiring=Count(
            "id", filter=Q(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS))
        ),
        expired=Count("id", filter=Q(expires_on__lt=today)),
    )
    certified = expiry["certified"]
    return Summary(
        people=figures["people"],
        with_profile=figures["with_profile"],
        teaching=figures["teaching"],
        established=figures["established"],
        senior_titles=figures["senior"],
        psych_certified=certified,
        expiring=expiry["expiring"],
        expired=expiry["expired"],
    )


def certificates_of(profile: StaffProfile | None) -> list[Certificate]:
    return list(profile.certificates.all()) if profile is not None and profile.pk else []


def postings_of(person: User) -> list[Posting]:
    return list(Posting.objects.filter(user=person).select_related("unit"))


def certificate_for(viewer: User, pk: int) -> Certificate | None:
    certificate = Certificate.objects.select_related("profile__user__unit").filter(pk=pk).first()
    if certificate is None or not can_read(viewer, certificate.profile.user):
        return None
    return certificate


def transfer_targets(viewer: User) -> QuerySet[OrgUnit]:
    root = scope_root_path(viewer, "teacher.transfer")
    if root is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        path__under=root, kind__in=["school", "district", "bureau", "office"], is_closed=False
    ).order_by("path")


def expiry_state(certificate: Certificate, today: dt.date) -> str:
    if certificate.expires_on is None:
        return "长期有效"
    if certificate.expires_on < today:
        return "已过期"
    if certificate.expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return f"{(certificate.expires_on - today).days} 天后到期"
    return "有效"


def row_facts(people: list[User], today: dt.date) -> dict[int, dict[str, Any]]:
    """Per person on a page: certificate names and the worst expiry state, one query."""
    facts: dict[int, dict[str, Any]] = {p.pk: {"certificates": [], "expired": 0, "expiring": 0} for p in people}
    rows = Certificate.objects.filter(profile__user_id__in=facts).select_related("profile").order_by("kind", "id")
    for certificate in rows:
        fact = facts[certificate.profile.user_id]
        fact["certificates"].append(certificate.label)
        state = expiry_state(certificate, today)
        if state == "已过期":
            fact["expired"] += 1
        elif state.endswith("到期"):
            fact["expiring"] += 1
    return facts
