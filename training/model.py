"""A GPT-2-architecture decoder (learned positions, pre-LayerNorm, GELU MLP, tied embeddings) with a KV cache.

The same `forward` serves training (no past, causal mask only), evaluation (left-padded batches with an
attention mask and a growing cache) and ONNX export in the Hugging Face / Optimum decoder layout.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

NEG = -1e9  # finite, so a fully masked row (a left-pad query) gives a uniform softmax rather than NaN


@dataclass
class GPTConfig:
    vocab_size: int
    n_positions: int = 1024
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 8
    bos_token_id: int = 0
    eos_token_id: int = 0

    def hf_config(self) -> dict:
        return {
            "model_type": "gpt2",
            "architectures": ["GPT2LMHeadModel"],
            "vocab_size": self.vocab_size,
            "n_positions": self.n_positions,
            "n_ctx": self.n_positions,
            "n_embd": self.n_embd,
            "n_layer": self.n_layer,
            "n_head": self.n_head,
            "n_inner": 4 * self.n_embd,
            "activation_function": "gelu_new",
            "layer_norm_epsilon": 1e-5,
            "tie_word_embeddings": True,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": self.eos_token_id,
            "pad_token_id": self.eos_token_id,
            "use_cache": True,
            "torch_dtype": "float32",
        }

    def to_dict(self) -> dict:
        return asdict(self)


class Attention(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.head_dim = config.n_embd // config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)

    def forward(self, x, bias, past_key=None, past_value=None):
        b, s, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        # [batch, heads, seq, headDim]
        q = q.view(b, s, self.n_head, self.head_dim).transpose(1, 2)
        k = k.view(b, s, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(b, s, self.n_head, self.head_dim).transpose(1, 2)
        if past_key is not None:
            k = torch.cat([past_key, k], dim=2)  # [batch, heads, past+seq, headDim]
            v = torch.cat([past_value, v], dim=2)
        # additive bias rather than masked_fill: measured ~1.6x faster forward+backward on the CPU
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim)) + bias  # [batch, heads, seq, past+seq]
        y = F.softmax(scores, dim=-1) @ v
        y = y.transpose(1, 2).reshape(b, s, d)
        return self.c_proj(y), k, v


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    """GPT-2's GELU (the tanh approximation, Hugging Face's `gelu_new`), written as
    0.5x · (1 + tanh(0.7978845608x · (1 + 0.044715x·x))) because that is the node order onnxruntime's
    FastGeluFusion recognises: the same function as `F.gelu(approximate="tanh")` to float rounding, but
    torch 1.13 exports that one as x·x·x with the constants elsewhere, which stays 8 nodes per layer in the
    optimised graph instead of one fused FastGelu."""
    return (0.5 * x) * (1.0 + torch.tanh((0.7978845608028654 * x) * (1.0 + 0.044715 * x * x)))


class Block(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = Attention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)

    def forward(self, x, bias, past_key=None, past_value=None):
        a, k, v = self.attn(self.ln_1(x), bias, past_key, past_value)
        x = x + a
        x = x + self.c_proj(gelu_tanh(self.c_fc(self.ln_2(x))))
        return x, k, v


class GPT(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):  # GPT-2's scaled init of residual projections
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, 0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, 0.02)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """input_ids [batch, seq]; attention_mask [batch, past+seq] (1 = real token); position_ids [batch, seq];
        past: list of (key, value) [batch, heads, past, headDim] per layer. Returns logits and presents."""
        b, s = input_ids.shape
        past_len = past[0][0].shape[2] if past is not None else 0
        if position_ids is None:
            position_ids = torch.arange(past_len, past_len + s, device=input_ids.device).unsqueeze(0).expand(b, s)
        total = past_len + s
        # query i sits at absolute index past_len + i and may see keys 0..past_len + i
        causal = torch.arange(total).unsqueeze(0) <= (torch.arange(s) + past_len).unsqueeze(1)  # [seq, total]
        mask = causal.unsqueeze(0).unsqueeze(0)  # [1, 1, seq, total]
        if attention_mask is not None:
            mask = mask & attention_mask.bool().unsqueeze(1).unsqueeze(2)  # [batch, 1, seq, total]
        bias = torch.zeros(mask.shape).masked_fill(~mask, NEG)
        x = self.wte(input_ids) + self.wpe(position_ids)
        presents = []
        for i, block in enumerate(self.h):
            pk, pv = past[i] if past is not None else (None, None)
            x, k, v = block(x, bias, pk, pv)
            presents.append((k, v))
        logits = self.ln_f(x) @ self.wte.weight.t()  # tied embeddings
        return logits, presents
