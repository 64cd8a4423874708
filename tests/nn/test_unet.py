import numpy as np
import pytest
import torch

from dlbook.data.segmentation_data import make_segmentation_masks
from dlbook.errors import ShapeError
from dlbook.nn.unet import UNet, dice_loss, dice_score, iou_score, train_segmenter


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models train faster on one thread, and CI machines are shared."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_unet_keeps_the_spatial_size_and_uses_transposed_convolutions():
    model = UNet(in_channels=3, num_classes=2, base_channels=4, depth=3)
    assert model(torch.zeros(2, 3, 32, 48)).shape == (2, 2, 32, 48)
    ups = [m for m in model.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert len(ups) == 3 and all(u.stride == (2, 2) for u in ups)


def test_unet_skip_connections_carry_encoder_features():
    model = UNet(1, 1, base_channels=4, depth=2)
    seen = {}

    def hook(module, inputs, output):
        seen["in"] = inputs[0].shape

    model.up_conv[0].register_forward_hook(hook)
    model(torch.zeros(1, 1, 16, 16))
    assert seen["in"] == (1, 16, 8, 8)  # 8 skip channels + 8 up-sampled channels at 8×8


def test_unet_rejects_size_not_divisible_by_two_to_the_depth():
    with pytest.raises(ShapeError, match="chia hết"):
        UNet(1, 1, 4, depth=2)(torch.zeros(1, 1, 30, 32))


def test_dice_and_iou_on_hand_made_masks():
    a = np.zeros((4, 4))
    a[:2, :2] = 1  # 4 pixels
    b = np.zeros((4, 4))
    b[:2, :] = 1  # 8 pixels, 4 shared
    assert dice_score(a, b) == pytest.approx(2 * 4 / 12)
    assert iou_score(a, b) == pytest.approx(4 / 8)
    assert dice_score(b, b) == pytest.approx(1.0) and iou_score(a, 1 - b) == pytest.approx(0.0, abs=1e-6)
    d, i = dice_score(a, b), iou_score(a, b)
    assert d == pytest.approx(2 * i / (1 + i))  # Dice and IoU are linked
    with pytest.raises(ShapeError, match="cùng kích thước"):
        dice_score(np.zeros((2, 2)), np.zeros((3, 3)))


def test_soft_dice_loss_is_near_zero_for_confident_correct_logits():
    t = (torch.rand(2, 1, 8, 8) > 0.5).float()
    assert dice_loss((t * 2 - 1) * 20, t).item() < 1e-3
    assert dice_loss(-(t * 2 - 1) * 20, t).item() > 0.9


def test_a_few_training_steps_reduce_the_loss():
    torch.manual_seed(0)
    data = make_segmentation_masks(32, image_size=16, min_size=4, max_size=8, seed=0)
    model = UNet(1, 1, base_channels=4, depth=2)
    history = train_segmenter(model, data.X, data.y, epochs=6, batch_size=8, lr=1e-2,
                              progress=False)
    assert history[-1] < 0.8 * history[0]
