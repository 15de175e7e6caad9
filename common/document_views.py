"""The public verification page of issued documents (common.documents): /verify/<code>/, no login.

Whoever holds a notice — the contractor, a bank, HRSS — scans its QR code or types its short code and sees
the facts the document states (number, issuing unit, addressee, issue date, status) and the SHA-256 of its
PDF, so a forged or altered copy shows. An addressee is an enterprise, so nothing personal is shown; an
unknown code gets one sentence that says nothing about why. Requests are limited per client address
(VERIFY_RATE_PER_MINUTE), so codes cannot be tried in bulk.
"""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from common.documents import (
    display_verify_code,
    document_current_version,
    document_for_verify_code,
    document_is_void,
    document_kind_label,
    document_status_label,
    normalize_verify_code,
)
from common.models import DocumentVersion
from common.ratelimit import rate_limited

VERIFY_RATE_PER_MINUTE = 30
NOT_FOUND = "未找到该文书，请核对编码或联系区人社局。"


def _rate_limited(request) -> bool:
    return rate_limited(request, scope="common.verify", per_minute=VERIFY_RATE_PER_MINUTE)


def _too_many(request):
    response = render(request, "documents/verify_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def _public(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the code in the URL stays here
    return response


@never_cache
def verify_lookup(request):
    """The form where a code is typed in; a valid one goes to its page."""
    if _rate_limited(request):
        return _public(_too_many(request))
    typed = request.GET.get("code", "")
    if typed:
        code = normalize_verify_code(typed)
        if code:
            return redirect("common:document_verify", code=code)
        return _public(render(request, "documents/verify.html", {"not_found": NOT_FOUND}, status=404))
    return _public(render(request, "documents/verify.html", {}))


@never_cache
def verify(request, code: str):
    if _rate_limited(request):
        return _public(_too_many(request))
    document = document_for_verify_code(code)
    if document is None:
        return _public(render(request, "documents/verify.html", {"not_found": NOT_FOUND}, status=404))
    current = document_current_version(document)
    earlier = DocumentVersion.objects.filter(document=document, version__lt=current.version).exclude(
        sha256=""
    )
    context = {
        "document": document,
        "kind_label": document_kind_label(document),
        "status_label": document_status_label(document),
        "is_void": document_is_void(document),
        "current": current,
        "earlier": list(earlier.order_by("-version").values("version", "rendered_at", "sha256")),
        "code": display_verify_code(document.verify_code),
    }
    return _public(render(request, "documents/verify.html", context))
