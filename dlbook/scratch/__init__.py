"""From-scratch numpy implementations of everything the book teaches (``dlbook.scratch``).

Phần 2–5: metrics and classic estimators (linear/logistic/softmax regression, KNN, K-means,
PCA), activations, losses, layers with forward/backward, a small ``Sequential`` network,
optimisers, initialisers, image operations and gradient checking. Each concept lives in its own
module; every public name is re-exported here.
"""

from dlbook._exports import exported_names as _exported_names
from dlbook.scratch.activations import (
    ACTIVATIONS,
    elu,
    elu_grad,
    leaky_relu,
    leaky_relu_grad,
    linear,
    linear_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_grad,
    swish,
    swish_grad,
    tanh,
    tanh_grad,
)
from dlbook.scratch.gradcheck import (
    check_layer_gradients,
    gradient_check,
    numerical_gradient,
    relative_error,
)
from dlbook.scratch.image import (
    KERNELS,
    adjust_brightness,
    convolve2d,
    crop,
    cutout,
    flip_horizontal,
    flip_vertical,
    random_crop,
    random_shift,
    rotate,
    scale,
    to_grayscale,
    translate,
)
from dlbook.scratch.init import he_normal, he_uniform, xavier_normal, xavier_uniform
from dlbook.scratch.kmeans import KMeans
from dlbook.scratch.knn import KNNClassifier
from dlbook.scratch.layers import (
    Activation,
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    LeakyReLU,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropy,
    Tanh,
    col2im,
    conv2d_backward_im2col,
    conv2d_backward_naive,
    conv2d_im2col,
    conv2d_naive,
    conv_output_size,
    im2col,
)
from dlbook.scratch.linear_regression import (
    LinearRegressionGD,
    LinearRegressionNormal,
    add_bias_column,
    normal_equation,
)
from dlbook.scratch.logistic_regression import LogisticRegressionGD, SoftmaxRegressionGD
from dlbook.scratch.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy_with_logits,
    huber_loss,
    log_softmax,
    mae_loss,
    mse_loss,
    one_hot,
)
from dlbook.scratch.metrics import (
    accuracy,
    adjusted_r2,
    auc,
    average_precision,
    bleu_score,
    confusion_matrix,
    dice_score,
    f1_score,
    iou_score,
    mae,
    mape,
    mean_average_precision,
    mode_coverage,
    mpe,
    mse,
    precision,
    r2_score,
    recall,
    rmse,
    roc_auc_score,
    roc_curve,
    sequence_accuracy,
    tpr_fpr,
)
from dlbook.scratch.network import Sequential
from dlbook.scratch.optim import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Momentum,
    Nesterov,
    Optimizer,
    RMSprop,
    optimize_2d,
)
from dlbook.scratch.pca import PCA
from dlbook.scratch.preprocessing import MinMaxScaler, StandardScaler, train_test_split

# Phần 6–8 (sequence, detection, attention) re-exports below
from dlbook.scratch.attention import (
    SCORE_FUNCTIONS,
    ScaledDotProductAttention,
    additive_score,
    attention,
    cosine_score,
    dot_score,
    general_score,
    location_score,
    masked_softmax,
    scaled_dot_score,
)
from dlbook.scratch.detection import (
    anchor_grid_shape,
    approx_anchor_centres,
    box_area,
    cxcywh_to_xyxy,
    generate_anchors,
    iou,
    nms,
    roi_bins,
    roi_max_pool,
    xyxy_to_cxcywh,
)
from dlbook.scratch.embeddings import (
    GloVe,
    SkipGramNS,
    Vocab,
    build_vocab,
    cbow_pairs,
    cooccurrence_matrix,
    cosine_similarity,
    nearest_words,
    skipgram_pairs,
    svd_embeddings,
    tokenize,
)
from dlbook.scratch.gru import GRUCell
from dlbook.scratch.lstm import LSTMCell
from dlbook.scratch.rnn import (
    RecurrentCell,
    RNNCell,
    SimpleRNN,
    jacobian_norms,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    step_jacobian,
)
from dlbook.scratch.layers.transposed_conv import (
    ConvTranspose2D,
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
    conv_transpose_output_size,
)
from dlbook.scratch.gan_metrics import frechet_distance, inception_score

# Phần 9 (Transformer): layer norm, attention forward/backward with masks, BPE
from dlbook.scratch.bpe import BPETokenizer, best_pair, merge_pair, pair_counts
from dlbook.scratch.layers.layernorm import LayerNorm, layer_norm_backward, layer_norm_forward
from dlbook.scratch.self_attention import (
    causal_mask,
    causal_self_attention,
    padding_mask,
    scaled_dot_product_attention_backward,
    scaled_dot_product_attention_forward,
)

# Phần 9 (chapter 26): language models
from dlbook.scratch.char_tokenizer import CharTokenizer
from dlbook.scratch.ngram import NGramLM

__all__ = _exported_names(globals())
