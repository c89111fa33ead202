"""Rich text that comes from other systems (Moodle HTML descriptions): the one rule for
what HTML is kept, and how a description of any format is shown.

Kept apart from the models and the file formats so that both use it: an import
sanitises before it saves, and the page sanitises again when it shows a description
(an admin may have edited it since).
"""

from __future__ import annotations

import html

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

# What Moodle's editors (Atto, TinyMCE) write for text: structure, emphasis, links,
# lists, tables, images. No scripts, styles, forms, frames or event attributes.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
    "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "dir", "title", "class"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
}
URL_SCHEMES = {"http", "https", "mailto"}

FORMAT_MOODLE, FORMAT_HTML, FORMAT_PLAIN, FORMAT_MARKDOWN = 0, 1, 2, 4
HTML_FORMATS = {FORMAT_MOODLE, FORMAT_HTML}


def rich_text_clean(text: str, *, link_rel: str | None = None) -> str:
    """The HTML with only the tags and attributes above, as stored: safe HTML from a
    file comes back out unchanged. For a page, links also get `link_rel`."""
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
    )


def rich_text_html(text: str, text_format: int) -> SafeString:
    """A description of any Moodle format as HTML that is safe to put in a page: HTML
    (and Moodle auto-format, whose line breaks count) sanitised, plain text and
    Markdown escaped with their line breaks kept."""
    if not text:
        return mark_safe("")
    if text_format == FORMAT_MOODLE:
        text = text.replace("\n", "<br>\n")
    if text_format in HTML_FORMATS:
        return mark_safe(rich_text_clean(text, link_rel="noopener noreferrer"))
    return mark_safe(linebreaks(html.escape(text)))


def rich_text_plain(text: str, text_format: int) -> str:
    """The words of a description without markup (for formats that carry plain
    strings, such as CASE notes)."""
    if text_format not in HTML_FORMATS:
        return text
    return html.unescape(nh3.clean(text, tags=set(), attributes={})).strip()
