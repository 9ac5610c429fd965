"""Tiny sentiment texts shared by the text-encoder tests."""

from __future__ import annotations

POSITIVE = [
    "what a wonderful, delightful film",
    "I loved every minute of it",
    "brilliant acting and a moving story",
    "a joy to watch, truly great",
    "fantastic, I would watch it again",
    "superb and heartwarming",
]
NEGATIVE = [
    "a dull, boring waste of time",
    "I hated this terrible movie",
    "awful acting and a stupid plot",
    "painfully bad, avoid it",
    "the worst film I have seen",
    "tedious and disappointing",
]
