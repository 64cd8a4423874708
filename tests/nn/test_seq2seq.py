import pytest
import torch

from dlbook.data.dates import encode_date_pairs, make_vietnamese_dates
from dlbook.errors import DlbookError
from dlbook.nn.seq2seq import Seq2SeqAttention, sequence_accuracy, train_seq2seq


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models train faster on one thread, and CI machines are shared."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _batch():
    src = torch.tensor([[4, 5, 6, 7], [8, 9, 0, 0], [5, 0, 0, 0]])
    tgt = torch.tensor([[1, 3, 4, 2], [1, 5, 2, 0], [1, 2, 0, 0]])
    return src, tgt


@pytest.mark.parametrize("attention", ["dot", "scaled_dot", "general", "additive"])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_attention_weights_are_distributions_that_ignore_padding(attention, cell):
    torch.manual_seed(0)
    model = Seq2SeqAttention(10, 6, embed_dim=8, hidden_size=12, cell=cell, attention=attention)
    src, tgt = _batch()
    logits, w = model(src, tgt[:, :-1])
    assert logits.shape == (3, 3, 6) and w.shape == (3, 3, 4)
    torch.testing.assert_close(w.sum(-1), torch.ones(3, 3))
    assert torch.all(w[1, :, 2:] == 0) and torch.all(w[2, :, 1:] == 0)


def test_padding_does_not_change_the_output():
    torch.manual_seed(0)
    model = Seq2SeqAttention(10, 6, embed_dim=8, hidden_size=12).eval()
    src, tgt = _batch()
    longer = torch.cat([src, torch.zeros(3, 3, dtype=torch.long)], dim=1)
    a, _ = model(src, tgt[:, :-1])
    b, wb = model(longer, tgt[:, :-1])
    torch.testing.assert_close(a, b)
    assert torch.all(wb[:, :, 4:] == 0)


def test_model_without_attention_returns_no_weights():
    model = Seq2SeqAttention(10, 6, embed_dim=8, hidden_size=12, attention=None)
    src, tgt = _batch()
    logits, w = model(src, tgt[:, :-1])
    assert logits.shape == (3, 3, 6) and w is None
    out, w = model.translate(src, 1, 2, max_len=5)
    assert out.shape[0] == 3 and w is None


def test_bad_options_are_reported():
    with pytest.raises(DlbookError, match="attention"):
        Seq2SeqAttention(5, 5, attention="magic")
    with pytest.raises(DlbookError, match="cell"):
        Seq2SeqAttention(5, 5, cell="rnn")


def test_sequence_accuracy_cuts_at_end_token():
    pred = [[3, 4, 2, 7], [3, 5, 2, 0]]
    target = [[3, 4, 2, 0], [3, 4, 2, 0]]
    assert sequence_accuracy(pred, target, end_id=2) == 0.5


def test_a_few_epochs_reduce_the_loss_and_translate_returns_weights():
    torch.manual_seed(0)
    texts, isos = make_vietnamese_dates(500, seed=0)
    src, tgt, sv, tv = encode_date_pairs(texts, isos)
    model = Seq2SeqAttention(len(sv), len(tv), embed_dim=16, hidden_size=32)
    history = train_seq2seq(model, src, tgt, epochs=4, batch_size=32, progress=False)
    assert history[-1] < 0.7 * history[0]
    out, w = model.translate(torch.tensor(src[:4]), tv["<s>"], tv["</s>"], max_len=12)
    assert out.shape[0] == 4 and w.shape == (4, out.shape[1], src.shape[1])
