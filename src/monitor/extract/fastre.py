"""Regex alternations rewritten so Python's engine tries them fast, with the same matches.

Python's `re` tries the alternatives of `a|b|c` one after another at every position of
the text. An alternative that starts with a plain letter is skipped on one character
test; one that starts with `\\b`, a group or a class is entered and costs much more. The
rule regexes are long lists of phrases, so most of their time went into such attempts.

The rewrites here only regroup: at any position, the alternatives that can match there
are tried in the same order as in the flat list, so every search, match and split gives
the same result (tests/test_fastre.py checks each use against its flat form). The
splitter and the guard test are exact in the same sense.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_QUANTIFIERS = frozenset("?*+{")
_META = frozenset("\\.^$*+?{}[]|()")
# every (flat form, regrouped form) made at import time, for tests/test_fastre.py to check
REGROUPED: list[tuple[str, str]] = []


def alternation(words: list[str] | tuple[str, ...] | dict[str, int]) -> str:
    """`"|".join(words)` for plain lowercase words, grouped by first letter: at a position
    only the words starting with the letter there can match, in their listed order."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(re.escape(w[1:]))
    return "|".join(re.escape(c) + "(?:" + "|".join(rest) + ")" for c, rest in groups.items())


def regroup(pattern: str) -> str:
    """`pattern` (`\\b(?:a|b|...)rest`, `(?:a|b|...)rest` or `a|b|...`) with its
    alternatives regrouped by dispatch(): same matches, fewer attempts."""
    lead = r"\b" if pattern.startswith(r"\b(?:") else ""
    body = pattern[len(lead):]
    if body.startswith("(?:"):
        end = _group_end(body)
        if body[end + 1:end + 2] not in ("*", "+", "?", "{"):
            return lead + "(?:" + dispatch(phrases(body[3:end])) + ")" + body[end + 1:]
    if lead:
        raise ValueError(f"cannot regroup {pattern!r}")
    return dispatch(phrases(pattern))


def phrases(source: str) -> list[str]:
    """The top-level alternatives of a regex, with a leading group of alternatives spelt
    out (`(?:a|b)c` -> `ac`, `bc`; `(?:a)?b` -> `ab`, `b`), in the order the engine tries
    them: the input form for dispatch()."""
    out: list[str] = []
    for alt in _split_top(source):
        out.extend(_spell_out(alt))
    return out


def _structure(source: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) for each character of `source` that is
    regex syntax: escapes and character classes are stepped over."""
    depth, i, in_class = 0, 0, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c in "()":
            depth += 1 if c == "(" else -1
            yield i, c, depth
        elif c == "|":
            yield i, c, depth
        i += 1


def _split_top(source: str) -> list[str]:
    parts, start = [], 0
    for i, c, depth in _structure(source):
        if c == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    parts.append(source[start:])
    return parts


def _group_end(source: str) -> int:
    """Index of the ")" closing the group that opens `source`."""
    for i, c, depth in _structure(source):
        if c == ")" and depth == 0:
            return i
    raise ValueError(f"unbalanced group in {source!r}")


def _spell_out(alt: str) -> list[str]:
    if alt.startswith(r"\b(?:"):
        spelt = _spell_out(alt[2:])
        return [r"\b" + x for x in spelt] if spelt != [alt[2:]] else [alt]
    if not alt.startswith("(?:"):
        return [alt]
    end = _group_end(alt)
    inner, rest = alt[3:end], alt[end + 1:]
    if rest[:1] in ("*", "+", "{") or rest.startswith("??"):
        return [alt]                      # repeated or lazy: left whole (dispatch refuses it)
    if rest.startswith("?"):               # greedy optional: with the group first
        return [*(x for a in _split_top(inner) for x in _spell_out(a + rest[1:])),
                *_spell_out(rest[1:])]
    return [x for a in _split_top(inner) for x in _spell_out(a + rest)]


def dispatch(alternatives: list[str]) -> str:
    """`"|".join(alternatives)`, regrouped under the first letter each one needs.

    Each alternative must start with a plain character (a word character if after `\\b`),
    `\\w+` (optionally after `\\b`) or `\\d`; anything else raises ValueError, so a new
    phrase that would break the regrouping is caught when the module loads. A leading `\\b`
    becomes `(?<!\\w\\w)` after the character (the same test, made once the character is
    known to be a word character); a `\\w+` phrase is tried inside every word character's
    group, at its place in the list, and again for word characters no group starts with.
    """
    entries: list[tuple[str, str, str]] = []   # (kind, first char, pattern after it)
    has_digit_kind = any(a.startswith(r"\d") for a in alternatives)
    for alt in alternatives:
        if alt.startswith((r"\w+", r"\b\w+")):
            bounded = alt.startswith(r"\b")
            rest = alt[5:] if bounded else alt[3:]
            # before \s the word can only end where the \w run ends: never backtrack into it
            entries.append(("word", r"\b" if bounded else "",
                            ("+" if rest.startswith(r"\s") else "") + rest))
            continue
        if alt.startswith(r"\d"):
            entries.append(("digit", "", alt))
            continue
        bounded = alt.startswith(r"\b")
        body = alt[2:] if bounded else alt
        if body[:1] == "\\" and body[1:2] and not body[1].isalnum():
            first, rest = body[1], body[2:]          # an escaped punctuation mark: \+ \.
        else:
            first, rest = body[:1], body[1:]
            if first in _META:
                first = ""
        word = bool(first) and re.match(r"\w", first) is not None
        if (not first or rest[:1] in _QUANTIFIERS or (bounded and not word)
                or (first.isdigit() and has_digit_kind)):
            raise ValueError(f"cannot regroup alternative {alt!r}: it must start with a "
                             r"plain character (after \b, a word character), \w+ or \d")
        entries.append(("char", first, (r"(?<!\w\w)" if bounded else "") + rest))
    firsts = list(dict.fromkeys(c for kind, c, _ in entries if kind == "char"))
    out = []
    for first in firsts:
        word = re.match(r"\w", first) is not None
        rests = [rest if kind == "char" else
                 (r"(?<!\w\w)" if c else "") + r"\w*" + rest   # a word phrase's \b
                 for kind, c, rest in entries
                 if (kind == "char" and c == first) or (kind == "word" and word)]
        shared = r"(?<!\w\w)"               # every phrase here asks for \b: test it once
        if word and len(rests) > 1 and all(r.startswith(shared) for r in rests):
            rests = [r[len(shared):] for r in rests]
            out.append(re.escape(first) + shared + "(?:" + "|".join(rests) + ")")
        else:
            out.append(re.escape(first) + "(?:" + "|".join(rests) + ")")
    others = r"[^\W" + "".join(re.escape(c) for c in firsts if re.match(r"\w", c)) + "]"
    for kind, prefix, rest in entries:     # a word phrase keeps its \b in `prefix`
        if kind == "word":
            out.append(prefix + others + r"\w*" + rest)
        elif kind == "digit":
            out.append(rest)
    fast = "|".join(out)
    REGROUPED.append(("|".join(alternatives), fast))
    return fast


def splitter(marks: str, ahead: str) -> Callable[[str], list[str]]:
    """`re.compile(r"(?<=[marks])\\s+(?=ahead)").split`, faster: the pattern is written to
    start with the mark itself (which the engine finds by a fast character scan, where a
    leading look-behind is tried at every position), and the mark is kept in the piece
    before the break. Same pieces for every text (tests/test_fastre.py)."""
    rx = re.compile(f"[{marks}]\\s+(?={ahead})")

    def split(text: str) -> list[str]:
        out, prev = [], 0
        for m in rx.finditer(text):
            out.append(text[prev:m.start() + 1])
            prev = m.end()
        out.append(text[prev:])
        return out

    return split


def holds_any(text: str, words: tuple[str, ...]) -> bool:
    """Does `text` hold one of `words`? The test behind the extractors' scan guards: a
    pattern whose every match holds one of its guard words cannot match a text without."""
    return any(map(text.__contains__, words))
