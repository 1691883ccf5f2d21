"""How people write a problem down that the templates never do: a pronoun for the person already named, and the
story told in the past tense.

Phase 17's chains on the handwritten development set (`Kofi has $45. He buys 3 books ...`, `She paid with a $50
note. What change did she get back?`) were right 45.6% of the time against 97.5% on `medium`: every corpus
question names its person in each sentence and tells it in the present tense, so a question that does neither
reads as another template. These transforms are generic English (no phrase of a development set), applied to a
share of the reworded questions (`reword.Vocabulary.spoken`); the chain keeps the name and its own tense, so it
must recover the name from the question's first mention.
"""
from __future__ import annotations

import random
import re

# families whose questions tell one person's story; ages compares several people (`as old as Tom`: a pronoun
# would be ambiguous, a past tense would change the arithmetic) and apples has its own storytelling forms
STORY_FAMILIES = frozenset({"shopping", "sharing", "rates", "percentages"})

# third-person present forms of the corpus's verbs and those of every wording (DEV's too, so that its spoken
# development set reads as English), with their past tense
_PAST = {
    "buys": "bought", "pays": "paid", "gets": "got", "takes": "took", "grabs": "grabbed", "needs": "needed",
    "selects": "selected", "uses": "used", "puts": "put", "has": "had", "gives": "gave", "shares": "shared",
    "splits": "split", "divides": "divided", "donates": "donated", "sends": "sent", "finds": "found",
    "receives": "received", "earns": "earned", "works": "worked", "spends": "spent", "makes": "made",
    "charges": "charged", "is": "was", "are": "were", "does": "did", "collects": "collected", "costs": "cost",
    "remains": "remained", "saves": "saved", "adds": "added", "keeps": "kept", "sells": "sold",
    "hands": "handed", "picks": "picked", "purchases": "purchased", "chooses": "chose", "orders": "ordered",
    "passes": "passed",
}
_PAST_RE = re.compile(r"\b(" + "|".join(sorted(_PAST, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def past_tense(question: str) -> str:
    """The question told in the past tense: `Rosa buys 4 notebooks ... How much change does Rosa get?` →
    `Rosa bought 4 notebooks ... How much change did Rosa get?` (the verb after `does` is already bare)."""
    def past(m: re.Match[str]) -> str:
        word = _PAST[m.group(1).lower()]
        return word.capitalize() if m.group(1)[0].isupper() else word
    return _PAST_RE.sub(past, question)


def pronouns(question: str, name: str, rng: random.Random) -> str:
    """Every mention of `name` after its first as he or she (him, his, her): the chain still names the person."""
    first = re.search(rf"\b{re.escape(name)}\b", question)
    if first is None:
        return question
    subject, obj, possessive = rng.choice([("he", "him", "his"), ("she", "her", "her")])
    head, tail = question[: first.end()], question[first.end():]

    def one(m: re.Match[str]) -> str:
        before = tail[: m.start()]
        if m.group(2):  # `Rosa's pay`
            word = possessive
        elif re.search(r"\b(for|to|with|from|by|of)\s$", before):
            word = obj
        else:
            word = subject
        at_start = re.search(r"[.?!:]\s*$", before) is not None
        return word.capitalize() if at_start else word
    return head + re.sub(rf"\b({re.escape(name)})('s)?\b", one, tail)


def speak(question: str, family: str, name: str | None, rng: random.Random, share: float) -> str:
    """Each transform on its own `share` of the questions of a story family (two draws, none for other families)."""
    if family not in STORY_FAMILIES:
        return question
    use_pronouns, use_past = rng.random() < share, rng.random() < share
    if use_pronouns and name is not None:
        question = pronouns(question, name, rng)
    if use_past:
        question = past_tense(question)
    return question
