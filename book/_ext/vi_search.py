"""Vietnamese full-text search for Sphinx.

Sphinx has no ``vi`` search language: it falls back to English, whose stop words drop common
Vietnamese syllables ("to", "in", "no") and whose stemmer mangles them ("hay" -> "hai"). This
extension registers a Vietnamese search language with

- no stop words and no stemming (Vietnamese words do not inflect), and
- accent folding on both sides: the index stores "mạng nơ-ron" as ``mang``, ``no``, ``ron`` and the
  browser folds the query the same way, so a reader who types "mang no-ron" (as Vietnamese
  readers often do) finds the same pages as one who types "mạng nơ-ron".
"""

from __future__ import annotations

import unicodedata

from sphinx.search import SearchLanguage


def fold_accents(word: str) -> str:
    """Lower-case ``word`` and strip Vietnamese diacritics (đ -> d, ơ -> o, ạ -> a, ...)."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


# The browser-side twin of fold_accents: Sphinx's searchtools.js calls Stemmer().stemWord(word)
# on every query term before looking it up in the index.
_JS_STEMMER = r"""
/**
 * Vietnamese "stemmer": lower-case and fold diacritics, as book/_ext/vi_search.py does.
 */
var Stemmer = function() {
  this.stemWord = function(w) {
    return w.toLowerCase().replace(/đ/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  };
};
"""


class SearchVietnamese(SearchLanguage):
    lang = "vi"
    language_name = "Vietnamese"
    js_stemmer_code = _JS_STEMMER
    stopwords: set[str] = set()

    def stem(self, word: str) -> str:
        return fold_accents(word)

    def word_filter(self, word: str) -> bool:
        return len(word) > 0


def setup(app):
    app.add_search_language(SearchVietnamese)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
