"""Before signing, where the CA's revocation data is reachable (HOCBASO_REVOCATION_FETCH), a
certificate the CA has revoked may not sign, even if the register does not know it yet; an
unreachable CRL blocks signing rather than letting a possibly revoked key sign."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from hocbaso.audit.actors import SEED
from hocbaso.people.tests.world import World
from hocbaso.records.certificate_checks import certificate_problems
from hocbaso.signing import demo_pki
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.revocation import issue_crl

pytestmark = pytest.mark.django_db


@pytest.fixture
def crl_server() -> Iterator[Callable[[bytes], str]]:
    """A local stand-in for a CA's CRL distribution point; ``serve(body)`` sets the CRL."""
    served: dict[str, bytes] = {"body": b""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 — http.server's name
            self.send_response(200)
            self.end_headers()
            self.wfile.write(served["body"])

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def serve(body: bytes) -> str:
        served["body"] = body
        return f"http://127.0.0.1:{server.server_port}/ca.crl"

    try:
        yield serve
    finally:
        server.shutdown()
        server.server_close()


def _registered(world: World, authority: DemoAuthority, crl_url: str) -> Any:
    issued = demo_pki.issue_personal(
        authority.ca, full_name="GV", now=timezone.now(), crl_url=crl_url
    )
    row = register_certificate(
        issued.cert_pem(), acting_user=SEED, user_id=world.user("homeroom_4a").pk,
        trust_roots=[authority.ca.certificate], at=timezone.now(),
    )  # fmt: skip
    return issued, row


def test_a_certificate_the_ca_revoked_may_not_sign(
    world: World, demo_authority: DemoAuthority, crl_server: Callable[[bytes], str], settings: Any
) -> None:
    settings.SIGNING_REVOCATION_FETCH = True
    url = crl_server(issue_crl(demo_authority.ca, [], now=timezone.now()))
    issued, row = _registered(world, demo_authority, url)
    assert certificate_problems(row, timezone.now()) == []
    revoked = issue_crl(
        demo_authority.ca, [(issued.certificate.serial_number, timezone.now())],
        now=timezone.now(),
    )  # fmt: skip
    crl_server(revoked)
    problems = certificate_problems(row, timezone.now())
    assert len(problems) == 1
    assert problems[0].startswith("Chứng thư số đã bị tổ chức cấp thu hồi")
    settings.SIGNING_REVOCATION_FETCH = False  # the hook off: only the register counts
    assert certificate_problems(row, timezone.now()) == []


def test_an_unreachable_crl_blocks_signing(
    world: World, demo_authority: DemoAuthority, settings: Any
) -> None:
    settings.SIGNING_REVOCATION_FETCH = True
    _, row = _registered(world, demo_authority, "http://127.0.0.1:9/ca.crl")
    assert certificate_problems(row, timezone.now()) == [
        "Không lấy được danh sách thu hồi của tổ chức cấp chứng thư: chưa thể kí; hãy thử lại sau."
    ]
