"""Legacy catalogue of Circulars 30/2014 + 22/2016 (TT30/22), as data: display only (D6).

Pages assessed under TT30/22 (spec §2 roll-out table) are imported and displayed with these
names, never re-classified. Offerings of Ngoại ngữ, Tin học and Tiếng dân tộc are assumptions
[A]; TT22 Art. 10 cl. 2 tests those optional subjects too, unlike TT27. Columns as in
``catalogue.py``: one character per grade G1..G5.
"""

from __future__ import annotations

TT30_22_SUBJECT_TABLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("tieng_viet", "Tiếng Việt", "Vietnamese", "CCCCC", "SSSAA"),
    ("toan", "Toán", "Mathematics", "CCCCC", "SSSAA"),
    ("tu_nhien_xa_hoi", "Tự nhiên và Xã hội", "Nature and society", "CCC--", "-----"),
    ("khoa_hoc", "Khoa học", "Science", "---CC", "---SS"),
    ("lich_su_dia_li", "Lịch sử và Địa lí", "History and geography", "---CC", "---SS"),
    ("dao_duc", "Đạo đức", "Ethics", "CCCCC", "-----"),
    ("am_nhac", "Âm nhạc", "Music", "CCCCC", "-----"),
    ("mi_thuat", "Mĩ thuật", "Fine arts", "CCCCC", "-----"),
    ("thu_cong", "Thủ công", "Handicraft", "CCC--", "-----"),
    ("ki_thuat", "Kĩ thuật", "Technique", "---CC", "-----"),
    ("the_duc", "Thể dục", "Physical education", "CCCCC", "-----"),
    ("ngoai_ngu", "Ngoại ngữ", "Foreign language", "--OOO", "--SSS"),
    ("tin_hoc", "Tin học", "Informatics", "--OOO", "--SSS"),
    ("tieng_dan_toc", "Tiếng dân tộc", "Minority language", "OOOOO", "SSSSS"),
)
TT30_22_QUALITY_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("cham_hoc_cham_lam", "Chăm học, chăm làm", "Studious and hard-working", "12345"),
    ("tu_tin_trach_nhiem", "Tự tin, trách nhiệm", "Confident and responsible", "12345"),
    ("trung_thuc_ki_luat", "Trung thực, kỉ luật", "Honest and disciplined", "12345"),
    ("doan_ket_yeu_thuong", "Đoàn kết, yêu thương", "United and caring", "12345"),
)
TT30_22_COMPETENCY_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("tu_phuc_vu_tu_quan", "Tự phục vụ, tự quản", "Self-care and self-management", "12345"),
    ("hop_tac", "Hợp tác", "Cooperation", "12345"),
    (
        "tu_hoc_giai_quyet_van_de",
        "Tự học và giải quyết vấn đề",
        "Self-learning and problem solving",
        "12345",
    ),
)
