"""The table of contents and the files under book/ agree."""

from bookutil import BOOK, ROOT, toc_files


def test_every_toc_entry_exists():
    missing = [f for f in toc_files() if not (ROOT / f"{f}.md").exists()]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_page_under_book_is_in_the_toc():
    listed = {f"{f}.md" for f in toc_files()}
    pages = {
        str(p.relative_to(ROOT))
        for p in BOOK.rglob("*.md")
        if not any(part.startswith("_") for part in p.relative_to(BOOK).parts)
    }
    orphans = sorted(pages - listed)
    assert not orphans, f"pages under book/ missing from _toc.yml: {orphans}"


def test_toc_lists_no_file_twice():
    files = toc_files()
    assert len(files) == len(set(files)), "a file appears twice in _toc.yml"


def test_chapters_are_in_numeric_order():
    chapters = [f for f in toc_files() if f.startswith("book/p")]
    numbers = [int(f.split("/")[-1].split("-")[0]) for f in chapters]
    assert numbers == sorted(numbers), f"chapters out of order in _toc.yml: {chapters}"
