"""The PyTorch reference for `npm run bench:speed`: what a Python user would write with the training tool's
model code. k copies of one prompt in a batch, prefill once, then one token per row per step through the
model's KV cache, sampled at temperature 1, EOS ignored, so every row generates exactly --new-tokens.

Prints one JSON object: generated tokens, wall ms (best of --repeats, model load and warm-up excluded),
the parameter count and the process's peak RSS.

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/pytorch_loop.py \
      --checkpoint training/work/checkpoint.pt --prompt-ids '[1,2,3]' --k 8 --new-tokens 64 --threads 2
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "training"))
from model import GPT, GPTConfig  # noqa: E402


@torch.inference_mode()
def sample_chains(model: GPT, prompt_ids: list[int], k: int, new_tokens: int, generator: torch.Generator) -> int:
    ids = torch.tensor([prompt_ids] * k, dtype=torch.long)  # [k, prompt]
    logits, past = model(ids)  # prefill: logits [k, prompt, vocab]; past per layer [k, heads, prompt, headDim]
    last = logits[:, -1, :]
    position = len(prompt_ids)
    generated = 0
    for step in range(new_tokens):
        token = torch.multinomial(torch.softmax(last, dim=-1), 1, generator=generator)  # [k, 1]
        generated += k
        if step == new_tokens - 1:
            break  # the last token is sampled, not fed back: the same work as the other contenders
        positions = torch.full((k, 1), position, dtype=torch.long)
        logits, past = model(token, None, positions, past)  # logits [k, 1, vocab]
        last = logits[:, -1, :]
        position += 1
    return generated


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--prompt-ids", required=True, help="JSON list of token ids")
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--new-tokens", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=1, help="at least this many timed runs")
    parser.add_argument("--min-seconds", type=float, default=0.0, help="more runs (up to 10) until they add up to this")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    checkpoint = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    model = GPT(GPTConfig(**checkpoint["config"]))
    model.load_state_dict(checkpoint["state"])
    model.eval()
    prompt_ids = json.loads(args.prompt_ids)
    generator = torch.Generator().manual_seed(1)

    sample_chains(model, prompt_ids, args.k, min(8, args.new_tokens), generator)  # warm-up
    best = float("inf")
    tokens = 0
    spent = 0.0
    runs = 0
    while runs < args.repeats or (spent < args.min_seconds and runs < 10):
        started = time.perf_counter()
        tokens = sample_chains(model, prompt_ids, args.k, args.new_tokens, generator)
        elapsed = time.perf_counter() - started
        best = min(best, elapsed * 1000)
        spent += elapsed
        runs += 1
    print(json.dumps({
        "generatedTokens": tokens,
        "wallMs": best,
        "parameters": model.num_parameters(),
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
