"""Train the shipped model: corpus -> tokenizer -> training -> ONNX export -> reference outputs -> evaluation.

Run through `training/run.sh` (Debian's python3 with torch and OpenBLAS). Deterministic from --seed.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402
from model import GPT, GPTConfig  # noqa: E402
from tokenizer import CharTokenizer  # noqa: E402


def build_corpus(seed: int, count: int, progress_from: float = 0.0) -> list[corpus.Problem]:
    rng = random.Random(seed)
    return [corpus.training_example(rng, progress_from + (1 - progress_from) * i / count) for i in range(count)]


def fixture_questions() -> set[str]:
    found = set()
    for name in os.listdir("fixtures"):
        if name.endswith(".jsonl"):
            with open(os.path.join("fixtures", name), encoding="utf-8") as f:
                found.update(json.loads(line)["question"] for line in f if line.strip())
    return found


def alphabet_texts() -> list[str]:
    """Texts whose characters become tokens: every name, fruit and template word the generators use."""
    rng = random.Random(12345)
    texts = []
    for level in (1, 2, 3):
        for _ in range(300):
            for lang in ("en", "zh"):
                p = corpus.apples(rng, level, lang)
                texts += [p.question, p.chain]
    texts += corpus.ZH_DADS + corpus.FRUIT_ZH
    return texts


def make_batches(examples: list[tuple[list[int], list[int]]], tokens_per_batch: int, pad: int, seed: int):
    """One example per row, starting at position 0 as at inference. Within windows of the corpus (which is
    ordered as a curriculum) examples are sorted by length so padding and attention stay short."""
    rng = random.Random(seed)
    window = 4096
    batches = []
    for w in range(0, len(examples), window):
        chunk = sorted(examples[w:w + window], key=lambda e: len(e[0]) + len(e[1]))
        group: list = []
        local = []
        for e in chunk:
            length = len(e[0]) + len(e[1]) + 1
            if group and (len(group) + 1) * max(length, max(len(g[0]) + len(g[1]) + 1 for g in group)) > tokens_per_batch:
                local.append(group)
                group = []
            group.append(e)
        if group:
            local.append(group)
        rng.shuffle(local)
        batches += local
    return batches


def tensors(group, pad: int):
    """Inputs and targets; loss only on completion tokens and the final EOS."""
    width = max(len(p) + len(c) + 1 for p, c in group)
    x = torch.full((len(group), width - 1), pad, dtype=torch.long)
    y = torch.full((len(group), width - 1), -100, dtype=torch.long)
    for r, (prompt, completion) in enumerate(group):
        seq = prompt + completion + [pad]
        x[r, :len(seq) - 1] = torch.tensor(seq[:-1])
        y[r, len(prompt) - 1:len(seq) - 1] = torch.tensor(completion + [pad])
    return x, y


def make_optimizer(model: GPT, lr: float) -> torch.optim.AdamW:
    """AdamW with weight decay on the matrices only (not on biases, LayerNorm and nothing 1-D)."""
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95))


def train_step(model: GPT, optimizer: torch.optim.Optimizer, x, y, lr: float) -> torch.Tensor:
    """One optimizer step at learning rate `lr`: cross-entropy on the unmasked targets, gradients clipped to 1."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    logits, _ = model(x)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="models/cot-sc-gpt2-tiny")
    ap.add_argument("--examples", type=int, default=60_000)
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--embd", type=int, default=256)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--skip-eval", action="store_true")
    # a second phase continues from a checkpoint on a fresh corpus (another seed, harder curriculum),
    # with the first phase's tokenizer; questions found in the fixtures are dropped from that corpus
    ap.add_argument("--init", help="start from this checkpoint (phase 2)")
    ap.add_argument("--progress-from", type=float, default=0.0, help="curriculum position of the corpus start")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--exclude-fixtures", action="store_true")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join("training", "work")
    os.makedirs(work, exist_ok=True)

    t0 = time.time()
    problems = build_corpus(args.seed, args.examples, args.progress_from)
    if args.exclude_fixtures:
        held_out = fixture_questions()
        problems = [p for p in problems if p.question not in held_out]
    if args.init:
        tok = CharTokenizer.load(args.out)
    else:
        tok = CharTokenizer.from_texts(alphabet_texts() + [p.question + p.chain for p in problems[:20000]])
    examples = [(tok.encode(a), tok.encode(b)) for a, b in map(corpus.format_example, problems)]
    batches = make_batches(examples, args.batch_tokens, tok.eos_id, args.seed)
    args.steps = len(batches)
    n_chars = sum(len(a) + len(b) for a, b in examples)
    print(f"corpus: {len(problems)} problems, {n_chars} tokens, {len(batches)} batches, "
          f"vocab {len(tok)} ({time.time() - t0:.1f}s)", flush=True)

    config = GPTConfig(vocab_size=len(tok), n_layer=args.layers, n_embd=args.embd, n_head=args.heads)
    model = GPT(config)
    if args.init:
        saved = torch.load(args.init)
        config = GPTConfig(**saved["config"])
        model = GPT(config)
        model.load_state_dict(saved["state"])
    print(f"model: {model.num_parameters()} parameters", flush=True)
    optimizer = make_optimizer(model, args.lr)
    warmup = args.warmup

    def lr_at(step: int) -> float:
        if step < warmup:
            return args.lr * (step + 1) / warmup
        progress = (step - warmup) / max(1, args.steps - warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    curve = []
    model.train()
    t_train = time.time()
    seen_tokens = 0
    for step in range(args.steps):
        x, y = tensors(batches[step], tok.eos_id)
        loss = train_step(model, optimizer, x, y, lr_at(step))
        seen_tokens += x.numel()
        if step % 50 == 0 or step == args.steps - 1:
            elapsed = time.time() - t_train
            curve.append({"step": step, "tokens": seen_tokens, "loss": round(loss.item(), 4), "seconds": round(elapsed, 1)})
            print(f"step {step} loss {loss.item():.4f} lr {lr_at(step):.2e} {seen_tokens / elapsed:.0f} tok/s "
                  f"{elapsed / 60:.1f} min", flush=True)
            with open(os.path.join(work, "loss_curve.json"), "w") as f:
                json.dump(curve, f)
        if step % 500 == 499:
            torch.save({"config": config.to_dict(), "state": model.state_dict()}, os.path.join(work, "checkpoint.pt"))
    train_seconds = time.time() - t_train

    torch.save({"config": config.to_dict(), "state": model.state_dict()}, os.path.join(work, "checkpoint.pt"))
    tok.save(args.out, config.n_positions)
    previous = None
    if args.init and os.path.exists(os.path.join(work, "train_meta.json")):
        with open(os.path.join(work, "train_meta.json")) as f:
            previous = json.load(f)
    meta = {"previous_phase": previous, "init": args.init, "progress_from": args.progress_from, "seed": args.seed, "examples": args.examples, "steps": args.steps, "batch_tokens": args.batch_tokens, "tokens_seen": seen_tokens, "corpus_tokens": n_chars,
            "train_seconds": round(train_seconds), "threads": args.threads, "parameters": model.num_parameters(),
            "loss_curve": curve, "lr": args.lr}
    with open(os.path.join(work, "train_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"trained in {train_seconds / 60:.1f} min", flush=True)

    from export import export_all  # noqa: E402
    export_all(model, tok, args.out)
    if not args.skip_eval:
        from evaluate import evaluate_and_write_card  # noqa: E402
        evaluate_and_write_card(args.out, meta)


if __name__ == "__main__":
    main()
