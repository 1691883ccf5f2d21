"""Phase 3 of the shipped model: worked arithmetic and reworded questions, from the phase-2 weights.

The first two phases (`train.py`) taught the chain format and copying but not arithmetic. This phase
continues from their weights on a stream of
- word problems of every family and level, most of them reworded (`reword.TRAIN`), whose chains do
  each calculation in small checkable links (`corpus.CHAIN_FORMAT = "worked"`, `arith.work`), and
- drill rows of the same calculations alone (`drills.row`),
with fixture and development questions left out. The learning-rate schedule runs on wall-clock time
(`--minutes`), so a phase fits its budget on any machine; the state is saved every few minutes and
`--resume` continues a killed run where it stopped (the data stream is replayed from its seed).

    training/run_worked.sh --minutes 90            # then --resume after an interruption
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
import drills  # noqa: E402
import reword  # noqa: E402
from model import GPT, GPTConfig  # noqa: E402
from tokenizer import CharTokenizer  # noqa: E402
from train import fixture_questions, make_optimizer, train_step  # noqa: E402

corpus.CHAIN_FORMAT = "worked"
WORK = os.path.join("training", "work")
DEV_DIR = os.path.join("training", "dev")


def dev_questions() -> set[str]:
    found: set[str] = set()
    if os.path.isdir(DEV_DIR):
        for name in os.listdir(DEV_DIR):
            if name.endswith(".jsonl"):
                with open(os.path.join(DEV_DIR, name), encoding="utf-8") as f:
                    found.update(json.loads(line)["question"] for line in f if line.strip())
    return found


# which reword vocabulary the stream's questions use: TRAIN (phases 3 to 11), WIDE (phase 12), WIDE without
# its rates sentence orders (phases 13–16), with fresh made-up words (17), with pronouns and the past tense
# (18; 19 on phase 16's wording); a tuple is a mix: each reworded question drawn in one of them (phase 21)
WORDING = {"train": reword.TRAIN, "wide": reword.WIDE, "wide_steady_rates": reword.WIDE_STEADY_RATES,
           "wide_fresh": reword.WIDE_FRESH, "wide_spoken": reword.WIDE_SPOKEN,
           "wide_steady_spoken": reword.WIDE_STEADY_SPOKEN, "wide_mix": reword.WIDE_MIX}
wording: reword.Vocabulary | tuple[reword.Vocabulary, ...] = reword.TRAIN


# (family, level, share): that share of the word problems is of that family and level (phase 16: three-item
# shopping, what `hard` still gets wrong); None keeps the stream exactly as before (no extra draw)
focus: tuple[str, int, float] | None = None


def problem(rng: random.Random) -> corpus.Problem:
    if focus is not None and rng.random() < focus[2]:
        p = corpus.make(rng, focus[0], focus[1])
    else:
        level = rng.choices([1, 2, 3], weights=[0.25, 0.35, 0.4])[0]
        if rng.random() < 0.25:
            p = corpus.apples(rng, level, rng.choice(["en", "zh"]))
        else:
            p = corpus.make(rng, rng.choice(list(corpus.FAMILIES)), level)
    if rng.random() >= 0.75:
        return p
    # why: the extra draw only for a mix, so every single wording's stream stays byte-identical
    vocab = rng.choice(wording) if isinstance(wording, tuple) else wording
    return reword.reword(p, rng, vocab)


def load_distilled(path: str, held_out: set[str]) -> list[tuple[str, str]]:
    """(question, chain) pairs of `cot-sc distill` output (issue 17's self-improvement), held-out questions dropped."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                if row["question"] not in held_out:
                    pairs.append((row["question"], row["chain"]))
    return pairs


def stream(seed: int, tok: CharTokenizer, held_out: set[str], drill_share: float,
           distilled: list[tuple[str, str]] | None = None, distilled_share: float = 0.0, max_len: int = 1024):
    """Endless (ids, mask) examples, deterministic from the seed; with `distilled`, that share of the
    rows are the model's own voted, verified chains (mixed with the corpus so nothing is forgotten)."""
    placed = corpus.placed()
    carryless = corpus.carryless()
    rng = random.Random(seed)
    while True:
        if distilled and rng.random() < distilled_share:
            question, chain = rng.choice(distilled)
            prompt, completion = f"Q: {question}\nA: ", chain
        else:
            if rng.random() < drill_share:
                text, mask = drills.row(rng, placed=placed, carryless=carryless)
                ids = tok.encode(text)
                if len(ids) == len(mask):  # drills are ASCII: one token per character
                    yield ids, mask
                continue
            p = problem(rng)
            if p.question in held_out:
                continue
            prompt, completion = corpus.format_example(p)
        a, b = tok.encode(prompt), tok.encode(completion) + [tok.eos_id]
        # why: past the model's positions there is no embedding (phase 10's first run stopped at step 820
        # on a restated Chinese apple problem in the long template); no earlier stream held such a row
        if len(a) + len(b) > max_len:
            continue
        yield a + b, [0] * len(a) + [1] * len(b)


def batches(examples, tokens_per_batch: int, seed: int, window: int = 2048):
    """Rows sorted by length within windows of the stream (less padding), batches shuffled in a window."""
    rng = random.Random(seed)
    while True:
        chunk = sorted((next(examples) for _ in range(window)), key=lambda e: len(e[0]))
        local, group, width = [], [], 0
        for e in chunk:
            w = max(width, len(e[0]))
            if group and (len(group) + 1) * w > tokens_per_batch:
                local.append(group)
                group, w = [], len(e[0])
            group.append(e)
            width = w
        if group:
            local.append(group)
        rng.shuffle(local)
        yield from local


def tensors(group, pad: int):
    """Inputs and targets: position t predicts token t+1 where the mask marks token t+1."""
    width = max(len(ids) for ids, _ in group)
    x = torch.full((len(group), width - 1), pad, dtype=torch.long)
    y = torch.full((len(group), width - 1), -100, dtype=torch.long)
    for r, (ids, mask) in enumerate(group):
        seq = torch.tensor(ids)
        x[r, :len(ids) - 1] = seq[:-1]
        target = seq[1:].clone()
        target[torch.tensor(mask[1:]) == 0] = -100
        y[r, :len(ids) - 1] = target
    return x, y


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--init", default="models/cot-sc-gpt2-tiny/pytorch_checkpoint.pt")
    ap.add_argument("--out", default="models/cot-sc-gpt2-tiny")
    ap.add_argument("--seed", type=int, default=301)
    ap.add_argument("--minutes", type=float, default=90)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--drill-share", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--distilled", help="cot-sc distill output to mix in (self-improvement round)")
    ap.add_argument("--distilled-share", type=float, default=0.3)
    ap.add_argument("--chain-format", choices=corpus.CHAIN_FORMATS[1:], default="worked",
                    help="placed: sums and differences by place value too (phase 6; arith.work); carryless: placed "
                         "with no link carrying or borrowing (arith.part_moves); anchored: carryless with copied numbers "
                         "next to exact anchors (phase 9; corpus.anchored); restated: anchored, an apple or shopping step's "
                         "numbers restated with their words first (phase 10; corpus.restated); restated_apples: "
                         "restated for apples, shopping as anchored (phase 11; corpus.restated_apples); cued: restated_apples "
                         "with shopping's purchases quoted from the question after a cue (phase 13; corpus.cued); quoted_ratio: "
                         "restated_apples with an English apple chain's multiple quoted (phase 22; corpus.quoted_ratio); "
                         "quoted: quoted_ratio and cued at once (corpus.quoted_ratio, corpus.cued); quoted_rates: quoted_ratio with a "
                         "rates chain's bonus and spending sentences quoted (corpus.quoted_rates)")
    ap.add_argument("--wording", choices=list(WORDING), default="train",
                    help="the reword vocabulary of the questions: train (phases 3 to 11), wide (phase 12: made-up "
                         "names and objects, more phrasings; reword.WIDE) or wide_steady_rates (phase 13: wide without "
                         "its rates sentence orders; reword.WIDE_STEADY_RATES) or wide_fresh (phase 17: half the names "
                         "and objects made up afresh for each problem; reword.WIDE_FRESH) or wide_spoken (wide_fresh, a "
                         "share of the story questions with pronouns or in the past tense; reword.WIDE_SPOKEN) or "
                         "wide_steady_spoken (the same forms on wide_steady_rates; reword.WIDE_STEADY_SPOKEN) or wide_mix "
                         "(each reworded question in one of wide_steady_rates, wide_fresh and wide_steady_spoken; reword.WIDE_MIX)")
    ap.add_argument("--work", default=WORK, help="where the state, weights and meta go (two runs side by side need two)")
    ap.add_argument("--focus", help="FAMILY:LEVEL:SHARE, e.g. shopping:3:0.2: that share of the word problems drawn "
                                    "from one family and level (phase 16), the rest as usual")
    args = ap.parse_args()
    corpus.CHAIN_FORMAT = args.chain_format
    global wording, focus
    wording = WORDING[args.wording]
    if args.focus:
        family, level, share = args.focus.split(":")
        if family not in corpus.FAMILIES or level not in ("1", "2", "3") or not 0 < float(share) <= 1:
            raise SystemExit(f"--focus {args.focus}: expected FAMILY:LEVEL:SHARE with a family of {sorted(corpus.FAMILIES)}, level 1-3, share in (0, 1]")
        focus = (family, int(level), float(share))
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    state_path = os.path.join(args.work, "worked-state.pt")

    tok = CharTokenizer.load(args.out)
    held_out = fixture_questions() | dev_questions()
    saved = torch.load(args.init)
    config = GPTConfig(**saved["config"])
    model = GPT(config)
    model.load_state_dict(saved["state"])
    optimizer = make_optimizer(model, args.lr)
    step, elapsed, seen, curve = 0, 0.0, 0, []
    if args.resume and os.path.exists(state_path):
        state = torch.load(state_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, elapsed, seen, curve = state["step"], state["elapsed"], state["seen"], state["curve"]
        args.minutes = state["minutes"]
        print(f"resumed at step {step}, {elapsed / 60:.1f} min", flush=True)
    budget = args.minutes * 60

    distilled = load_distilled(args.distilled, held_out) if args.distilled else None
    if distilled is not None:
        print(f"mixing {len(distilled)} distilled chains at share {args.distilled_share}", flush=True)
    data = batches(stream(args.seed, tok, held_out, args.drill_share, distilled, args.distilled_share, config.n_positions),
                   args.batch_tokens, args.seed)
    for _ in range(step):  # replay the stream to where the saved run stopped
        next(data)

    def lr_at(step: int, elapsed: float) -> float:
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        progress = min(1.0, elapsed / budget)
        return args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))

    def save() -> None:
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                    "elapsed": elapsed, "seen": seen, "curve": curve, "minutes": args.minutes}, state_path + ".tmp")
        os.replace(state_path + ".tmp", state_path)

    model.train()
    last_save = time.time()
    start = time.time() - elapsed
    while elapsed < budget:
        x, y = tensors(next(data), tok.eos_id)
        loss = train_step(model, optimizer, x, y, lr_at(step, elapsed))
        seen += x.numel()
        elapsed = time.time() - start
        if step % 50 == 0:
            curve.append({"step": step, "tokens": seen, "loss": round(loss.item(), 4), "seconds": round(elapsed, 1)})
            print(f"step {step} loss {loss.item():.4f} lr {lr_at(step, elapsed):.2e} {seen / elapsed:.0f} tok/s "
                  f"{elapsed / 60:.1f} min", flush=True)
        step += 1
        if time.time() - last_save > 300:
            save()
            last_save = time.time()
    save()
    torch.save({"config": config.to_dict(), "state": model.state_dict()}, os.path.join(args.work, "worked.pt"))
    meta = {"phase": 3, "init": args.init, "seed": args.seed, "minutes": args.minutes, "steps": step,
            "tokens_seen": seen, "train_seconds": round(elapsed), "lr": args.lr, "warmup": args.warmup,
            "batch_tokens": args.batch_tokens, "drill_share": args.drill_share, "threads": args.threads,
            "chain_format": args.chain_format, "wording": args.wording, "distilled": args.distilled, "distilled_share": args.distilled_share if args.distilled else 0,
            "focus": args.focus,
            "parameters": model.num_parameters(), "loss_curve": curve}
    with open(os.path.join(args.work, "worked_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"trained {step} steps in {elapsed / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
