"""The Vietnamese search language folds accents the same way on the index and the query side."""

import vi_search


def test_folding_removes_vietnamese_diacritics():
    assert vi_search.fold_accents("Mạng nơ-ron tích chập") == "mang no-ron tich chap"
    assert vi_search.fold_accents("Đạo hàm") == "dao ham"
    assert vi_search.fold_accents("ướt ẩm ỹ") == "uot am y"


def test_index_keeps_short_syllables_and_common_words():
    lang = vi_search.SearchVietnamese({})
    words = [lang.stem(w) for w in lang.split("Hàm to và nơ-ron in hay")]
    assert words == ["ham", "to", "va", "no", "ron", "in", "hay"]
    assert all(lang.word_filter(w) for w in words)


def test_browser_stemmer_folds_like_the_index(tmp_path):
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "node is needed to run the search stemmer (it is on every machine of this project)"
    script = tmp_path / "stem.js"
    script.write_text(
        vi_search._JS_STEMMER
        + "\nconst s = new Stemmer();\n"
        + "console.log(['Mạng','nơ','Đạo','hàm','ướt','ỹ'].map(w => s.stemWord(w)).join(' '));\n",
        encoding="utf-8",
    )
    out = subprocess.run([node, str(script)], capture_output=True, text=True, check=True).stdout
    assert out.split() == [vi_search.fold_accents(w) for w in ["Mạng", "nơ", "Đạo", "hàm", "ướt", "ỹ"]]
