"""ONNX export in the Hugging Face / Optimum decoder layout, plus the model directory's JSON files and the
reference outputs the TypeScript tests compare against.

Inputs:  input_ids, attention_mask, position_ids [batch, seq] (int64), past_key_values.{i}.key|value
         [batch, heads, past, headDim] (float32; past may be 0)
Outputs: logits [batch, seq, vocab], present.{i}.key|value [batch, heads, past+seq, headDim]
"""
from __future__ import annotations

import json
import math
import os

import onnx
import torch

from generate import generate
from model import GPT, NEG
from tokenizer import CharTokenizer

OPSET = 14

REFERENCE_PROMPTS = [
    "Q: What is 17+25?\nA: ",
    "Q: Tom has 35 marbles. Tom gives 8 to Anna and shares the rest equally among 3 friends. "
    "How many marbles does each friend get?\nA: ",
]


class OptimumWrapper(torch.nn.Module):
    def __init__(self, model: GPT) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        flat = []
        for k, v in presents:
            flat += [k, v]
        return (logits, *flat)


class SplitCacheWrapper(torch.nn.Module):
    """The split-cache decoder cot-sc's fast path uses. The caller owns a preallocated cache, keys stored
    transposed ([batch, heads, headDim, capacity]) and values as [batch, heads, capacity, headDim], so both
    attention products are plain MatMuls over the cache as given. Attention is computed in two parts, over
    the cache and over the new tokens, and joined only at the softmax, so the graph never concatenates or
    copies the cache; it returns just the new tokens' keys and values, which the caller writes into its
    cache. Work per step grows with the new tokens and the attention read, not with cache copies."""

    def __init__(self, model: GPT) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *cache_flat):
        m = self.model
        s = input_ids.shape[1]
        capacity = cache_flat[0].shape[3]
        past_mask = attention_mask[:, :capacity].bool().unsqueeze(1).unsqueeze(2)  # [batch, 1, 1, capacity]
        new_mask = attention_mask[:, capacity:].bool().unsqueeze(1).unsqueeze(2)  # [batch, 1, 1, seq]
        causal = torch.arange(s).unsqueeze(0) <= torch.arange(s).unsqueeze(1)  # [seq, seq]
        bias_past = torch.zeros(past_mask.shape).masked_fill(~past_mask, NEG)
        bias_new = torch.zeros((new_mask & causal).shape).masked_fill(~(new_mask & causal), NEG)
        x = m.wte(input_ids) + m.wpe(position_ids)
        outputs = []
        for i, block in enumerate(m.h):
            k_cache, v_cache = cache_flat[2 * i], cache_flat[2 * i + 1]
            attn = block.attn
            h = block.ln_1(x)
            b, _, d = h.shape
            q, k, v = attn.c_attn(h).split(d, dim=2)
            q = q.view(b, s, attn.n_head, attn.head_dim).transpose(1, 2)  # [batch, heads, seq, headDim]
            k = k.view(b, s, attn.n_head, attn.head_dim).transpose(1, 2)
            v = v.view(b, s, attn.n_head, attn.head_dim).transpose(1, 2)
            scale = 1.0 / math.sqrt(attn.head_dim)
            scores_past = (q @ k_cache) * scale + bias_past  # [batch, heads, seq, capacity]
            scores_new = (q @ k.transpose(-2, -1)) * scale + bias_new  # [batch, heads, seq, seq]
            p = torch.softmax(torch.cat([scores_past, scores_new], dim=-1), dim=-1)
            y = p[..., :capacity] @ v_cache + p[..., capacity:] @ v  # [batch, heads, seq, headDim]
            y = y.transpose(1, 2).reshape(b, s, d)
            x = x + attn.c_proj(y)
            x = x + block.c_proj(torch.nn.functional.gelu(block.c_fc(block.ln_2(x)), approximate="tanh"))
            outputs += [k, v]
        logits = m.ln_f(x) @ m.wte.weight.t()
        return (logits, *outputs)


def _export(wrapper: torch.nn.Module, path: str, cache: list, cache_names: list, output_names: list,
            cache_axes: dict, past_len: int) -> None:
    """Shared by both layouts: token inputs (batch 2, 3 new tokens after `past_len` cached ones), the
    given cache tensors and names, dynamic batch and sequence axes, opset 14, checked after writing."""
    batch, seq = 2, 3
    dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}, **cache_axes}
    ids = torch.ones(batch, seq, dtype=torch.long)
    mask = torch.ones(batch, past_len + seq, dtype=torch.long)
    pos = torch.arange(past_len, past_len + seq).unsqueeze(0).expand(batch, seq).contiguous()
    with torch.no_grad():
        torch.onnx.export(wrapper, (ids, mask, pos, *cache), path,
                          input_names=["input_ids", "attention_mask", "position_ids", *cache_names],
                          output_names=["logits", *output_names], dynamic_axes=dynamic, opset_version=OPSET,
                          do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def export_split_cache(model: GPT, path: str) -> None:
    model.eval()
    c = model.config
    head_dim = c.n_embd // c.n_head
    capacity = 5
    cache, names_in, names_out, axes = [], [], [], {}
    for i in range(c.n_layer):
        cache += [torch.zeros(2, c.n_head, head_dim, capacity), torch.zeros(2, c.n_head, capacity, head_dim)]
        names_in += [f"cache.{i}.key", f"cache.{i}.value"]
        names_out += [f"new.{i}.key", f"new.{i}.value"]
        axes[f"cache.{i}.key"] = {0: "batch_size", 3: "capacity"}
        axes[f"cache.{i}.value"] = {0: "batch_size", 2: "capacity"}
        axes[f"new.{i}.key"] = {0: "batch_size", 2: "sequence_length"}
        axes[f"new.{i}.value"] = {0: "batch_size", 2: "sequence_length"}
    _export(SplitCacheWrapper(model), path, cache, names_in, names_out, axes, capacity)


def export_onnx(model: GPT, path: str) -> None:
    model.eval()
    c = model.config
    head_dim = c.n_embd // c.n_head
    past_len = 4
    past, names_in, names_out, axes = [], [], [], {}
    for i in range(c.n_layer):
        for kind in ("key", "value"):
            past.append(torch.zeros(2, c.n_head, past_len, head_dim))
            names_in.append(f"past_key_values.{i}.{kind}")
            names_out.append(f"present.{i}.{kind}")
            axes[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kind}"] = {0: "batch_size", 2: "total_sequence_length"}
    _export(OptimumWrapper(model), path, past, names_in, names_out, axes, past_len)


def write_configs(model: GPT, out: str) -> None:
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(model.config.hf_config(), f, indent=1)
    with open(os.path.join(out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": model.config.bos_token_id, "eos_token_id": model.config.eos_token_id,
                   "pad_token_id": model.config.eos_token_id, "do_sample": True, "temperature": 0.7,
                   "top_k": 0, "top_p": 1.0, "max_new_tokens": 320}, f, indent=1)


@torch.no_grad()
def write_reference(model: GPT, tok: CharTokenizer, out: str) -> None:
    """Logits of each reference prompt (empty past), then of one more token fed with the returned past;
    and greedy continuations. The TypeScript tests must reproduce these."""
    model.eval()
    records = []
    for prompt in REFERENCE_PROMPTS:
        ids = torch.tensor([tok.encode(prompt)])
        logits, past = model(ids)
        next_id = int(logits[0, -1].argmax())
        step_logits, _ = model(torch.tensor([[next_id]]), None, torch.tensor([[ids.shape[1]]]), past)
        records.append({"prompt": prompt, "input_ids": ids[0].tolist(),
                        "prefill_last_logits": [round(float(v), 6) for v in logits[0, -1]],
                        "next_token": next_id,
                        "step_logits": [round(float(v), 6) for v in step_logits[0, -1]]})
    greedy = generate(model, tok, REFERENCE_PROMPTS, max_new=300)
    for r, text in zip(records, greedy):
        r["greedy_continuation"] = text
    with open(os.path.join(out, "reference_outputs.json"), "w", encoding="utf-8") as f:
        json.dump({"max_new_tokens": 300, "stops": ["\n\n", "Q:"], "records": records}, f, ensure_ascii=False)


def export_all(model: GPT, tok: CharTokenizer, out: str) -> None:
    path = os.path.join(out, "model.onnx")
    export_onnx(model, path)
    export_split_cache(model, os.path.join(out, "model_split_cache.onnx"))
    write_configs(model, out)
    write_reference(model, tok, out)
    # the same weights for PyTorch users (and the benchmark's PyTorch loop): {"config": GPTConfig fields, "state"}
    torch.save({"config": model.config.to_dict(), "state": model.state_dict()}, os.path.join(out, "pytorch_checkpoint.pt"))
    print(f"exported {path} ({os.path.getsize(path) / 1e6:.1f} MB, IR {onnx.load(path).ir_version})", flush=True)
