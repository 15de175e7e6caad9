"""{% load documents %} — for PDF templates (common.documents): `{{ url|qr_svg_data_uri }}` is a QR code of any
text as an SVG data URI for <img src>, e.g. a link printed on a letter besides its verification box."""

from django import template

from common.documents import qr_svg_data_uri as _qr_svg_data_uri

register = template.Library()


@register.filter
def qr_svg_data_uri(text) -> str:
    return _qr_svg_data_uri(str(text))
