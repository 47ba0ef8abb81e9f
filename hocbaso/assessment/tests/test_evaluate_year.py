"""``manage.py evaluate_year``: the stable JSON contract, exit statuses and Vietnamese output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

MANAGE_PY = Path(__file__).resolve().parents[3] / "manage.py"
QUALITIES = ("yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem")
COMPETENCIES = (
    "tu_chu_tu_hoc",
    "giao_tiep_hop_tac",
    "giai_quyet_van_de_sang_tao",
    "ngon_ngu",
    "tinh_toan",
    "khoa_hoc",
    "cong_nghe",
    "tin_hoc",
    "tham_mi",
    "the_chat",
)
G1_UNTESTED = (
    "dao_duc",
    "tu_nhien_xa_hoi",
    "giao_duc_the_chat",
    "am_nhac",
    "mi_thuat",
    "hoat_dong_trai_nghiem",
)


def grade_1_pupil(pupil_id: str, **changes: Any) -> dict[str, Any]:
    """A complete grade-1 pupil: every unit T, Tiếng Việt and Toán scored 10, ratings T."""
    subjects: dict[str, Any] = {"tieng_viet": {"level": "T", "score": 10}}
    subjects["toan"] = {"level": "T", "score": 10}
    subjects |= {code: {"level": "T", "score": None} for code in G1_UNTESTED}
    pupil = {
        "id": pupil_id,
        "grade": 1,
        "subjects": subjects,
        "qualities": dict.fromkeys(QUALITIES, "T"),
        "competencies": dict.fromkeys(COMPETENCIES, "T"),
    }
    return pupil | changes


def run(tmp_path: Path, data: object) -> tuple[list[dict[str, Any]], str, str]:
    path = tmp_path / "pupils.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate_year", "--input", str(path), stdout=out, stderr=err)
    return json.loads(out.getvalue()), out.getvalue(), err.getvalue()


def test_results_in_input_order(tmp_path: Path) -> None:
    # given three pupils: HTXS, HT (one H in Âm nhạc), HTT (an 8 in Toán)
    music_h = grade_1_pupil("hs-2")
    music_h["subjects"]["am_nhac"]["level"] = "H"
    maths_8 = grade_1_pupil("hs-3")
    maths_8["subjects"]["toan"]["score"] = 8

    # when
    results, raw, err = run(tmp_path, [grade_1_pupil("hs-1"), music_h, maths_8])

    # then
    assert results == [
        {
            "id": "hs-1",
            "ok": True,
            "result": "HTXS",
            "completed_grade": True,
            "completed_primary": False,
            "award": "hoc_sinh_xuat_sac",
            "reasons": [
                "Tất cả các môn học và hoạt động giáo dục đạt Hoàn thành tốt, các phẩm chất và "
                "năng lực đạt Tốt, bài kiểm tra định kì cuối năm học đạt từ 9 điểm trở lên"
            ],
        },
        {
            "id": "hs-2",
            "ok": True,
            "result": "HT",
            "completed_grade": True,
            "completed_primary": False,
            "award": None,
            "reasons": ["Âm nhạc: Hoàn thành — cần Hoàn thành tốt để đạt HTT"],
        },
        {
            "id": "hs-3",
            "ok": True,
            "result": "HTT",
            "completed_grade": True,
            "completed_primary": False,
            "award": None,
            "reasons": ["Toán: điểm 8 — cần từ 9 trở lên để đạt HTXS"],
        },
    ]
    assert "Âm nhạc: Hoàn thành" in raw  # ensure_ascii=False: UTF-8, not \u escapes
    assert "\\u" not in raw
    assert err == ""


def test_grade_5_completes_primary_and_cht_completes_nothing(tmp_path: Path) -> None:
    # given two grade-5 pupils (Art. 11 cl. 4), one with a 4 in Khoa học (Art. 9 cl. 2a)
    tested = ["tieng_viet", "toan", "ngoai_ngu_1", "lich_su_dia_li", "khoa_hoc", "tin_hoc"]
    tested += ["cong_nghe"]
    untested = ("dao_duc", "giao_duc_the_chat", "am_nhac", "mi_thuat", "hoat_dong_trai_nghiem")
    subjects = {code: {"level": "T", "score": 9} for code in tested}
    subjects |= {code: {"level": "T"} for code in untested}
    good = grade_1_pupil("g5-a", grade=5, subjects=subjects)
    weak = json.loads(json.dumps(good)) | {"id": "g5-b"}
    weak["subjects"]["khoa_hoc"]["score"] = 4

    results, _, _ = run(tmp_path, [good, weak])

    assert [(r["result"], r["completed_grade"], r["completed_primary"]) for r in results] == [
        ("HTXS", True, True),
        ("CHT", False, False),
    ]
    assert results[1]["reasons"] == ["Khoa học: điểm 4 — cần từ 5 trở lên để đạt HT"]


@pytest.mark.parametrize(
    ("_case", "entry", "expected"),
    [
        (
            "an entry that is not an object",
            "hs-1",
            {
                "id": None,
                "ok": False,
                "errors": ["Học sinh thứ 2: dữ liệu phải là một đối tượng JSON"],
            },
        ),
        (
            "no id",
            {k: v for k, v in grade_1_pupil("x").items() if k != "id"},
            {"id": None, "ok": False, "errors": ["Học sinh thứ 2: thiếu mã học sinh (id)"]},
        ),
        (
            "an id that is not a string",
            grade_1_pupil("x") | {"id": 42},
            {
                "id": None,
                "ok": False,
                "errors": ["Học sinh thứ 2: mã học sinh (id) phải là chuỗi ký tự khác rỗng"],
            },
        ),
        (
            "a grade outside 1-5",
            grade_1_pupil("hs-9", grade=6),
            {
                "id": "hs-9",
                "ok": False,
                "errors": ["Khối lớp 6 không hợp lệ (chỉ nhận số nguyên từ 1 đến 5)"],
            },
        ),
        (
            "no grade, no qualities, competencies not an object",
            {"id": "hs-9", "subjects": {}, "competencies": "T"},
            {
                "id": "hs-9",
                "ok": False,
                "errors": [
                    "Thiếu khối lớp",
                    "Thiếu kết quả đánh giá phẩm chất",
                    "Kết quả đánh giá năng lực không đúng định dạng",
                ],
            },
        ),
        (
            "TT27 Art. 7 cl. 1b: a missing CN score and a score on Âm nhạc",
            grade_1_pupil(
                "hs-9",
                subjects=grade_1_pupil("x")["subjects"]
                | {"toan": {"level": "T", "score": None}, "am_nhac": {"level": "T", "score": 9}},
            ),
            {
                "id": "hs-9",
                "ok": False,
                "errors": [
                    "Toán: thiếu điểm kiểm tra định kì cuối năm học",
                    "Âm nhạc: không có bài kiểm tra định kì, không được nhập điểm",
                ],
            },
        ),
        (
            "TT27 Art. 7 cl. 1d: a decimal score",
            grade_1_pupil(
                "hs-9",
                subjects=grade_1_pupil("x")["subjects"] | {"toan": {"level": "T", "score": 7.5}},
            ),
            {
                "id": "hs-9",
                "ok": False,
                "errors": ["Toán: điểm kiểm tra 7.5 không hợp lệ (cần số nguyên từ 0 đến 10)"],
            },
        ),
    ],
)
def test_invalid_pupils_are_reported_not_fatal(
    _case: str, entry: object, expected: dict[str, Any], tmp_path: Path
) -> None:
    # given an invalid entry between two valid ones
    entries = [grade_1_pupil("before"), entry, grade_1_pupil("after")]

    results, _, _ = run(tmp_path, entries)

    assert results[1] == expected
    assert [r["ok"] for r in results] == [True, False, True]


def test_an_empty_array_gives_an_empty_array(tmp_path: Path) -> None:
    results, _, _ = run(tmp_path, [])

    assert results == []


def test_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps([grade_1_pupil("stdin-1", qualities=dict.fromkeys(QUALITIES, "D"))])
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = io.StringIO()

    call_command("evaluate_year", "--input", "-", stdout=out)

    result = json.loads(out.getvalue())[0]
    assert (result["id"], result["result"]) == ("stdin-1", "HT")
    assert result["reasons"][0] == "Phẩm chất yêu nước: Đạt — cần Tốt để đạt HTT"


def test_reads_standard_input_as_utf8_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # a real stdin has a byte buffer: it is decoded as UTF-8 whatever the locale says
    data = "\ufeff" + json.dumps([grade_1_pupil("hs-đ")], ensure_ascii=False)
    stdin = io.TextIOWrapper(io.BytesIO(data.encode("utf-8")), encoding="latin-1")
    monkeypatch.setattr(sys, "stdin", stdin)
    out = io.StringIO()

    call_command("evaluate_year", "--input", "-", stdout=out)

    assert json.loads(out.getvalue())[0]["id"] == "hs-đ"


def test_no_standard_input_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)

    with pytest.raises(CommandError) as caught:
        call_command("evaluate_year", "--input", "-", stdout=io.StringIO())

    assert (str(caught.value), caught.value.returncode) == ("Không có đầu vào chuẩn để đọc", 2)


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([grade_1_pupil("bom")]).encode())
    out = io.StringIO()

    call_command("evaluate_year", "--input", str(path), stdout=out)

    assert json.loads(out.getvalue())[0]["ok"] is True


@pytest.mark.parametrize(
    ("_case", "content", "message"),
    [
        (
            "an object, not an array",
            b'{"id": "x"}',
            "Dữ liệu đầu vào phải là một mảng JSON các học sinh",
        ),
        ("not JSON", b"[1, 2", "Dữ liệu đầu vào không phải JSON hợp lệ (dòng 1, cột 6)"),
        ("empty", b"", "Dữ liệu đầu vào không phải JSON hợp lệ (dòng 1, cột 1)"),
        ("not UTF-8", b"[\xff]", "Tệp đầu vào không phải văn bản UTF-8"),
        (
            "nested too deep to parse",
            b"[" * 100_000 + b"]" * 100_000,
            "Dữ liệu đầu vào không phải JSON hợp lệ (lồng nhau quá sâu)",
        ),
    ],
)
def test_bad_input_exits_2(_case: str, content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)

    with pytest.raises(CommandError) as caught:
        call_command("evaluate_year", "--input", str(path), stdout=io.StringIO())

    assert (str(caught.value), caught.value.returncode) == (message, 2)


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"

    with pytest.raises(CommandError) as caught:
        call_command("evaluate_year", "--input", str(missing), stdout=io.StringIO())

    assert str(caught.value) == f"Không đọc được tệp đầu vào {missing}: tệp không tồn tại"
    assert caught.value.returncode == 2


def test_the_real_process_exit_status_and_streams(tmp_path: Path) -> None:
    # the contract as a shell sees it: exit 2 and a Vietnamese message on stderr, then exit 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "an array"}', encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text(json.dumps([grade_1_pupil("hs-1")]), encoding="utf-8")
    command = [sys.executable, str(MANAGE_PY), "evaluate_year", "--input"]

    failed = subprocess.run([*command, str(bad)], capture_output=True, check=False)
    passed = subprocess.run([*command, str(good)], capture_output=True, check=False)

    assert failed.returncode == 2
    assert failed.stdout == b""
    assert "Dữ liệu đầu vào phải là một mảng JSON các học sinh" in failed.stderr.decode()
    assert passed.returncode == 0
    assert json.loads(passed.stdout.decode("utf-8"))[0]["result"] == "HTXS"
