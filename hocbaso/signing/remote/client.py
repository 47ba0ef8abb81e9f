"""HTTP client of the remote signing contract (docs/remote-signing.md; ours, provisional).

One batch carries many digests, so the signer approves once per batch:
``POST {base}/v1/batches`` → 202 ``{batch_id, status: "pending"}``, then ``GET
{base}/v1/batches/{id}`` until the status is ``approved`` (items carry ``signature_b64`` or
``error``), ``rejected`` or ``expired``. Standard library only (urllib); nothing is contacted at
import time. TLS is required except on the loopback interface (the local stand-in).

Polling backs off (``poll_initial`` doubling up to ``poll_max``); transient failures while
polling (HTTP 5xx/429, connection errors, a timed-out request) are retried until
``max_failures`` in a row or the waiting deadline. Creating a batch is not retried (a retried
POST could create a second batch for the user to approve).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyhanko.sign.general import SigningError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FINAL = {"approved", "rejected", "expired"}


class RemoteSigningError(SigningError):
    """A failure of the remote signing service, with a message for the user."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class BatchItem:
    id: str
    digest: bytes  # SHA-256 of what is signed (a document's CMS signed attributes)
    label: str  # shown to the signer, e.g. "Học bạ 2026-2027 — Lê Minh Anh (4A)"


@dataclass
class BatchOutcome:
    batch_id: str
    status: str
    signatures: dict[str, bytes] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _malformed(detail: str) -> RemoteSigningError:
    return RemoteSigningError(f"Dịch vụ kí từ xa trả về dữ liệu không hợp lệ: {detail}.")


class RemoteSigningClient:
    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 10.0,
        *,
        poll_initial: float = 0.5,
        poll_max: float = 5.0,
        max_failures: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        local = parts.hostname in LOOPBACK
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise RemoteSigningError(
                "Địa chỉ dịch vụ kí từ xa phải dùng https (chỉ máy cục bộ được dùng http)."
            )
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.poll_initial = poll_initial
        self.poll_max = poll_max
        self.max_failures = max_failures
        self._sleep = sleep

    # -- transport ----------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Accept": "application/json", "User-Agent": "hocbaso-remote-signing/1"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(  # noqa: S310 — scheme checked in __init__
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc) from exc
        except (TimeoutError, urllib.error.URLError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise RemoteSigningError(
                    f"Dịch vụ kí từ xa không trả lời trong {self.timeout:g} giây.", transient=True
                ) from exc
            raise RemoteSigningError(
                f"Không kết nối được dịch vụ kí từ xa ({reason}).", transient=True
            ) from exc
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _malformed("không phải JSON") from exc

    def _http_error(self, exc: urllib.error.HTTPError) -> RemoteSigningError:
        detail = ""
        try:
            error = json.loads(exc.read()).get("error", {})
            detail = f": {error.get('code', '')} {error.get('message', '')}".rstrip()
        except (ValueError, AttributeError, OSError):
            pass
        status = exc.code
        if status in (401, 403):
            return RemoteSigningError(
                f"Dịch vụ kí từ xa từ chối truy cập (HTTP {status}); kiểm tra khóa API{detail}."
            )
        if status == 404:
            return RemoteSigningError(f"Dịch vụ kí từ xa không có lô kí này (HTTP 404){detail}.")
        if status == 429 or status >= 500:
            return RemoteSigningError(
                f"Dịch vụ kí từ xa đang gặp lỗi (HTTP {status}){detail}; thử lại sau.",
                transient=True,
            )
        return RemoteSigningError(f"Dịch vụ kí từ xa từ chối yêu cầu (HTTP {status}){detail}.")

    # -- the contract -------------------------------------------------------------------------

    def create_batch(self, certificate_fingerprint_sha256: str, items: Sequence[BatchItem]) -> str:
        """Submit the digests for one approval; the batch id."""
        ids = [item.id for item in items]
        if not items or len(set(ids)) != len(ids):
            raise ValueError("a batch needs items with distinct ids")
        body = {
            "certificate_fingerprint_sha256": certificate_fingerprint_sha256.lower(),
            "digest_algorithm": "sha256",
            "items": [
                {"id": i.id, "digest_b64": base64.b64encode(i.digest).decode(), "label": i.label}
                for i in items
            ],
        }
        answer = self._request("POST", "/v1/batches", body)
        batch_id = answer.get("batch_id") if isinstance(answer, dict) else None
        if not isinstance(batch_id, str) or not batch_id:
            raise _malformed("thiếu mã lô kí (batch_id)")
        return batch_id

    def get_batch(self, batch_id: str) -> BatchOutcome:
        answer = self._request("GET", "/v1/batches/" + urllib.parse.quote(batch_id, safe=""))
        if not isinstance(answer, dict) or answer.get("status") not in FINAL | {"pending"}:
            raise _malformed("trạng thái lô kí không rõ")
        outcome = BatchOutcome(batch_id=batch_id, status=answer["status"])
        if outcome.status != "approved":
            return outcome
        items = answer.get("items")
        if not isinstance(items, list):
            raise _malformed("thiếu danh sách kết quả (items)")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise _malformed("một kết quả không có mã (id)")
            if isinstance(item.get("error"), str):
                outcome.errors[item["id"]] = f"Dịch vụ kí từ xa không kí mục này: {item['error']}"
                continue
            try:
                outcome.signatures[item["id"]] = base64.b64decode(
                    item["signature_b64"], validate=True
                )
            except (KeyError, TypeError, binascii.Error):
                outcome.errors[item["id"]] = "Dịch vụ kí từ xa trả về chữ kí không đọc được."
        return outcome

    def wait_for_batch(
        self, batch_id: str, *, expected_ids: Sequence[str] = (), wait_timeout: float = 300.0
    ) -> BatchOutcome:
        """Poll until approved; RemoteSigningError when rejected, expired or out of time.
        An approved batch lacking one of ``expected_ids`` reports that item in ``errors``."""
        deadline = time.monotonic() + wait_timeout
        delay = self.poll_initial
        failures = 0
        while True:
            try:
                outcome = self.get_batch(batch_id)
                failures = 0
            except RemoteSigningError as exc:
                failures += 1
                if not exc.transient or failures >= self.max_failures:
                    raise
                outcome = BatchOutcome(batch_id=batch_id, status="pending")
            if outcome.status == "rejected":
                raise RemoteSigningError("Người kí đã từ chối lô kí; không tài liệu nào được kí.")
            if outcome.status == "expired":
                raise RemoteSigningError("Lô kí đã hết hạn trước khi người kí duyệt; hãy gửi lại.")
            if outcome.status == "approved":
                for item_id in expected_ids:
                    if item_id not in outcome.signatures and item_id not in outcome.errors:
                        outcome.errors[item_id] = "Dịch vụ kí từ xa không trả chữ kí cho mục này."
                return outcome
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RemoteSigningError(
                    f"Quá thời gian chờ người kí duyệt lô kí ({wait_timeout:g} giây)."
                )
            self._sleep(min(delay, remaining))
            delay = min(delay * 2, self.poll_max)

    def sign_batch(
        self, certificate_fingerprint_sha256: str, items: Sequence[BatchItem], **wait: Any
    ) -> BatchOutcome:
        batch_id = self.create_batch(certificate_fingerprint_sha256, items)
        return self.wait_for_batch(batch_id, expected_ids=[i.id for i in items], **wait)
