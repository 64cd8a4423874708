"""Generated road images with steering angles, for the self-driving chapter (NVIDIA-style regression).

Each image is rendered with numpy: sky, grass, an asphalt road that narrows towards the horizon
(perspective), white edge lines and a dashed centre line. The road bends with a random
*curvature* ``c`` and the car stands at a random lateral *offset* ``o`` from the lane centre
(``o > 0``: the car is right of the centre, so the road appears shifted left). The label is the
steering angle a driver would use,

    angle = clip(0.8·c − 0.5·o, −1, 1),

positive = steer right, in [−1, 1] as in the Udacity simulator (where 1 ≈ 25°). Random
brightness and shadows make the task less trivial.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import check_positive
from dlbook.data.result import LoadedData

CURVATURE_GAIN = 0.8
OFFSET_GAIN = 0.5
CAMERA_NAMES = ["giữa", "trái", "phải"]


def steering_angle(curvature, offset):
    """The label of an image: ``clip(0.8·curvature − 0.5·offset, −1, 1)``."""
    return np.clip(CURVATURE_GAIN * np.asarray(curvature) - OFFSET_GAIN * np.asarray(offset), -1.0, 1.0)


#: Colours of the pixel classes (grass, asphalt, edge line, centre line, sky top), RGB in [0, 1].
PALETTE = np.array(
    [[0.25, 0.55, 0.20], [0.42, 0.42, 0.45], [0.95, 0.95, 0.95], [0.95, 0.85, 0.30], [0.45, 0.65, 0.95]],
    dtype=np.float32,
)
GRASS, ROAD, EDGE, CENTRE, SKY = range(5)


def _render(curv, offset, height, width, rng, shadows, horizon):
    """Render ``uint8`` images (n, height, width, 3) for arrays ``curv`` and ``offset`` of length n.

    Each pixel first gets a class (grass, road, edge line, centre line, sky), then the colour of
    its class, times the brightness of the image and the shadow.
    """
    n = len(curv)
    h0 = int(round(horizon * height))
    rows = np.arange(height, dtype=np.float32)
    # t = 0 at the bottom row (nearest), 1 at the horizon; rows above the horizon are sky.
    t = np.clip((height - 1 - rows) / max(height - 1 - h0, 1), 0.0, 1.0)[None, :, None]
    x = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, None, :]
    c = curv.astype(np.float32)[:, None, None]
    o = offset.astype(np.float32)[:, None, None]
    centre = -0.45 * o * (1.0 - t) + 0.9 * c * t**2  # perspective: offsets fade, curves grow with distance
    half = 0.9 * (1.0 - t) + 0.04  # the road narrows towards the horizon
    dist = np.abs(x - centre)
    line = 0.012 + 0.03 * (1.0 - t)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, 1)).astype(np.float32)
    dashes = np.sin(phase + 6.0 / (t + 0.15)) > 0.0

    label = np.zeros((n, height, width), dtype=np.uint8)  # GRASS
    label[dist < half] = ROAD
    label[(dist < half) & (dist > half - line)] = EDGE
    label[(dist < 0.6 * line) & dashes] = CENTRE
    label[:, :h0, :] = SKY

    colours = PALETTE[label]  # (n, H, W, 3)
    gain = rng.uniform(0.55, 1.3, size=(n, 1, 1)).astype(np.float32)  # brightness of the image
    gain = np.broadcast_to(gain, label.shape).copy()
    sky_fade = np.float32(0.25) * (rows[:h0] / max(h0, 1))[None, :, None, None]
    colours[:, :h0] += sky_fade  # lighter sky towards the horizon
    if shadows:
        has = (rng.random(n) < 0.5)[:, None, None]
        top, bottom = rng.uniform(-1, 1, (2, n, 1, 1)).astype(np.float32)
        wide = rng.uniform(0.2, 0.6, (n, 1, 1)).astype(np.float32)
        left = bottom + (top - bottom) * (1.0 - rows / max(height - 1, 1))[None, :, None]
        shade = (x > left) & (x < left + wide) & has & (label != SKY)
        gain[shade] *= 0.55
    texture = 0.05 * rng.standard_normal((height, 2 * width), dtype=np.float32)  # grass texture, shifted per image
    shift = rng.integers(0, width, n)
    cols = (np.arange(width)[None, :] + shift[:, None])[:, None, :]
    noise = texture[np.arange(height)[None, :, None], cols] * (label == GRASS)
    img = (colours + noise[..., None]) * gain[..., None]
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def make_road_images(
    n: int = 1000,
    height: int = 66,
    width: int = 200,
    seed=0,
    cameras: int = 1,
    correction: float = 0.2,
    shadows: bool = True,
    channels_first: bool = True,
    horizon: float = 0.35,
) -> LoadedData:
    """Generate ``n`` road images and their steering angles.

    Images are ``uint8`` (pixel values 0–255, the range :func:`dlbook.nn.steering_net` expects),
    shape ``(N, 3, height, width)`` (``(N, height, width, 3)`` with ``channels_first=False``);
    66×200 is the NVIDIA input size, smaller sizes (≥ 61×61 for the NVIDIA network) train faster.
    Angles are ``float32`` in [−1, 1].

    ``cameras=3`` simulates the three cameras of the car: for each of the ``n`` positions it adds
    the view of a left and a right camera, mounted ``correction / 0.5`` lane half-widths to the
    side; their labels are corrected by ``+correction`` (left camera: steer right to come back
    to the centre) and ``−correction``. The result then has ``3·n`` images, centre views first,
    and ``.camera`` says which camera took each image (0 giữa, 1 trái, 2 phải).
    ``.curvature`` and ``.offset`` give the scene of each image.
    """
    check_positive(n, "n", integer=True)
    check_positive(height, "height", integer=True)
    check_positive(width, "width", integer=True)
    if cameras not in (1, 3):
        raise ValueError(f"`cameras` phải là 1 hoặc 3, nhưng nhận được {cameras!r}.")
    rng = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed
    curvature = rng.uniform(-1.0, 1.0, n)
    offset = np.clip(rng.normal(0.0, 0.35, n), -0.8, 0.8)
    camera = np.zeros(n, dtype=np.int64)
    if cameras == 3:
        shift = correction / OFFSET_GAIN  # a camera this far to the side sees the car this far off-centre
        curvature = np.concatenate([curvature, curvature, curvature])
        camera = np.repeat(np.arange(3), n)
        offset = np.concatenate([offset, offset - shift, offset + shift])
    angles = steering_angle(curvature, offset).astype(np.float32)

    images = np.empty((len(angles), height, width, 3), dtype=np.uint8)
    chunk = max(1, 1_000_000 // (height * width))  # about 1 M pixels at a time: stays in cache-friendly memory
    for start in range(0, len(angles), chunk):
        sl = slice(start, start + chunk)
        images[sl] = _render(curvature[sl], offset[sl], height, width, rng, shadows, horizon)
    if channels_first:
        images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    views = "ba camera" if cameras == 3 else "một camera"
    return LoadedData(
        images, angles, source="generated:road",
        description=f"Ảnh đường sinh bằng numpy ({views}): {len(angles)} ảnh {height}×{width}, nhãn là góc lái trong [−1, 1].",
        camera=camera, camera_names=CAMERA_NAMES, curvature=curvature, offset=offset,
    )
