"""Image captioning: a CNN encoder and an LSTM decoder, with greedy and beam-search decoding.

The encoder turns the image into a feature vector ``f`` (a few convolutions, then a small
``4 × 4`` map flattened, so the position of an object survives). ``f`` enters the decoder
twice: it sets the initial state ``h_0 = tanh(W_h f)``, ``c_0 = tanh(W_c f)``, and, as in the
"merge" model of the notes, it is added to the LSTM output at every step before the output
layer: ``logits_t = W_o ReLU(h_t + W_f f)``. The decoder reads ``startseq w_1 … w_k`` and is
trained to predict ``w_1 … w_k endseq`` (teacher forcing).

At test time the caption is generated word by word: **greedy** decoding keeps the most
probable word at every step; **beam search** keeps the ``beam_width`` most probable partial
captions (sum of log-probabilities). With ``beam_width = 1`` the two coincide.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from dlbook.errors import DlbookError, check_positive, check_positive_ints
from dlbook.nn.teacher_forcing import train_teacher_forced
# Moved to dlbook.scratch.metrics (models are models); re-exported here until every chapter imports it from there.
from dlbook.scratch.metrics import bleu_score  # noqa: F401

__all__ = ["CaptioningModel", "bleu_score", "train_captioner", "CAPTIONING_DEFAULTS"]

#: Settings for the chapter on ``make_captioned_images`` (3 captions per image, so 3,000
#: training pairs): exact match ≈ 0.98 and BLEU-1 ≈ 0.99 on new images in about 20 s of one
#: CPU thread (figures in ``bench/bench_part678.py``).
CAPTIONING_DEFAULTS = {"n_images": 1000, "image_size": 32, "embed_dim": 32, "hidden_size": 96,
                       "epochs": 12, "batch_size": 32, "lr": 3e-3}


class CaptioningModel(nn.Module):
    """``CaptioningModel(vocab_size, embed_dim=32, hidden_size=96, in_channels=3, width=16, pad_idx=0)``.

    ``forward(images, captions_in)`` → logits ``(N, L, vocab_size)``.
    """

    def __init__(self, vocab_size: int, embed_dim: int = 32, hidden_size: int = 96,
                 in_channels: int = 3, width: int = 16, pad_idx: int = 0):
        super().__init__()
        check_positive_ints(vocab_size=vocab_size, embed_dim=embed_dim, hidden_size=hidden_size, width=width)
        c = width
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4),
            nn.Flatten(), nn.Linear(2 * c * 16, hidden_size), nn.ReLU(),
        )
        self.init_h = nn.Linear(hidden_size, hidden_size)
        self.init_c = nn.Linear(hidden_size, hidden_size)
        self.merge = nn.Linear(hidden_size, hidden_size)
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_idx)
        self.lstm = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)
        self.pad_idx = pad_idx

    def init_state(self, images):
        """Image features ``f`` and the decoder's initial ``(h_0, c_0)``."""
        f = self.encoder(images)
        return f, (torch.tanh(self.init_h(f))[None], torch.tanh(self.init_c(f))[None])

    def _logits(self, lstm_out, f):
        return self.out(F.relu(lstm_out + self.merge(f)[:, None, :]))

    def forward(self, images, captions_in):
        f, state = self.init_state(images)
        out, _ = self.lstm(self.embed(captions_in), state)
        return self._logits(out, f)

    def loss(self, images, captions):
        """Cross-entropy of predicting ``captions[:, 1:]`` from ``captions[:, :-1]`` (padding ignored)."""
        logits = self.forward(images, captions[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), captions[:, 1:].reshape(-1),
                               ignore_index=self.pad_idx)

    def _step(self, tokens, state, f):
        out, state = self.lstm(self.embed(tokens)[:, None, :], state)
        return F.log_softmax(self._logits(out, f)[:, 0], dim=-1), state

    @torch.no_grad()
    def greedy_decode(self, images, start_id: int, end_id: int, max_len: int = 20):
        """Most probable word at every step; returns one list of word indices per image
        (without ``startseq`` and ``endseq``)."""
        self.eval()
        f, state = self.init_state(images)
        tokens = torch.full((images.shape[0],), start_id, dtype=torch.long, device=images.device)
        result = [[] for _ in range(images.shape[0])]
        done = torch.zeros(images.shape[0], dtype=torch.bool, device=images.device)
        for _ in range(max_len):
            logp, state = self._step(tokens, state, f)
            tokens = logp.argmax(dim=-1)
            for i in range(len(result)):
                if not done[i] and tokens[i].item() != end_id:
                    result[i].append(tokens[i].item())
            done |= tokens == end_id
            if done.all():
                break
        return result

    @torch.no_grad()
    def beam_search(self, image, start_id: int, end_id: int, beam_width: int = 3,
                    max_len: int = 20, length_penalty: float = 0.0):
        """Beam search for one image ``(C, H, W)``; returns ``(word indices, log-probability)``.

        Every step extends each live caption by every word and keeps the ``beam_width`` best
        candidates overall; a candidate that ends with ``endseq`` is finished. The winner
        maximises ``log p / length**length_penalty`` (0: the plain log-probability).
        """
        check_positive(beam_width, "beam_width", integer=True)
        self.eval()
        if image.dim() == 3:
            image = image[None]
        f, (h, c) = self.init_state(image)
        beams = [(0.0, [], (h, c))]  # (log-prob, words, state)
        finished = []
        for _ in range(max_len):
            tokens = torch.tensor([b[1][-1] if b[1] else start_id for b in beams],
                                  device=image.device)
            state = (torch.cat([b[2][0] for b in beams], dim=1),
                     torch.cat([b[2][1] for b in beams], dim=1))
            logp, (h, c) = self._step(tokens, state, f.expand(len(beams), -1))
            scores = torch.tensor([b[0] for b in beams], device=image.device)[:, None] + logp
            top = torch.topk(scores.flatten(), min(beam_width, scores.numel()))
            V = logp.shape[1]
            new_beams = []
            for score, flat in zip(top.values.tolist(), top.indices.tolist()):
                b, word = divmod(flat, V)
                if word == end_id:
                    finished.append((score, beams[b][1]))
                else:
                    new_beams.append((score, beams[b][1] + [word],
                                      (h[:, b : b + 1], c[:, b : b + 1])))
            beams = new_beams
            if not beams:
                break
        finished += [(s, words) for s, words, _ in beams]  # unfinished at max_len
        best = max(finished, key=lambda f: f[0] / max(len(f[1]) + 1, 1) ** length_penalty)
        return best[1], best[0]

    def caption(self, images, vocab, method: str = "greedy", beam_width: int = 3,
                max_len: int = 20) -> list[str]:
        """Captions as text for a batch of images (``method``: ``"greedy"`` or ``"beam"``)."""
        from dlbook.data.captions import decode_caption

        start, end = vocab["startseq"], vocab["endseq"]
        if method == "greedy":
            ids = self.greedy_decode(images, start, end, max_len)
        elif method == "beam":
            ids = [self.beam_search(im, start, end, beam_width, max_len)[0] for im in images]
        else:
            raise DlbookError(f"`method` phải là 'greedy' hoặc 'beam', không phải {method!r}.")
        return [decode_caption(i, vocab) for i in ids]


def train_captioner(model, images, captions, epochs: int = 12, batch_size: int = 32,
                    lr: float = 3e-3, device=None, seed: int = 0, progress: bool = True):
    """Adam with teacher forcing. ``captions``: ``(N, L)`` indices from ``encode_captions``
    (one caption per row; repeat an image once per caption). Returns the epoch losses."""
    return train_teacher_forced(
        model, images, captions, input_dtype=torch.float32, epochs=epochs,
        batch_size=batch_size, lr=lr, clip=5.0, device=device, seed=seed, progress=progress,
        desc="Huấn luyện mô hình mô tả ảnh",
        mismatch="Có {n_in} ảnh nhưng {n_out} câu mô tả; lặp lại ảnh cho mỗi câu.")
