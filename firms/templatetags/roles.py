"""`{% if membership|may:"compliance_rules" %}`: a link is shown only to a role that may open
it (firms.permissions.MATRIX), so no page offers a link that answers 403."""

from django import template

from firms.permissions import Action
from firms.permissions import may as member_may

register = template.Library()


@register.filter
def may(membership, action: str) -> bool:
    return member_may(membership, Action(action))
