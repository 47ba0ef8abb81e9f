"""A local stand-in for a remote signing service (docs/remote-signing.md), for tests and demos.

It holds one key and certificate and answers the batch contract. Approval is automatic, or
waits for `StandinService.approve` / `reject` (the teacher pressing OK or Cancel on the agent),
also reachable over HTTP at ``POST /_standin/batches/{id}/approve|reject`` (stand-in only).
`Faults` injects failures: HTTP errors for the next requests, a non-JSON answer, a garbled
signature, an item left out. Run it with::

    python -m hocbaso.signing.remote_standin --port 8765 [--pkcs12 FILE] [--manual]

(without ``--pkcs12`` it makes a DEMO CA and signer and writes their PEMs to ``--demo-out``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import secrets
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import pkcs12

from hocbaso.signing import local_http_standin

MAX_ITEMS = 1000
Answer = tuple[int, Any]


@dataclass
class Faults:
    fail_next: int = 0  # the next N requests answer fail_status
    fail_status: int = 500
    not_json_next: int = 0  # the next N requests answer a non-JSON body
    garble: bool = False  # signatures come back with a flipped bit
    omit_item: str | None = None  # this item is left out of the approved batch


@dataclass
class Batch:
    id: str
    items: list[dict[str, str]]
    created: float
    status: str = "pending"
    results: list[dict[str, str]] = field(default_factory=list)


def _valid_items(items: Any) -> bool:
    if not isinstance(items, list) or not items:
        return False
    for item in items:
        try:
            if not (isinstance(item["id"], str) and isinstance(item["label"], str)):
                return False
            if len(base64.b64decode(item["digest_b64"], validate=True)) != 32:
                return False
        except (KeyError, TypeError, binascii.Error):
            return False
    return len({item["id"] for item in items}) == len(items)


def _error(status: int, code: str, message: str) -> Answer:
    return status, {"error": {"code": code, "message": message}}


class StandinService:
    def __init__(
        self,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        *,
        api_key: str | None = None,
        auto_approve: bool = True,
        ttl: float = 600.0,
    ) -> None:
        self.key = private_key
        self.certificate = certificate
        der = certificate.public_bytes(serialization.Encoding.DER)
        self.fingerprint = hashlib.sha256(der).hexdigest()
        self.api_key = api_key
        self.auto_approve = auto_approve
        self.ttl = ttl
        self.faults = Faults()
        self.batches: dict[str, Batch] = {}
        self.requests = 0
        self._lock = threading.Lock()

    # -- the signer's decisions ---------------------------------------------------------------

    def pending(self) -> list[str]:
        with self._lock:
            return [b.id for b in self.batches.values() if b.status == "pending"]

    def approve(self, batch_id: str | None = None) -> None:
        with self._lock:
            for batch in self._chosen(batch_id):
                batch.results = [self._sign(item) for item in batch.items]
                batch.status = "approved"

    def reject(self, batch_id: str | None = None) -> None:
        with self._lock:
            for batch in self._chosen(batch_id):
                batch.status = "rejected"

    def _chosen(self, batch_id: str | None) -> list[Batch]:
        return [
            b for b in self.batches.values() if b.status == "pending" and batch_id in (None, b.id)
        ]

    def _sign(self, item: dict[str, str]) -> dict[str, str]:
        digest = base64.b64decode(item["digest_b64"])
        if isinstance(self.key, rsa.RSAPrivateKey):
            pre = utils.Prehashed(hashes.SHA256())
            signature = self.key.sign(digest, padding.PKCS1v15(), pre)
        else:
            signature = self.key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        if self.faults.garble:
            signature = signature[:-1] + bytes([signature[-1] ^ 1])
        return {"id": item["id"], "signature_b64": base64.b64encode(signature).decode()}

    # -- HTTP ---------------------------------------------------------------------------------

    def handle(self, method: str, path: str, authorization: str, body: bytes) -> Answer:
        with self._lock:
            self.requests += 1
            if self.faults.fail_next > 0:
                self.faults.fail_next -= 1
                return _error(self.faults.fail_status, "injected", "injected failure")
            if self.faults.not_json_next > 0:
                self.faults.not_json_next -= 1
                return 200, "<html>not json</html>"
        if self.api_key and not secrets.compare_digest(
            authorization.encode(), f"Bearer {self.api_key}".encode()
        ):
            return _error(401, "unauthorized", "missing or wrong API key")
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "batches"]:
            return self._create(body)
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "batches"]:
            return self._status(parts[2])
        if method == "POST" and len(parts) == 4 and parts[:2] == ["_standin", "batches"]:
            if parts[2] not in self.batches or parts[3] not in ("approve", "reject"):
                return _error(404, "not_found", "no such batch or action")
            (self.approve if parts[3] == "approve" else self.reject)(parts[2])
            return 200, {"batch_id": parts[2], "status": self.batches[parts[2]].status}
        return _error(404, "not_found", "no such resource")

    def _create(self, body: bytes) -> Answer:
        try:
            request = json.loads(body)
            items = request["items"]
            valid = _valid_items(items)
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            return _error(400, "invalid_request", "malformed batch request")
        if len(items) > MAX_ITEMS:
            return _error(413, "too_many_items", f"at most {MAX_ITEMS} items per batch")
        if request.get("digest_algorithm") != "sha256":
            return _error(422, "unsupported_algorithm", "only sha256 is supported")
        if request.get("certificate_fingerprint_sha256") != self.fingerprint:
            return _error(422, "unknown_certificate", "no key for this certificate")
        batch = Batch(id=secrets.token_hex(8), items=items, created=time.monotonic())
        with self._lock:
            self.batches[batch.id] = batch
        if self.auto_approve:
            self.approve(batch.id)
        return 202, {"batch_id": batch.id, "status": "pending"}

    def _status(self, batch_id: str) -> Answer:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return _error(404, "not_found", "no such batch")
            if batch.status == "pending" and time.monotonic() - batch.created > self.ttl:
                batch.status = "expired"
            answer: dict[str, Any] = {"batch_id": batch.id, "status": batch.status}
            if batch.status == "approved":
                omit = self.faults.omit_item
                answer["items"] = [r for r in batch.results if r["id"] != omit]
            return 200, answer


class _Handler(local_http_standin.StandinHandler[StandinService]):
    def _answer(self, method: str) -> None:
        body = self.read_body()
        auth = self.headers.get("Authorization", "")
        status, payload = self.service.handle(method, self.path, auth, body)
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.reply(status, data, "application/json")

    def do_GET(self) -> None:  # noqa: N802 — http.server's naming
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")


class StandinServer(local_http_standin.StandinServer[StandinService]):
    """The service on 127.0.0.1 in a background thread (port 0: any free port)."""

    def __init__(self, service: StandinService, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(service, _Handler, port=port, host=host)


def _demo_identity(out: Path | None) -> tuple[Any, x509.Certificate]:
    from hocbaso.signing import demo_pki  # noqa: PLC0415 — only for the demo identity

    now = dt.datetime.now(dt.UTC)
    ca = demo_pki.create_ca(now=now)
    signer = demo_pki.issue_personal(ca, full_name="Giáo viên DEMO (kí từ xa)", now=now)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "demo-ca.pem").write_bytes(ca.cert_pem())
        (out / "signer.pem").write_bytes(signer.cert_pem())
    return signer.private_key, signer.certificate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local stand-in remote signing service")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pkcs12", type=Path, help="key + certificate (passphrase in env)")
    parser.add_argument("--passphrase-env", default="HOCBASO_STANDIN_PASSPHRASE")
    parser.add_argument("--demo-out", type=Path, help="where to write the DEMO CA and signer PEM")
    parser.add_argument("--api-key-env", default="HOCBASO_STANDIN_API_KEY")
    parser.add_argument("--manual", action="store_true", help="wait for /_standin/.../approve")
    args = parser.parse_args(argv)
    if args.pkcs12:
        passphrase = os.environ.get(args.passphrase_env, "").encode() or None
        key, cert, _ = pkcs12.load_key_and_certificates(args.pkcs12.read_bytes(), passphrase)
        if key is None or cert is None:
            parser.error("the PKCS#12 file has no key or no certificate")
    else:
        key, cert = _demo_identity(args.demo_out)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        parser.error("only RSA and ECDSA keys are supported")
    service = StandinService(
        key, cert, api_key=os.environ.get(args.api_key_env) or None, auto_approve=not args.manual
    )
    with StandinServer(service, port=args.port) as server, suppress(KeyboardInterrupt):
        mode = "manual: POST /_standin/batches/ID/approve" if args.manual else "auto"
        print(f"stand-in on {server.base_url} ({mode}) sha256 {service.fingerprint}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
