"""Benchmark of the Phần 6–8 models (chapters 16–24) on their generated data.

Trains every model with the recommended settings of its module (``DETECTOR_DEFAULTS``,
``UNET_DEFAULTS``, ...) and prints the result metric and the wall time, so that chapter writers
know what a reader sees within the 2-minute budget of a chapter. No asserts: figures only.

    .venv/bin/python bench/bench_part678.py                 # everything
    .venv/bin/python bench/bench_part678.py --only seq2seq  # one model
    .venv/bin/python bench/bench_part678.py --threads 1     # torch.set_num_threads(1)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def _timer():
    start = time.perf_counter()
    return lambda: time.perf_counter() - start


def bench_word2vec():
    from dlbook.data.corpus import CORPUS_TOPICS, VIETNAMESE_CORPUS
    from dlbook.scratch.embeddings import GloVe, SkipGramNS, cosine_similarity

    t = _timer()
    model = SkipGramNS(dim=30, epochs=30, seed=0).fit(VIETNAMESE_CORPUS)
    secs = t()
    topics = list(CORPUS_TOPICS.values())
    within, between = [], []
    for a, wa in enumerate(topics):
        for b, wb in enumerate(topics):
            S = cosine_similarity(model.W_in_[model.vocab_.encode(wa)], model.W_in_[model.vocab_.encode(wb)])
            (within if a == b else between).append(S[~np.eye(len(wa), dtype=bool)].mean() if a == b else S.mean())
    tg = _timer()
    glove = GloVe(dim=20, epochs=100).fit(VIETNAMESE_CORPUS)
    glove_secs = tg()
    return (f"skip-gram loss {model.history_[0]:.2f} → {model.history_[-1]:.2f}; mean cosine within topic "
            f"{np.mean(within):.2f} vs between {np.mean(between):.2f}; "
            f"nearest to 'chó': {[w for w, _ in model.most_similar('chó', 3)]}; GloVe ({glove_secs:.1f} s) "
            f"nearest to 'huế': {[w for w, _ in glove.most_similar('huế', 3)]}"), secs


def bench_detector():
    from dlbook.data.detection_data import make_shapes_detection
    from dlbook.nn.detector import (DETECTOR_DEFAULTS as C, GridDetector, decode_predictions,
                                    mean_average_precision, train_detector)

    torch.manual_seed(0)
    train = make_shapes_detection(C["n_images"], C["image_size"], seed=0)
    test = make_shapes_detection(200, C["image_size"], seed=1)
    t = _timer()
    model = GridDetector(3, C["grid_size"], C["image_size"], width=C["width"])
    train_detector(model, train.X, train.y, C["epochs"], C["batch_size"], C["lr"], progress=False)
    secs = t()
    with torch.no_grad():
        pred = model(torch.tensor(test.X))
    m05, aps = mean_average_precision(decode_predictions(pred, C["image_size"], 0.05), test.y, 3)
    m_disp, _ = mean_average_precision(decode_predictions(pred, C["image_size"], 0.3), test.y, 3)
    return (f"mAP@0.5 = {m05:.3f} (conf ≥ 0.05; {m_disp:.3f} with conf ≥ 0.3), per class "
            + ", ".join(f"{train.class_names[c]} {ap:.2f}" for c, ap in aps.items())
            + f"; {sum(p.numel() for p in model.parameters()):,} parameters"), secs


def bench_unet():
    from dlbook.data.segmentation_data import make_segmentation_masks
    from dlbook.nn.unet import UNET_DEFAULTS as C, UNet, dice_score, iou_score, train_segmenter

    torch.manual_seed(0)
    train = make_segmentation_masks(C["n_images"], C["image_size"], seed=0)
    test = make_segmentation_masks(100, C["image_size"], seed=1)
    t = _timer()
    model = UNet(1, 1, C["base_channels"], C["depth"])
    train_segmenter(model, train.X, train.y, C["epochs"], C["batch_size"], C["lr"], progress=False)
    secs = t()
    with torch.no_grad():
        p = torch.sigmoid(model(torch.tensor(test.X)))
    base = dice_score(test.X > 0.5, test.y)
    return (f"Dice {dice_score(p, test.y):.3f}, IoU {iou_score(p, test.y):.3f} "
            f"(brightness threshold baseline: Dice {base:.3f})"), secs


def bench_sequence():
    from dlbook.data.series import make_forecasting_data, make_time_series
    from dlbook.nn.sequence import SEQUENCE_DEFAULTS as C, SequenceRegressor, train_regressor

    _, prices = make_time_series(C["n"], seed=0)
    d = make_forecasting_data(prices, C["window"])
    naive = np.sqrt(np.mean((d.inverse(d.naive_test) - d.inverse(d.y_test)) ** 2))
    parts, total = [], 0.0
    for cell in ("rnn", "lstm", "gru"):
        torch.manual_seed(0)
        t = _timer()
        model = SequenceRegressor(1, C["hidden_size"], C["num_layers"], cell)
        train_regressor(model, d.X_train, d.y_train, C["epochs"], C["batch_size"], C["lr"],
                        progress=False)
        secs = t()
        total += secs
        with torch.no_grad():
            pred = model(torch.tensor(d.X_test, dtype=torch.float32)).numpy()
        rmse = np.sqrt(np.mean((d.inverse(pred) - d.inverse(d.y_test)) ** 2))
        parts.append(f"{cell} {rmse:.4f} ({secs:.0f} s)")
    return f"test RMSE of log-returns: {', '.join(parts)}; naive (no change) {naive:.4f}", total


def bench_captioning():
    from dlbook.data.captions import build_caption_vocab, encode_captions, make_captioned_images
    from dlbook.nn.captioning import (CAPTIONING_DEFAULTS as C, CaptioningModel, bleu_score,
                                      train_captioner)

    torch.manual_seed(0)
    train = make_captioned_images(C["n_images"], C["image_size"], seed=0)
    test = make_captioned_images(200, C["image_size"], seed=1)
    vocab = build_caption_vocab(train.y)
    images = np.repeat(train.X, 3, axis=0)
    caps = encode_captions([c for group in train.y for c in group], vocab)
    t = _timer()
    model = CaptioningModel(len(vocab), C["embed_dim"], C["hidden_size"])
    train_captioner(model, images, caps, C["epochs"], C["batch_size"], C["lr"], progress=False)
    secs = t()
    X = torch.tensor(test.X)
    out = []
    for method in ("greedy", "beam"):
        tb = _timer()
        hyp = model.caption(X, vocab, method, beam_width=3)
        exact = np.mean([h in refs for h, refs in zip(hyp, test.y)])
        out.append(f"{method}: exact {exact:.3f}, BLEU-1 {bleu_score(test.y, hyp, 1):.3f}, "
                   f"BLEU-4 {bleu_score(test.y, hyp, 4):.3f} ({tb():.1f} s for 200)")
        if method == "greedy":
            example = f"e.g. '{hyp[0]}'"
    return "; ".join(out) + f"; {example}", secs


def bench_seq2seq():
    from dlbook.data.dates import encode_date_pairs, make_vietnamese_dates
    from dlbook.nn.seq2seq import SEQ2SEQ_DEFAULTS as C, Seq2SeqAttention, sequence_accuracy, train_seq2seq

    train = make_vietnamese_dates(C["n_train"], seed=0)
    test = make_vietnamese_dates(500, seed=1)
    src, tgt, sv, tv = encode_date_pairs(*train)
    src_t, tgt_t, _, _ = encode_date_pairs(*test, sv, tv)
    parts, total = [], 0.0
    for attention in ("additive", "dot", None):
        torch.manual_seed(0)
        t = _timer()
        model = Seq2SeqAttention(len(sv), len(tv), C["embed_dim"], C["hidden_size"], C["cell"],
                                 attention)
        train_seq2seq(model, src, tgt, C["epochs"], C["batch_size"], C["lr"], progress=False)
        secs = t()
        total += secs
        pred, _ = model.translate(torch.tensor(src_t), tv["<s>"], tv["</s>"], 12)
        acc = sequence_accuracy(pred.numpy(), tgt_t[:, 1:], tv["</s>"])
        parts.append(f"{attention or 'no attention'} {acc:.3f} ({secs:.0f} s)")
    return f"exact-match accuracy on 500 new dates: {', '.join(parts)}", total


def bench_gan_2d():
    from dlbook.nn.gan import GAN_DEFAULTS, Discriminator2D, Generator2D, mode_coverage, ring_of_gaussians, train_gan

    C = GAN_DEFAULTS["2d"]
    torch.manual_seed(0)
    x, centres = ring_of_gaussians(C["n"], seed=0)
    t = _timer()
    G, D = Generator2D(C["latent_dim"], C["hidden"]), Discriminator2D(2, C["hidden"])
    h = train_gan(G, D, x, C["epochs"], C["batch_size"], C["lr"], progress=False)
    secs = t()
    with torch.no_grad():
        s = G(torch.randn(2000, C["latent_dim"]))
    modes, quality = mode_coverage(s, centres)
    return (f"{modes}/8 modes covered, {quality:.0%} of samples within 3σ of a mode; "
            f"final D(real) {h['d_real'][-1]:.2f}, D(fake) {h['d_fake'][-1]:.2f}"), secs


def _digit_classifier():
    from sklearn.linear_model import LogisticRegression

    from dlbook.nn.gan import digits_for_gan

    X, y = digits_for_gan()
    clf = LogisticRegression(max_iter=3000).fit(X.reshape(len(X), -1).numpy(), y.numpy())
    return X, y, clf


def bench_dcgan():
    from dlbook.nn.gan import GAN_DEFAULTS, DCGANDiscriminator, DCGANGenerator, train_gan

    C = GAN_DEFAULTS["dcgan"]
    X, _, clf = _digit_classifier()
    torch.manual_seed(0)
    t = _timer()
    G = DCGANGenerator(C["latent_dim"], C["image_size"], base_channels=C["base_channels"])
    D = DCGANDiscriminator(C["image_size"], base_channels=C["base_channels"])
    train_gan(G, D, X, C["epochs"], C["batch_size"], C["lr"], progress=False)
    secs = t()
    with torch.no_grad():
        s = G(torch.randn(1000, C["latent_dim"]))
    p = clf.predict_proba(s.reshape(1000, -1).numpy())
    counts = np.bincount(p.argmax(1), minlength=10)
    return (f"classifier confidence on samples {p.max(1).mean():.2f} (real digits "
            f"{clf.predict_proba(X.reshape(len(X), -1).numpy()).max(1).mean():.2f}); predicted "
            f"digit counts {counts.tolist()}; pixel mean/std {s.mean():.2f}/{s.std():.2f} "
            f"(data {X.mean():.2f}/{X.std():.2f})"), secs


def bench_cgan():
    from dlbook.nn.gan import GAN_DEFAULTS, ConditionalDiscriminator, ConditionalGenerator, train_gan

    C = GAN_DEFAULTS["dcgan"]
    X, y, clf = _digit_classifier()
    torch.manual_seed(0)
    t = _timer()
    G = ConditionalGenerator(C["latent_dim"], 10, C["image_size"], base_channels=C["base_channels"])
    D = ConditionalDiscriminator(10, C["image_size"], base_channels=C["base_channels"])
    train_gan(G, D, X, C["epochs"], C["batch_size"], C["lr"], labels=y, progress=False)
    secs = t()
    labels = torch.arange(10).repeat(100)
    with torch.no_grad():
        s = G(torch.randn(1000, C["latent_dim"]), labels)
    acc = (clf.predict(s.reshape(1000, -1).numpy()) == labels.numpy()).mean()
    return f"samples read as the requested digit by a logistic regression: {acc:.1%}", secs


BENCHES = {
    "word2vec": bench_word2vec,
    "detector": bench_detector,
    "unet": bench_unet,
    "sequence": bench_sequence,
    "captioning": bench_captioning,
    "seq2seq": bench_seq2seq,
    "gan2d": bench_gan_2d,
    "dcgan": bench_dcgan,
    "cgan": bench_cgan,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(BENCHES), action="append")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    for name in args.only or BENCHES:
        result, secs = BENCHES[name]()
        print(f"{name:>10}: {secs:6.1f} s training | {result}", flush=True)


if __name__ == "__main__":
    main()
