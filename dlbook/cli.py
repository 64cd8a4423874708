"""The ``dlbook`` command line (console script ``dlbook = dlbook.cli:main``).

Only one command group for now: ``dlbook course …``, the instructor's grading workflow on nbgrader
(see :mod:`dlbook.course` and ``docs/grading-sandbox.md``). Help and messages are in Vietnamese.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

COURSE_HELP = """\
Quy trình chấm bài của giảng viên (trên nbgrader), chạy trong thư mục khoá học (nơi có
nbgrader_config.py) hoặc chỉ ra nó bằng --course:

  dlbook course generate [BÀI]          sinh bài cho sinh viên (exercises/) từ solutions/
  dlbook course collect BÀI TỆP.zip     nhận tệp zip bài nộp tải từ LMS vào submitted/
  dlbook course autograde BÀI           chấm tự động (song song, trong hộp cát)
  dlbook course feedback BÀI            tạo phản hồi HTML cho từng sinh viên (không lộ kiểm tra ẩn)
  dlbook course export [--out TỆP.csv]  xuất bảng điểm CSV
  dlbook course report BÀI              thống kê từng câu: điểm trung bình, lỗi thường gặp nhất
  dlbook course similarity BÀI          tìm các cặp bài nộp giống nhau nhất (copydetect)
"""


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with the usage line in Vietnamese."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="cách dùng: " if prefix is None
                                 else prefix)


class _RawFormatter(_Formatter, argparse.RawDescriptionHelpFormatter):
    """:class:`_Formatter` that keeps the description's line breaks."""


class _Parser(argparse.ArgumentParser):
    """argparse with Vietnamese headings, help and error messages (no global patch of argparse:
    every parser of the command is one of these, and each adds its own ``-h``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"

    def error(self, message: str) -> None:  # noqa: D401
        translations = {
            "the following arguments are required": "thiếu tham số",
            "unrecognized arguments": "tham số không hiểu được",
            "invalid choice": "lựa chọn không hợp lệ",
            "expected one argument": "cần một giá trị",
            "invalid int value": "không phải số nguyên",
        }
        for en, vi in translations.items():
            message = message.replace(en, vi)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' không phải số nguyên") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"cần một số nguyên dương, nhận được {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlbook", description="Công cụ dòng lệnh của sách dlbook.",
                     add_help=False)
    parser.add_argument("-h", "--help", action="help", help="hiện trợ giúp này rồi thoát")
    groups = parser.add_subparsers(dest="group", metavar="NHÓM", parser_class=_Parser)
    course = groups.add_parser("course", help="chấm bài với nbgrader (cho giảng viên)",
                               description=COURSE_HELP, add_help=False,
                               formatter_class=_RawFormatter)
    course.add_argument("-h", "--help", action="help", help="hiện trợ giúp này rồi thoát")
    sub = course.add_subparsers(dest="command", metavar="LỆNH", parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("-h", "--help", action="help", help="hiện trợ giúp này rồi thoát")
    common.add_argument("--course", metavar="THƯ_MỤC",
                        help="thư mục khoá học (mặc định: thư mục chứa nbgrader_config.py gần "
                             "nhất tính từ thư mục hiện tại)")
    common.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến trình")
    common.add_argument("--db", metavar="URL",
                        help="sổ điểm (gradebook) khác với CourseDirectory.db_url của "
                             "nbgrader_config.py, ví dụ postgresql://người_dùng@máy/tên_csdl "
                             "(mặc định: SQLite gradebook.db trong thư mục khoá học)")

    p = sub.add_parser("generate", parents=[common], add_help=False,
                       help="sinh bài cho sinh viên (exercises/) từ solutions/")
    p.add_argument("assignment", nargs="?", metavar="BÀI",
                   help="tên bài (mặc định: mọi bài trong solutions/)")

    p = sub.add_parser("collect", parents=[common], add_help=False,
                       help="nhận tệp zip bài nộp từ LMS vào submitted/")
    p.add_argument("assignment", metavar="BÀI", help="tên bài")
    p.add_argument("zip", metavar="TỆP.zip", help="tệp zip tải từ LMS (Moodle, ...)")
    p.add_argument("--force", action="store_true",
                   help="thay bài nộp đã có của sinh viên bằng bài trong zip")

    p = sub.add_parser("autograde", parents=[common], add_help=False,
                       help="chấm tự động mọi bài nộp (song song, trong hộp cát)")
    p.add_argument("assignment", metavar="BÀI", help="tên bài")
    p.add_argument("--jobs", "-j", type=_positive, metavar="N",
                   help="số bài chấm song song (mặc định: số lõi CPU)")
    p.add_argument("--student", action="append", metavar="MÃ_SV",
                   help="chỉ chấm sinh viên này (lặp lại được)")
    p.add_argument("--unsafe", action="store_true",
                   help="chấm KHÔNG có hộp cát (chỉ cho bài nộp tin cậy, khi máy không có "
                        "bubblewrap hoặc quyền root)")
    p.add_argument("--cell-timeout", type=_positive, metavar="GIÂY",
                   help="thời gian tối đa của một ô (mặc định: Execute.timeout trong "
                        "nbgrader_config.py, hoặc 300)")
    p.add_argument("--timeout", type=_positive, metavar="GIÂY",
                   help="thời gian tối đa của cả một bài nộp (mặc định: 900)")
    p.add_argument("--memory", type=_positive, metavar="MB",
                   help="bộ nhớ tối đa của mỗi tiến trình của sinh viên (mặc định: 2048)")
    p.add_argument("--scheduler", metavar="tcp://MÁY:8786",
                   help="gửi việc chấm tới một cụm Dask có sẵn (mặc định: biến DLBOOK_SCHEDULER, "
                        "nếu không có thì chạy các tiến trình chấm trên máy này)")
    p.add_argument("--force", action="store_true",
                   help="chấm lại cả những bài đã chấm xong mà không thay đổi gì")

    p = sub.add_parser("feedback", parents=[common], add_help=False,
                       help="tạo phản hồi HTML cho từng sinh viên, không lộ kiểm tra ẩn")
    p.add_argument("assignment", metavar="BÀI", help="tên bài")

    p = sub.add_parser("export", parents=[common], add_help=False, help="xuất bảng điểm CSV")
    p.add_argument("--out", default="grades.csv", metavar="TỆP.csv",
                   help="tệp CSV kết quả (mặc định: grades.csv)")
    p.add_argument("--assignment", metavar="BÀI", help="chỉ xuất bài này")

    p = sub.add_parser("report", parents=[common], add_help=False,
                       help="thống kê từng câu: điểm trung bình, lỗi thường gặp nhất")
    p.add_argument("assignment", metavar="BÀI", help="tên bài")

    p = sub.add_parser("similarity", parents=[common], add_help=False,
                       help="tìm các cặp bài nộp giống nhau nhất (copydetect), ghi CSV và HTML "
                            "vào reports/BÀI/")
    p.add_argument("assignment", metavar="BÀI", help="tên bài")
    p.add_argument("--top", type=_positive, default=10, metavar="N",
                   help="số cặp in ra và hiện mã trong báo cáo HTML (mặc định: 10)")
    return parser


def _course(args):
    from dlbook.course.course import Course

    return Course.find(args.course, db_url=args.db)


def run_course(args) -> int:
    from dlbook.course import sandbox
    from dlbook.course.autograde import AutogradeOptions, autograde
    from dlbook.course.collect import collect
    from dlbook.course.export import export
    from dlbook.course.feedback import generate_feedback
    from dlbook.course.generate import generate
    from dlbook.course.records import review_reasons
    from dlbook.course.report import format_report
    from dlbook.course.similarity import format_result, similarity

    progress = not args.no_progress
    course = _course(args)
    if args.command == "generate":
        results = generate(course, args.assignment, progress=progress)
        for name, warnings in results.items():
            print(f"Đã sinh {course.release_dir.name}/{name}/")
            for w in warnings:
                print(f"  Cảnh báo: {w}")
        return 0
    if args.command == "collect":
        result = collect(course, args.assignment, args.zip, force=args.force, progress=progress)
        for message in result.messages:
            print(f"  - {message}")
        print(f"Đã nhận bài của {len(result.students)} sinh viên vào "
              f"{course.submitted_dir.name}/: {', '.join(sorted(result.students)) or '(không có)'}.")
        return 0 if result.students or result.skipped else 1
    if args.command == "autograde":
        limits = sandbox.Limits()
        cell = args.cell_timeout or course.config.get("Execute", {}).get("timeout")
        if cell:
            limits.cell_timeout = int(cell)
        if args.timeout:
            limits.submission_timeout = args.timeout
        if args.memory:
            limits.memory_mb = args.memory
        options = AutogradeOptions(jobs=args.jobs, unsafe=args.unsafe, limits=limits,
                                   progress=progress, scheduler=args.scheduler, force=args.force)
        records = autograde(course, args.assignment, args.student, options)
        graded = [r for r in records if r["status"] == "graded"]
        review = [r for r in records if r.get("needs_review")]
        mean = sum(r["score"] for r in records) / len(records) if records else 0.0
        print(f"Đã chấm {len(graded)}/{len(records)} bài của '{args.assignment}'; "
              f"điểm trung bình {mean:.2f}.")
        if review:
            print(f"Cần xem tay {len(review)} bài:")
            for r in review:
                print(f"  {r['student']}: " + " | ".join(review_reasons(r)[:3]))
        return 0
    if args.command == "feedback":
        results = generate_feedback(course, args.assignment, progress=progress)
        ok = [s for s, v in results.items() if v == "ok"]
        print(f"Đã tạo phản hồi cho {len(ok)}/{len(results)} sinh viên trong "
              f"{course.feedback_dir.name}/.")
        for student, status in sorted(results.items()):
            if status != "ok":
                print(f"  {student}: {status}")
        return 0
    if args.command == "export":
        path = export(course, args.out, args.assignment)
        print(f"Đã ghi bảng điểm vào {path}.")
        return 0
    if args.command == "report":
        print(format_report(course, args.assignment))
        return 0
    if args.command == "similarity":
        result = similarity(course, args.assignment, top=args.top)
        print(format_result(result, args.top))
        return 0
    raise AssertionError(args.command)


def main(argv: Optional[List[str]] = None) -> int:
    from dlbook.errors import DlbookError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.group is None:
        parser.print_help()
        return 2
    if args.group == "course":
        if args.command is None:
            parser.parse_args(["course", "--help"])
            return 2
        try:
            return run_course(args)
        except DlbookError as exc:
            print(f"Lỗi: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("Đã dừng theo yêu cầu.", file=sys.stderr)
            return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
