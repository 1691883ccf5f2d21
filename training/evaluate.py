"""Measure the trained model on the fixture sets and write MODEL_CARD.md.

Per set: greedy accuracy; single sampled chain accuracy (mean over 4 chains a problem at the default
temperature); on `hard` also how many problems have at least one right chain among 20 and the plain
majority of those 20. Answers are read from the chain's `#### n` line.
"""
from __future__ import annotations

import json
import os
import re
import time
from collections import Counter

import torch

from generate import generate

SETS = ["easy", "medium", "hard", "apples_en", "apples_zh", "reference"]
TEMPERATURE = 0.7
ANSWER = re.compile(r"####\s*(-?[\d.]+)")
CALC = re.compile(r"<<([^=<>]+)=([^<>]+)>>")


def answer_of(chain: str):
    m = ANSWER.search(chain)
    return m.group(1) if m else None


def arithmetic_ok(chain: str) -> bool:
    from fractions import Fraction
    for expr, claimed in CALC.findall(chain):
        if not re.fullmatch(r"[\d+\-*/(). ]+", expr):
            return False
        try:
            value = eval(re.sub(r"(\d+)", r"Fraction(\1)", expr), {"Fraction": Fraction})  # digits/ops only
            if value != Fraction(claimed):
                return False
        except Exception:
            return False
    return True


def load(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run_batches(model, tok, prompts, temperature, seed, batch=100):
    out = []
    for i in range(0, len(prompts), batch):
        out += generate(model, tok, prompts[i:i + batch], max_new=320, temperature=temperature, seed=seed + i)
    return out


def evaluate(model, tok, fixtures_dir="fixtures") -> dict:
    results = {}
    for name in SETS:
        problems = load(os.path.join(fixtures_dir, f"{name}.jsonl"))
        prompts = [f"Q: {p['question']}\nA: " for p in problems]
        gold = [str(p["answer"]) for p in problems]
        t = time.time()
        greedy = run_batches(model, tok, prompts, 0.0, 0)
        greedy_acc = sum(answer_of(c) == g for c, g in zip(greedy, gold)) / len(gold)
        chains_per = 20 if name in ("hard", "reference") else 4
        sampled = run_batches(model, tok, [p for p in prompts for _ in range(chains_per)], TEMPERATURE, 1)
        right = [[answer_of(sampled[i * chains_per + j]) == gold[i] for j in range(chains_per)] for i in range(len(gold))]
        single = sum(map(sum, right)) / (len(gold) * chains_per)
        r = {"problems": len(gold), "greedy": round(greedy_acc, 4), "single_sampled": round(single, 4),
             "chains_per_problem": chains_per,
             "arithmetic_clean_chains": round(sum(arithmetic_ok(c) for c in sampled) / len(sampled), 4),
             "seconds": round(time.time() - t)}
        if chains_per == 20:
            r["any_right_of_20"] = round(sum(any(x) for x in right) / len(gold), 4)
            majority_right = 0
            for i in range(len(gold)):
                votes = Counter(a for a in (answer_of(sampled[i * 20 + j]) for j in range(20)) if a is not None)
                if votes and votes.most_common(1)[0][0] == gold[i]:
                    majority_right += 1
            r["majority_of_20"] = round(majority_right / len(gold), 4)
        r["greedy_example"] = greedy[0]
        results[name] = r
        print(name, {k: v for k, v in r.items() if k != "greedy_example"}, flush=True)
    return results


def evaluate_and_write_card(model, tok, out: str, meta: dict) -> None:
    torch.manual_seed(0)
    results = evaluate(model, tok)
    with open(os.path.join("training", "work", "eval.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)
    write_card(out, meta, results)


def write_card(out: str, meta: dict, results: dict) -> None:
    c = json.load(open(os.path.join(out, "config.json")))
    curve = meta["loss_curve"]
    rows = "\n".join(
        f"| `{name}` | {r['problems']} | {100 * r['greedy']:.1f}% | {100 * r['single_sampled']:.1f}% "
        f"({r['chains_per_problem']}/problem) | {100 * r['arithmetic_clean_chains']:.1f}% | "
        + (f"{100 * r['majority_of_20']:.1f}% | {100 * r['any_right_of_20']:.1f}% |" if "any_right_of_20" in r else "– | – |")
        for name, r in results.items())
    points = [curve[i] for i in range(0, len(curve), max(1, len(curve) // 12))] + [curve[-1]]
    loss_rows = "\n".join(f"| {p['step']} | {p['tokens']:,} | {p['loss']:.4f} | {p['seconds'] / 60:.1f} |" for p in points)
    card = f"""# cot-sc-gpt2-tiny

The model cot-sc ships as its default: a small character-level GPT-2 trained from scratch on synthetic
arithmetic word problems with GSM8K-style worked chains (`30/3 = <<30/3=10>>10`, last line `#### n`),
in English and (for the apple-sharing family) Chinese. It exists so that the engine has a real decoder to
sample from on machines that cannot download one; it is not a general language model.

## Architecture
GPT-2 (`model_type: "gpt2"`): learned positions, pre-LayerNorm, GELU (tanh) MLP, tied embeddings.
`n_layer` {c['n_layer']}, `n_head` {c['n_head']}, `n_embd` {c['n_embd']}, `n_positions` {c['n_positions']},
`vocab_size` {c['vocab_size']}; **{meta['parameters']:,} parameters**. Tokenizer: one token per character
of the training alphabet (ASCII and the Chinese characters of the corpus) with a UTF-8 byte fallback
(`<0xNN>` tokens), so any input encodes; `<|endoftext|>` (id 0) is BOS, EOS and padding.

## Prompt format
Zero-shot, bare question: `Q: <question>\\nA: ` — the model writes the chain, one step per line, and
`#### <answer>`, then EOS. Stops: EOS, `\\n\\n`, `Q:`.

## Export
`model.onnx`: ONNX (opset 14, IR 7) in the Hugging Face Optimum decoder layout: `input_ids`,
`attention_mask`, `position_ids`, `past_key_values.{{i}}.key|value` [batch, heads, past, 32] →
`logits`, `present.{{i}}.key|value`; dynamic batch and sequence axes; an empty past works.
`model_split_cache.onnx`: the same weights as cot-sc's fast-path graph — the caller owns a preallocated
KV cache (keys `[batch, heads, 32, capacity]`, values `[batch, heads, capacity, 32]`) and the graph
returns only the new tokens' keys and values (`new.{{i}}.key|value`), computing attention over the cache
and over the new tokens separately, joined at the softmax. `pytorch_checkpoint.pt`: the PyTorch weights
(`training/model.py`'s `GPT`). `reference_outputs.json` holds logits for fixed prompts (prefill, and one
cached step) and greedy continuations, which the TypeScript tests reproduce.

## Training data and time
Generated by `training/corpus.py` (seed {meta['seed']}): {meta['examples']:,} problems, {meta['corpus_tokens']:,}
tokens — five word-problem families (shopping and change, sharing after giving away, rates, ages,
percentages) plus apple sharing in English and Chinese, at three levels, and bare arithmetic drills.
A curriculum shifts weight from drills and easy problems to harder ones over the run. Loss only on the
answer (chain) tokens. One pass, {meta['steps']:,} steps of ≤{meta['batch_tokens']:,} tokens (sorted by
length within windows, one problem per row), AdamW, peak learning rate {meta['lr']}, cosine decay.
**Training time: {meta['train_seconds'] / 60:.0f} minutes** on {meta['threads']} CPU cores (Debian's
PyTorch 1.13 with OpenBLAS). The whole command (corpus, training, export, evaluation) adds a few minutes.

Reproduce: `training/run.sh` (see README; needs `apt-get install python3-torch python3-onnx libopenblas0-openmp`).

## Loss curve
| step | tokens | loss | minutes |
|---|---|---|---|
{loss_rows}

## Measured accuracy (fixtures/)
Answer = the number after `####`. Greedy; single sampled chain at temperature {TEMPERATURE} (mean over the
chains drawn per problem); arithmetic-clean = share of sampled chains whose every `<<expr=result>>` is
exactly right; on `hard` and `reference`, plain majority of 20 chains and the share of problems with at
least one right chain among 20. Measured by `training/evaluate.py` with PyTorch on the trained weights.

| set | problems | greedy | single sampled | arithmetic-clean | majority of 20 | some right chain of 20 |
|---|---|---|---|---|---|---|
{rows}
"""
    with open(os.path.join(out, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(card)
