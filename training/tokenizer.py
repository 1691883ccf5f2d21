"""A character-level tokenizer with a byte fallback, written as a Hugging Face `tokenizer.json`.

Every character of the training corpus (plus printable ASCII) is one token; any other character is
encoded as its UTF-8 bytes (`<0xE4>` ...), so every input encodes and decodes without loss. In
`tokenizer.json` this is a BPE model with no merges and `byte_fallback: true`, the layout Llama's
tokenizers use, which the `tokenizers` libraries (Rust, Python, JS) read as they are.
"""
from __future__ import annotations

import json

EOS = "<|endoftext|>"


class CharTokenizer:
    def __init__(self, chars: list[str]) -> None:
        self.vocab: dict[str, int] = {EOS: 0}
        for b in range(256):
            self.vocab[f"<0x{b:02X}>"] = len(self.vocab)
        for c in chars:
            if c not in self.vocab:
                self.vocab[c] = len(self.vocab)
        self.inverse = {i: t for t, i in self.vocab.items()}
        self.eos_id = 0

    @classmethod
    def from_texts(cls, texts) -> "CharTokenizer":
        chars = set(chr(c) for c in range(32, 127)) | {"\n"}
        for t in texts:
            chars.update(t)
        return cls(sorted(chars))

    def __len__(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        ids = []
        for c in text:
            i = self.vocab.get(c)
            if i is None:
                ids.extend(1 + b for b in c.encode("utf-8"))
            else:
                ids.append(i)
        return ids

    def decode(self, ids) -> str:
        out = bytearray()
        for i in ids:
            if i == self.eos_id:
                continue
            if 1 <= i <= 256:
                out.append(i - 1)
            else:
                out.extend(self.inverse[i].encode("utf-8"))
        return out.decode("utf-8", errors="replace")

    def tokenizer_json(self) -> dict:
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": 0, "content": EOS, "single_word": False, "lstrip": False, "rstrip": False,
                              "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": None,
            "post_processor": None,
            "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}]},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": True,
                      "ignore_merges": False, "vocab": self.vocab, "merges": []},
        }

    def tokenizer_config(self, max_length: int) -> dict:
        return {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": EOS, "eos_token": EOS, "pad_token": EOS, "unk_token": None,
            "model_max_length": max_length, "add_bos_token": False, "clean_up_tokenization_spaces": False,
        }

    def save(self, directory: str, max_length: int) -> None:
        with open(f"{directory}/tokenizer.json", "w", encoding="utf-8") as f:
            json.dump(self.tokenizer_json(), f, ensure_ascii=False, indent=1)
        with open(f"{directory}/tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump(self.tokenizer_config(max_length), f, ensure_ascii=False, indent=1)

    @classmethod
    def load(cls, directory: str) -> "CharTokenizer":
        with open(f"{directory}/tokenizer.json", encoding="utf-8") as f:
            vocab = json.load(f)["model"]["vocab"]
        chars = [t for t, i in sorted(vocab.items(), key=lambda kv: kv[1]) if i > 256]
        return cls(chars)
