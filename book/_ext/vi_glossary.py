"""Keep the glossary in Vietnamese alphabetical order.

Sphinx's ``:sorted:`` option sorts by code point (wrong for Vietnamese), so the glossary is kept
sorted by hand and this extension warns (an error under ``-W``) when a term is out of order or
defined twice.
"""

from __future__ import annotations

from sphinx import addnodes
from sphinx.util import logging

from vi_collation import vietnamese_sort_key

logger = logging.getLogger(__name__)


def check_glossary_order(app, doctree, docname):
    for glossary in doctree.findall(addnodes.glossary):
        terms = [
            term.astext() for term in glossary.findall(lambda n: n.tagname == "term")
        ]
        seen = set()
        for previous, term in zip([None] + terms[:-1], terms):
            key = term.lower()
            if key in seen:
                logger.warning("glossary: term %r is defined twice", term, location=docname)
            seen.add(key)
            if previous is not None and vietnamese_sort_key(previous) > vietnamese_sort_key(term):
                logger.warning(
                    "glossary: %r must come before %r (Vietnamese alphabetical order)",
                    term,
                    previous,
                    location=docname,
                )


def setup(app):
    app.connect("doctree-resolved", check_glossary_order)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
