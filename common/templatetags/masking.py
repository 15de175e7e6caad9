from django import template

from common.masking import mask_phone

register = template.Library()


@register.filter
def phone_unless_masked(value, show_personal: bool) -> str:
    """{{ phone|phone_unless_masked:show_personal }}: whole for those who may see it, masked otherwise."""
    return value if show_personal else mask_phone(value)
