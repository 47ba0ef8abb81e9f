"""The second factor at login (security.md F5, ASVS 6.3.3): who must have one, enrolment with a
QR code and recovery codes, codes that work once, the DEMO waiver, and the audit trail."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.second_factor import reset_second_factor
from hocbaso.people.auth_models import RecoveryCode, TotpDevice
from hocbaso.people.second_factor import SESSION_DONE, requires_second_factor
from hocbaso.people.testing import next_code
from hocbaso.people.tests.world import PASSWORD, PERSONAS, World
from hocbaso.people.totp import from_base32, hotp, time_step, totp
from hocbaso.people.totp_seal import open_secret

pytestmark = pytest.mark.django_db

ENROL = "/xac-thuc-hai-buoc/dang-ky/"
VERIFY = "/xac-thuc-hai-buoc/"
MUST_HAVE = {
    "principal", "vice_principal", "school_admin", "other_principal", "commune_officer",
    "province_officer", "inspector", "sysadmin",
}  # fmt: skip


def _password_login(persona: str, next_url: str = "") -> tuple[Client, str]:
    client = Client()
    data = {"username": persona, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post("/dang-nhap/", data)
    assert response.status_code == 302
    return client, response["Location"]


def _secret_on_page(client: Client) -> bytes:
    body = client.get(ENROL).content.decode()
    start = body.index('data-testid="totp-secret">') + len('data-testid="totp-secret">')
    return from_base32(body[start : body.index("</code>", start)])


def _enrol(client: Client) -> tuple[bytes, list[str]]:
    secret = _secret_on_page(client)
    response = client.post(ENROL, {"code": totp(secret, time.time())})
    assert response.status_code == 200
    return secret, list(response.context["codes"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_must_have_a_second_factor(world: World, persona: str) -> None:
    assert requires_second_factor(world.user(persona)) is (persona in MUST_HAVE)


def test_a_principal_without_a_factor_must_enrol_before_anything_else(world: World) -> None:
    # when the principal logs in with the password
    client, location = _password_login("principal", "/hoc-sinh/")
    # then they are sent to the enrolment, `next` kept, and every page sends them there
    assert location == f"{ENROL}?next=%2Fhoc-sinh%2F"
    for url in ("/", "/hoc-sinh/", f"/truong/{world.school.pk}/", "/quan-tri/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{ENROL}?next=")
    assert SESSION_DONE not in client.session


def test_enrolment_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(world: World) -> None:
    client, _ = _password_login("principal", "/hoc-sinh/")
    page = client.get(f"{ENROL}?next=/hoc-sinh/")
    body = page.content.decode()
    assert page.status_code == 200
    assert '<svg width="' in body
    assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    secret = _secret_on_page(client)
    # a wrong code is refused and changes nothing
    wrong = client.post(ENROL, {"code": "000000" if totp(secret, time.time()) != "000000" else "1"})
    assert "Mã không đúng." in wrong.content.decode()
    assert TotpDevice.objects.count() == 0
    # the right code enrols: ten recovery codes shown once, the secret stored encrypted
    response = client.post(ENROL, {"code": totp(secret, time.time()), "next": "/hoc-sinh/"})
    codes = response.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert 'href="/hoc-sinh/"' in response.content.decode()
    device = TotpDevice.objects.get(user=world.user("principal"))
    assert secret not in bytes(device.sealed_secret)
    assert open_secret(device.sealed_secret) == secret
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not any(code in stored for code in codes)
    # and the session may now go anywhere
    assert client.get("/hoc-sinh/").status_code == 200
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="account.mfa")] == [
        "account.mfa_failed",
        "account.mfa_enrolled",
    ]


def test_an_enrolled_user_proves_the_code_at_each_login_and_a_code_works_once(
    world: World,
) -> None:
    first, _ = _password_login("principal")
    secret, _ = _enrol(first)
    used = totp(secret, time.time())
    # when they log in again
    client, location = _password_login("principal", "/hoc-sinh/")
    assert location == f"{VERIFY}?next=%2Fhoc-sinh%2F"
    assert client.get("/").status_code == 302
    # then the code used at enrolment is refused (replay), a fresh one accepted
    replay = client.post(VERIFY, {"code": used, "next": "/hoc-sinh/"})
    assert replay.status_code == 200
    assert "Mã không đúng, đã dùng rồi hoặc đã hết hạn." in replay.content.decode()
    key_before = client.session.session_key
    response = client.post(
        VERIFY, {"code": next_code(world.user("principal")), "next": "/hoc-sinh/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/hoc-sinh/")
    assert client.session.session_key != key_before
    assert client.get("/hoc-sinh/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(action__startswith="account.mfa").values_list("action", flat=True)
    )
    assert actions == ["account.mfa_enrolled", "account.mfa_failed", "account.mfa_verified"]


def test_a_code_two_steps_away_is_refused(world: World) -> None:
    first, _ = _password_login("principal")
    secret, _ = _enrol(first)
    client, _ = _password_login("principal")
    stale = hotp(secret, time_step(time.time()) - 3)
    assert client.post(VERIFY, {"code": stale}).status_code == 200
    assert SESSION_DONE not in client.session


def test_a_recovery_code_works_once(world: World) -> None:
    first, _ = _password_login("principal")
    _, codes = _enrol(first)
    # given a lost phone: the principal types a recovery code, in lower case
    client, _ = _password_login("principal")
    response = client.post(VERIFY, {"code": codes[3].lower()})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="account.mfa_recovery_used")
    assert event.data["new"] == {"method": "recovery_code", "remaining": 9}
    # then the same code does not work a second time
    again, _ = _password_login("principal")
    assert again.post(VERIFY, {"code": codes[3]}).status_code == 200
    assert SESSION_DONE not in again.session


def test_wrong_codes_are_throttled(world: World) -> None:
    first, _ = _password_login("principal")
    _enrol(first)
    client, _ = _password_login("principal")
    for _ in range(5):
        client.post(VERIFY, {"code": "12345x"})
    # then even the right code waits
    response = client.post(VERIFY, {"code": next_code(world.user("principal"))})
    assert response.status_code == 200
    assert "đã nhập sai nhiều lần" in response.content.decode()


@pytest.mark.parametrize("persona", ["homeroom_4a", "group_head", "parent_a"])
def test_teachers_and_parents_log_in_with_the_password_alone(world: World, persona: str) -> None:
    client, location = _password_login(persona)
    assert location == "/"
    assert client.get("/").status_code == 200


def test_a_teacher_who_enrolled_is_asked_for_the_code(world: World) -> None:
    first, _ = _password_login("homeroom_4a")
    first.get(ENROL)
    _enrol(first)
    _, location = _password_login("homeroom_4a")
    assert location == f"{VERIFY}?next=%2F"


def test_the_demo_waiver_lets_an_unenrolled_principal_in_but_not_an_enrolled_one(
    world: World, settings
) -> None:
    settings.MFA_DEMO_WAIVER = True
    client, location = _password_login("principal")
    assert location == "/"
    assert client.get("/").status_code == 200
    _enrol(client)
    _, location = _password_login("principal")
    assert location == f"{VERIFY}?next=%2F"


def test_replacing_the_authenticator_needs_the_current_one_first(world: World) -> None:
    first, _ = _password_login("principal")
    _enrol(first)
    client, _ = _password_login("principal")
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_an_administrator_resets_a_lost_authenticator(world: World) -> None:
    first, _ = _password_login("principal")
    _enrol(first)
    reset_second_factor(
        world.user("principal").pk, acting_user=world.user("sysadmin"), reason="Mất điện thoại"
    )
    assert TotpDevice.objects.count() == 0
    assert RecoveryCode.objects.filter(used_at__isnull=True).count() == 0
    event = AuditEvent.objects.get(action="account.mfa_reset")
    assert (event.actor_id, event.data["new"]["reason"]) == (
        world.user("sysadmin").pk,
        "Mất điện thoại",
    )
    _, location = _password_login("principal")
    assert location == f"{ENROL}?next=%2F"


def test_the_admin_login_form_cannot_bypass_the_site_login(world: World) -> None:
    client = Client()
    page = client.get("/quan-tri/login/?next=/quan-tri/people/user/")
    posted = client.post("/quan-tri/login/", {"username": "sysadmin", "password": PASSWORD})
    assert (page.status_code, page["Location"]) == (
        302,
        "/dang-nhap/?next=/quan-tri/people/user/",
    )
    assert posted["Location"] == "/dang-nhap/?next=/quan-tri/"
    assert "_auth_user_id" not in client.session
    # and the site's login of a system administrator goes through the second factor
    _, location = _password_login("sysadmin", "/quan-tri/")
    assert location == f"{ENROL}?next=%2Fquan-tri%2F"
