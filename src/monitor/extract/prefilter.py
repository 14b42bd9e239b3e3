"""Skip a regex when the text cannot contain a match: a literal-substring prefilter.

Most sentences of a report carry no figure and no date, yet every rule regex would scan
them character by character. From a pattern's parse tree we derive, exactly, a few literal
strings one of which every match must contain (the idea behind RE2's and codesearch's
prefilters); a text holding none of them is answered "no match" by a substring test, which
costs a fraction of the scan. The answer is the same as the regex's, always: the gate only
ever says "cannot match", and when it cannot prove that it lets the regex run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from re import _constants as C
from re import _parser
from typing import Any

Need = frozenset[str] | None   # the text must contain one of these (None: no constraint)

_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT))
MAX_STRINGS = 128  # beyond this many alternatives, testing them costs about what the scan does


def _score(need: frozenset[str]) -> tuple[int, int]:
    """Longer shortest string first (rarer in text), then fewer strings (cheaper to test)."""
    return min(map(len, need)), -len(need)


def _better(a: Need, b: Need) -> Need:
    if a is None:
        return b
    if b is None:
        return a
    return b if _score(b) > _score(a) else a


def _seq(items: Any) -> Need:
    """A sequence matches only if every item does: any one item's need is a need of it."""
    best: Need = None
    run: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            best = _better(best, frozenset(("".join(run),)))
            run = []
        best = _better(best, _item(op, av))
    if run:
        best = _better(best, frozenset(("".join(run),)))
    return best


def _item(op: Any, av: Any) -> Need:
    if op is C.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & re.IGNORECASE:
            return None
        return _seq(sub.data)
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _seq(av.data)
    if op is C.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            need = _seq(alt.data)
            if need is None:
                return None   # one alternative can match without any known string
            out |= need
        return frozenset(out) if len(out) <= MAX_STRINGS else None
    if op in _REPEATS:
        lo, _hi, sub = av
        return _seq(sub.data) if lo >= 1 else None
    if op is C.IN and av and all(o is C.LITERAL for o, _ in av):
        return frozenset(chr(c) for _, c in av)
    # anchors, assertions, classes, any-char, back-references: nothing certain
    return None


def required_strings(pattern: re.Pattern[str]) -> Need:
    """Literal strings one of which every match of `pattern` contains, or None."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    need = _seq(_parser.parse(pattern.pattern, pattern.flags).data)
    if need is None or len(need) > MAX_STRINGS:
        return None
    return need


_NO_MATCHES: tuple[()] = ()


class Gate:
    """'Can this text hold one of these strings?', remembered for the last text asked.

    Patterns with the same required strings share one gate, and a sentence is put to many
    patterns in a row (every month grammar, say), so the test runs once per sentence."""

    __slots__ = ("_answer", "_last", "_need")

    def __init__(self, need: frozenset[str]) -> None:
        self._need = tuple(sorted(need, key=lambda s: (-len(s), s)))
        self._last: str | None = None
        self._answer = True

    def __call__(self, text: str) -> bool:
        if text is not self._last:
            self._answer = any(map(text.__contains__, self._need))
            self._last = text
        return self._answer


_GATES: dict[frozenset[str], Gate] = {}


class GatedPattern:
    """A compiled pattern that first checks, by substring tests, that a match is possible.

    Searches answer exactly as the pattern would: None, no matches, or the unchanged text
    when no required string is present, else the pattern's own answer. Anchored calls
    (match, fullmatch) go straight to the pattern: they fail fast on their own."""

    __slots__ = (
        "_rx",
        "flags",
        "fullmatch",
        "groupindex",
        "groups",
        "match",
        "pattern",
        "possible",
    )

    def __init__(self, rx: re.Pattern[str], need: frozenset[str]) -> None:
        self._rx = rx
        self.possible = _GATES.setdefault(need, Gate(need))
        self.pattern = rx.pattern
        self.flags = rx.flags
        self.groups = rx.groups
        self.groupindex = rx.groupindex
        self.match = rx.match
        self.fullmatch = rx.fullmatch

    def search(self, text: str, *args: int) -> re.Match[str] | None:
        return self._rx.search(text, *args) if self.possible(text) else None

    def finditer(self, text: str, *args: int) -> Iterator[re.Match[str]]:
        return self._rx.finditer(text, *args) if self.possible(text) else iter(_NO_MATCHES)

    def findall(self, text: str, *args: int) -> list[Any]:
        return self._rx.findall(text, *args) if self.possible(text) else []

    def split(self, text: str, maxsplit: int = 0) -> list[str | Any]:
        return self._rx.split(text, maxsplit) if self.possible(text) else [text]

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        return self._rx.sub(repl, text, count) if self.possible(text) else text

    def subn(self, repl: str | Callable[[re.Match[str]], str], text: str,
             count: int = 0) -> tuple[str, int]:
        return self._rx.subn(repl, text, count) if self.possible(text) else (text, 0)

    def __repr__(self) -> str:
        return f"GatedPattern({self._rx!r}, needs one of {list(self.possible._need)!r})"


def compile(pattern: str, flags: int = 0) -> Any:
    """re.compile, gated by required substrings when the pattern has any."""
    rx = re.compile(pattern, flags)
    need = required_strings(rx)
    return GatedPattern(rx, need) if need else rx
