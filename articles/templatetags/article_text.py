"""`{{ text|phone_links }}`: an article's plain texts (summary, key points) with every phone
number a tel: link, as the renderer does in the body (articles/rendering.py)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from articles.rendering import link_phone_numbers

register = template.Library()


@register.filter
def phone_links(text: str) -> SafeString:
    return mark_safe(link_phone_numbers(str(text)))  # escaped piece by piece
