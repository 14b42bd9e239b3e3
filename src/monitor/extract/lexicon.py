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


_EXACT, _PREFIX, _NUM, _ANY = 0, 1, 2, 3
Pattern = tuple[tuple[int, str], ...]


def _compile(words: tuple[str, ...]) -> Pattern:
    out = []
    for w in words:
        if w == "#":
            out.append((_NUM, ""))
        elif w == "?":
            out.append((_ANY, ""))
        elif w.endswith("*"):
            out.append((_PREFIX, w[:-1]))
        else:
            out.append((_EXACT, w))
    return tuple(out)


@dataclass
class Lexicon:
    # one-word phrases by their word; longer ones by their first two words (or first word
    # and "#"); phrases opening with a prefix or a wildcard by their first word's stem
    single: dict[str, str] = field(default_factory=dict)
    multi: dict[tuple[str, str], list[tuple[Pattern, str]]] = field(default_factory=dict)
    prefix: dict[str, list[tuple[Pattern, str]]] = field(default_factory=dict)
    prefix_lengths: set[int] = field(default_factory=set)
    num_first: list[tuple[Pattern, str]] = field(default_factory=list)
    by_tag: dict[str, list[str]] = field(default_factory=dict)
    stem_index: dict[str, list[tuple[Pattern, str]]] = field(default_factory=dict)

    def _stems(self, low: str) -> list[tuple[Pattern, str]]:
        """The phrases opening with a stem this word begins with, looked up once per word
        (a site's vocabulary is a few thousand words, so the table stays small)."""
        got = self.stem_index.get(low)
        if got is None:
            got = [pt for ln in self.prefix_lengths if ln <= len(low)
                   for pt in self.prefix.get(low[:ln], ())]
            if len(self.stem_index) > 100_000:
                self.stem_index.clear()
            self.stem_index[low] = got
        return got

    def phrases(self, tag: str) -> list[str]:
        """The phrases added under `tag` (folded)."""
        return self.by_tag.get(tag, [])

    def add(self, tag: str, phrase: str) -> None:
        words = tuple(fold(w) for w in phrase.split())
        self.by_tag.setdefault(tag, []).append(" ".join(words))
        if not words:
            return
        pat = _compile(words)
        mode, head = pat[0]
        if mode == _PREFIX:
            self.prefix.setdefault(head, []).append((pat, tag))
            self.prefix_lengths.add(len(head))
        elif mode != _EXACT:
            self.num_first.append((pat, tag))
        elif len(pat) == 1:
            self.single.setdefault(head, tag)
        elif pat[1][0] == _EXACT:
            self.multi.setdefault((head, pat[1][1]), []).append((pat, tag))
        else:
            self.multi.setdefault((head, "*"), []).append((pat, tag))

    def spans(self, toks: list[Tok]) -> list[Span | None]:
        """Per token, the tagged span covering it (None when untagged): the longest phrase
        starting at each token, left to right."""
        out: list[Span | None] = [None] * len(toks)
        i, n = 0, len(toks)
        single, multi = self.single, self.multi
        while i < n:
            t = toks[i]
            low = t.low
            nxt = toks[i + 1].low if i + 1 < n else ""
            best_len, best_tag = 0, ""
            cands = multi.get((low, nxt))
            if cands:
                for pat, tag in cands:
                    k = _match(pat, toks, i)
                    if k > best_len:
                        best_len, best_tag = k, tag
            cands = multi.get((low, "*"))
            if cands:
                for pat, tag in cands:
                    k = _match(pat, toks, i)
                    if k > best_len:
                        best_len, best_tag = k, tag
            if t.kind == "num":
                for pat, tag in self.num_first:
                    k = _match(pat, toks, i)
                    if k > best_len:
                        best_len, best_tag = k, tag
            elif t.kind == "word":
                for pat, tag in self._stems(low):
                    k = _match(pat, toks, i)
                    if k > best_len:
                        best_len, best_tag = k, tag
            # a word listed whole is more specific than a stem that covers it
            if (best_len <= 1 and t.kind != "num") or (t.kind == "num" and not best_len
                                                      and low[:1].isdigit()):
                tag = single.get(low)
                # "registró" is a verb, "registro" a noun: a Spanish preterite keeps its
                # accent, which folding drops, so a word ending in "ó" is no counted thing
                if tag is not None and not (tag.startswith("thing.") and t.text[-1:] in "óÓ"):
                    best_len, best_tag = 1, tag
            if best_len:
                span = Span(best_tag, i, i + best_len)
                for j in range(i, i + best_len):
                    out[j] = span
                i += best_len
            else:
                i += 1
        return out


def _match(pat: Pattern, toks: list[Tok], i: int) -> int:
    """Tokens `pat` covers from toks[i], or 0."""
    n = len(pat)
    if i + n > len(toks):
        return 0
    for k in range(n):
        mode, w = pat[k]
        t = toks[i + k]
        if mode == _EXACT:
            if t.low != w or (t.kind == "num" and not w[:1].isdigit()):
                return 0
        elif mode == _NUM:
            if t.kind != "num":
                return 0
        elif mode == _PREFIX:
            if t.kind == "num" or not t.low.startswith(w):
                return 0
        elif t.kind != "word":
            return 0
    return n


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
                if tag.startswith("org.") and len(p.split()) > 1:
                    # "el Observatorio Cubano de Derechos Humanos": a name with its article
                    # is the name, so the article never starts a shorter one
                    for art in _ARTICLES:
                        if not p.startswith(art + " "):
                            lex.add(tag, f"{art} {p}")
    return lex


_ARTICLES = ("el", "la", "los", "las", "the")
