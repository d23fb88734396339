"""Turning a template (a firm's or the default) and merge values into a finished email."""

import re
from dataclasses import dataclass

from django.template.loader import render_to_string

from .merge import merge_render
from .sanitize import html_sanitize
from .values import MergeValue

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#1f4e79"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def brand(color: str) -> str:
    """The firm's colour, if it is a plain hex colour (it goes into a style attribute)."""
    return color if _HEX.match(color or "") else DEFAULT_BRAND


def email_render(
    template, context: dict[str, MergeValue], *, firm_name: str, brand_color: str
) -> RenderedEmail:
    """`template` has subject, body_html and body_text (a NotificationTemplate or a default)."""
    subject = " ".join(merge_render(template.subject, context, html=False).split())
    body_html = html_sanitize(
        merge_render(template.body_html, context, html=True)
    )  # allowlist again at render
    body_text = merge_render(template.body_text, context, html=False)
    page = {
        "subject": subject,
        "body": body_html,
        "firm_name": firm_name,
        "brand": brand(brand_color),
    }
    html = render_to_string("notifications/email/layout.html", page)
    text = render_to_string(
        "notifications/email/layout.txt", {"body": body_text.strip(), "firm_name": firm_name}
    )
    return RenderedEmail(subject[:300], html, text)
