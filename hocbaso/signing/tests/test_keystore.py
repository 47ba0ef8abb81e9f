"""Keys of registered certificates (`keystore`), the installation's trust roots and TSA
(`trust`), and the demo seed of DEMO certificates (`seed_demo_signing`)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone
from pyhanko.sign.general import SigningError

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_pki import create_ca, issue_personal
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.keystore import (
    RemoteKeyRequired,
    current_certificate,
    record_external_key,
    signer_for,
    store_server_key,
)
from hocbaso.signing.models import SigningCertificate, SigningKey
from hocbaso.signing.testing import give_certificate
from hocbaso.signing.timestamps import LocalTimestamper
from hocbaso.signing.trust import configured_timestamper, trust_roots

pytestmark = pytest.mark.django_db
PIN = "123456"


def test_a_server_key_opens_only_with_its_pin(world: World, demo_authority: DemoAuthority) -> None:
    teacher = world.user("homeroom_4a")
    row = give_certificate(demo_authority, teacher, now=timezone.now())
    assert current_certificate(user=teacher) == row
    signer = signer_for(row, PIN)
    assert (
        signer.certificate.fingerprint(
            __import__("cryptography.hazmat.primitives.hashes", fromlist=["SHA256"]).SHA256()
        ).hex()
        == row.fingerprint_sha256
    )
    with pytest.raises(SigningError, match="Mã PIN không đúng"):
        signer_for(row, "654321")
    event = AuditEvent.objects.filter(action="certificate.key_stored").get()
    assert event.data["backend"] == "server_pkcs12"
    assert PIN not in str(event.data)


def test_a_key_is_stored_once_by_someone_allowed_and_must_match(
    world: World, demo_authority: DemoAuthority
) -> None:
    now = timezone.now()
    teacher, other = world.user("homeroom_4a"), world.user("subject_teacher_5b")
    issued = issue_personal(demo_authority.ca, full_name="GV 4A", now=now)
    row = register_certificate(
        issued.cert_pem(), acting_user=SEED, user_id=teacher.pk,
        trust_roots=[demo_authority.ca.certificate], at=now,
    )  # fmt: skip
    archive = issued.pkcs12(PIN.encode())
    with pytest.raises(ActionError, match="không có quyền"):
        store_server_key(row.pk, archive, PIN, acting_user=other)
    with pytest.raises(ActionError, match="Không mở được"):
        store_server_key(row.pk, archive, "000000", acting_user=teacher)
    stranger = issue_personal(demo_authority.ca, full_name="Người khác", now=now)
    with pytest.raises(ActionError, match="không chứa khóa"):
        store_server_key(row.pk, stranger.pkcs12(PIN.encode()), PIN, acting_user=teacher)
    with pytest.raises(ActionError, match="ít nhất 6"):
        store_server_key(row.pk, issued.pkcs12(b"123"), "123", acting_user=teacher)
    assert not SigningKey.objects.exists()
    store_server_key(row.pk, archive, PIN, acting_user=teacher)
    with pytest.raises(ActionError, match="đã có khóa"):
        store_server_key(row.pk, archive, PIN, acting_user=teacher)


def test_expired_revoked_or_keyless_certificates_are_not_current(
    world: World, demo_authority: DemoAuthority
) -> None:
    teacher = world.user("homeroom_4a")
    now = timezone.now()
    issued = issue_personal(demo_authority.ca, full_name="GV", now=now)
    keyless = register_certificate(
        issued.cert_pem(), acting_user=SEED, user_id=teacher.pk,
        trust_roots=[demo_authority.ca.certificate], at=now,
    )  # fmt: skip
    assert current_certificate(user=teacher) is None
    with pytest.raises(SigningError, match="chưa được gắn với khóa"):
        signer_for(keyless, PIN)
    row = give_certificate(demo_authority, teacher, now=now)
    assert current_certificate(user=teacher) == row
    assert current_certificate(user=teacher, at=now + dt.timedelta(days=800)) is None
    SigningCertificate.objects.filter(pk=row.pk).update(revoked_at=now)
    assert current_certificate(user=teacher) is None


def test_a_remote_key_cannot_sign_in_one_call(world: World, demo_authority: DemoAuthority) -> None:
    now = timezone.now()
    issued = issue_personal(demo_authority.ca, full_name="GV", now=now)
    row = register_certificate(
        issued.cert_pem(), acting_user=SEED, user_id=world.user("homeroom_4a").pk,
        trust_roots=[demo_authority.ca.certificate], at=now,
    )  # fmt: skip
    record_external_key(row.pk, backend="remote", remote_service="ca-cloud", acting_user=SEED)
    with pytest.raises(RemoteKeyRequired):
        signer_for(row, PIN)


def test_the_demo_ca_is_trusted_only_in_a_demo_installation(
    demo_authority: DemoAuthority, settings: Any, tmp_path: Path
) -> None:
    assert trust_roots() == [demo_authority.ca.certificate]
    assert isinstance(configured_timestamper(), LocalTimestamper)
    settings.SIGNING_DEMO_PKI = False
    assert trust_roots() == []
    with pytest.raises(ImproperlyConfigured):
        configured_timestamper()  # "demo" TSA without the demo PKI
    other = create_ca(now=timezone.now(), name="CA thật")
    pem = tmp_path / "roots.pem"
    pem.write_bytes(other.cert_pem() + other.cert_pem())
    settings.SIGNING_TRUST_ROOTS = [str(pem)]
    assert trust_roots() == [other.certificate]  # duplicates dropped
    settings.SIGNING_TSA = ""
    assert configured_timestamper() is None


def test_production_settings_refuse_the_demo_pki() -> None:
    import subprocess
    import sys

    code = "import hocbaso.config.settings"
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "FIELD_HASH_KEY": "y" * 50,
        "HOCBASO_MFA_KEY": "z" * 43,
        "ALLOWED_HOSTS": "hocbaso.example.gov.vn",
        "HOCBASO_DEMO_PKI": "1",
        "PATH": "/usr/bin:/bin",
    }
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode != 0
    assert "HOCBASO_DEMO_PKI must not be on in production" in run.stderr
    env.pop("HOCBASO_DEMO_PKI")
    run = subprocess.run(
        [sys.executable, "-c", code + "; from django.conf import settings"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


def test_seed_demo_signing_gives_the_school_staff_and_seal_certificates(
    world: World, demo_authority: DemoAuthority, settings: Any
) -> None:
    out = StringIO()
    call_command("seed_demo_signing", "--school", world.school.code, stdout=out)
    assert "mã PIN DEMO: 123456" in out.getvalue()
    principal = world.user("principal")
    row = current_certificate(user=principal)
    assert row is not None
    assert signer_for(row, PIN).certificate is not None
    seal = current_certificate(school_id=world.school.pk)
    assert seal is not None
    assert seal.subject_cn == world.school.name
    count = SigningCertificate.objects.count()
    call_command("seed_demo_signing", "--if-empty", stdout=StringIO())
    assert SigningCertificate.objects.count() == count
    settings.SIGNING_DEMO_PKI = False
    with pytest.raises(CommandError, match="HOCBASO_DEMO_PKI"):
        call_command("seed_demo_signing", stdout=StringIO())
