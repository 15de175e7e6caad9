"""The lists' search box: one condition for "this text in any of these fields"."""

from django.db.models import Q


def text_lookup(q: str) -> str:
    """`contains` for a search without a cased letter (Chinese, digits: nearly every search here), else
    `icontains`. Both find the same records then, and the plain LIKE spares PostgreSQL an UPPER() of every value
    it compares, most of a search's time (the clue list's at 100,000 clues: 220 → 80 ms)."""
    return "contains" if q.upper() == q.lower() else "icontains"


def text_match(q: str, *fields: str) -> Q:
    """The records with `q` in any of `fields` (field paths as for filter(), e.g. "contractor__name")."""
    lookup = text_lookup(q)
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__{lookup}": q})
    return match
