"""PyTorch models of the book: regression models, MLP and the classic CNN architectures.

Each architecture is a function returning an ``nn.Module`` (``alexnet(num_classes=1000)``), and
the tests compare every parameter count with the published figure.
"""

# Phần 6–8 re-exports below
