"""The register of personal-data processing shown to parents (docs/privacy.md).

Two kinds of entries:

* ``LEGAL_BASIS``: what the school processes without consent, because a law requires it (the
  học bạ under the Education Law and Circular 27/2020). Shown so parents know; nothing to
  accept.
* ``CONSENT_PURPOSES``: what needs the parent's consent (and the child's own from age 7 where
  the law asks): each has versioned texts. A consent is to one version: publishing a new
  version means asking again, so the old text is kept and **never edited** (its SHA-256 is
  stored with every consent and pinned by a test).

The texts are Vietnamese, as shown and agreed (not translated: the agreed wording is the
Vietnamese one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class LegalBasisEntry:
    code: str
    title: str
    body: str


@dataclass(frozen=True)
class ConsentText:
    version: int
    published: dt.date
    body: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ConsentPurpose:
    code: str
    title: str
    # Disclosing a child's private-life information needs the child's own consent from age 7
    # (Law 91/2025/QH15); see docs/privacy.md.
    child_consent_from_7: bool
    texts: tuple[ConsentText, ...]

    @property
    def current(self) -> ConsentText:
        return self.texts[-1]

    def text(self, version: int) -> ConsentText | None:
        return next((t for t in self.texts if t.version == version), None)


CHILD_CONSENT_AGE = 7

LEGAL_BASIS: tuple[LegalBasisEntry, ...] = (
    LegalBasisEntry(
        "hoc_ba",
        "Học bạ và đánh giá học sinh",
        "Nhà trường lập và lưu học bạ (trang thông tin cá nhân: họ tên, giới tính, ngày sinh, "
        "dân tộc, quốc tịch, nơi sinh, quê quán, nơi ở, họ tên cha mẹ hoặc người giám hộ, đối "
        "tượng chính sách, số định danh cá nhân, ảnh) và kết quả đánh giá định kì, cuối năm "
        "theo Luật Giáo dục và Thông tư 27/2020/TT-BGDĐT; kí số, phát hành và gửi học bạ số "
        "lên Sở GD&ĐT, CSDL ngành. Đây là nghĩa vụ theo luật nên không cần sự đồng ý; cha mẹ "
        "có quyền xem, đề nghị sửa thông tin sai.",
    ),
    LegalBasisEntry(
        "parent_access",
        "Cha mẹ xem kết quả của con",
        "Cha mẹ, người giám hộ đã liên kết tài khoản được xem hồ sơ, kết quả học tập và học bạ "
        "của chính con mình trên ứng dụng. Nhà trường thông báo kết quả cho cha mẹ qua ứng "
        "dụng và thư điện tử mà cha mẹ cung cấp.",
    ),
    LegalBasisEntry(
        "audit",
        "Nhật kí hệ thống",
        "Mọi thao tác ghi, xem số định danh, xem ảnh đều được ghi nhật kí để bảo đảm tính toàn "
        "vẹn của học bạ; nhật kí được lưu ít nhất 20 năm.",
    ),
)

CONSENT_PURPOSES: tuple[ConsentPurpose, ...] = (
    ConsentPurpose(
        "notify_sms",
        "Nhận thông báo qua tin nhắn SMS",
        child_consent_from_7=False,
        texts=(
            ConsentText(
                1,
                dt.date(2026, 11, 1),
                "Tôi đồng ý để nhà trường gửi số điện thoại của tôi cho nhà cung cấp dịch vụ tin "
                "nhắn SMS để nhận thông báo khi kết quả học tập của con được công bố hoặc học bạ "
                "được phát hành. Tin nhắn không chứa điểm hay nhận xét. Tôi có thể rút lại sự "
                "đồng ý bất cứ lúc nào; khi đó nhà trường ngừng gửi tin nhắn.",
            ),
        ),
    ),
    ConsentPurpose(
        "notify_zalo",
        "Nhận thông báo qua Zalo",
        child_consent_from_7=False,
        texts=(
            ConsentText(
                1,
                dt.date(2026, 11, 1),
                "Tôi đồng ý để nhà trường gửi số điện thoại của tôi cho Zalo (Công ty VNG) để "
                "nhận thông báo Zalo (ZNS) từ tài khoản chính thức của nhà trường khi kết quả học "
                "tập của con được công bố hoặc học bạ được phát hành. Tin nhắn không chứa điểm hay "
                "nhận xét. Tôi có thể rút lại sự đồng ý bất cứ lúc nào.",
            ),
        ),
    ),
    ConsentPurpose(
        "photo_publication",
        "Sử dụng ảnh của học sinh ngoài học bạ",
        child_consent_from_7=True,
        texts=(
            ConsentText(
                1,
                dt.date(2026, 11, 1),
                "Tôi đồng ý để nhà trường dùng ảnh của con tôi ngoài học bạ: trên bảng tin, kỉ "
                "yếu, trang thông tin của nhà trường. Ảnh không kèm ngày sinh, địa chỉ hay số "
                "định danh. Với học sinh từ đủ 7 tuổi, cần cả sự đồng ý của học sinh. Tôi có "
                "thể rút lại sự đồng ý bất cứ lúc nào; ảnh sẽ được gỡ khỏi các ấn phẩm còn do "
                "nhà trường quản lí.",
            ),
        ),
    ),
)

PURPOSES_BY_CODE = {p.code: p for p in CONSENT_PURPOSES}


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def child_consent_needed(purpose: ConsentPurpose, birth_date: dt.date, day: dt.date) -> bool:
    return purpose.child_consent_from_7 and age_on(birth_date, day) >= CHILD_CONSENT_AGE
