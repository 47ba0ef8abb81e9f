from __future__ import annotations
import json
import pytest
pytestmark = pytest.mark.django_db

def test_smoke(api_world, api_as) -> None:
    w = api_world.world
    c = api_as("parent_a")
    for url in ["/api/v1/children", f"/api/v1/children/{w.pupil_a.pk}", f"/api/v1/children/{w.pupil_a.pk}/periods",
                f"/api/v1/children/{w.pupil_a.pk}/periods/{api_world.ghki.pk}/results",
                f"/api/v1/children/{w.pupil_a.pk}/records",
                f"/api/v1/children/{w.pupil_a.pk}/records/{api_world.page_a.pk}.pdf",
                f"/api/v1/children/{w.pupil_a.pk}/records/{api_world.page_a.pk}.xml",
                f"/api/v1/children/{w.pupil_5b.pk}",
                ]:
        r = c.get(url)
        print(url, r.status_code, r.content.decode()[:1200])
