"""How text becomes search terms: one analysis for the index and for queries, of any engine.

A word is a run of letters and digits (with the combining marks that belong to them), so
Markdown, punctuation, underscores and dots only separate words: `**zorblatt**` gives
zorblatt, `snake_case_vorpal` gives snake, case and vorpal, and
`https://docs.fennimore.example/guide` gives https, docs, fennimore, example and guide (a
phrase of those parts finds it). Han, Hiragana, Katakana and Hangul are written without
spaces between words, so a run of them gives each pair of neighbouring characters (bigrams,
as Lucene's CJK analyzer does): any two or more consecutive characters find the text, and a
lone character gives itself.

Each word is then lower-cased, dropped if it is a stop word (they take no position: the words
around one are neighbours in a phrase), stemmed in stemmed fields (the body), and its accents
folded ("José" is "jose").
"""

from __future__ import annotations

import heapq
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

CJK = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u2e80-\u2fdf"  # CJK and Kangxi radicals
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"  # ideographic iteration marks and numerals
    "\u3041-\u309f"  # Hiragana
    "\u30a0-\u30ff"  # Katakana
    "\u3130-\u318f"  # Hangul compatibility Jamo
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK unified ideographs extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\ua960-\ua97f\uac00-\ud7ff"  # Hangul
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK unified ideographs extensions B to G
)
CJK_RE = re.compile(f"[{CJK}]")
# A text whose letters and digits are all ASCII (most notes: only their 📅, ✅, ’ or — are
# not) has the words of this far cheaper pattern (see `ascii_words`)
ASCII_WORD_RE = re.compile(r"[A-Za-z0-9]+")
NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
CACHE_LIMIT = 500_000  # words remembered by each analysis before it starts over
# Porter's stem of a word is the word, lower-cased, with its end rewritten; where the stem's
# letters differ from the word's, they are e, i or l (happy → happi, stability → stabl), two
# at most: true of 900,000 words, real and invented, when this was written, and checked
# again by tests/search/test_words.py over 50,000 of them
STEM_WRITES = "eil"
STEM_SLACK = 2


@cache
def word_re() -> re.Pattern[str]:
    """Runs of letters and digits with their marks, or runs of CJK characters.

    Compiled when first used: listing the combining marks takes about 10 ms.
    """
    letters = f"[^\\W_{CJK}]"
    return re.compile(f"{letters}+(?:[{_marks()}]+{letters}*)*|[{CJK}]+")


def _marks() -> str:
    """The combining marks (Unicode category M) of the Basic Multilingual Plane, as the body
    of a character class. Python's `\\w` leaves them out, which cuts "हिन्दी" into three
    words. (Marks beyond it, of historic scripts, would make every word slower to find.)"""
    text = "".join(map(chr, range(0x300, 0x10000)))
    category = unicodedata.category
    return "".join(
        char for char, kind in zip(text, map(category, text), strict=True) if kind[0] == "M"
    )


def ascii_words(text: str) -> bool:
    """Whether `word_re` finds in `text` the words ASCII_WORD_RE finds: when no character
    beyond ASCII is a letter, a digit (`\\w` without `_`) or a combining mark. Then the only
    word characters are ASCII letters and digits, and every other character separates words.
    """
    if text.isascii():
        return True
    category = unicodedata.category
    return not any(
        char.isalnum() or category(char)[0] == "M" for char in set(NON_ASCII_RE.findall(text))
    )


def words_of(text: str) -> re.Pattern[str]:
    """The pattern that finds the words of `text`: `word_re`, or a cheaper one that finds
    the same in it."""
    return ASCII_WORD_RE if ascii_words(text) else word_re()


class Analysis:
    """Word as written → term, or None for a stop word; cached, and the text-level helpers.

    `stemmed` fields (the body) are stemmed with Porter's algorithm; every field is lower-cased
    and folded.
    """

    def __init__(self, stemmed: bool) -> None:
        self.stemmed = stemmed
        self._cache: dict[str, str | None] = {}

    def term(self, word: str) -> str | None:
        """The term of one word (never a CJK run: see `spans`)."""
        try:
            return self._cache[word]
        except KeyError:
            pass
        text = word.lower() if word.isascii() else unicodedata.normalize("NFC", word).lower()
        term = None
        if text not in STOP_WORDS:
            if self.stemmed and not CJK_RE.match(text):
                text = stem(text)
            term = sys.intern(text.translate(accent_map))
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = term
        return term

    def whole(self, text: str) -> str:
        """A query's wildcard or prefix text as one term: lower-cased, stemmed, folded."""
        text = text.lower() if text.isascii() else unicodedata.normalize("NFC", text).lower()
        if self.stemmed and not CJK_RE.search(text):
            text = stem(text)
        return text.translate(accent_map)

    def positions(self, text: str) -> dict[str, list[int]]:
        """Term → its positions in `text`, in one pass: what the index stores.

        The same terms and positions as `spans` gives, faster (no offsets, words cached).
        """
        if CJK_RE.search(text):
            found: defaultdict[str, list[int]] = defaultdict(list)
            for term, position, _, _ in self.spans(text):
                found[term].append(position)
            return found
        words = words_of(text).findall(text)
        cache = self._cache
        for word in set(words).difference(cache):
            self.term(word)
        terms = [cache[word] for word in words]
        found = defaultdict(list)
        for position, term in enumerate(filter(None, terms)):
            found[term].append(position)
        return found

    def matching(self, text: str, terms: frozenset[str]) -> Iterator[tuple[str, int, int]]:
        """(term, start, end) of each word of `text` whose term is one of `terms`, in order:
        `spans` filtered, found faster.

        Only the words that can give the terms (starting as their words do: `word_start`)
        are analysed: one regular expression finds the ASCII ones in a lower-cased copy of the
        text, and a note of 2 KB is read in a few hundredths of a millisecond rather than a
        tenth or more. A word with a letter or mark beyond ASCII ("José") is read whole, with
        its neighbours up to the nearest character that is none of those.
        """
        could = _candidates(terms, self.stemmed)
        lowered = text.lower()
        if ascii_words(text):
            # beyond ASCII, `text` holds no letter, digit or mark, and lower-casing the rest
            # changes no length and makes no ASCII (tests/search/test_words.py checks it)
            yield from self._ascii_matching(text, lowered, terms, could)
        elif len(lowered) != len(text):  # a letter whose lower case is longer ("İ")
            for term, start, end in self._unicode_terms(text, could):
                if term in terms:
                    yield term, start, end
        else:
            ascii_found = self._ascii_matching(text, lowered, terms, could)
            beyond = self._beyond_ascii_matching(text, terms, could)
            yield from heapq.merge(ascii_found, beyond, key=_start)

    def _ascii_matching(
        self, text: str, lowered: str, terms: frozenset[str], could: re.Pattern[str]
    ) -> Iterator[tuple[str, int, int]]:
        """`matching` of the words of ASCII letters and digits between characters that are
        no letter, digit or mark (`lowered` is `text` lower-cased, as long)."""
        analyze, end_of_text = self.term, len(text)
        for found in could.finditer(lowered):
            start, end = found.span()
            if start and _in_word(text[start - 1]):  # inside a word (the pattern's scan
                continue  # has no look-behind: it would cost the scan its speed)
            if end < end_of_text and _in_word(text[end]):  # "Josés": read whole elsewhere
                continue
            word = text[start:end]
            if not word.isascii():  # the Kelvin sign's lower case is k
                continue
            word_term = analyze(word)
            if word_term in terms:
                yield word_term, start, end

    def _beyond_ascii_matching(
        self, text: str, terms: frozenset[str], could: re.Pattern[str]
    ) -> Iterator[tuple[str, int, int]]:
        """`matching` of the words in each run of letters, digits and marks holding one
        beyond ASCII: no word goes past such a run, so its words are `word_re`'s there."""
        run_end = 0
        for found in NON_ASCII_RE.finditer(text):
            at = found.start()
            if at < run_end or not _in_word(text[at]):
                continue
            run_start, run_end = at, at + 1
            while run_start and _in_word(text[run_start - 1]):
                run_start -= 1
            while run_end < len(text) and _in_word(text[run_end]):
                run_end += 1
            for term, start, end in self._unicode_terms(text, could, run_start, run_end):
                if term in terms:
                    yield term, start, end

    def spans(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        """(term, position, start, end) of each term of `text`, in order.

        Positions count terms only: stop words take none.
        """
        position = 0
        if ascii_words(text):  # the same words, found faster
            analyze = self.term
            for found in ASCII_WORD_RE.finditer(text):
                word_term = analyze(found.group())
                if word_term is not None:
                    yield word_term, position, found.start(), found.end()
                    position += 1
            return
        for position, (term, start, end) in enumerate(self._unicode_terms(text)):
            yield term, position, start, end

    def _unicode_terms(
        self, text: str, could: re.Pattern[str] | None = None, start: int = 0, end: int = -1
    ) -> Iterator[tuple[str, int, int]]:
        """(term, start, end) of each term of `text` (from `start` to `end`) by the Unicode
        word pattern: a CJK run gives its pairs. With `could`, an ASCII word it does not match
        is passed over unread (`matching`: it cannot give the terms looked for)."""
        for found in word_re().finditer(text, start, len(text) if end < 0 else end):
            word, start = found.group(), found.start()
            if len(word) > 1 and CJK_RE.match(word):
                for offset in range(len(word) - 1):
                    yield word[offset : offset + 2], start + offset, start + offset + 2
                continue
            if could is not None and word.isascii() and could.fullmatch(word.lower()) is None:
                continue
            term = self.term(word)
            if term is not None:
                yield term, start, found.end()


def _in_word(char: str) -> bool:
    """Whether a character may be in a word: a letter, digit or combining mark (all the
    Unicode word pattern's characters, and a few more: marks beyond the Basic Plane)."""
    return char.isalnum() or (not char.isascii() and unicodedata.category(char)[0] == "M")


def _start(found: tuple[str, int, int]) -> int:
    return found[1]


def word_start(term: str, stemmed: bool) -> str:
    """How every word whose term is `term` starts, lower-cased: the term itself, or for a
    stem, the stem less the last letters Porter's algorithm may have written (its first kept)."""
    end = len(term)
    if stemmed:
        while end > max(1, len(term) - STEM_SLACK) and term[end - 1] in STEM_WRITES:
            end -= 1
    return term[:end]


@lru_cache(maxsize=256)
def _candidates(terms: frozenset[str], stemmed: bool) -> re.Pattern[str]:
    """In lower-cased text, the ASCII words (or their ends: the caller skips those) that may
    give one of `terms`: those starting as its words do (`word_start`). No look-behind for
    the word's start: it would cost the scan its speed."""
    starts = sorted(
        {word_start(term, stemmed) for term in terms if ASCII_WORD_RE.fullmatch(term)},
        key=len,
        reverse=True,
    )
    if not starts:  # no term an ASCII word can give
        return re.compile(r"(?!)")
    return re.compile(f"(?:{'|'.join(starts)})[a-z0-9]*")


BODY = Analysis(stemmed=True)
TEXT = Analysis(stemmed=False)
