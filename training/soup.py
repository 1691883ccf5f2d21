"""Two checkpoints of one line averaged weight by weight (a "model soup", Wortsman et al. 2022; WiSE-FT's
interpolation between a model and its own fine-tune, Wortsman et al. 2022): `(1 - alpha) * A + alpha * B`.

A fine-tune (B) that learns a new wording while forgetting part of what its start (A) read right can keep
much of both at a point between them (B started from A, the case averaging is known to work for). Nothing is trained.

    /usr/bin/python3 training/soup.py A.pt B.pt OUT.pt [--alpha 0.5]
"""
from __future__ import annotations

import argparse

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("out")
    ap.add_argument("--alpha", type=float, default=0.5, help="B's weight (0: A alone, 1: B alone)")
    args = ap.parse_args()
    if not 0 <= args.alpha <= 1:
        raise SystemExit(f"--alpha {args.alpha}: expected a number in [0, 1]")
    a, b = torch.load(args.a, map_location="cpu"), torch.load(args.b, map_location="cpu")
    if a["config"] != b["config"] or a["state"].keys() != b["state"].keys():
        raise SystemExit(f"{args.a} and {args.b}: not the same architecture (config or parameter names differ)")
    state = {name: (1 - args.alpha) * a["state"][name] + args.alpha * b["state"][name] for name in a["state"]}
    torch.save({"config": a["config"], "state": state, "soup": {"a": args.a, "b": args.b, "alpha": args.alpha}},
               args.out)


if __name__ == "__main__":
    main()
