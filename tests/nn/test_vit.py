"""Vision Transformer: shapes per stage, parameter count from a formula, patches in row-major
order, and a quick learning check."""

import pytest
import torch

from dlbook.errors import DlbookError
from dlbook.nn import PatchEmbedding, VisionTransformer, count_parameters


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_patch_embedding_is_a_linear_map_of_each_flattened_patch():
    torch.manual_seed(0)
    pe = PatchEmbedding(img_size=8, patch_size=4, in_channels=2, embed_dim=5)
    x = torch.randn(3, 2, 8, 8)
    out = pe(x)
    assert out.shape == (3, 4, 5) and pe.num_patches == 4
    # patch 1 (row 0, column 1) flattened and multiplied by the conv weight
    patch = x[:, :, 0:4, 4:8].reshape(3, -1)
    W = pe.proj.weight.reshape(5, -1)
    torch.testing.assert_close(out[:, 1], patch @ W.T + pe.proj.bias, atol=1e-5, rtol=1e-5)


def test_shapes_per_stage():
    vit = VisionTransformer(img_size=28, patch_size=7, embed_dim=32, depth=2, num_heads=4).eval()
    x = torch.rand(5, 1, 28, 28)
    assert vit.patch_embed(x).shape == (5, 16, 32)
    assert vit.features(x).shape == (5, 17, 32)
    assert vit(x).shape == (5, 10)
    assert vit.blocks[0].attention_weights.shape == (5, 4, 17, 17)


@pytest.mark.parametrize("patch,depth,E,f", [(7, 2, 32, 64), (4, 3, 16, 48)])
def test_parameter_count_formula(patch, depth, E, f):
    vit = VisionTransformer(img_size=28, patch_size=patch, embed_dim=E, depth=depth, num_heads=4,
                            ff_dim=f)
    L = (28 // patch) ** 2
    block = 4 * E * E + 4 * E + (E * f + f + f * E + E) + 2 * 2 * E
    expected = (patch * patch * E + E) + E + (L + 1) * E + depth * block + 2 * E + (E * 10 + 10)
    assert count_parameters(vit) == expected


def test_a_vit_learns_to_tell_two_patterns_apart():
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (128,), generator=g)
    x = torch.rand(128, 1, 8, 8, generator=g) * 0.3
    x[y == 1, :, :4, :] += 0.7  # class 1: bright top half
    torch.manual_seed(0)
    vit = VisionTransformer(img_size=8, patch_size=4, num_classes=2, embed_dim=16, depth=1,
                            num_heads=2)
    opt = torch.optim.Adam(vit.parameters(), lr=1e-2)
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(vit(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert (vit(x).argmax(1) == y).float().mean() > 0.95


def test_errors():
    with pytest.raises(DlbookError, match="chia hết"):
        VisionTransformer(img_size=28, patch_size=5)
    with pytest.raises(DlbookError, match=r"\(N, 1, 28, 28\)"):
        VisionTransformer()(torch.rand(2, 3, 28, 28))
