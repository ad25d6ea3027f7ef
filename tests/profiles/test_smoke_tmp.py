import pytest
from tests.profiles.conftest import profile_of

pytestmark = pytest.mark.django_db

def test_smoke(city, busy, signed_in):
    p = profile_of(city, "district_admin")
    print(p.sections)
    client = signed_in(city.user("district_admin"))
    r = client.get(f"/schools/{city.school_a.pk}/")
    assert r.status_code == 200, r.content.decode()[:3000]
    open("/tmp/profile.html", "w").write(r.content.decode())
