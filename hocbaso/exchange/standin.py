"""A local stand-in for the national receivers (the Kho and the Sở's VNeID gateway), following
the provisional contract of `push.payload` (docs/exchange.md). For tests and demos only.

It checks the credentials (one bearer token, or one client id/secret pair over HTTP Basic),
validates each body with `payload.validate_body`, and stores each item keyed by its
idempotency key: a second request with a known key answers 409 with the same receipt, and a
new key for an item it already holds (same target, record code, version) also answers 409.
`Faults` makes it fail on purpose: 500 for the next requests (optionally after storing the item,
as when the answer is lost on the way back), a slow answer (the client's timeout), 503 with
``Retry-After``. Run it with ``manage.py run_exchange_standin --port 8766 --token T``.
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from hocbaso.exchange.push import payload
from hocbaso.signing import local_http_standin

Answer = tuple[int, dict[str, Any], dict[str, str]]


@dataclass
class Faults:
    fail_next: int = 0  # the next N requests answer `fail_status` (before storing anything)
    fail_status: int = 500
    fail_after_store_next: int = 0  # store the item, then answer 500 (a lost answer)
    slow_next: int = 0  # the next N requests wait `slow_seconds` before answering
    slow_seconds: float = 2.0
    unavailable_next: int = 0  # the next N requests answer 503 with Retry-After
    retry_after: int = 30


@dataclass
class Received:
    receipt: str
    target: str
    key: str
    body: dict[str, Any]
    authorization: str


@dataclass
class StandinService:
    token: str = ""
    client_id: str = ""
    client_secret: str = ""
    faults: Faults = field(default_factory=Faults)
    items: dict[str, Received] = field(default_factory=dict)  # idempotency key → item
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # path, key, status
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _authorised(self, header: str) -> bool:
        expected = []
        if self.token:
            expected.append(f"Bearer {self.token}")
        if self.client_id and self.client_secret:
            pair = f"{self.client_id}:{self.client_secret}".encode()
            expected.append("Basic " + base64.b64encode(pair).decode("ascii"))
        if not expected:
            return True
        return any(hmac.compare_digest(header.encode(), e.encode()) for e in expected)

    def received(self, target: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.items.values() if target is None or r.target == target]

    def _take(self, name: str) -> bool:
        value = getattr(self.faults, name)
        if value > 0:
            setattr(self.faults, name, value - 1)
            return True
        return False

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        target = next((t for t, p in payload.PATHS.items() if p == path), None)
        key = headers.get(payload.IDEMPOTENCY_HEADER.lower(), "")
        with self.lock:
            status, body, extra = self._handle(target, key, headers, raw)
            self.requests.append((path, key, status))
        return status, body, extra

    def _handle(self, target: str | None, key: str, headers: dict[str, str], raw: bytes) -> Answer:
        if target is None:
            return 404, _errors(["đường dẫn không tồn tại"]), {}
        if not self._authorised(headers.get("authorization", "")):
            return 401, _errors(["thông tin xác thực không hợp lệ"]), {}
        if self._take("unavailable_next"):
            return (
                503,
                _errors(["tạm ngừng phục vụ"]),
                {"Retry-After": str(self.faults.retry_after)},
            )
        if self._take("fail_next"):
            return self.faults.fail_status, _errors(["lỗi máy chủ"]), {}
        if not key or len(key) > 200:
            return 400, _errors([f"thiếu tiêu đề {payload.IDEMPOTENCY_HEADER}"]), {}
        if key in self.items:
            return 409, {payload.RECEIPT_FIELD: self.items[key].receipt, "trangthai": "da_co"}, {}
        body, problems = payload.validate_body(target, raw)
        if problems:
            return 422, _errors(problems), {}
        identity = payload.item_identity(target, body)
        for item in self.items.values():
            if payload.item_identity(item.target, item.body) == identity:
                return 409, {payload.RECEIPT_FIELD: item.receipt, "trangthai": "da_co"}, {}
        receipt = f"{target.upper()}-{len(self.items) + 1:06d}"
        self.items[key] = Received(receipt, target, key, body, headers.get("authorization", ""))
        if self._take("fail_after_store_next"):
            return 500, _errors(["lỗi máy chủ sau khi đã lưu"]), {}
        return 201, {payload.RECEIPT_FIELD: receipt, "trangthai": "da_tiep_nhan"}, {}


def _errors(messages: list[str]) -> dict[str, Any]:
    return {
        "loi": [{"truong": m.split(":")[0] if ":" in m else "", "thongbao": m} for m in messages]
    }


class _Handler(local_http_standin.StandinHandler[StandinService]):
    def do_POST(self) -> None:  # noqa: N802 — http.server's naming
        raw = self.read_body(limit=payload.MAX_BODY_BYTES + 1)
        service = self.service
        if service._take("slow_next"):
            time.sleep(service.faults.slow_seconds)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, body, extra = service.handle(self.path, headers, raw)
        data = json.dumps(body, ensure_ascii=False).encode()
        # the client may have given up waiting (its timeout): the item is stored all the same
        self.reply(status, data, "application/json; charset=utf-8", extra.items())


class StandinServer(local_http_standin.StandinServer[StandinService]):
    """The service on 127.0.0.1 in a background thread (port 0: any free port), or in the
    foreground with `serve_forever` (``manage.py run_exchange_standin``)."""

    def __init__(self, service: StandinService, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(service, _Handler, port=port, host=host)
