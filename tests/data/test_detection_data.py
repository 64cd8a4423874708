import numpy as np
import pytest

from dlbook.data.detection_data import (
    SHAPE_CLASSES,
    load_yolo_dataset,
    make_shapes_detection,
    read_yolo_labels,
    shape_mask,
    write_yolo_labels,
    xyxy_to_yolo,
    yolo_to_xyxy,
)
from dlbook.data.formats import DataFormatError
from dlbook.errors import DlbookError
from dlbook.scratch.detection import iou


def test_generated_images_and_boxes_have_the_documented_form():
    data = make_shapes_detection(20, image_size=48, max_objects=3, seed=0)
    images, targets = data
    assert images.shape == (20, 3, 48, 48) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    assert data.source == "generated-shapes" and data.class_names == SHAPE_CLASSES
    for t in targets:
        assert 1 <= len(t["boxes"]) <= 3
        assert np.all(t["boxes"][:, :2] >= 0) and np.all(t["boxes"][:, 2:] <= 48)
        assert set(t["labels"]) <= {0, 1, 2}
        m = iou(t["boxes"], t["boxes"])
        assert np.all(m[~np.eye(len(m), dtype=bool)] <= 0.1 + 1e-9)


def test_generator_is_seeded():
    a, b = make_shapes_detection(5, seed=1), make_shapes_detection(5, seed=1)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, make_shapes_detection(5, seed=2).X)


def test_shapes_are_drawn_inside_their_boxes():
    data = make_shapes_detection(10, max_objects=1, noise=0.0, seed=4)
    for img, t in zip(data.X, data.y):
        x0, y0, x1, y1 = t["boxes"][0].astype(int)
        background = img[:, 0, 0] if not (x0 == 0 and y0 == 0) else img[:, -1, -1]
        changed = np.any(np.abs(img - background[:, None, None]) > 1e-6, axis=0)
        ys, xs = np.nonzero(changed)
        assert ys.min() >= y0 and ys.max() < y1 and xs.min() >= x0 and xs.max() < x1


def test_shape_masks_have_the_expected_areas():
    box = (0, 0, 20, 20)
    assert shape_mask("square", box, 20, 20).sum() == 400
    assert shape_mask("circle", box, 20, 20).sum() == pytest.approx(np.pi * 100, rel=0.03)
    assert shape_mask("triangle", box, 20, 20).sum() == pytest.approx(200, rel=0.06)
    with pytest.raises(DlbookError, match="Không biết hình"):
        shape_mask("star", box, 20, 20)


def test_yolo_box_conversions_are_inverse():
    boxes = np.array([[10, 20, 30, 60], [0, 0, 64, 32]], float)
    yolo = xyxy_to_yolo(boxes, 64, 80)
    np.testing.assert_allclose(yolo[0], [20 / 64, 40 / 80, 20 / 64, 40 / 80])
    np.testing.assert_allclose(yolo_to_xyxy(yolo, 64, 80), boxes)


def test_read_and_write_yolo_label_files(tmp_path):
    f = tmp_path / "plate.txt"
    f.write_text("0 0.5 0.5 0.25 0.1\n\n1 0.1 0.2 0.05 0.05\n", encoding="utf-8")
    labels, boxes = read_yolo_labels(f)
    assert labels.tolist() == [0, 1]
    np.testing.assert_allclose(boxes[0], [0.5, 0.5, 0.25, 0.1])
    out = tmp_path / "out.txt"
    write_yolo_labels(out, yolo_to_xyxy(boxes, 100, 50), labels, 100, 50)
    labels2, boxes2 = read_yolo_labels(out)
    assert labels2.tolist() == [0, 1]
    np.testing.assert_allclose(boxes2, boxes, atol=1e-6)


@pytest.mark.parametrize("line,msg", [("0 0.5 0.5 0.2", "5 giá trị"), ("a 0.5 0.5 0.2 0.2", "không phải số"),
                                      ("0 50 20 10 10", r"\[0, 1\]")])
def test_malformed_yolo_lines_are_reported_with_line_number(tmp_path, line, msg):
    f = tmp_path / "bad.txt"
    f.write_text("0 0.5 0.5 0.2 0.2\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=msg) as err:
        read_yolo_labels(f)
    assert "dòng 2" in str(err.value)


def test_missing_label_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Không tìm thấy"):
        read_yolo_labels(tmp_path / "none.txt")


def test_load_yolo_dataset_reads_images_and_rescales_boxes(tmp_path):
    from PIL import Image

    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    img = np.zeros((50, 100, 3), np.uint8)
    img[10:20, 20:60] = 255  # a white "plate"
    Image.fromarray(img).save(tmp_path / "images" / "car1.png")
    Image.fromarray(np.full((30, 30, 3), 128, np.uint8)).save(tmp_path / "images" / "car2.jpg")
    write_yolo_labels(tmp_path / "labels" / "car1.txt", [[20, 10, 60, 20]], [0], 100, 50)
    data = load_yolo_dataset(tmp_path / "images", image_size=32, class_names=["biển số"])
    assert data.X.shape == (2, 3, 32, 32)
    np.testing.assert_allclose(data.y[0]["boxes"], [[6.4, 6.4, 19.2, 12.8]], atol=1e-6)
    assert data.y[1]["boxes"].shape == (0, 4)  # no label file: no object
    assert data.class_names == ("biển số",)
    assert str(tmp_path / "images") in data.source
    assert data.X[0][:, 8, 12].mean() > 0.9  # inside the plate


def test_load_yolo_dataset_rejects_missing_or_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_yolo_dataset(tmp_path / "nope")
    with pytest.raises(DlbookError, match="không có ảnh"):
        load_yolo_dataset(tmp_path)
