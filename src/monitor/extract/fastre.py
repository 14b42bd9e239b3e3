"""Regex alternations rewritten so Python's engine tries them fast, with the same matches.

Python's `re` tries the alternatives of `a|b|c` one after another at every position of
the text. An alternative that starts with a plain letter is skipped on one character
test; one that starts with `\\b`, a group or a class is entered and costs much more. The
rule regexes are long lists of phrases, so most of their time went into such attempts.

Both helpers here only regroup: at any position, the alternatives that can match there
are tried in the same order as in the flat list, so every search, match and split gives
the same result (tests/test_fastre.py checks that against the flat form).
"""

from __future__ import annotations

import re

_QUANTIFIERS = frozenset("?*+{")


def alternation(words: list[str] | tuple[str, ...] | dict[str, int]) -> str:
    """`"|".join(words)` for plain lowercase words, grouped by first letter: at a position
    only the words starting with the letter there can match, in their listed order."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(re.escape(w[1:]))
    return "|".join(re.escape(c) + "(?:" + "|".join(rest) + ")" for c, rest in groups.items())


def dispatch(alternatives: list[str]) -> str:
    """`"|".join(alternatives)`, regrouped under the first letter each one needs.

    Each alternative must start with a lowercase letter (optionally after `\\b`), with
    `\\w+` or with `\\d`; anything else raises ValueError, so a new phrase that would break
    the regrouping is caught when the module loads. A leading `\\b` becomes `(?<!\\w\\w)`
    after the letter (the same test, made once the letter is known to be a word
    character); a `\\w+` phrase is tried inside every letter's group, at its place in the
    list, and again for word characters no group starts with.
    """
    entries: list[tuple[str, str, str]] = []   # (kind, letter, pattern after the letter)
    for alt in alternatives:
        if alt.startswith(r"\w+"):
            entries.append(("word", "", alt[3:]))
        elif alt.startswith(r"\d"):
            entries.append(("digit", "", alt))
        else:
            bounded = alt.startswith(r"\b")
            body = alt[2:] if bounded else alt
            letter = body[:1]
            if not ("a" <= letter <= "z") or body[1:2] in _QUANTIFIERS:
                raise ValueError(f"cannot regroup alternative {alt!r}: it must start with "
                                 r"a letter, \b and a letter, \w+ or \d")
            entries.append(("letter", letter, (r"(?<!\w\w)" if bounded else "") + body[1:]))
    letters = list(dict.fromkeys(letter for kind, letter, _ in entries if kind == "letter"))
    out = []
    for first in letters:
        rests = [rest if kind == "letter" else r"\w*" + rest
                 for kind, letter, rest in entries
                 if (kind == "letter" and letter == first) or kind == "word"]
        out.append(first + "(?:" + "|".join(rests) + ")")
    others = r"[^\W" + "".join(letters) + "]"
    for kind, _letter, rest in entries:
        if kind == "word":
            out.append(others + r"\w*" + rest)
        elif kind == "digit":
            out.append(rest)
    return "|".join(out)
