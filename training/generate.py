"""Batched generation with the KV cache (left padding, attention mask, position ids), for evaluation and
for the reference outputs the TypeScript side checks itself against."""
from __future__ import annotations

import torch

from model import GPT
from tokenizer import CharTokenizer

STOPS = ("\n\n", "Q:")


def left_pad(batch: list[list[int]], pad: int):
    width = max(len(x) for x in batch)
    ids = torch.full((len(batch), width), pad, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, x in enumerate(batch):
        ids[r, width - len(x):] = torch.tensor(x)
        mask[r, width - len(x):] = 1
    return ids, mask


@torch.no_grad()
def generate(model: GPT, tok: CharTokenizer, prompts: list[str], max_new: int = 256, temperature: float = 0.0,
             seed: int = 0) -> list[str]:
    """Greedy (temperature 0) or sampled continuations; a row ends at EOS, at a stop string, or at max_new."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    ids, mask = left_pad([tok.encode(p) for p in prompts], tok.eos_id)
    positions = (mask.cumsum(1) - 1).clamp(min=0)
    logits, past = model(ids, mask, positions)
    last = logits[:, -1, :]
    b = len(prompts)
    out: list[list[int]] = [[] for _ in range(b)]
    live = torch.ones(b, dtype=torch.bool)
    next_pos = positions[:, -1] + 1
    limit = model.config.n_positions
    for _ in range(max_new):
        if temperature > 0:
            probs = torch.softmax(last / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=gen).squeeze(1)
        else:
            nxt = last.argmax(-1)
        for r in range(b):
            if not live[r]:
                continue
            t = int(nxt[r])
            if t == tok.eos_id:
                live[r] = False
                continue
            out[r].append(t)
            text_tail = tok.decode(out[r][-4:])
            if any(text_tail.endswith(s) for s in STOPS) or int(next_pos[r]) + 1 >= limit:
                live[r] = False
        if not live.any():
            break
        mask = torch.cat([mask, torch.ones((b, 1), dtype=torch.long)], dim=1)
        logits, past = model(nxt.unsqueeze(1), mask, next_pos.unsqueeze(1), past)
        last = logits[:, -1, :]
        next_pos = next_pos + 1
    texts = [tok.decode(x) for x in out]
    # as cot-sc reports a chain: without the stop string that ended it
    for s in STOPS:
        texts = [t[: -len(s)] if t.endswith(s) else t for t in texts]
    return texts
