"""Tiny random-weight decoders in the usual Hugging Face families, exported in the Optimum layout, so the
TypeScript loader is tested on layouts cot-sc did not train: GPT-2 (`n_head`, learned positions, no
position_ids input in older exports) and Llama/Qwen-style (`num_attention_heads`, `num_key_value_heads`
for grouped-query attention, `head_dim`, RoPE, RMSNorm, SwiGLU), in float32 and float16.

    /usr/bin/python3 training/tiny_decoders.py --out test/models

Each directory gets model.onnx, config.json, generation_config.json, tokenizer.json (the shipped model's
character tokenizer) and reference.json (PyTorch logits for a prompt, and its greedy continuation).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from tokenizer import CharTokenizer  # noqa: E402
from model import GPT, GPTConfig  # noqa: E402

OPSET = 14
PROMPT = "Q: What is 12+30?\nA: "


class RMSNorm(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight


def rope(x, positions, head_dim: int):
    """x [batch, heads, seq, headDim]; positions [batch, seq] — rotate-half RoPE as in Llama."""
    half = head_dim // 2
    inv = 1.0 / (10000 ** (torch.arange(0, half, dtype=torch.float32) / half))
    angles = positions.unsqueeze(-1).float() * inv  # [batch, seq, half]
    cos = torch.cat([angles.cos(), angles.cos()], -1).unsqueeze(1)
    sin = torch.cat([angles.sin(), angles.sin()], -1).unsqueeze(1)
    x1, x2 = x[..., :half], x[..., half:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class LlamaTiny(nn.Module):
    def __init__(self, vocab: int, d: int = 64, layers: int = 2, heads: int = 4, kv_heads: int = 2, head_dim: int = 16):
        super().__init__()
        self.vocab, self.d, self.layers, self.heads, self.kv_heads, self.head_dim = vocab, d, layers, heads, kv_heads, head_dim
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(nn.ModuleDict({
                "norm1": RMSNorm(d), "q": nn.Linear(d, heads * head_dim, bias=False),
                "k": nn.Linear(d, kv_heads * head_dim, bias=False), "v": nn.Linear(d, kv_heads * head_dim, bias=False),
                "o": nn.Linear(heads * head_dim, d, bias=False), "norm2": RMSNorm(d),
                "gate": nn.Linear(d, 4 * d, bias=False), "up": nn.Linear(d, 4 * d, bias=False),
                "down": nn.Linear(4 * d, d, bias=False)}))
        self.norm = RMSNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, 0, 0.3)

    def forward(self, input_ids, attention_mask, position_ids, past):
        b, s = input_ids.shape
        past_len = past[0][0].shape[2]
        total = past_len + s
        causal = torch.arange(total).unsqueeze(0) <= (torch.arange(s) + past_len).unsqueeze(1)
        mask = causal.unsqueeze(0).unsqueeze(0) & attention_mask.bool().unsqueeze(1).unsqueeze(2)
        bias = torch.zeros(mask.shape).masked_fill(~mask, -1e9)
        x = self.embed(input_ids)
        presents = []
        group = self.heads // self.kv_heads
        for i, blk in enumerate(self.blocks):
            h = blk["norm1"](x)
            q = blk["q"](h).view(b, s, self.heads, self.head_dim).transpose(1, 2)
            k = blk["k"](h).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
            v = blk["v"](h).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
            q, k = rope(q, position_ids, self.head_dim), rope(k, position_ids, self.head_dim)
            k = torch.cat([past[i][0], k], 2)
            v = torch.cat([past[i][1], v], 2)
            presents.append((k, v))
            # grouped-query attention: each KV head serves `group` query heads
            t = k.shape[2]
            kk = k.unsqueeze(2).expand(b, self.kv_heads, group, t, self.head_dim).reshape(b, self.heads, t, self.head_dim)
            vv = v.unsqueeze(2).expand(b, self.kv_heads, group, t, self.head_dim).reshape(b, self.heads, t, self.head_dim)
            att = torch.softmax(q @ kk.transpose(-2, -1) / math.sqrt(self.head_dim) + bias, -1)
            y = (att @ vv).transpose(1, 2).reshape(b, s, self.heads * self.head_dim)
            x = x + blk["o"](y)
            h = blk["norm2"](x)
            x = x + blk["down"](F.silu(blk["gate"](h)) * blk["up"](h))
        return self.head(self.norm(x)), presents


class Flat(nn.Module):
    def __init__(self, inner, half: bool, gpt2: bool) -> None:
        super().__init__()
        self.inner, self.half_kv, self.gpt2 = inner, half, gpt2

    def forward(self, input_ids, attention_mask, *rest):
        if self.gpt2:
            position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)[:, -input_ids.shape[1]:]
            flat = rest
        else:
            position_ids, flat = rest[0], rest[1:]
        past = [(flat[2 * i].float(), flat[2 * i + 1].float()) for i in range(len(flat) // 2)]
        logits, presents = self.inner(input_ids, attention_mask, position_ids, past)
        out = [logits.half() if self.half_kv else logits]
        for k, v in presents:
            out += [k.half(), v.half()] if self.half_kv else [k, v]
        return tuple(out)


def export(module: Flat, path: str, layers: int, kv_heads: int, head_dim: int, half: bool, with_positions: bool) -> None:
    names_in = ["input_ids", "attention_mask"] + (["position_ids"] if with_positions else [])
    names_out = ["logits"]
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    if with_positions:
        dyn["position_ids"] = {0: "batch_size", 1: "sequence_length"}
    dtype = torch.float16 if half else torch.float32
    past = []
    for i in range(layers):
        for kind in ("key", "value"):
            past.append(torch.zeros(1, kv_heads, 2, head_dim, dtype=dtype))
            names_in.append(f"past_key_values.{i}.{kind}")
            names_out.append(f"present.{i}.{kind}")
            dyn[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            dyn[f"present.{i}.{kind}"] = {0: "batch_size", 2: "total_sequence_length"}
    args = [torch.ones(1, 3, dtype=torch.long), torch.ones(1, 5, dtype=torch.long)]
    if with_positions:
        args.append(torch.tensor([[2, 3, 4]]))
    with torch.no_grad():
        torch.onnx.export(module, (*args, *past), path, input_names=names_in, output_names=names_out,
                          dynamic_axes=dyn, opset_version=OPSET)
    onnx.checker.check_model(onnx.load(path))


@torch.no_grad()
def reference(inner, tok: CharTokenizer, layers, kv_heads, head_dim, steps: int = 24) -> dict:
    ids = tok.encode(PROMPT)
    past = [(torch.zeros(1, kv_heads, 0, head_dim), torch.zeros(1, kv_heads, 0, head_dim)) for _ in range(layers)]
    x = torch.tensor([ids])
    mask = torch.ones(1, len(ids), dtype=torch.long)
    pos = torch.arange(len(ids)).unsqueeze(0)
    logits, past = inner(x, mask, pos, past)
    first = [round(float(v), 5) for v in logits[0, -1]]
    out = []
    for _ in range(steps):
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        mask = torch.ones(1, mask.shape[1] + 1, dtype=torch.long)
        logits, past = inner(torch.tensor([[nxt]]), mask, torch.tensor([[mask.shape[1] - 1]]), past)
    return {"prompt": PROMPT, "input_ids": ids, "prefill_last_logits": first, "greedy_ids": out}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test/models")
    ap.add_argument("--tokenizer", default="models/cot-sc-gpt2-tiny")
    args = ap.parse_args()
    torch.manual_seed(7)
    tok = CharTokenizer.load(args.tokenizer)
    vocab = len(tok)

    # GPT-2 family: Optimum's older GPT-2 exports have no position_ids input
    gpt = GPT(GPTConfig(vocab_size=vocab, n_positions=128, n_embd=32, n_layer=2, n_head=2))
    for p in gpt.parameters():
        nn.init.normal_(p, 0, 0.3)
    d = os.path.join(args.out, "tiny-gpt2")
    os.makedirs(d, exist_ok=True)
    export(Flat(gpt, False, True), os.path.join(d, "model.onnx"), 2, 2, 16, False, False)
    cfg = gpt.config.hf_config()
    json.dump(cfg, open(os.path.join(d, "config.json"), "w"), indent=1)
    json.dump(reference(lambda i, m, p, past: gpt(i, m, p, past), tok, 2, 2, 16), open(os.path.join(d, "reference.json"), "w"))
    tok.save(d, 128)

    for name, half in (("tiny-llama-gqa", False), ("tiny-llama-gqa-fp16", True)):
        torch.manual_seed(11)
        llama = LlamaTiny(vocab)
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        export(Flat(llama, half, False), os.path.join(d, "model.onnx"), 2, 2, 16, half, True)
        json.dump({"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": vocab,
                   "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                   "head_dim": 16, "max_position_embeddings": 256, "bos_token_id": 0, "eos_token_id": 0,
                   "torch_dtype": "float16" if half else "float32"}, open(os.path.join(d, "config.json"), "w"), indent=1)
        json.dump({"eos_token_id": [0], "do_sample": True, "temperature": 0.6, "top_p": 0.9},
                  open(os.path.join(d, "generation_config.json"), "w"), indent=1)
        json.dump(reference(llama, tok, 2, 2, 16), open(os.path.join(d, "reference.json"), "w"))
        tok.save(d, 256)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
