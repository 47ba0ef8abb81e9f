"""Locust users for `make loadtest`: teachers saving their 35-pupil Toán sheet (TeacherUser)
and the baseline (BareUser: a bare Django view doing one INSERT, same think time). Both are
FastHttpUser: the load generator shares the machine with the server, and the requests-based
HttpUser cost ~3 ms CPU per save.

Environment: LOADTEST_PLAN (JSON list from seed.plan(), one entry per simulated teacher) and
LOADTEST_LOG (a JSON-lines file: one line per request; an acknowledged save also carries its
idempotency key, version and cell values, which `acks.check_acknowledged` looks up afterwards).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

from bench.loadtest.cells import sheet_cells  # the runner starts locust from the repository root

THINK_TIME = between(1, 3)
PERIOD, KEY = "CHKI", "toan"
_plan: list[dict[str, Any]] = []
_log: Any = None


def _next_teacher() -> dict[str, Any]:
    global _plan
    if not _plan:
        with open(os.environ["LOADTEST_PLAN"], encoding="utf-8") as f:
            _plan = json.load(f)[::-1]
    return _plan.pop()  # gevent: one process, no two users get the same teacher


def _cookie(user: FastHttpUser, name: str) -> str:
    return next((c.value for c in user.client.cookiejar if c.name == name), "") or ""


def _record(line: dict[str, Any]) -> None:
    global _log
    if _log is None:
        _log = open(os.environ["LOADTEST_LOG"], "a", encoding="utf-8")  # noqa: SIM115
    _log.write(json.dumps(line, separators=(",", ":")) + "\n")
    _log.flush()


class TeacherUser(FastHttpUser):
    wait_time = THINK_TIME

    def on_start(self) -> None:
        self.teacher = _next_teacher()
        self.version: int = self.teacher["version"]
        self.pending: dict[str, Any] | None = None  # a save to retry with the same key
        self.client.get("/dang-nhap/", name="login form")
        self.client.post(
            "/dang-nhap/",
            data={
                "csrfmiddlewaretoken": _cookie(self, "csrftoken"),
                "username": self.teacher["username"],
                "password": os.environ.get("LOADTEST_PASSWORD", ""),
            },
            headers={"Referer": f"{self.host}/dang-nhap/"},
            name="login",
        )
        if not _cookie(self, "sessionid"):
            raise RuntimeError(f"login failed for {self.teacher['username']}")

    @task
    def save(self) -> None:
        if self.pending is None:
            self.pending = {
                "version": self.version,
                "idempotency_key": uuid.uuid4().hex,
                "cells": sheet_cells(
                    self.teacher["pupils"],
                    self.version + 1,
                    int(os.environ.get("LOADTEST_ROWS", "35")),
                ),
            }
        payload = self.pending
        started = time.time()
        with self.client.post(
            f"/lop/{self.teacher['class_id']}/so-diem/{PERIOD}/{KEY}/luu/",
            json=payload,
            headers={
                "X-CSRFToken": _cookie(self, "csrftoken"),
                "Referer": f"{self.host}/",
            },
            name="save sheet",
            catch_response=True,
        ) as response:
            ms = (time.time() - started) * 1000
            line: dict[str, Any] = {"kind": "save", "t": started, "ms": round(ms, 2)}
            line["status"] = response.status_code
            if response.status_code == 200:
                version = response.json()["version"]
                line.update(
                    class_id=self.teacher["class_id"],
                    key=payload["idempotency_key"],
                    version=version,
                    cells=[[c["student"], c["level"], c["score"]] for c in payload["cells"]],
                )
                self.version, self.pending = version, None
                response.success()
            else:
                line["error"] = str(response.error or response.text)[:200]
                response.failure(f"{response.status_code} {line['error']}")
            _record(line)


class BareUser(FastHttpUser):
    wait_time = THINK_TIME

    @task
    def bare_insert(self) -> None:
        started = time.time()
        with self.client.post(
            "/bench/bare-insert/", data=b"{}", name="bare insert", catch_response=True
        ) as response:
            ms = (time.time() - started) * 1000
            if response.status_code != 200:
                response.failure(str(response.status_code))
            _record(
                {"kind": "bare", "t": started, "ms": round(ms, 2), "status": response.status_code}
            )
