import itertools

import numpy as np
import pytest
import torch

from dlbook.data.captions import build_caption_vocab, encode_captions, make_captioned_images
from dlbook.errors import DlbookError
from dlbook.nn.captioning import CaptioningModel, bleu_score, train_captioner


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models train faster on one thread, and CI machines are shared."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _model(vocab_size=7, seed=0):
    torch.manual_seed(seed)
    return CaptioningModel(vocab_size, embed_dim=8, hidden_size=16, width=4).eval()


def test_forward_shape_and_loss_ignores_padding():
    model = _model()
    images = torch.rand(3, 3, 32, 32)
    caps = torch.tensor([[2, 4, 5, 3, 0, 0], [2, 6, 3, 0, 0, 0], [2, 4, 4, 4, 5, 3]])
    assert model(images, caps[:, :-1]).shape == (3, 5, 7)
    padded_longer = torch.cat([caps, torch.zeros(3, 4, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model.loss(images, caps), model.loss(images, padded_longer))


@pytest.mark.parametrize("seed", range(3))
def test_beam_width_one_equals_greedy(seed):
    model = _model(seed=seed)
    images = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(seed))
    greedy = model.greedy_decode(images, start_id=2, end_id=3, max_len=8)
    for img, g in zip(images, greedy):
        words, _ = model.beam_search(img, start_id=2, end_id=3, beam_width=1, max_len=8)
        assert words == g


def _sequence_logprob(model, image, words, end, start=2, finished=True):
    inp = torch.tensor([[start] + words])
    logp = torch.log_softmax(model(image[None], inp), -1)[0]
    targets = words + ([end] if finished else [])
    return sum(logp[t, w].item() for t, w in enumerate(targets))


def test_wide_beam_finds_the_most_probable_caption_by_exhaustive_search():
    model, V, L, end = _model(vocab_size=4, seed=1), 4, 3, 3
    image = torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(0))
    candidates = []
    words_vocab = [w for w in range(V) if w != end]
    for n in range(L):  # finished captions with n words
        for words in itertools.product(words_vocab, repeat=n):
            candidates.append(_sequence_logprob(model, image, list(words), end))
    for words in itertools.product(words_vocab, repeat=L):  # cut at max_len
        candidates.append(_sequence_logprob(model, image, list(words), end, finished=False))
    words, score = model.beam_search(image, 2, end, beam_width=V**L, max_len=L)
    assert score == pytest.approx(max(candidates), abs=1e-5)


def test_bleu_on_hand_computed_examples():
    refs = [["một hình tròn màu đỏ ở bên trái"]]
    assert bleu_score(refs, ["một hình tròn màu đỏ ở bên trái"]) == pytest.approx(1.0)
    # 5 of 6 unigrams match; the candidate is shorter than the 8-word reference
    hyp = ["một hình tròn màu xanh ở"]
    assert bleu_score(refs, hyp, max_n=1) == pytest.approx(5 / 6 * np.exp(1 - 8 / 6))
    # clipping: "một một một" matches "một" only as often as the reference has it
    assert bleu_score([["một hình một"]], ["một một một"], max_n=1) == pytest.approx(2 / 3)
    assert bleu_score(refs, ["xanh"], max_n=2) == 0.0
    with pytest.raises(DlbookError, match="tham chiếu"):
        bleu_score(refs, [], max_n=1)


def test_a_few_training_steps_reduce_the_loss_and_caption_method_returns_text():
    torch.manual_seed(0)
    data = make_captioned_images(40, seed=0)
    vocab = build_caption_vocab(data.y)
    caps = encode_captions([c[0] for c in data.y], vocab)
    model = CaptioningModel(len(vocab), embed_dim=16, hidden_size=32, width=8)
    history = train_captioner(model, data.X, caps, epochs=6, batch_size=8, lr=5e-3, progress=False)
    assert history[-1] < 0.7 * history[0]
    texts = model.caption(torch.tensor(data.X[:2]), vocab, method="beam", beam_width=2)
    assert all(isinstance(t, str) and "startseq" not in t and "endseq" not in t for t in texts)
    with pytest.raises(DlbookError, match="method"):
        model.caption(torch.tensor(data.X[:1]), vocab, method="sampling")
