"""cms.input_checks reads JSON escapes as JSON does: a NUL or a lone surrogate is
refused, a pair and an escaped backslash followed by "u0000" (plain text) are not."""

import pytest

from cms.input_checks import json_escapes_unstorable, text_is_unstorable


@pytest.mark.parametrize(
    "text",
    [
        r'{"a": "\u0000"}',
        r'{"a": "x\ud800"}',
        r'{"a": "\udc00x"}',
        r'{"a": "\ud800\u0041"}',
        r'{"a": "\ud800x\udc00"}',
        r'{"a": "\\\u0000"}',  # an escaped backslash, then a real \u0000
        r'{"\uD83D": 1}',
    ],
)
def test_unstorable_escapes_are_found(text):
    assert json_escapes_unstorable(text)


@pytest.mark.parametrize(
    "text",
    [
        r'{"a": "\\u0000"}',  # the six characters \u0000
        r'{"a": "\ud83d\ude00"}',  # a pair: 😀
        r'{"a": "\u4e2d\u6587\n\"\\"}',
        '{"a": "中文"}',
        r'{"a": "\\\\ud800"}',
    ],
)
def test_storable_escapes_pass(text):
    assert not json_escapes_unstorable(text)


def test_text_with_nul_or_a_lone_surrogate_is_unstorable():
    assert text_is_unstorable("a\x00b")
    assert text_is_unstorable("a\ud800")
    assert not text_is_unstorable("中文 😀 \t\r\n")
