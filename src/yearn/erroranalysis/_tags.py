"""Tag cells and suggestion rules.

**Tag cells.** A worksheet cell holds several tags separated by ``;`` (``blurry; great cat``).
Spaces around each tag are dropped, empty pieces are ignored, case is kept. A tag is 1 to
60 characters: letters (any script), digits, spaces and ``_ - . / ' + &``; it must start
with a letter or digit. A ``,`` or ``|`` in a cell is refused (use ``;``).

**Rules.** ``<condition> [and <condition> ...] -> <tag>`` (``→`` works too), where a
condition is ``<column> <op> <value>`` with op one of ``> >= < <= == !=`` and value a number
or a word / quoted string: ``blur > 0.5 -> blurry``,
``source == phone and contrast < 0.4 -> low contrast``. Conditions on a missing value are
false.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from yearn.errors import ConfigError, DataError

__all__ = [
    "TAG_SEPARATOR",
    "Condition",
    "Rule",
    "check_tag",
    "format_tags",
    "parse_rule",
    "parse_tag_cell",
]

TAG_SEPARATOR = ";"
_TAG = re.compile(r"^[^\W_][\w \-./'+&]{0,59}$")
_COND = re.compile(
    r"""^\s*(?P<col>[^\s<>=!]+|`[^`]+`)\s*(?P<op>>=|<=|==|!=|>|<)\s*
    (?P<val>"[^"]*"|'[^']*'|\S+)\s*$""",
    re.VERBOSE,
)


def check_tag(tag: str, *, where: str = "tag") -> str:
    """Return ``tag`` stripped, or raise naming what is wrong with it."""
    text = str(tag).strip()
    if not _TAG.match(text):
        raise DataError(
            f"{where}: {text!r} is not a valid tag; a tag is 1-60 letters, digits, spaces or "
            "_-./'+& starting with a letter or digit (separate several tags with ';')."
        )
    return text


def parse_tag_cell(cell: object, *, where: str = "tags cell") -> list[str]:
    """Split one ``;``-separated cell into tags (empty / NaN → no tags)."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    text = str(cell).strip()
    if not text:
        return []
    for bad in (",", "|", "\n"):
        if bad in text:
            shown = "newline" if bad == "\n" else repr(bad)
            fixed = "; ".join(p.strip() for p in re.split(r"[,|\n]", text) if p.strip())
            raise DataError(
                f"{where}: {text!r} contains {shown}; separate tags with ';' (e.g. {fixed!r})."
            )
    tags: list[str] = []
    for piece in text.split(TAG_SEPARATOR):
        if piece.strip():
            tag = check_tag(piece, where=where)
            if tag not in tags:
                tags.append(tag)
    return tags


def format_tags(tags: Iterable[str]) -> str:
    """Join tags into one cell (``a; b``), validating each and dropping duplicates."""
    out: list[str] = []
    for t in tags:
        tag = check_tag(t)
        if tag not in out:
            out.append(tag)
    return f"{TAG_SEPARATOR} ".join(out)


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: float | str

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        if self.column not in frame:
            raise DataError(
                f"rule condition on column {self.column!r}, which the table does not have; "
                f"columns are {', '.join(map(str, frame.columns))}."
            )
        col = frame[self.column]
        if isinstance(self.value, float):
            num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            if self.op not in ("==", "!=") and np.isnan(num).all() and col.notna().any():
                raise DataError(
                    f"rule compares column {self.column!r} with the number {self.value:g}, but "
                    "it holds no numbers; quote the value to compare text."
                )
            left, right = num, self.value
            present = ~np.isnan(num)
        else:
            left = col.astype(str).to_numpy()
            right = self.value
            present = col.notna().to_numpy()
            if self.op not in ("==", "!="):
                raise ConfigError(
                    f"rule condition {self}: text values only support == and !=; "
                    "use a number for <, <=, >, >=."
                )
        with np.errstate(invalid="ignore"):
            result = {
                ">": lambda: left > right,
                ">=": lambda: left >= right,
                "<": lambda: left < right,
                "<=": lambda: left <= right,
                "==": lambda: left == right,
                "!=": lambda: left != right,
            }[self.op]()
        return np.asarray(result, dtype=bool) & present

    def __str__(self) -> str:
        val = f"{self.value:g}" if isinstance(self.value, float) else repr(self.value)
        return f"{self.column} {self.op} {val}"


@dataclass(frozen=True)
class Rule:
    """Conditions joined by ``and`` and the tag they suggest."""

    conditions: tuple[Condition, ...]
    tag: str

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.ones(len(frame), dtype=bool)
        for cond in self.conditions:
            out &= cond.mask(frame)
        return out

    def __str__(self) -> str:
        return " and ".join(map(str, self.conditions)) + f" -> {self.tag}"


def parse_rule(text: str | Rule) -> Rule:
    """Parse ``"blur > 0.5 -> blurry"`` (see the module docstring for the syntax)."""
    if isinstance(text, Rule):
        return text
    raw = str(text)
    parts = re.split(r"\s*(?:->|→)\s*", raw)
    hint = "write it as '<column> <op> <value> [and ...] -> <tag>', e.g. 'blur > 0.5 -> blurry'"
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise ConfigError(f"rule {raw!r}: {hint}.")
    tag = check_tag(parts[1], where=f"rule {raw!r}")
    conditions = []
    for piece in re.split(r"\s+and\s+", parts[0].strip(), flags=re.IGNORECASE):
        match = _COND.match(piece)
        if not match:
            raise ConfigError(f"rule {raw!r}: cannot read condition {piece!r}; {hint}.")
        col = match["col"].strip("`")
        val_text = match["val"]
        value: float | str
        if val_text[0] in "\"'":
            value = val_text[1:-1]
        else:
            try:
                value = float(val_text)
            except ValueError:
                value = val_text
        conditions.append(Condition(col, match["op"], value))
    return Rule(tuple(conditions), tag)
