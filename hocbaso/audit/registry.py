"""Every audit action the system may write, with its Vietnamese description.

An action not listed here cannot be logged: a typo fails loudly instead of writing an event
nobody can find (wagtail's registry pattern).
"""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    # accounts
    "account.login": "Đăng nhập",
    "account.login_failed": "Đăng nhập thất bại",
    "account.logout": "Đăng xuất",
    "account.reauthenticated": "Xác thực lại trước thao tác quan trọng",
    "account.reauth_failed": "Xác thực lại thất bại",
    "account.created": "Tạo tài khoản",
    "account.password_set": "Đặt mật khẩu",
    "role.granted": "Cấp vai trò",
    "role.revoked": "Thu hồi vai trò",
    # organisation
    "org.province_created": "Tạo Sở GD&ĐT",
    "org.commune_created": "Tạo xã/phường",
    "org.school_created": "Tạo trường",
    "org.school_renamed": "Đổi tên trường",
    "org.school_year_created": "Tạo năm học",
    "org.class_created": "Tạo lớp",
    # assignments
    "assignment.teaching_assigned": "Phân công giảng dạy",
    "assignment.teaching_ended": "Kết thúc phân công giảng dạy",
    "assignment.homeroom_assigned": "Phân công chủ nhiệm",
    "assignment.homeroom_ended": "Kết thúc phân công chủ nhiệm",
    # pupils
    "student.created": "Tạo hồ sơ học sinh",
    "student.profile_updated": "Sửa hồ sơ học sinh",
    "student.field_verified": "Xác minh thông tin học sinh",
    "student.photo_set": "Cập nhật ảnh học sinh",
    "student.photo_viewed": "Xem ảnh học sinh",
    "student.personal_id_viewed": "Xem số định danh cá nhân",
    "student.enrolled": "Xếp lớp học sinh",
    "student.transferred_out": "Chuyển đi",
    "guardian.added": "Thêm cha mẹ/người giám hộ",
    "guardian.account_linked": "Liên kết tài khoản phụ huynh",
    # assessment
    "assessment.sheet_saved": "Lưu sổ nhập đánh giá",
    "assessment.entry_locked": "Khóa sổ nhập đánh giá",
    "assessment.entry_unlocked": "Mở lại sổ nhập đánh giá",
    # review and corrections after the lock
    "review.flag_raised": "Gắn cờ rà soát",
    "review.flag_answered": "Trả lời cờ rà soát",
    "review.flag_resolved": "Đóng cờ rà soát",
    "review.flag_reopened": "Mở lại cờ rà soát",
    "correction.requested": "Đề nghị sửa kết quả sau khóa sổ",
    "correction.bien_ban_attached": "Đính kèm biên bản",
    "correction.bien_ban_viewed": "Xem biên bản",
    "correction.withdrawn": "Rút đề nghị sửa",
    "correction.approved": "Duyệt đề nghị sửa (áp dụng)",
    "correction.rejected": "Từ chối đề nghị sửa",
    # year end
    "year_end.commendation_recorded": "Đề nghị khen thưởng",
    "year_end.commendation_voided": "Hủy đề nghị khen thưởng",
    "year_end.supplementary_recorded": "Ghi kết quả đánh giá bổ sung",
    "year_end.promotion_decided": "Quyết định lên lớp / ở lại lớp",
    # records (học bạ pages) and signatures
    "record.snapshot_created": "Lập bản chốt dữ liệu trang học bạ",
    "record.downloaded": "Tải trang học bạ",
    "certificate.registered": "Đăng kí chứng thư số",
    "certificate.revoked": "Thu hồi chứng thư số",
    "signature.applied": "Kí số",
    "certificate.key_stored": "Lưu khóa kí số trên máy chủ",
    "record.verified": "Lập trang học bạ (xác nhận dữ liệu)",
    "record.issued": "Phát hành trang học bạ",
    "record.superseded": "Thay thế trang học bạ (phiên bản mới)",
    "record.printed": "In trang học bạ",
    "record.extracted": "Trích xuất trang học bạ",
    "signing.batch_started": "Bắt đầu kí số hàng loạt",
    "signing.batch_finished": "Kết thúc kí số hàng loạt",
    "signing.batch_item_failed": "Kí số một trang không thành công",
    "correction.bien_ban_signed": "Kí số biên bản",
    # import / export
    "import.students_applied": "Nhập danh sách học sinh",
    "import.staff_applied": "Nhập danh sách cán bộ, giáo viên",
    "export.students": "Xuất danh sách học sinh",
    "export.staff": "Xuất danh sách cán bộ, giáo viên",
    "export.sheet": "Tải sổ nhập đánh giá (Excel)",
    "export.class_summary": "Xuất bảng tổng hợp kết quả đánh giá của lớp",
    "export.audit_trail": "Xuất nhật kí hệ thống",
    "audit.trail_viewed": "Xem nhật kí hệ thống",
    # transfers between schools (records/transfer)
    "transfer.package_created": "Lập hồ sơ chuyển trường (chuyển đi)",
    "transfer.package_downloaded": "Tải hồ sơ chuyển trường",
    "transfer.received": "Tiếp nhận học sinh chuyển đến",
    "transfer.imported_page_downloaded": "Tải trang học bạ do trường cũ phát hành",
    # exchange with national systems (exports, pushes to the Kho and VNeID)
    "exchange.exported": "Xuất dữ liệu theo từ điển dữ liệu ngành (CSDL ngành)",
    "exchange.push_queued": "Đưa học bạ vào hàng đợi gửi lên hệ thống quốc gia",
    "exchange.push_delivered": "Gửi học bạ lên hệ thống quốc gia thành công",
    "exchange.push_failed": "Gửi học bạ lên hệ thống quốc gia không thành công",
    "exchange.push_requeued": "Gửi lại học bạ lên hệ thống quốc gia",
    "exchange.push_cancelled": "Hủy lượt gửi học bạ (phiên bản đã bị thay thế)",
    # login protections and second factor (issue 7: people/login_throttle.py, second_factor)
    "account.login_locked": "Tạm khóa đăng nhập vì nhập sai nhiều lần",
    "account.mfa_enrolled": "Đăng kí xác thực hai bước",
    "account.mfa_verified": "Xác thực hai bước thành công",
    "account.mfa_failed": "Xác thực hai bước thất bại",
    "account.mfa_recovery_used": "Dùng mã khôi phục xác thực hai bước",
    "account.mfa_reset": "Hủy đăng kí xác thực hai bước",
    # notifications, parents' profile confirmations and reports, consent (issue 6, feedback)
    "notification.sent": "Gửi thông báo",
    "notification.failed": "Gửi thông báo không thành công",
    # parents' portal (issue 6): release of results, linking parents' accounts
    "assessment.period_released": "Công bố kết quả kì đánh giá cho cha mẹ học sinh",
    "assessment.period_release_withdrawn": "Thu hồi công bố kết quả kì đánh giá",
    "guardian.invitations_created": "Tạo mã mời liên kết tài khoản cha mẹ học sinh",
    "guardian.unlinked": "Hủy liên kết tài khoản cha mẹ với học sinh",
    "guardian.link_refused": "Từ chối liên kết tài khoản cha mẹ (nhập sai quá nhiều lần)",
    "guardian.phone_challenge_sent": "Gửi mã xác minh số điện thoại cha mẹ",
    "guardian.parent_registered": "Cha mẹ học sinh tự đăng kí tài khoản",
    # notifications, parents' profile confirmations and reports, consent (issue 6, feedback)
    "notification.preferences_changed": "Đổi cách nhận thông báo",
    "student.field_confirmed_by_parent": "Cha mẹ xác nhận thông tin học sinh",
    "profile_report.created": "Cha mẹ phản ánh thông tin sai",
    "profile_report.resolved": "Xử lí phản ánh của cha mẹ (đã sửa)",
    "profile_report.rejected": "Xử lí phản ánh của cha mẹ (không sửa)",
    "consent.granted": "Đồng ý xử lí dữ liệu cá nhân",
    "consent.withdrawn": "Rút lại đồng ý xử lí dữ liệu cá nhân",
    # api (issue 6): tokens of the JSON API
    "api.token_issued": "Cấp mã truy cập API",
    "api.token_revoked": "Thu hồi mã truy cập API",
    # oversight (issue 7): the plan's records and the dashboards' exports
    "oversight.regulation_uploaded": "Tải lên Quy chế học bạ số của trường",
    "oversight.training_created": "Ghi nhận buổi tập huấn học bạ số",
    "oversight.attendance_marked": "Điểm danh tập huấn học bạ số",
    "oversight.table_exported": "Xuất bảng theo dõi học bạ số ra tệp .xlsx",
    # archive (issue 7): encrypted school-year archives
    "archive.exported": "Xuất bản lưu trữ năm học (mã hóa)",
    "archive.imported": "Khôi phục bản lưu trữ năm học",
    # transfer in (people.actions.students.admit_transferred_student): a pupil of this
    # installation moved from the school they left to the receiving school
    "student.transferred_in": "Chuyển đến từ trường khác trong hệ thống",
    # portal (parents' registration proved by an SMS code; the page does not tell if the
    # number has an account)
    "guardian.registration_code_sent": "Gửi tin nhắn xác minh đăng kí tài khoản cha mẹ",
    # submission (D10): the Kho học bạ số acknowledged the current sealed version
    "record.submitted": "Trang học bạ đã được Kho học bạ số xác nhận tiếp nhận (đã gửi)",
    # portal: a parent's forgotten password, reset with a code sent by SMS (the page does not
    # tell whether the number has an account, nor whether it is a staff account; neither the
    # password nor the code is recorded)
    "account.password_reset_requested": "Yêu cầu mã SMS đặt lại mật khẩu (quên mật khẩu)",
    "account.password_reset_by_sms": "Đặt lại mật khẩu bằng mã xác nhận gửi qua SMS",
}


def describe(action: str) -> str:
    return ACTIONS[action]


def is_registered(action: str) -> bool:
    return action in ACTIONS
