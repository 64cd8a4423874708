"""``dlbook course collect`` against hostile zips: each attack gets the outcome it deserves.

The course here is the smallest one collect needs (``nbgrader_config.py`` and one source
notebook ``fx``); no nbgrader run, no kernel. Zips that ``zipfile`` cannot write (a bomb whose
members share one compressed stream, a member whose declared size lies, an encrypted flag) are
written byte by byte by :func:`raw_zip`.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from dlbook.course import collect as collect_mod
from dlbook.course.collect import MAX_STUDENT_BYTES, collect
from dlbook.course.course import Course

CONFIG = '''\
import os
c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
'''


def notebook(tag: str) -> bytes:
    """A small notebook whose content says who wrote it."""
    return json.dumps({"cells": [{"cell_type": "code", "id": "c1", "metadata": {},
                                  "source": f"print({tag!r})", "outputs": [],
                                  "execution_count": None}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


@pytest.fixture
def course(tmp_path) -> Course:
    root = tmp_path / "course"
    (root / "solutions" / "fx").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    (root / "solutions" / "fx" / "fx.ipynb").write_bytes(notebook("nguồn"))
    return Course(root)


def make_zip(path: Path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def raw_zip(path: Path, entries) -> Path:
    """Write a zip by hand: ``entries`` are dicts name, payload (already compressed), crc,
    size (declared uncompressed size), method (0 stored / 8 deflated), flags."""
    out = io.BytesIO()
    central = []
    for e in entries:
        name = e["name"].encode("utf-8")
        flags = e.get("flags", 0) | 0x800
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, e["method"], 0, 0x21,
                              e["crc"], len(e["payload"]), e["size"], len(name), 0))
        out.write(name)
        out.write(e["payload"])
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, flags,
                                   e["method"], 0, 0x21, e["crc"], len(e["payload"]),
                                   e["size"], len(name), 0, 0, 0, 0, 0o100644 << 16, offset)
                       + name)
    start = out.tell()
    for c in central:
        out.write(c)
    size = out.tell() - start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), size,
                          start, 0))
    path.write_bytes(out.getvalue())
    return path


def deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush()


def submitted(course: Course) -> dict:
    """{relative path: bytes} of everything under submitted/."""
    base = course.submitted_dir
    if not base.is_dir():
        return {}
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*"))
            if p.is_file()}


# ------------------------------------------------------------------ the id is the LMS's


def test_moodle_upload_name_cannot_pick_another_students_id(course, tmp_path):
    """Student 10001 names uploads after 10002 and 10003: they stay 10001's, numpy.py refused."""
    z = make_zip(tmp_path / "moodle.zip", {
        "An_10001_assignsubmission_file_x_10002_assignsubmission_file_fx.ipynb":
            notebook("của 10001, giả làm 10002"),
        "An_10001_assignsubmission_file_x_10003_assignsubmission_file_fx.ipynb":
            notebook("của 10001, giả làm 10003"),
        "An_10001_assignsubmission_file_x_10002_assignsubmission_file_numpy.py":
            b"raise SystemExit('numpy gia')\n",
        "Trần Bình_10002_assignsubmission_file_fx.ipynb": notebook("của 10002"),
    })
    result = collect(course, "fx", z, progress=False)
    files = submitted(course)
    assert sorted(result.students) == ["10001", "10002"]
    assert files["10002/fx/fx.ipynb"] == notebook("của 10002")
    assert [k for k in files if k.startswith("10002/")] == ["10002/fx/fx.ipynb"]
    assert not any(k.startswith("10003") for k in files)  # 10003 never submitted
    assert not any(k.endswith(".py") for k in files)
    assert {k for k in files if k.startswith("10001/")} == {
        "10001/fx/x_10002_assignsubmission_file_fx.ipynb",
        "10001/fx/x_10003_assignsubmission_file_fx.ipynb"}
    assert any("numpy.py" in m and "che một thư viện" in m for m in result.messages)


def test_moodle_folder_named_like_another_student_stays_with_its_owner(course, tmp_path):
    z = make_zip(tmp_path / "folders.zip", {
        "An_10001_assignsubmission_file_/x_10002_assignsubmission_file_/fx.ipynb":
            notebook("của 10001"),
        "Bình_10002_assignsubmission_file_/fx.ipynb": notebook("của 10002"),
    })
    result = collect(course, "fx", z, progress=False)
    files = submitted(course)
    assert sorted(result.students) == ["10001", "10002"]
    assert files["10002/fx/fx.ipynb"] == notebook("của 10002")
    assert files["10001/fx/fx.ipynb"] == notebook("của 10001")  # the lone notebook renamed


def test_canvas_layout_uses_the_canvas_user_id(course, tmp_path):
    z = make_zip(tmp_path / "canvas.zip", {
        "nguyenan_4411_90001_fx.ipynb": notebook("4411"),
        "tranbinh_late_4412_90002_nguyenan_4411_90001_fx.ipynb": notebook("4412"),
    })
    result = collect(course, "fx", z, progress=False)
    files = submitted(course)
    assert sorted(result.students) == ["4411", "4412"]
    assert files["4411/fx/fx.ipynb"] == notebook("4411")
    assert files["4412/fx/fx.ipynb"] == notebook("4412")


# ------------------------------------------------------------------ collisions refuse both


def test_same_moodle_id_twice_refuses_both_copies_and_keeps_the_old_one(course, tmp_path):
    old = course.submitted_dir / "10005" / "fx" / "fx.ipynb"
    old.parent.mkdir(parents=True)
    old.write_bytes(notebook("bài cũ"))
    z = make_zip(tmp_path / "dup.zip", {
        "Lê Hoa_10005_assignsubmission_file_/fx.ipynb": notebook("Hoa"),
        "Phạm Minh_10005_assignsubmission_file_/fx.ipynb": notebook("Minh"),
        "Vũ Lan_10006_assignsubmission_file_/fx.ipynb": notebook("Lan"),
    })
    result = collect(course, "fx", z, force=True, progress=False)
    assert sorted(result.students) == ["10006"]
    assert "10005" in result.refused
    assert old.read_bytes() == notebook("bài cũ")
    loud = [m for m in result.messages if m.startswith("TRÙNG MÃ SINH VIÊN")]
    assert len(loud) == 1 and "Lê Hoa_10005" in loud[0] and "Phạm Minh_10005" in loud[0]
    assert "KHÔNG nhận" in loud[0]


@pytest.mark.parametrize("first, second", [("Nguyễn An", "Nguyen An"), ("SV01", "sv01"),
                                           ("Đỗ Hà", "Do Ha")])
def test_ids_equal_after_folding_accents_or_case_refuse_both(course, tmp_path, first, second):
    z = make_zip(tmp_path / "fold.zip", {
        f"{first}/fx.ipynb": notebook(first),
        f"{second}/fx.ipynb": notebook(second),
        "sv99/fx.ipynb": notebook("sv99"),
    })
    result = collect(course, "fx", z, progress=False)
    assert sorted(result.students) == ["sv99"]
    assert sorted(submitted(course)) == ["sv99/fx/fx.ipynb"]
    loud = [m for m in result.messages if m.startswith("TRÙNG MÃ SINH VIÊN")]
    assert len(loud) == 1 and f"'{first}/'" in loud[0] and f"'{second}/'" in loud[0]


def test_id_differing_only_in_case_from_an_existing_submission_is_refused(course, tmp_path):
    (course.submitted_dir / "sv02" / "fx").mkdir(parents=True)
    (course.submitted_dir / "sv02" / "fx" / "fx.ipynb").write_bytes(notebook("sv02"))
    z = make_zip(tmp_path / "case.zip", {"SV02/fx.ipynb": notebook("SV02")})
    result = collect(course, "fx", z, force=True, progress=False)
    assert result.students == {} and "SV02" in result.refused
    assert sorted(submitted(course)) == ["sv02/fx/fx.ipynb"]


# ------------------------------------------------------------------ sizes before writing


def test_zip_bomb_is_refused_before_anything_is_written(course, tmp_path, monkeypatch):
    """21 × 99 MB of zeros (one compressed stream shared by 21 entries: a 2 MB zip)."""
    size = 99 * 1024 * 1024
    zeros = bytes(size)
    payload, crc = deflate(zeros), zlib.crc32(zeros)
    del zeros
    entries = [dict(name=f"bomb/zero{i:02d}.bin", payload=payload, crc=crc, size=size, method=8)
               for i in range(21)]
    nb = notebook("honest")
    entries.append(dict(name="honest/fx.ipynb", payload=nb, crc=zlib.crc32(nb), size=len(nb),
                        method=0))
    z = raw_zip(tmp_path / "bomb.zip", entries)
    assert z.stat().st_size < 5 * 1024 * 1024 and 21 * size > MAX_STUDENT_BYTES
    extracted = []
    real = collect_mod._extract
    monkeypatch.setattr(collect_mod, "_extract",
                        lambda zf, info, target, rel: (extracted.append(info.filename),
                                                       real(zf, info, target, rel)))
    result = collect(course, "fx", z, progress=False)
    assert sorted(result.students) == ["honest"]
    assert "bomb" in result.refused and "zip bomb" in result.refused["bomb"]
    assert extracted == ["honest/fx.ipynb"]  # not one byte of the bomb was unpacked
    assert sorted(submitted(course)) == ["honest/fx/fx.ipynb"]
    assert [p.name for p in course.submitted_dir.iterdir()] == ["honest"]  # no staging left


def test_member_larger_than_its_declared_size_is_refused(course, tmp_path):
    big = bytes(50 * 1024 * 1024)
    lie = dict(name="liar/fx.ipynb", payload=deflate(big), crc=zlib.crc32(b"{}"), size=2,
               method=8)
    nb = notebook("ok")
    ok = dict(name="ok/fx.ipynb", payload=nb, crc=zlib.crc32(nb), size=len(nb), method=0)
    result = collect(course, "fx", raw_zip(tmp_path / "lie.zip", [lie, ok]), progress=False)
    assert sorted(result.students) == ["ok"] and "liar" in result.refused
    assert sorted(submitted(course)) == ["ok/fx/fx.ipynb"]


# ------------------------------------------------------------------ one student's bad files


def test_file_folder_clash_skips_that_student_only(course, tmp_path):
    z = make_zip(tmp_path / "clash.zip", {
        "sv03/fx.ipynb": notebook("sv03"),
        "sv03/data": b"a file",
        "sv03/data/x.txt": b"and a folder",
        "sv04/fx.ipynb": notebook("sv04"),
        "sv05/fx.ipynb": notebook("sv05"),
    })
    result = collect(course, "fx", z, progress=False)
    assert sorted(result.students) == ["sv04", "sv05"]
    assert "vừa là tệp vừa là thư mục" in result.refused["sv03"]
    assert not (course.submitted_dir / "sv03").exists()


def test_corrupt_or_encrypted_member_skips_that_student_only(course, tmp_path):
    nb = notebook("sv10")
    bad = bytearray(nb)
    bad[5] ^= 0xFF
    entries = [
        dict(name="sv10/fx.ipynb", payload=nb, crc=zlib.crc32(nb), size=len(nb), method=0),
        dict(name="sv10/ghi-chu.txt", payload=bytes(bad), crc=zlib.crc32(nb), size=len(nb),
             method=0),
        dict(name="sv11/fx.ipynb", payload=nb, crc=zlib.crc32(nb), size=len(nb), method=0,
             flags=0x1),
        dict(name="sv12/fx.ipynb", payload=b"\x00garbage", crc=0, size=100, method=8),
        dict(name="sv13/fx.ipynb", payload=nb, crc=zlib.crc32(nb), size=len(nb), method=0),
    ]
    result = collect(course, "fx", raw_zip(tmp_path / "bad.zip", entries), progress=False)
    assert sorted(result.students) == ["sv13"]
    assert "bị hỏng" in result.refused["sv10"] and "ghi-chu.txt" in result.refused["sv10"]
    assert "mật khẩu" in result.refused["sv11"]
    assert "bị hỏng" in result.refused["sv12"]
    assert sorted(submitted(course)) == ["sv13/fx/fx.ipynb"]


def test_bad_files_keep_the_previous_submission_under_force(course, tmp_path):
    old = course.submitted_dir / "sv03" / "fx" / "fx.ipynb"
    old.parent.mkdir(parents=True)
    old.write_bytes(notebook("cũ"))
    z = make_zip(tmp_path / "clash.zip", {"sv03/data": b"x", "sv03/data/x.txt": b"y",
                                          "sv03/fx.ipynb": notebook("mới")})
    result = collect(course, "fx", z, force=True, progress=False)
    assert "sv03" in result.refused and old.read_bytes() == notebook("cũ")


# ------------------------------------------------------------------ nothing importable


def test_importable_and_hidden_files_are_never_collected(course, tmp_path):
    z = make_zip(tmp_path / "shadow.zip", {
        "sv06/fx.ipynb": notebook("sv06"),
        "sv06/numpy.py": b"raise SystemExit\n",
        "sv06/numpy.pyc": b"\x00",
        "sv06/dlbook/__init__.py": b"",
        "sv06/torch.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
        "sv06/libx.so.1": b"\x7fELF",
        "sv06/evil.pth": b"import os",
        "sv06/.ipython/profile_default/startup/00-x.py": b"print(1)",
        "sv06/.ipython/profile_default/ipython_kernel_config.json":
            b'{"InteractiveShellApp": {"exec_lines": ["import os"]}}',
        "sv06/.config/matplotlib/matplotlibrc": b"backend: agg",
        "sv06/du-lieu/anh.png": b"\x89PNG",
    })
    result = collect(course, "fx", z, progress=False)
    assert sorted(submitted(course)) == ["sv06/fx/du-lieu/anh.png", "sv06/fx/fx.ipynb"]
    refused = [m for m in result.messages if m.startswith("sv06: không nhận")]
    assert len(refused) == 9


def test_names_with_terminal_escapes_are_refused_and_messages_are_clean(course, tmp_path,
                                                                       capsys):
    from dlbook.cli import main

    evil = "sv07/\x1b]0;pwned\x07\x1b[2J\u202eexe.txt"
    z = make_zip(tmp_path / "esc.zip", {"sv07/fx.ipynb": notebook("sv07"), evil: b"x",
                                        "\x1b[31mRED_fx.ipynb": notebook("red")})
    code = main(["course", "collect", "fx", str(z), "--course", str(course.root),
                 "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert sorted(submitted(course)) == ["sv07/fx/fx.ipynb"]
    assert "ký tự điều khiển" in out


def test_plain_layouts_still_work(course, tmp_path):
    z = make_zip(tmp_path / "plain.zip", {
        "Bài nộp/sv20/fx.ipynb": notebook("sv20"),
        "Bài nộp/sv21_fx.ipynb": notebook("sv21"),
        "Bài nộp/Lê Thị Hoa_20417_assignsubmission_file_/fx (1).ipynb": notebook("20417"),
        "Bài nộp/sv22/fx/fx.ipynb": notebook("sv22"),
        "Bài nộp/sv22/fx/du-lieu/a.csv": b"1,2",
    })
    result = collect(course, "fx", z, progress=False)
    assert sorted(result.students) == ["20417", "sv20", "sv21", "sv22"]
    files = submitted(course)
    assert files["20417/fx/fx.ipynb"] == notebook("20417")
    assert files["sv22/fx/du-lieu/a.csv"] == b"1,2"
    assert result.refused == {}
