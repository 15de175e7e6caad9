"""The inbox (收件箱, common.notifications): the user's entries newest first (全部 / 未读), one followed by its
link and marked read on the way, one or all marked read.

An entry is its recipient's alone: any other user gets 404 for every URL here, as for an id that doesn't exist.
Following an entry (/inbox/<id>/open/) works by GET too — the link in the list and in the e-mail — and only ever
redirects to a path on this site (common.notifications.notification_target).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from common.models import Notification
from common.notifications import (
    inbox_for,
    notification_kind_label,
    notification_mark_read,
    notification_target,
    notifications_mark_all_read,
)

PAGE_SIZE = 20


def _own(request, pk: int) -> Notification:
    return get_object_or_404(inbox_for(request.user), pk=pk)


def _back_to_inbox(request):
    """Back where the form was (the inbox page and filter it showed), if that is a path on this site."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("common:inbox")


def _without_label(title: str, label: str) -> str:
    """The title as listed beside its kind's tag: "提醒函 中区人社函〔2026〕5号：…" under the tag 提醒函 reads
    "提醒函 提醒函 …", so a title opening with the tag's word drops it (the e-mail keeps the whole title)."""
    rest = title[len(label) :].lstrip() if label and title.startswith(label) else ""
    return rest if rest and rest[0] not in "：:，," else title


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(inbox_for(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for entry in page.object_list:
        entry.kind_label = notification_kind_label(entry.kind)
        entry.shown_title = _without_label(entry.title, entry.kind_label)
    query = "unread=1" if unread_only else ""
    here = reverse("common:inbox") + "?" + "&".join(q for q in (query, f"page={page.number}") if q)
    return render(
        request,
        "common/inbox.html",
        {"page": page, "unread_only": unread_only, "query": query, "here": here},
    )


@login_required
@require_http_methods(["GET", "POST"])
def inbox_open(request, pk: int):
    entry = _own(request, pk)
    notification_mark_read(user=request.user, notification=entry)
    return redirect(notification_target(entry))


@login_required
@require_POST
def inbox_read(request, pk: int):
    notification_mark_read(user=request.user, notification=_own(request, pk))
    return _back_to_inbox(request)


@login_required
@require_POST
def inbox_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, f"已将 {count} 条通知标为已读。")
    else:
        messages.info(request, "没有未读通知。")
    return _back_to_inbox(request)
