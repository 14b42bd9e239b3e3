"""The lexicon: word classes as data, matched on tokens by dictionary lookups.

A vocabulary maps tags ("thing.prisoner", "event.leave", "window.12m", ...) to phrases.
A phrase is words separated by spaces; a word ending in `*` matches any word it begins
(`excarcel*`), `#` matches a number, `?` any one word. At each token the longest phrase
wins, and a tagged span is never split later (so 'Cuban Prisoners Defenders' is an
organisation, not a count of prisoners).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from monitor.extract.tokens import Tok, fold

SHARED = Path(__file__).with_name("lexicon.toml")


@dataclass(slots=True)
class Span:
    tag: str
    start: int      # token index
    end: int        # token index, exclusive


@dataclass
class Lexicon:
    exact: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    prefix: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    prefix_lengths: set[int] = field(default_factory=set)

    def add(self, tag: str, phrase: str) -> None:
        words = tuple(fold(w) for w in phrase.split())
        if not words:
            return
        head = words[0]
        if head.endswith("*"):
            key = head[:-1]
            self.prefix.setdefault(key, []).append((words, tag))
            self.prefix_lengths.add(len(key))
        else:
            self.exact.setdefault(head, []).append((words, tag))

    def candidates(self, low: str) -> list[tuple[tuple[str, ...], str]]:
        out = list(self.exact.get(low, ()))
        for n in self.prefix_lengths:
            if n <= len(low):
                out.extend(self.prefix.get(low[:n], ()))
        return out

    def spans(self, toks: list[Tok]) -> list[Span | None]:
        """Per token, the tagged span covering it (None when untagged)."""
        out: list[Span | None] = [None] * len(toks)
        i, n = 0, len(toks)
        while i < n:
            best: tuple[int, str] | None = None
            cands = self.candidates(toks[i].low)
            if toks[i].kind == "num":
                cands = cands + self.exact.get("#", [])
            for words, tag in cands:
                k = _match(words, toks, i)
                if k and (best is None or k > best[0]):
                    best = (k, tag)
            if best:
                span = Span(best[1], i, i + best[0])
                for j in range(i, i + best[0]):
                    out[j] = span
                i += best[0]
            else:
                i += 1
        return out


def _match(words: tuple[str, ...], toks: list[Tok], i: int) -> int:
    """Tokens `words` covers from toks[i], or 0."""
    if i + len(words) > len(toks):
        return 0
    for k, w in enumerate(words):
        t = toks[i + k]
        if w == "#":
            if t.kind != "num":
                return 0
        elif w == "?":
            if t.kind != "word":
                return 0
        elif w.endswith("*"):
            if not t.low.startswith(w[:-1]) or t.kind == "num":
                return 0
        elif t.low != w or (t.kind == "num" and not w[:1].isdigit()):
            return 0
    return len(words)


def load_toml(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def build(*tag_tables: dict[str, list[str]]) -> Lexicon:
    """One lexicon from tag tables (later tables add to earlier ones)."""
    lex = Lexicon()
    for table in tag_tables:
        for tag, phrases in table.items():
            for p in phrases:
                lex.add(tag, p)
    return lex
