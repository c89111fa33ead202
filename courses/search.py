"""Chinese-aware search text. Full-text engines (SQLite FTS5, PostgreSQL's simple
configuration) split words at spaces and punctuation, so a run of Chinese characters
becomes one long token and a two-character word inside it is never found. We index
overlapping character pairs (bigrams) of every CJK run and search with the same
pairs: a dictionary-free segmentation that finds any word of two or more characters,
the approach of Lucene's CJK analyser."""

import re

from django.utils.html import strip_tags

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def segment(text: str) -> str:
    """The text with every CJK run replaced by its space-separated bigrams."""
    plain = strip_tags(text or "")
    return _CJK_RUN.sub(lambda m: " " + " ".join(_bigrams(m.group())) + " ", plain)


def query_terms(query: str) -> str:
    """A user's query in the same shape as the index (all terms must match)."""
    return " ".join(segment(query).split())
