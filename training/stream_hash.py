"""A fingerprint of the training stream: the first 3,000 rows of `train_worked.stream` (seed 5) hashed, for a
chain format and a wording. A change meant for one format checks with it that the others' streams are
byte-identical.

    /usr/bin/python3 training/stream_hash.py restated_apples wide
"""
import hashlib
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402
import train_worked  # noqa: E402
from tokenizer import CharTokenizer  # noqa: E402

fmt = sys.argv[1]
corpus.CHAIN_FORMAT = fmt
if len(sys.argv) > 2:
    train_worked.wording = train_worked.WORDING[sys.argv[2]]
tok = CharTokenizer.load(os.path.join(os.path.dirname(__file__), "..", "models", "cot-sc-gpt2-tiny"))
h = hashlib.sha256()
for ids, mask in itertools.islice(train_worked.stream(5, tok, set(), 0.3), 3000):
    h.update(bytes(str(ids), "ascii"))
    h.update(bytes(str(mask), "ascii"))
print(fmt, sys.argv[2] if len(sys.argv) > 2 else "train", h.hexdigest()[:16])
