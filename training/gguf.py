"""The shipped model as a GGUF file, for llama.cpp (the peer in bench/llama-peer.ts), written by hand: no
PyPI package is reachable here, and the format is small.

    /usr/bin/python3 training/gguf.py --checkpoint models/cot-sc-gpt2-tiny/pytorch_checkpoint.pt \\
        --out /tmp/cot-sc-gpt2-tiny-f32.gguf [--type f32|f16|q8_0] [--tokenizer models/cot-sc-gpt2-tiny/tokenizer.json]
    /usr/bin/python3 training/gguf.py --inspect /tmp/cot-sc-gpt2-tiny-f32.gguf

The layout follows ggml's docs/gguf.md (version 3, little-endian): the magic "GGUF", the version, the
tensor and key-value counts, the typed key-values, one info per tensor (name, dimensions fastest first, type,
offset into the data section), padding to `general.alignment`, then each tensor's data, each start aligned.

The model is llama.cpp's "gpt2" architecture (src/models/gpt2.cpp): token_embd, position_embd,
blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm, ffn_up, ffn_down} with biases, output_norm. No `output`
tensor: llama.cpp falls back to token_embd when it is missing, which is our tied LM head. llama.cpp's GELU
is the tanh approximation, the training tool's `gelu_tanh`.

The vocabulary is llama.cpp's "llama" (SentencePiece) model with no merges, which is what our tokenizer is:
one token per character, UTF-8 byte fallback through `<0xNN>` tokens (type BYTE), `<|endoftext|>` as BOS and
EOS (type CONTROL), no BOS added, no space prefix. The space token is written as SentencePiece's "▁" (U+2581):
llama.cpp's SPM tokenizer turns spaces into it before lookup, and back when detokenizing, so llama.cpp
tokenizes text into our ids.

Types (`--type`), as llama.cpp's convert_hf_to_gguf.py assigns them: 1-D tensors (norms, biases) and
position_embd stay F32; the 2-D weights (the four per-layer matmuls and token_embd, which is also the LM head)
become F16, or Q8_0 (blocks of 32 weights along a row: an f16 scale max|w|/127, then 32 int8).
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

import numpy as np

ALIGNMENT = 32
GGUF_VERSION = 3
QK8_0 = 32

# ggml_type (ggml/include/ggml.h)
GGML_TYPE = {"f32": 0, "f16": 1, "q8_0": 8}
GGML_TYPE_NAME = {v: k for k, v in GGML_TYPE.items()}
# general.file_type (llama_ftype): ALL_F32, MOSTLY_F16, MOSTLY_Q8_0
FILE_TYPE = {"f32": 0, "f16": 1, "q8_0": 7}
# GGML_QNT_VERSION: required once any tensor is quantized
QUANTIZATION_VERSION = 2

# gguf_type, the key-value types
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
SCALAR_FORMAT = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i", FLOAT32: "<f",
                 BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}

# llama_token_type (llama.h)
TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_BYTE = 1, 3, 6
SPM_SPACE = "\u2581"


# ---- writing

def encode_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def encode_value(kind: int, value) -> bytes:
    if kind == STRING:
        return encode_string(value)
    if kind == ARRAY:
        element_kind, values = value
        head = struct.pack("<IQ", element_kind, len(values))
        if element_kind == STRING:
            return head + b"".join(encode_string(v) for v in values)
        return head + np.asarray(values, dtype=np.dtype(SCALAR_FORMAT[element_kind])).tobytes()
    return struct.pack(SCALAR_FORMAT[kind], value)


def quantize_q8_0(rows: np.ndarray) -> bytes:
    """Rows of float32 weights → Q8_0 blocks, as ggml's quantize_row_q8_0_ref: per 32 weights, d = max|w| / 127
    stored as f16, then round(w / d) as int8 (rounding half away from zero, C's roundf)."""
    blocks = rows.astype(np.float32).reshape(-1, QK8_0)  # [blocks, 32]
    scale = np.abs(blocks).max(axis=1) / 127.0  # [blocks]
    inverse = np.divide(1.0, scale, out=np.zeros_like(scale), where=scale != 0)
    scaled = blocks * inverse[:, None]
    quants = (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int8)
    packed = np.empty(len(blocks), dtype=[("d", "<f2"), ("qs", "i1", (QK8_0,))])  # 34 bytes a block
    packed["d"] = scale.astype(np.float16)
    packed["qs"] = quants
    return packed.tobytes()


def tensor_bytes(array: np.ndarray, ggml_type: int) -> bytes:
    if ggml_type == GGML_TYPE["f32"]:
        return array.astype("<f4").tobytes()
    if ggml_type == GGML_TYPE["f16"]:
        return array.astype("<f2").tobytes()
    return quantize_q8_0(array)


def pad(length: int) -> int:
    return (ALIGNMENT - length % ALIGNMENT) % ALIGNMENT


def write_gguf(path: str, metadata: list[tuple[str, int, object]], tensors: list[tuple[str, np.ndarray, int]]) -> None:
    """metadata: (key, gguf type, value); an array's value is (element type, values). tensors: (name, array in
    PyTorch's row-major shape, ggml type); GGUF lists dimensions fastest first, so a [rows, columns] array
    is written as ne = [columns, rows]."""
    header = b"GGUF" + struct.pack("<IQQ", GGUF_VERSION, len(tensors), len(metadata))
    header += b"".join(encode_string(key) + struct.pack("<I", kind) + encode_value(kind, value) for key, kind, value in metadata)
    infos = b""
    data = b""
    for name, array, ggml_type in tensors:
        if ggml_type == GGML_TYPE["q8_0"] and array.shape[-1] % QK8_0:
            raise ValueError(f"{name}: rows of {array.shape[-1]} do not split into Q8_0 blocks of {QK8_0}")
        dims = list(reversed(array.shape))
        infos += encode_string(name) + struct.pack(f"<I{len(dims)}QIQ", len(dims), *dims, ggml_type, len(data))
        data += tensor_bytes(array, ggml_type)
        data += b"\0" * pad(len(data))
    head = header + infos
    with open(path, "wb") as f:
        f.write(head + b"\0" * pad(len(head)) + data)


# ---- the model

def gguf_tensors(state: dict, config: dict, weight_type: str) -> list[tuple[str, np.ndarray, int]]:
    """The checkpoint's state dict under llama.cpp's gpt2 names. nn.Linear weights are [out, in], which is
    ggml's {in, out} (ne0 = in) that llama.cpp's mul_mat takes; they are written as they are."""
    matmul_type = GGML_TYPE[weight_type]
    f32 = GGML_TYPE["f32"]

    def array(key: str) -> np.ndarray:
        return state[key].detach().cpu().float().numpy()

    tensors = [
        ("token_embd.weight", array("wte.weight"), matmul_type),  # also the output head (tied)
        ("position_embd.weight", array("wpe.weight"), f32),
        ("output_norm.weight", array("ln_f.weight"), f32),
        ("output_norm.bias", array("ln_f.bias"), f32),
    ]
    parts = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "ln_2": "ffn_norm",
             "c_fc": "ffn_up", "c_proj": "ffn_down"}
    for layer in range(config["n_layer"]):
        for ours, theirs in parts.items():
            weight = array(f"h.{layer}.{ours}.weight")
            tensors.append((f"blk.{layer}.{theirs}.weight", weight, matmul_type if weight.ndim == 2 else f32))
            tensors.append((f"blk.{layer}.{theirs}.bias", array(f"h.{layer}.{ours}.bias"), f32))
    return tensors


def vocabulary(tokenizer_path: str) -> tuple[list[str], list[int]]:
    with open(tokenizer_path, encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    tokens = [""] * len(vocab)
    for text, index in vocab.items():
        tokens[index] = text
    if sorted(vocab.values()) != list(range(len(vocab))):
        raise ValueError(f"{tokenizer_path}: token ids are not 0..{len(vocab) - 1}")
    if SPM_SPACE in vocab:
        raise ValueError(f"{tokenizer_path}: has a {SPM_SPACE!r} token, which SentencePiece reserves for the space")
    types = []
    for index, text in enumerate(tokens):
        if index == 0:
            types.append(TOKEN_CONTROL)
        elif len(text) == 6 and text.startswith("<0x") and text.endswith(">"):
            types.append(TOKEN_BYTE)
        else:
            types.append(TOKEN_NORMAL)
    return [SPM_SPACE if t == " " else t for t in tokens], types


def gguf_metadata(config: dict, hf_config: dict, tokens: list[str], token_types: list[int], weight_type: str) -> list[tuple[str, int, object]]:
    metadata: list[tuple[str, int, object]] = [
        ("general.architecture", STRING, "gpt2"),
        ("general.name", STRING, "cot-sc-gpt2-tiny"),
        ("general.alignment", UINT32, ALIGNMENT),
        ("general.file_type", UINT32, FILE_TYPE[weight_type]),
    ]
    if weight_type == "q8_0":
        metadata.append(("general.quantization_version", UINT32, QUANTIZATION_VERSION))
    metadata += [
        ("gpt2.context_length", UINT32, config["n_positions"]),
        ("gpt2.embedding_length", UINT32, config["n_embd"]),
        ("gpt2.feed_forward_length", UINT32, hf_config.get("n_inner") or 4 * config["n_embd"]),
        ("gpt2.block_count", UINT32, config["n_layer"]),
        ("gpt2.attention.head_count", UINT32, config["n_head"]),
        ("gpt2.attention.layer_norm_epsilon", FLOAT32, hf_config.get("layer_norm_epsilon", 1e-5)),
        ("tokenizer.ggml.model", STRING, "llama"),
        ("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
        ("tokenizer.ggml.scores", ARRAY, (FLOAT32, [0.0] * len(tokens))),
        ("tokenizer.ggml.token_type", ARRAY, (INT32, token_types)),
        ("tokenizer.ggml.bos_token_id", UINT32, config.get("bos_token_id", 0)),
        ("tokenizer.ggml.eos_token_id", UINT32, config.get("eos_token_id", 0)),
        ("tokenizer.ggml.padding_token_id", UINT32, config.get("eos_token_id", 0)),
        ("tokenizer.ggml.add_bos_token", BOOL, False),
        ("tokenizer.ggml.add_eos_token", BOOL, False),
        ("tokenizer.ggml.add_space_prefix", BOOL, False),
    ]
    return metadata


def convert(checkpoint: str, out: str, weight_type: str, tokenizer_path: str, config_path: str) -> None:
    import torch  # here, so that --inspect runs without torch

    saved = torch.load(checkpoint, map_location="cpu")
    config = saved["config"]
    with open(config_path, encoding="utf-8") as f:
        hf_config = json.load(f)
    if hf_config.get("activation_function", "gelu_new") != "gelu_new":
        raise ValueError(f"{config_path}: activation {hf_config['activation_function']}; llama.cpp's gpt2 uses gelu_new (tanh)")
    tokens, token_types = vocabulary(tokenizer_path)
    if len(tokens) != config["vocab_size"]:
        raise ValueError(f"{tokenizer_path}: {len(tokens)} tokens, the checkpoint has vocab_size {config['vocab_size']}")
    write_gguf(out, gguf_metadata(config, hf_config, tokens, token_types, weight_type), gguf_tensors(saved["state"], config, weight_type))


# ---- reading back (to check a file, and for the tests)

def read_gguf(path: str) -> tuple[dict, dict]:
    """Returns (metadata {key: value}, tensors {name: (ggml type, ne fastest first, bytes)})."""
    with open(path, "rb") as f:
        blob = f.read()
    position = 0

    def take(fmt: str):
        nonlocal position
        values = struct.unpack_from(fmt, blob, position)
        position += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    def string() -> str:
        nonlocal position
        length = take("<Q")
        position += length
        return blob[position - length:position].decode("utf-8")

    def value(kind: int):
        if kind == STRING:
            return string()
        if kind == ARRAY:
            element_kind, count = take("<IQ")
            return [value(element_kind) for _ in range(count)]
        return take(SCALAR_FORMAT[kind])

    if blob[:4] != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    position = 4
    version, tensor_count, kv_count = take("<IQQ")
    if version != GGUF_VERSION:
        raise ValueError(f"{path}: GGUF version {version}, expected {GGUF_VERSION}")
    metadata = {}
    for _ in range(kv_count):
        key = string()
        metadata[key] = value(take("<I"))
    alignment = metadata.get("general.alignment", ALIGNMENT)
    infos = []
    for _ in range(tensor_count):
        name = string()
        n_dims = take("<I")
        dims = [take("<Q") for _ in range(n_dims)]
        infos.append((name, dims, take("<I"), take("<Q")))
    start = position + (alignment - position % alignment) % alignment
    tensors = {}
    for name, dims, ggml_type, offset in infos:
        count = int(np.prod(dims))
        size = count * 4 if ggml_type == 0 else count * 2 if ggml_type == 1 else count // QK8_0 * (2 + QK8_0)
        if offset % alignment:
            raise ValueError(f"{path}: {name} at offset {offset}, not a multiple of {alignment}")
        tensors[name] = (ggml_type, dims, blob[start + offset:start + offset + size])
    return metadata, tensors


def dequantize(ggml_type: int, dims: list[int], data: bytes) -> np.ndarray:
    """A tensor's values in PyTorch's row-major shape (dimensions slowest first)."""
    shape = tuple(reversed(dims))
    if ggml_type == GGML_TYPE["f32"]:
        return np.frombuffer(data, "<f4").reshape(shape)
    if ggml_type == GGML_TYPE["f16"]:
        return np.frombuffer(data, "<f2").astype(np.float32).reshape(shape)
    blocks = np.frombuffer(data, dtype=[("d", "<f2"), ("qs", "i1", (QK8_0,))])
    return (blocks["d"].astype(np.float32)[:, None] * blocks["qs"].astype(np.float32)).reshape(shape)


def inspect(path: str) -> None:
    metadata, tensors = read_gguf(path)
    for key, value in metadata.items():
        shown = f"[{len(value)} items] {value[:4]}..." if isinstance(value, list) else repr(value)
        print(f"{key} = {shown}")
    for name, (ggml_type, dims, data) in tensors.items():
        print(f"{name:32} {GGML_TYPE_NAME.get(ggml_type, ggml_type):5} {dims} {len(data)} bytes")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default="models/cot-sc-gpt2-tiny/pytorch_checkpoint.pt")
    ap.add_argument("--out", help="the .gguf file to write")
    ap.add_argument("--type", choices=list(GGML_TYPE), default="f32", help="the 2-D weights' type (default f32)")
    ap.add_argument("--tokenizer", help="default: tokenizer.json beside the checkpoint")
    ap.add_argument("--config", help="default: config.json beside the checkpoint")
    ap.add_argument("--inspect", metavar="FILE", help="print a GGUF file's key-values and tensors, and exit")
    args = ap.parse_args()
    if args.inspect:
        inspect(args.inspect)
        sys.exit(0)
    if not args.out:
        ap.error("--out is required")
    directory = os.path.dirname(args.checkpoint)
    convert(args.checkpoint, args.out, args.type, args.tokenizer or os.path.join(directory, "tokenizer.json"),
            args.config or os.path.join(directory, "config.json"))
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {args.type})")
