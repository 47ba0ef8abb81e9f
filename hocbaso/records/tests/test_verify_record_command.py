"""``manage.py verify_record``: JSON report on standard output, exit 0 only for a fully valid
current record, 1 for any other record (the tamper corpus included), 2 for unusable input."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.people.tests.world import World
from hocbaso.records import verification
from hocbaso.records.models import RecordPage
from hocbaso.records.tests import signed_records as sr
from hocbaso.records.tests.test_verification import RECORD_TAMPERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def ca_pem(tmp_path: Path) -> Path:
    path = tmp_path / "demo-ca.pem"
    path.write_bytes(sr.pki().ca.cert_pem())
    return path


@pytest.fixture
def configured_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured trust roots are the DEMO CA (hocbaso.signing.trust stands in)."""
    monkeypatch.setattr(verification, "current_trust_roots", lambda: sr.pki().roots)


def run(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    """(exit status, the printed report or None, the error message)."""
    out = StringIO()
    try:
        call_command("verify_record", *args, stdout=out)
    except CommandError as exc:
        code, message = exc.returncode, str(exc)
    else:
        code, message = 0, ""
    printed = out.getvalue()
    return code, (json.loads(printed) if printed.strip() else None), message


def _file(tmp_path: Path, data: bytes, name: str = "hoc-ba.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_valid_current_record_exits_0(
    world: World, tmp_path: Path, configured_roots: None
) -> None:
    sr.register(world, 1)
    code, report, message = run(_file(tmp_path, sr.signed_page(1).final))
    assert code == 0, message
    assert report is not None
    assert report["valid"] is True
    assert report["status"] == "current"
    assert report["verdict"] == "Hợp lệ — bản hiện hành"
    assert [s["title"] for s in report["signatures"]] == [
        "Giáo viên chủ nhiệm",
        "Hiệu trưởng",
        sr.SCHOOL,
    ]


def test_explicit_trust_roots_and_a_moment(world: World, tmp_path: Path, ca_pem: Path) -> None:
    sr.register(world, 1)
    pdf = _file(tmp_path, sr.signed_page(1).final)
    assert run(pdf, "--trust-root", str(ca_pem), "--at", "2026-12-01T08:00:00")[0] == 0
    # long after every certificate expired (the DEMO personal ones last two years)
    code, report, _ = run(pdf, "--trust-root", str(ca_pem), "--at", "2040-01-01T00:00:00+07:00")
    assert code == 1
    assert report is not None
    assert report["valid"] is False


def test_the_printed_json_keeps_vietnamese_letters(
    world: World, tmp_path: Path, configured_roots: None
) -> None:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_record", _file(tmp_path, sr.signed_page(1).final), stdout=out)
    text = out.getvalue()
    assert "Học bạ này không có trong sổ đăng ký phát hành." in text  # not \\u escapes
    assert text.startswith("{\n  ")


def test_the_tamper_corpus_exits_1(world: World, tmp_path: Path, configured_roots: None) -> None:
    sr.register(world, 1)
    final = sr.signed_page(1).final
    results = {}
    for tamper in RECORD_TAMPERS:
        code, report, message = run(_file(tmp_path, tamper(final), f"{tamper.__name__}.pdf"))
        results[tamper.__name__] = code
        assert report is not None
        assert report["valid"] is False
        assert message.startswith("Không hợp lệ")
    assert set(results.values()) == {1}, results


def test_a_superseded_version_exits_1_and_points_to_the_current_one(
    world: World, tmp_path: Path, configured_roots: None
) -> None:
    old = sr.register(world, 1, RecordPage.State.SUPERSEDED, reason="Sửa điểm Toán")
    sr.register(world, 2, supersedes=old)
    code, report, message = run(_file(tmp_path, sr.signed_page(1).final))
    assert code == 1
    assert report is not None
    assert report["status"] == "superseded"
    register = report["register"]
    assert isinstance(register, dict)
    assert register["superseded_reason"] == "Sửa điểm Toán"
    assert register["current"]["version"] == 2
    assert "/xac-minh/" in register["current"]["verify_url"]
    assert "đã được thay thế" in message
    assert run(_file(tmp_path, sr.signed_page(2).final, "v2.pdf"))[0] == 0


def test_not_sealed_exits_1(world: World, tmp_path: Path, configured_roots: None) -> None:
    sr.register(world, 1, RecordPage.State.SIGNED_BY_PRINCIPAL)
    code, report, _ = run(_file(tmp_path, sr.signed_page(1).after_principal))
    assert code == 1
    assert report is not None
    assert report["status"] == "not_issued"


@pytest.mark.parametrize(
    ("data", "args", "expected"),
    [
        (None, (), "Không đọc được tệp"),
        (b"hello", (), "không phải tệp PDF hay tệp XML"),
        (b"%PDF-1.7\n", ("--at", "hôm qua"), "ISO 8601"),
        (b"%PDF-1.7\n", ("--trust-root", "/nonexistent.pem"), "chứng thư gốc"),
    ],
)
def test_unusable_input_exits_2(
    tmp_path: Path,
    configured_roots: None,
    data: bytes | None,
    args: tuple[str, ...],
    expected: str,
) -> None:
    name = str(tmp_path / "missing.pdf") if data is None else _file(tmp_path, data)
    code, report, message = run(name, *args)
    assert code == 2
    assert report is None
    assert expected in message


def test_no_file_is_a_usage_error() -> None:
    with pytest.raises(CommandError, match="FILE"):
        call_command("verify_record")


def test_the_command_line_exit_status(tmp_path: Path) -> None:
    """`call_command` raises; the real command line turns it into the exit status."""
    done = subprocess.run(
        [sys.executable, "manage.py", "verify_record", _file(tmp_path, b"hello")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    assert done.returncode == 2
    assert "không phải tệp PDF hay tệp XML" in done.stderr
    assert done.stdout == ""


def test_unconfigured_trust_roots_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> list[object]:
        raise ModuleNotFoundError("hocbaso.signing.trust")

    monkeypatch.setattr(verification, "current_trust_roots", broken)
    code, _, message = run(_file(tmp_path, sr.signed_page(1).final))
    assert code == 2
    assert "gốc tin cậy" in message
