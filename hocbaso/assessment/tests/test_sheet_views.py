"""The grade-entry screens through the test client: the sheet lists, the grid (editable and
read-only), and the JSON save with its 200 / 409 / 400 / 403 / 404 answers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from hocbaso.assessment import comment_bank
from hocbaso.assessment.actions.save_sheet import COMMENT_MAX, CellInput, save_sheet
from hocbaso.assessment.models import QC_SHEET, Entry, Sheet, SheetSave
from hocbaso.assessment.sheets import sheet_keys
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.assignments import assign_teacher
from hocbaso.people.actions.students import create_student
from hocbaso.people.tests.world import World, pupil_values

pytestmark = pytest.mark.django_db

ENROLLED_ON = dt.date(2026, 9, 5)
NOT_JSON = "Dữ liệu gửi lên không phải JSON hợp lệ; chưa có gì được lưu."

# The grid page for its teacher, whatever the class size: session, user, class, can-write,
# period, lock decisions, pupils, sheet version, entries, other periods, session save (3);
# the review panel (issue 4): the sheet's flags, and whether the user reviews the class (4).
GRID_QUERIES = 18


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _url(world: World, period: str = "CHKI", key: str = "toan", *, save: bool = False) -> str:
    return f"/lop/{world.class_4a.pk}/so-diem/{period}/{key}/" + ("luu/" if save else "")


def _post(client: Client, url: str, body: Any) -> Any:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, raw, content_type="application/json")


def _body(*cells: dict[str, object], version: int = 0, key: str = "k1") -> Any:
    return {"version": version, "idempotency_key": key, "cells": list(cells)}


def _cell(world: World, level: object = "T", score: object = 9, comment: str = "") -> Any:
    return {
        "student": world.pupil_a.pk,
        "code": "toan",
        "level": level,
        "score": score,
        "comment": comment,
    }


def _nothing_written(events_before: int) -> bool:
    return (
        Entry.objects.count() == 0
        and SheetSave.objects.count() == 0
        and AuditEvent.objects.count() == events_before
    )


# -- saving --------------------------------------------------------------------------------------


def test_a_save_answers_the_new_version_and_writes_the_cell(world: World) -> None:
    # given the maths teacher of 4A
    client = _client(world, "homeroom_4a")
    # when the grid saves a level, a score and a comment for pupil A
    response = _post(client, _url(world, save=True), _body(_cell(world, "t", "9", "Tốt")))
    # then
    assert response.status_code == 200
    data = response.json()
    assert (data["version"], data["changed"]) == (1, 1)
    assert dt.datetime.fromisoformat(data["saved_at"]).tzinfo is not None
    entry = Entry.objects.current().get(student=world.pupil_a, code="toan")
    assert (entry.level, entry.score, entry.comment, entry.sheet_version) == ("T", 9, "Tốt", 1)
    assert SheetSave.objects.get().idempotency_key == "k1"


def test_a_retried_request_is_answered_the_same_and_applied_once(world: World) -> None:
    client = _client(world, "homeroom_4a")
    body = _body(_cell(world), key="retry-1")
    first = _post(client, _url(world, save=True), body)
    # when the network dropped the answer and the grid sends the same batch again
    again = _post(client, _url(world, save=True), body)
    # then
    assert again.status_code == 200
    assert (again.json()["version"], again.json()["changed"]) == (1, 1)
    # (the replay answers the stored save's time, a few microseconds from the first answer's)
    first_at = dt.datetime.fromisoformat(first.json()["saved_at"])
    assert abs(dt.datetime.fromisoformat(again.json()["saved_at"]) - first_at).total_seconds() < 1
    assert Entry.objects.filter(student=world.pupil_a, code="toan").count() == 1
    assert AuditEvent.objects.filter(action="assessment.sheet_saved").count() == 1


def test_a_stale_page_gets_409_with_both_values_and_nothing_changes(world: World) -> None:
    # given another tab saved 9 at version 1
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", "T", 9)],
        base_version=0, idempotency_key="tab1", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    events_before = AuditEvent.objects.count()
    # when this page, still at version 0, saves 6 in the same cell
    response = _post(
        _client(world, "homeroom_4a"),
        _url(world, save=True),
        _body(_cell(world, "H", 6), key="tab2"),
    )
    # then
    assert response.status_code == 409
    assert response.json() == {
        "conflicts": [
            {
                "student": world.pupil_a.pk,
                "code": "toan",
                "message": "Lê Minh An — Toán: đã được sửa ở nơi khác thành «T · 9», "
                "bạn nhập «H · 6».",
                "theirs": {"level": "T", "score": 9, "comment": ""},
                "yours": {"level": "H", "score": 6, "comment": ""},
            }
        ],
        "version": 1,
    }
    assert Entry.objects.current().get(student=world.pupil_a, code="toan").score == 9
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("_case", "body", "errors"),
    [
        ("not JSON", "{version: 1,", [NOT_JSON]),
        ("bad UTF-8", b"\xff\xfe{", [NOT_JSON]),
        ("a list", "[]", ["Dữ liệu gửi lên phải là một đối tượng JSON; chưa có gì được lưu."]),
        ("no version", {"idempotency_key": "k", "cells": []},
         ["Thiếu phiên bản sổ (version) hợp lệ."]),
        ("version as text", {"version": "0", "idempotency_key": "k", "cells": []},
         ["Thiếu phiên bản sổ (version) hợp lệ."]),
        ("no key", {"version": 0, "cells": []},
         ["Thiếu mã chống lưu trùng (idempotency key) hợp lệ."]),
        ("cells not a list", {"version": 0, "idempotency_key": "k", "cells": {}},
         ["Danh sách ô (cells) không hợp lệ."]),
        ("a cell not an object", {"version": 0, "idempotency_key": "k", "cells": [1]},
         ["Ô thứ 1: cần một đối tượng JSON."]),
        ("student as text", {"version": 0, "idempotency_key": "k",
                             "cells": [{"student": "1", "code": "toan"}]},
         ["Ô thứ 1: thiếu mã học sinh hoặc mã cột hợp lệ."]),
        ("level as a list", {"version": 0, "idempotency_key": "k",
                             "cells": [{"student": 1, "code": "toan", "level": ["T"]}]},
         ["Ô thứ 1: mức hoặc điểm không đọc được."]),
        ("comment as a number", {"version": 0, "idempotency_key": "k",
                                 "cells": [{"student": 1, "code": "toan", "comment": 5}]},
         ["Ô thứ 1: nhận xét phải là chữ."]),
    ],
)  # fmt: skip
def test_a_body_that_cannot_be_read_is_400_and_nothing_is_written(
    world: World, _case: str, body: Any, errors: list[str]
) -> None:
    events_before = AuditEvent.objects.count()
    response = _post(_client(world, "homeroom_4a"), _url(world, save=True), body)
    assert response.status_code == 400
    assert response.json() == {"errors": errors}
    assert _nothing_written(events_before)
    assert not Sheet.objects.exists()


@pytest.mark.parametrize(
    ("_case", "cell", "errors"),
    [
        ("TT27 Art. 7 cl. 1a: subject levels are T/H/C", {"level": "Đ", "score": 9},
         ["Lê Minh An — Toán: mức đạt được «Đ» không hợp lệ (chỉ nhận T, H, C)"]),
        ("TT27 Art. 7 cl. 1d: no decimals", {"level": "T", "score": "8.5"},
         ["Lê Minh An — Toán: điểm kiểm tra «8.5» không hợp lệ (cần số nguyên, "
          "không nhập số thập phân)"]),
        ("TT27 Art. 7 cl. 1d: 0 to 10", {"level": "T", "score": 11},
         ["Lê Minh An — Toán: điểm kiểm tra «11» không hợp lệ (cần số nguyên từ 0 đến 10)"]),
        ("comment too long", {"level": "T", "score": 9, "comment": "x" * (COMMENT_MAX + 1)},
         [f"Lê Minh An — Toán: nhận xét dài quá {COMMENT_MAX} kí tự."]),
    ],
)  # fmt: skip
def test_invalid_cells_are_400_with_the_rule_message_and_nothing_is_written(
    world: World, _case: str, cell: dict[str, object], errors: list[str]
) -> None:
    # given a second pupil, whose valid cell is sent in the same batch
    other = create_student(
        pupil_values("Trần Văn Bình"), world.class_4a.pk, enrolled_on=ENROLLED_ON, acting_user=SEED
    )
    events_before = AuditEvent.objects.count()
    # when
    response = _post(
        _client(world, "homeroom_4a"),
        _url(world, save=True),
        _body({**_cell(world), **cell}, {**_cell(world), "student": other.pk}),
    )
    # then the rule's message, and neither cell is written
    assert response.status_code == 400
    assert response.json() == {"errors": errors}
    assert _nothing_written(events_before)


def test_a_reader_of_the_class_gets_403_and_nothing_is_written(world: World) -> None:
    events_before = AuditEvent.objects.count()
    client = _client(world, "principal")
    response = _post(client, _url(world, save=True), _body(_cell(world)))
    assert response.status_code == 403
    # a body that cannot be read is answered only after the same check
    assert _post(client, _url(world, save=True), "{not json").status_code == 403
    assert _nothing_written(events_before)
    assert not Sheet.objects.exists()


def test_an_outsider_gets_404_even_with_a_malformed_body(world: World) -> None:
    events_before = AuditEvent.objects.count()
    client = _client(world, "subject_teacher_5b")
    assert _post(client, _url(world, save=True), _body(_cell(world))).status_code == 404
    assert _post(client, _url(world, save=True), "{not json").status_code == 404
    assert _nothing_written(events_before)


def test_an_unknown_sheet_or_period_is_404(world: World) -> None:
    client = _client(world, "homeroom_4a")
    assert client.get(_url(world, key="khong_co")).status_code == 404
    assert client.get(_url(world, period="HK3")).status_code == 404
    assert _post(client, _url(world, key="khong_co", save=True), _body()).status_code == 404


def test_the_save_route_only_takes_post_from_a_logged_in_user(world: World) -> None:
    assert _client(world, "homeroom_4a").get(_url(world, save=True)).status_code == 405
    anonymous = _post(Client(), _url(world, save=True), _body(_cell(world)))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/dang-nhap/")
    assert Entry.objects.count() == 0


def test_the_csrf_token_is_required(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("homeroom_4a"))
    response = _post(client, _url(world, save=True), _body(_cell(world)))
    assert response.status_code == 403
    assert Entry.objects.count() == 0


# -- the grid ------------------------------------------------------------------------------------


def _config(response: Any) -> Any:
    html = response.content.decode()
    start = html.index('<script id="sheet-config" type="application/json">') + len(
        '<script id="sheet-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_grid_renders_the_values_and_the_version_for_the_teacher(world: World) -> None:
    # given a saved cell
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", "H", 7, "Cố lên")],
        base_version=0, idempotency_key="s1", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    # when the teacher opens the grid
    response = _client(world, "homeroom_4a").get(_url(world))
    # then the inputs carry the values, and the JSON config the version and the save URL
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert 'data-field="level" data-code="toan"' in html
    assert 'value="H"' in html
    assert 'value="7"' in html
    assert 'value="Cố lên"' in html
    assert 'data-testid="readonly"' not in html
    config = _config(response)
    assert config["version"] == 1
    assert config["canWrite"] is True
    assert config["saveUrl"] == _url(world, save=True)
    assert config["values"] == {
        f"{world.pupil_a.pk}|toan": {"level": "H", "score": 7, "comment": "Cố lên"}
    }
    assert config["bank"]["subject"]["T"][0] == "Hoàn thành tốt nội dung môn học."


def test_an_untested_unit_has_no_score_column(world: World) -> None:
    # grade 4 maths is tested at every period, Đạo đức never (D4)
    assign_teacher(world.user("homeroom_4a").pk, world.class_4a.pk, "dao_duc", acting_user=SEED)
    html = _client(world, "homeroom_4a").get(_url(world, key="dao_duc")).content.decode()
    assert 'data-field="level" data-code="dao_duc"' in html
    assert 'data-field="score"' not in html


def test_the_principal_sees_the_grid_read_only(world: World) -> None:
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", "T", 10, "Giỏi")],
        base_version=0, idempotency_key="s1", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    response = _client(world, "principal").get(_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="readonly"' in html
    assert "Chỉ xem." in html
    assert "<input" not in html.split('id="sheet-grid"')[1]
    assert "sheet.js" not in html
    assert '<td class="cell level" data-code="toan">T</td>' in html
    assert '<td class="cell score" data-code="toan">10</td>' in html
    assert '<td class="cell comment" data-code="toan">Giỏi</td>' in html
    config = _config(response)
    assert config["canWrite"] is False
    assert "saveUrl" not in config


def test_the_qualities_sheet_has_a_level_and_comment_per_item(world: World) -> None:
    html = _client(world, "homeroom_4a").get(_url(world, key=QC_SHEET)).content.decode()
    assert html.count('data-field="level"') == 15
    assert html.count('data-field="comment"') == 15
    assert 'data-field="score"' not in html


@pytest.mark.parametrize("size", [3, 30])
def test_the_grid_does_not_grow_with_the_class(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, size: int
) -> None:
    # given 4A with `size` pupils, half of them with a saved cell
    pupils = [world.pupil_a]
    for n in range(1, size):
        pupils.append(
            create_student(
                pupil_values(f"Học Sinh {n:02d}"),
                world.class_4a.pk,
                enrolled_on=ENROLLED_ON,
                acting_user=SEED,
            )
        )
    save_sheet(
        world.class_4a.pk, "CHKI", "toan",
        [CellInput(p.pk, "toan", "T", 9) for p in pupils[::2]],
        base_version=0, idempotency_key="fill", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    teacher = _client(world, "homeroom_4a")
    # when / then
    with django_assert_num_queries(GRID_QUERIES):
        response = teacher.get(_url(world))
    assert response.content.decode().count('data-field="score"') == size
    assert len(_config(response)["values"]) == size


# -- the sheet lists -----------------------------------------------------------------------------


def test_my_sheets_lists_each_writable_sheet_for_the_four_periods(world: World) -> None:
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", "T", 9)],
        base_version=0, idempotency_key="s1", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    response = _client(world, "homeroom_4a").get("/so-diem/")
    rows = response.context["rows"]
    assert [(r.class_group.name, r.key) for r in rows] == [("4A", QC_SHEET), ("4A", "toan")]
    toan = rows[1]
    # one pupil: a level and a score expected at each period, both present at CHKI
    progress = [
        (link.period.code, link.progress.filled, link.progress.total) for link in toan.links
    ]
    assert progress == [("GHKI", 0, 2), ("CHKI", 2, 2), ("GHKII", 0, 2), ("CN", 0, 2)]
    html = response.content.decode()
    assert f'data-testid="sheet-{world.class_4a.pk}-toan-CHKI"' in html
    assert f'href="{_url(world)}"' in html


def test_my_sheets_is_empty_for_someone_who_enters_nothing(world: World) -> None:
    response = _client(world, "principal").get("/so-diem/")
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Bạn chưa được phân công nhập sổ nào." in response.content.decode()


def test_the_class_page_lists_every_sheet_of_the_class_for_a_reader(world: World) -> None:
    response = _client(world, "principal").get(f"/lop/{world.class_4a.pk}/so-diem/")
    assert [r.key for r in response.context["rows"]] == list(sheet_keys(4))
    assert not any(r.can_write for r in response.context["rows"])
    teacher_rows = _client(world, "homeroom_4a").get(f"/lop/{world.class_4a.pk}/so-diem/")
    assert {r.key for r in teacher_rows.context["rows"] if r.can_write} == {"toan", QC_SHEET}


def test_the_class_page_and_home_link_to_the_sheets(world: World) -> None:
    client = _client(world, "homeroom_4a")
    sheets_url = f'href="/lop/{world.class_4a.pk}/so-diem/"'
    assert sheets_url in client.get(f"/lop/{world.class_4a.pk}/").content.decode()
    home = client.get("/").content.decode()
    assert sheets_url in home
    assert 'href="/so-diem/"' in home


# -- the comment bank ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "levels"),
    [("subject", ("T", "H", "C")), ("quality", ("T", "Đ", "C")), ("competency", ("T", "Đ", "C"))],
)
def test_the_comment_bank_has_three_to_five_short_comments_per_level(
    kind: str, levels: tuple[str, ...]
) -> None:
    assert tuple(comment_bank.BANK[kind]) == levels
    for level in levels:
        comments = comment_bank.comments_for(kind, level)
        assert 3 <= len(comments) <= 5
        assert all(0 < len(c) <= 80 for c in comments)
        assert len(set(comments)) == len(comments)
    assert comment_bank.comments_for(kind, "X") == ()


def test_a_busy_database_answers_503_with_a_retry_message(world, monkeypatch) -> None:
    # given the database cannot take the write in time
    from django.db import OperationalError

    import hocbaso.assessment.views.sheets as sheet_views

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(sheet_views, "save_sheet", busy)
    client = Client()
    client.force_login(world.user("homeroom_4a"))
    # when the grid saves
    response = client.post(
        f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan/luu/",
        data=json.dumps(
            {"version": 0, "idempotency_key": "busy-1", "cells": [
                {"student": world.pupil_a.pk, "code": "toan", "level": "T", "score": 9, "comment": ""}
            ]}
        ),
        content_type="application/json",
    )  # fmt: skip
    # then a 503 the grid retries, with a Vietnamese message, and nothing written
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json() == {
        "errors": ["Máy chủ đang bận, chưa lưu được; đang thử lại…"],
        "retry": True,
    }
    assert not Entry.objects.exists()
