from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from common.panels import enterprise_flags, panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def record_panels(context, obj):
    """The panels upper apps registered for this record's model (common.panels), in order."""
    return mark_safe("".join(panels_for(context.get("request"), obj)))  # noqa: S308 — each panel escapes its own


@register.simple_tag(takes_context=True)
def enterprise_mark(context, enterprise):
    """The flags of an enterprise (e.g. the V4 blacklist's red mark) as small tags; "" when none."""
    pk = getattr(enterprise, "pk", enterprise)
    flags = enterprise_flags(context.get("request"), pk)
    if not flags:
        return ""
    return format_html_join(
        " ", '<span class="tag {}" title="{}">{}</span>', ((c, t, label) for c, label, t in flags)
    )


@register.simple_tag(takes_context=True)
def enterprise_flagged(context, enterprise) -> bool:
    pk = getattr(enterprise, "pk", enterprise)
    return bool(enterprise_flags(context.get("request"), pk))
