"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitises.

Raw HTML in an entry is never passed through: markdown-it escapes it (html off),
and nh3 then keeps only a short list of harmless tags, so no script, no event
handler, no style, no javascript: or data: link survives. Images are not shown
(a remote image would tell its server when an entry is read): their alt text
stays. Links open without a referrer and carry nofollow. Headings move down one
level so an entry's `#` never competes with the page's own title.
"""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def _image_as_text(renderer, tokens, idx, options, env):
    """An image becomes its alt text."""
    return renderer.renderInline(tokens[idx].children or [], options, env)


def _heading_down(renderer, tokens, idx, options, env):
    token = tokens[idx]
    token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return renderer.renderToken(tokens, idx, options, env)


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_md.add_render_rule("image", _image_as_text)
_md.add_render_rule("heading_open", _heading_down)
_md.add_render_rule("heading_close", _heading_down)


def render_markdown(text: str | None) -> Markup:
    """Sanitised HTML for `text`, marked safe here so templates never need `|safe`."""
    if not text:
        return Markup("")
    # Safe to mark: nh3 has just removed every tag, attribute and URL scheme not allowed.
    return Markup(
        nh3.clean(  # nosec B704
            _md.render(text),
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel=LINK_REL,
            strip_comments=True,
        )
    )
