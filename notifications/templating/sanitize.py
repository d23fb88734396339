"""The HTML a firm may put in an email, as an allowlist enforced by nh3 (a maintained HTML
sanitiser, ammonia): checked when a template is saved (each refused tag, attribute or link
named with its position) and applied again to every rendered body, so a stored template that
predates the check, or anything it could smuggle past it, is still stripped."""

from html.parser import HTMLParser

import nh3

TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "small",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ATTRIBUTES = {
    "*": {"style", "align"},
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"https", "http", "mailto"}
STYLE_PROPERTIES = {
    "background-color",
    "border",
    "border-bottom",
    "border-collapse",
    "border-top",
    "color",
    "font-size",
    "font-style",
    "font-weight",
    "line-height",
    "margin",
    "margin-bottom",
    "margin-top",
    "max-width",
    "padding",
    "text-align",
    "text-decoration",
    "width",
}
# Dropped with their content, not just unwrapped.
CONTENT_TAGS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "template",
    "noscript",
}


def html_sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=CONTENT_TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties=STYLE_PROPERTIES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


class _Refusals(HTMLParser):
    """What the allowlist refuses, for the editor: (message, line, column). Attribute values
    arrive entity-decoded, so an encoded `javascript:` is seen as what a mail client reads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, int, int]] = []

    def _refuse(self, message: str):
        line, offset = self.getpos()
        self.found.append((message, line, offset + 1))

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self._refuse(f"Not allowed in an email: <{tag}>")
            return
        allowed = ATTRIBUTES.get(tag, set()) | ATTRIBUTES["*"]
        for name, value in attrs:
            if name not in allowed:
                self._refuse(f"Not allowed in an email: the {name} attribute on <{tag}>")
            elif name == "href" and not _url_allowed(value or ""):
                self._refuse(
                    f"Not allowed in an email: a link to {(value or '').strip()[:40]!r} "
                    "(use https:, http: or mailto:)"
                )

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self._refuse("Not allowed in an email: an HTML comment")


def _url_allowed(url: str) -> bool:
    compact = "".join(ch for ch in url if not ch.isspace() and ch.isprintable()).lower()
    if ":" not in compact.split("/", 1)[0]:
        return True  # relative, or a merge field such as {{Portal.Link}}
    return compact.split(":", 1)[0] in URL_SCHEMES


def html_refusals(html: str) -> list[tuple[str, int, int]]:
    parser = _Refusals()
    parser.feed(html)
    parser.close()
    return parser.found
