"""Build a tiny, randomly initialised Qwen3-TTS checkpoint with qwen-tts's own classes.

The checkpoint has the real layout of a Hugging Face Qwen3-TTS-12Hz model folder, so it loads
through the normal ``Qwen3TTSModel.from_pretrained(folder)`` path (and, by design, through other
loaders of that layout such as mlx-audio):

    config.json  model.safetensors  generation_config.json        the talker (+ speaker encoder)
    tokenizer.json  vocab.json  merges.txt  tokenizer_config.json a small byte-level BPE tokenizer
    speech_tokenizer/config.json  model.safetensors  preprocessor_config.json   a tiny 12 Hz codec

Weights are random (seeded, so two builds are identical), the sizes are tiny (hidden size 32, one
layer), so the audio is noise: what the tests check is that every stage runs for real.

Sizes that look odd are chosen on purpose:
  * every codec (speech tokenizer decoder) and speaker-encoder channel count that a 1x1
    convolution reads is above 64: mlx-audio guesses the layout of convolution weights from their
    shape and would transpose smaller ones wrongly;
  * the codec keeps the real 12.5 Hz frame rate (1920 samples per code at 24 kHz), 16 code
    groups and a 4-stage Mimi encoder, because loaders hard-code those;
  * the talker's codec vocabulary is ``codebook + 1024`` (qwen-tts suppresses the top 1024 ids
    during sampling, except end-of-speech), and its special ids live in that top range.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

KINDS = ("base", "custom_voice", "voice_design")
SEED = 1234
SAMPLE_RATE = 24000
MAX_NEW_TOKENS = 16  # written to generation_config.json: random weights rarely say "stop"

_CODEBOOK = 64  # codes per code group
_GROUPS = 16
_HIDDEN = 32
_SPECIAL = {  # codec ids, all inside [_CODEBOOK, _CODEBOOK + 1024)
    "codec_pad_id": 164, "codec_bos_id": 165, "codec_eos_token_id": 166,
    "codec_think_id": 170, "codec_nothink_id": 171,
    "codec_think_bos_id": 172, "codec_think_eos_id": 173,
}
_LANGUAGES = {"chinese": 66, "english": 67, "german": 68, "french": 69, "japanese": 70}
_SPEAKERS = {"ryan": 200, "vivian": 201}  # custom_voice only; neither is a dialect speaker
_TEXT_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>",
                 "<|tts_pad|>", "<|tts_text_bos|>", "<|tts_text_eod|>"]
_CORPUS = [
    "system", "Hello, world.", "The quick brown fox jumps over the lazy dog.",
    "A right triangle has three sides.", "The square of the hypotenuse equals the sum.",
    "Standing waves form when two waves meet.", "Why is the sky blue? Light scatters.",
    "Speak in a calm, warm voice.", "A clear narrator voice, moderate pace.",
    "0 1 2 3 4 5 6 7 8 9 + - = ( ) , . ! ? ' \" : ;",
]


def build_tiny_qwen3_tts(folder: Path, kind: str = "base") -> Path:
    """Write a tiny Qwen3-TTS checkpoint of ``kind`` ("base" = voice clone, "custom_voice" =
    preset speakers, "voice_design" = voice description) into ``folder`` and return it.

    An existing complete build in ``folder`` is reused (``.complete`` marker), so callers can
    cache builds per session simply by passing the same folder."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    folder = Path(folder)
    marker = folder / ".complete"
    if marker.is_file() and marker.read_text() == kind:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    import torch

    tokenizer = _text_tokenizer()
    text_ids = {t: tokenizer.convert_tokens_to_ids(t) for t in _TEXT_SPECIAL}
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(SEED)
        _save_talker(folder, kind, tokenizer, text_ids)
        _save_speech_tokenizer(folder / "speech_tokenizer")
    finally:
        torch.random.set_rng_state(state)
    marker.write_text(kind)
    return folder


def _text_tokenizer():
    """A byte-level BPE tokenizer shaped like Qwen2's: same pre-tokenizer regex, the chat
    special tokens, and "assistant" / "user" as single tokens (qwen-tts slices the prompt
    ``<|im_start|>assistant\\n...`` by token positions)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    qwen2_split = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
                   r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(qwen2_split), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=_TEXT_SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    # the role words are frequent enough to become single tokens, as in the real vocabulary
    lines = [line for line in _CORPUS for _ in range(20)] + ["assistant", "user"] * 500
    tok.train_from_iterator(lines, trainer=trainer)
    return Qwen2TokenizerFast(tokenizer_object=tok, bos_token=None, eos_token="<|im_end|>",
                              pad_token="<|endoftext|>", unk_token=None, errors="replace",
                              model_max_length=32768)


def _save_talker(folder: Path, kind: str, tokenizer, text_ids: dict[str, int]) -> None:
    from qwen_tts.core.models import (Qwen3TTSConfig, Qwen3TTSForConditionalGeneration,
                                      Qwen3TTSProcessor)

    head_dim = _HIDDEN // 2
    talker = dict(
        vocab_size=_CODEBOOK + 1024, hidden_size=_HIDDEN, intermediate_size=2 * _HIDDEN,
        num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1, head_dim=head_dim,
        rope_scaling={"rope_type": "default", "mrope_section": [4, 2, 2], "interleaved": True},
        max_position_embeddings=4096, num_code_groups=_GROUPS,
        text_vocab_size=len(tokenizer), text_hidden_size=_HIDDEN,
        codec_language_id=dict(_LANGUAGES),
        spk_id=dict(_SPEAKERS) if kind == "custom_voice" else {},
        spk_is_dialect={s: False for s in _SPEAKERS} if kind == "custom_voice" else {},
        code_predictor_config=dict(
            vocab_size=_CODEBOOK, hidden_size=_HIDDEN, intermediate_size=2 * _HIDDEN,
            num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1, head_dim=head_dim,
            max_position_embeddings=64, num_code_groups=_GROUPS),
        **_SPECIAL,
    )
    speaker_encoder = dict(  # ECAPA-TDNN; its output is a talker input embedding
        mel_dim=128, enc_dim=_HIDDEN, enc_channels=[80, 80, 80, 80, 240],
        enc_kernel_sizes=[5, 3, 3, 3, 1], enc_dilations=[1, 2, 3, 4, 1],
        enc_attention_channels=72, enc_res2net_scale=4, enc_se_channels=72,
        sample_rate=SAMPLE_RATE)
    config = Qwen3TTSConfig(
        talker_config=talker, speaker_encoder_config=speaker_encoder,
        tokenizer_type="qwen3_tts_tokenizer_12hz", tts_model_size="0b6", tts_model_type=kind,
        im_start_token_id=text_ids["<|im_start|>"], im_end_token_id=text_ids["<|im_end|>"],
        tts_pad_token_id=text_ids["<|tts_pad|>"], tts_bos_token_id=text_ids["<|tts_text_bos|>"],
        tts_eos_token_id=text_ids["<|tts_text_eod|>"], architectures=["Qwen3TTSForConditionalGeneration"])
    model = Qwen3TTSForConditionalGeneration(config)
    model.save_pretrained(folder, safe_serialization=True)
    Qwen3TTSProcessor(tokenizer=tokenizer).save_pretrained(folder)

    saved = json.loads((folder / "config.json").read_text())
    # save_pretrained writes a model_type into the speaker encoder's sub-config, which the
    # speaker encoder config's constructor then rejects when the checkpoint is loaded
    saved.get("speaker_encoder_config", {}).pop("model_type", None)
    if kind != "base":  # the published CustomVoice / VoiceDesign configs carry no speaker encoder
        saved.pop("speaker_encoder_config", None)
    (folder / "config.json").write_text(json.dumps(saved, indent=2))
    (folder / "generation_config.json").write_text(json.dumps(dict(
        do_sample=True, top_k=50, top_p=1.0, temperature=0.9, repetition_penalty=1.05,
        subtalker_dosample=True, subtalker_top_k=50, subtalker_top_p=1.0,
        subtalker_temperature=0.9, max_new_tokens=MAX_NEW_TOKENS), indent=2))


def _save_speech_tokenizer(folder: Path) -> None:
    import torch
    from qwen_tts.core.tokenizer_12hz.configuration_qwen3_tts_tokenizer_v2 import (
        Qwen3TTSTokenizerV2Config)
    from qwen_tts.core.tokenizer_12hz.modeling_qwen3_tts_tokenizer_v2 import (
        Qwen3TTSTokenizerV2Model)
    from transformers import EncodecFeatureExtractor

    encoder = dict(  # Mimi: 24 kHz -> 4 conv stages (x960) -> 25 Hz -> stride 2 -> 12.5 Hz
        sampling_rate=SAMPLE_RATE, frame_rate=12.5, hidden_size=64, num_filters=8,
        num_residual_layers=1, upsampling_ratios=[8, 6, 5, 4], codebook_size=_CODEBOOK,
        codebook_dim=32, vector_quantization_hidden_dimension=32, num_quantizers=_GROUPS,
        num_semantic_quantizers=1, upsample_groups=64, num_hidden_layers=1,
        intermediate_size=128, num_attention_heads=2, num_key_value_heads=2, head_dim=32,
        sliding_window=250, max_position_embeddings=8000)
    decoder = dict(  # 12.5 Hz codes -> x(16*15) on the latent -> x8 in the decoder = 1920 samples
        codebook_size=_CODEBOOK, codebook_dim=160, hidden_size=_HIDDEN, latent_dim=64,
        num_attention_heads=2, num_key_value_heads=2, head_dim=16, intermediate_size=2 * _HIDDEN,
        num_hidden_layers=1, num_quantizers=_GROUPS, sliding_window=72,
        upsample_rates=[8], upsampling_ratios=[16, 15], decoder_dim=136,
        max_position_embeddings=8000)
    config = Qwen3TTSTokenizerV2Config(
        encoder_config=encoder, decoder_config=decoder, encoder_valid_num_quantizers=_GROUPS,
        input_sample_rate=SAMPLE_RATE, output_sample_rate=SAMPLE_RATE,
        decode_upsample_rate=1920, encode_downsample_rate=1920,
        architectures=["Qwen3TTSTokenizerV2Model"])
    model = Qwen3TTSTokenizerV2Model(config)
    with torch.no_grad():  # codebooks start as zeros: make codes matter
        for name, param in model.named_parameters():
            if name.endswith(("embedding_sum", "embed_sum")):
                param.copy_(torch.randn_like(param))
        for name, buf in model.named_buffers():
            if name.endswith(("embedding_sum", "embed_sum")):
                buf.copy_(torch.randn_like(buf))
    model.save_pretrained(folder, safe_serialization=True)
    EncodecFeatureExtractor(feature_size=1, sampling_rate=SAMPLE_RATE, padding_value=0.0,
                            ).save_pretrained(folder)
