"""The prose word count that the chapter-length rule uses."""

from __future__ import annotations

from bookutil import ROOT  # noqa: F401  (puts tools/ on sys.path)
from chapter_stats import prose_words


def test_code_math_and_front_matter_are_not_counted():
    text = (
        "---\njupytext: {}\n---\n"
        "Hai từ.\n\n"
        "```{code-cell} ipython3\n:tags: [hide-input]\nx = 1 + 2  # không đếm\n```\n\n"
        "```python\nprint('không đếm')\n```\n\n"
        "$$\na + b\n$$\n\n"
        "Ba từ $x$ nữa.\n"
    )
    assert prose_words(text) == 5


def test_prose_between_directives_is_counted():
    text = (
        "Một.\n\n"
        "```{glue:figure} fig\n:name: fig-a\n\nChú thích hình.\n```\n\n"
        "Đoạn văn ở giữa.\n\n"
        "```{code-cell} ipython3\nx = 1\n```\n\n"
        "Cuối.\n"
    )
    assert prose_words(text) == 1 + 3 + 4 + 1
