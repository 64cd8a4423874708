"""A small original Vietnamese corpus for the word-embedding chapter (co-occurrence, word2vec).

The sentences are generated from hand-written templates, so words of one topic (animals,
fruit, vehicles, cities, jobs, colours) share their contexts and end up close in an embedding
space trained on it. Vietnamese words of several syllables are joined with ``_``
(``ô_tô``, ``hà_nội``), as a word segmenter such as VnCoreNLP or underthesea outputs them, so
splitting on spaces gives words, not syllables.

``VIETNAMESE_CORPUS`` (a tuple of sentences) and ``CORPUS_TOPICS`` (topic → words) are fixed:
built once with seed 0, identical on every machine.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import check_positive

__all__ = ["CORPUS_TOPICS", "VIETNAMESE_CORPUS", "make_vietnamese_corpus", "tokenize_vi"]

CORPUS_TOPICS: dict[str, tuple[str, ...]] = {
    "động vật": ("chó", "mèo", "gà", "vịt", "lợn", "bò", "trâu", "ngựa"),
    "trái cây": ("cam", "xoài", "chuối", "táo", "bưởi", "ổi", "nho", "dưa_hấu"),
    "phương tiện": ("xe_máy", "ô_tô", "xe_đạp", "xe_buýt", "tàu_hỏa", "máy_bay", "thuyền"),
    "thành phố": ("hà_nội", "huế", "đà_nẵng", "sài_gòn", "hải_phòng", "cần_thơ", "nha_trang"),
    "nghề nghiệp": ("bác_sĩ", "giáo_viên", "kỹ_sư", "nông_dân", "y_tá", "công_nhân", "luật_sư"),
    "màu sắc": ("đỏ", "xanh", "vàng", "trắng", "đen", "tím", "hồng"),
}

# Each template has one slot {w} for a word of its topic and may name other topics in other
# slots ({animal}, {fruit}, ...), which keeps the sentences varied without mixing contexts.
_TEMPLATES: dict[str, tuple[str, ...]] = {
    "động vật": (
        "nhà tôi nuôi một con {w}",
        "con {w} đứng một mình ngoài đồng",
        "con {w} chạy quanh sân suốt buổi sáng",
        "bà cho con {w} ăn mỗi ngày",
        "tiếng con {w} kêu làm em bé thức giấc",
        "con {w} nằm ngủ dưới gốc cây",
        "ông tôi chăm con {w} rất cẩn_thận",
        "con {w} của hàng_xóm rất béo",
    ),
    "trái cây": (
        "mẹ mua {w} ở chợ",
        "quả {w} này ngọt và thơm",
        "tôi thích ăn {w} chín",
        "vườn nhà bà trồng nhiều {w}",
        "chị bày {w} ra đĩa mời khách",
        "nước ép {w} rất tốt cho sức_khỏe",
        "mùa này {w} chín rộ và rẻ",
        "em bé ăn {w} rất ngon miệng",
    ),
    "phương tiện": (
        "anh ấy thường đi {w}",
        "chiếc {w} này đi rất nhanh",
        "chúng tôi đi {w} về quê",
        "giá {w} dạo này tăng",
        "em bé vẽ một chiếc {w}",
        "đi {w} đến {city} mất nhiều giờ",
        "trong sách có hình chiếc {w}",
        "tôi ngồi trên {w} nhìn ra ngoài",
    ),
    "thành phố": (
        "tôi sinh ra và lớn lên ở {w}",
        "chúng tôi du_lịch {w} vào mùa hè",
        "{w} là một thành_phố đẹp",
        "gia_đình tôi chuyển đến {w} năm ngoái",
        "món ăn ở {w} rất ngon",
        "bạn tôi đang sống ở {w}",
        "đường_phố {w} đông đúc vào buổi tối",
        "tuần sau tôi bay đến {w} công_tác",
    ),
    "nghề nghiệp": (
        "cô ấy là {w}",
        "anh trai tôi làm {w} đã mười năm",
        "người {w} làm_việc rất chăm_chỉ",
        "ước_mơ của em là trở_thành {w}",
        "bố mẹ muốn con làm {w}",
        "nghề {w} cần nhiều kiên_nhẫn",
        "người {w} ấy sống ở {city}",
        "hôm_nay {w} về nhà muộn",
    ),
    "màu sắc": (
        "chiếc áo màu {w} rất đẹp",
        "cô ấy thích màu {w}",
        "bức tường được sơn màu {w}",
        "bông hoa màu {w} nở trong vườn",
        "em chọn chiếc mũ màu {w}",
        "lá cờ có màu {w}",
        "tôi mua đôi giày màu {w}",
        "màu {w} hợp với mùa hè",
    ),
}

_SLOTS = {"{city}": "thành phố"}


def make_vietnamese_corpus(sentences_per_word: int = 8, seed: int = 0) -> tuple[str, ...]:
    """Generate the corpus: each topic word appears in ``sentences_per_word`` template sentences.

    Templates are drawn without replacement per word, so every word is seen in varied
    contexts; the sentence order is shuffled with ``seed``.
    """
    check_positive(sentences_per_word, "sentences_per_word", integer=True)
    rng = np.random.default_rng(seed)
    sentences = []
    for topic, words in CORPUS_TOPICS.items():
        templates = _TEMPLATES[topic]
        for word in words:
            picks = rng.permutation(len(templates))
            for k in range(sentences_per_word):
                sentence = templates[picks[k % len(templates)]].replace("{w}", word)
                for slot, other in _SLOTS.items():
                    while slot in sentence:
                        choice = CORPUS_TOPICS[other][rng.integers(len(CORPUS_TOPICS[other]))]
                        sentence = sentence.replace(slot, choice, 1)
                sentences.append(sentence)
    order = rng.permutation(len(sentences))
    return tuple(sentences[i] for i in order)


def tokenize_vi(sentence: str) -> list[str]:
    """Lower-case and split on spaces (compound words are already joined with ``_``)."""
    return sentence.lower().split()


VIETNAMESE_CORPUS: tuple[str, ...] = make_vietnamese_corpus()
