"""Re-export ONNX files and reference outputs from the saved checkpoint (training/work/checkpoint.pt),
without retraining:  training/run.sh is the full pipeline; this is `/usr/bin/python3 training/reexport.py`."""
from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from export import export_all  # noqa: E402
from model import GPT, GPTConfig  # noqa: E402
from tokenizer import CharTokenizer  # noqa: E402

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="training/work/checkpoint.pt")
    ap.add_argument("--out", default="models/cot-sc-gpt2-tiny")
    args = ap.parse_args()
    saved = torch.load(args.checkpoint)
    model = GPT(GPTConfig(**saved["config"]))
    model.load_state_dict(saved["state"])
    export_all(model, CharTokenizer.load(args.out), args.out)
