"""PyTorch models of the book: regression models, MLP and the classic CNN architectures.

Each architecture is a function returning an ``nn.Module`` (``alexnet(num_classes=1000)``), and
the tests compare every parameter count with the published figure.
"""

from dlbook._exports import exported_names as _exported_names
from dlbook.nn.alexnet import alexnet
from dlbook.nn.efficientnet import MBConv, SqueezeExcitation, efficientnet_b0
from dlbook.nn.googlenet import GoogLeNet, InceptionBlock, googlenet
from dlbook.nn.lenet import lenet5
from dlbook.nn.mlp import mlp
from dlbook.nn.mobilenet import InvertedResidual, mobilenet_v2
from dlbook.nn.regression import LinearRegression, LogisticRegression
from dlbook.nn.resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from dlbook.nn.small_cnn import small_cnn
from dlbook.nn.steering import PixelNormalize, steering_net
from dlbook.nn.summary import count_parameters, parameter_table
from dlbook.nn.vgg import VGG, vgg11, vgg13, vgg16, vgg19

# Phần 6–8 re-exports below
from dlbook.nn.captioning import CAPTIONING_DEFAULTS, CaptioningModel, bleu_score, train_captioner
from dlbook.nn.detector import (
    DETECTOR_DEFAULTS,
    GridDetector,
    average_precision,
    decode_predictions,
    detection_loss,
    encode_targets,
    mean_average_precision,
    train_detector,
    yolo_filters,
)
from dlbook.nn.gan import (
    GAN_DEFAULTS,
    ConditionalDiscriminator,
    ConditionalGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    Discriminator2D,
    Generator2D,
    digits_for_gan,
    gan_train_step,
    mode_coverage,
    ring_of_gaussians,
    train_gan,
)
from dlbook.nn.seq2seq import SEQ2SEQ_DEFAULTS, Seq2SeqAttention, sequence_accuracy, train_seq2seq
from dlbook.nn.sequence import SEQUENCE_DEFAULTS, SequenceRegressor, train_regressor
from dlbook.nn.transformer import MultiHeadSelfAttention, TransformerEncoderBlock, positional_encoding
from dlbook.nn.unet import UNET_DEFAULTS, UNet, dice_loss, dice_score, iou_score, train_segmenter

# Phần 9 (chapter 27): diffusion
from dlbook.nn.ddpm import (
    NoisePrediction,
    NoiseSchedule,
    cosine_beta_schedule,
    ddpm_loss,
    epsilon_mse,
    linear_beta_schedule,
    p_sample_step,
    q_sample,
    sample,
)

# Phần 9 (chapter 27): VAE, ε-prediction networks, chapter 24's digit judge
from dlbook.nn.denoisers import DigitDenoiser, PointDenoiser, timestep_embedding
from dlbook.nn.digit_judge import DigitJudge
from dlbook.nn.vae import (
    VAE,
    Autoencoder,
    VAEOutput,
    gaussian_kl,
    gaussian_nll,
    reconstruction_loss,
    reconstruction_objective,
    vae_loss,
    vae_objective,
)

# Phần 9 (chapter 25): encoder–decoder Transformer, Vision Transformer, training through fit
from dlbook.nn.seq2seq_transformer import TRANSFORMER_DEFAULTS, Seq2SeqTransformer
from dlbook.nn.seq2seq_fit import (
    TeacherForcing,
    sequence_cross_entropy,
    teacher_forcing_pairs,
    token_accuracy,
)
from dlbook.nn.transformer import MultiHeadAttention, TransformerDecoderBlock, generate_causal_mask
from dlbook.nn.vit import PatchEmbedding, VisionTransformer

# Phần 9 (chapter 26): decoder-only language model and decoding strategies
from dlbook.nn.gpt import GPT, CausalSelfAttention, GPTBlock, lm_loss
from dlbook.nn.sampling import entropy, sample_next_token, top_k_filter, top_p_filter

__all__ = _exported_names(globals())
