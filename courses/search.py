"""Chinese-aware search text. Full-text engines (SQLite FTS5, PostgreSQL's simple
configuration) split words at spaces and punctuation, so a run of Chinese characters
becomes one long token and a two-character word inside it is never found. We index
every character and every overlapping character pair (bigram) of each CJK run, and
search with the pairs of the query (or the character, for a one-character query): a
dictionary-free segmentation that finds any Chinese word, the approach of Lucene's
CJK analyser."""

import re

from django.utils.html import strip_tags

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
# Query syntax of the search engines (quotes, operators, brackets) is not searched.
_NOT_A_WORD = re.compile(rf"[^\w{_CJK}]+")


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def segment(text: str) -> str:
    """Text for the index: each CJK run becomes its characters and its bigrams."""
    plain = strip_tags(text or "")
    return _CJK_RUN.sub(
        lambda m: " " + " ".join([*m.group(), *_bigrams(m.group())]) + " ", plain
    )


def query_terms(query: str) -> str:
    """A user's query in the shape of the index, every term required: CJK runs as
    bigrams, other words as they are, punctuation and operators dropped."""
    words = _NOT_A_WORD.sub(" ", query or "")
    return " ".join(
        _CJK_RUN.sub(lambda m: " " + " ".join(_bigrams(m.group())) + " ", words).split()
    )
