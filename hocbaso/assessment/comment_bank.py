"""Standard comments a teacher can drop into a comment cell in one keystroke.

Keyed by the kind of unit (the `Entry.Kind` values) and the level the row already has: subjects
use T/H/C (TT27 Art. 7 cl. 1a), qualities and competencies T/Đ/C (Art. 7 cl. 2). Comments are
data written into the học bạ, so they stay in Vietnamese whatever the interface language; each is
short enough for a cell and far below `save_sheet.COMMENT_MAX`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

SUBJECT = "subject"
QUALITY = "quality"
COMPETENCY = "competency"

_BANK: dict[str, dict[str, tuple[str, ...]]] = {
    SUBJECT: {
        "T": (
            "Hoàn thành tốt nội dung môn học.",
            "Nắm vững kiến thức, vận dụng tốt vào bài tập.",
            "Học tập tích cực, tiếp thu bài nhanh.",
            "Trình bày bài sạch đẹp, khoa học; kết quả tốt.",
        ),
        "H": (
            "Hoàn thành nội dung môn học, cần rèn thêm kĩ năng vận dụng.",
            "Nắm được kiến thức cơ bản, cần cẩn thận hơn khi làm bài.",
            "Có tiến bộ, cần tích cực phát biểu xây dựng bài.",
            "Hoàn thành các yêu cầu của môn học, cần luyện tập thêm.",
        ),
        "C": (
            "Chưa hoàn thành nội dung môn học, cần được hỗ trợ thêm.",
            "Tiếp thu bài còn chậm, cần luyện tập thêm ở nhà.",
            "Chưa nắm vững kiến thức cơ bản, cần thầy cô và gia đình giúp đỡ.",
            "Cần chú ý nghe giảng và hoàn thành bài tập đầy đủ hơn.",
        ),
    },
    QUALITY: {
        "T": (
            "Thực hiện tốt các biểu hiện của phẩm chất.",
            "Tự giác, thường xuyên thể hiện tốt phẩm chất này.",
            "Là tấm gương tốt cho các bạn noi theo.",
        ),
        "Đ": (
            "Thực hiện được các biểu hiện của phẩm chất.",
            "Có ý thức rèn luyện, cần phát huy thêm.",
            "Đạt yêu cầu, cần thể hiện thường xuyên hơn.",
        ),
        "C": (
            "Chưa thể hiện rõ các biểu hiện của phẩm chất, cần cố gắng hơn.",
            "Cần được nhắc nhở, giúp đỡ thêm để tiến bộ.",
            "Cần rèn luyện thêm với sự hỗ trợ của thầy cô và gia đình.",
        ),
    },
    COMPETENCY: {
        "T": (
            "Thể hiện tốt năng lực, vận dụng linh hoạt.",
            "Tự tin, chủ động trong học tập và hoạt động.",
            "Hoàn thành nhiệm vụ hiệu quả, biết giúp đỡ bạn.",
        ),
        "Đ": (
            "Có năng lực, hoàn thành nhiệm vụ được giao.",
            "Đạt yêu cầu, cần chủ động hơn trong hoạt động.",
            "Biết vận dụng vào học tập, cần phát huy thêm.",
        ),
        "C": (
            "Năng lực còn hạn chế, cần được hướng dẫn thêm.",
            "Cần cố gắng hơn, chủ động tham gia các hoạt động.",
            "Cần sự hỗ trợ của thầy cô để rèn luyện thêm.",
        ),
    },
}

BANK: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {kind: MappingProxyType(levels) for kind, levels in _BANK.items()}
)


def comments_for(kind: str, level: str) -> tuple[str, ...]:
    """The standard comments for a unit of `kind` at `level`; empty when there are none."""
    return BANK.get(kind, {}).get(level, ())


def as_json() -> dict[str, dict[str, list[str]]]:
    """The whole bank as plain JSON data, for the grid page."""
    return {
        kind: {level: list(texts) for level, texts in levels.items()}
        for kind, levels in BANK.items()
    }
