"""Notifications: the in-app inbox and its deliveries (e-mail; an SMS gateway can be added as a backend).

One mechanism for every app. A service calls `notify(...)` inside its own transaction with a key naming the
event ("clues.letter:42"): the inbox rows are created with it (unique per event and recipient, so a retried
sweep or a second beat tells nobody twice) and delivery through the other channels is queued after commit.

Delivery channels are backends (`NotificationBackend`: a channel name, `address_for(user)`, `send(notification,
address)`), listed in settings.NOTIFICATION_BACKENDS; e-mail (`EmailBackend`, through django.core.mail) is the
default. `notification_deliver(event)` — the body of common.tasks.notifications_deliver — sends each of the
event's notifications once per channel: a NotificationDelivery row (unique per notification and channel) is
the claim, so adding a channel (an SMS gateway) is one class and one setting, and no caller of notify changes.

The inbox's reads and writes (the pages in common.notification_views, the API in common.notification_api and
the header's unread count) are here too: an entry is only ever its recipient's.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string

from common.models import DeliveryStatus, Notification, NotificationDelivery, Role, Unit, User

logger = logging.getLogger(__name__)

_KINDS: dict[str, str] = {}


def register_notification_kinds(kinds: dict[str, str]) -> None:
    """code → Chinese label (e.g. {"clues.dispatched": "线索交办"}), in the owning app's AppConfig.ready."""
    _KINDS.update(kinds)


def notification_kind_label(kind: str) -> str:
    return _KINDS.get(kind, "通知")


def unit_recipients(unit: Unit | None) -> list[User]:
    """The active clerks of a unit (who act for it)."""
    if unit is None:
        return []
    return list(User.objects.filter(unit=unit, is_active=True, role=Role.CLERK))


def hrss_recipients() -> list[User]:
    """区人社局's dispatchers."""
    return list(User.objects.filter(is_active=True, role=Role.DISPATCHER))


def leader_recipients() -> list[User]:
    """The district's leaders (read-only accounts)."""
    return list(User.objects.filter(is_active=True, role=Role.LEADER))


def notify(
    *, event: str, kind: str, recipients: Iterable[User], title: str, body: str = "", url: str = ""
) -> int:
    """Put one inbox entry per recipient for `event` (once: the unique key refuses a second), and queue the
    other channels' delivery after the caller's transaction commits. Returns how many entries are new."""
    if not connection.in_atomic_block:
        raise RuntimeError("notify must be called inside the caller's transaction.atomic()")
    if kind not in _KINDS:
        raise ValueError(f"notification kind {kind!r} is not registered")
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    if not users:
        return 0
    existing = set(
        Notification.objects.filter(event=event, recipient_id__in=users).values_list(
            "recipient_id", flat=True
        )
    )
    rows = [
        Notification(recipient_id=pk, event=event, kind=kind, title=title[:200], body=body, url=url)
        for pk in users
        if pk not in existing
    ]
    # ignore_conflicts: a concurrent notify of the same event (two sweeps) loses the race at the constraint.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(lambda: _enqueue_delivery(event))
    return len(rows)


def _enqueue_delivery(event: str) -> None:
    """Queue the other channels' delivery of an event's notifications (after the caller's commit). The inbox
    rows are committed whatever happens here: a broker that is down costs the e-mails of this event (logged),
    never the caller's request."""
    from common.tasks import notifications_deliver  # common.tasks imports this module

    try:
        notifications_deliver.delay(event)
    except Exception:
        logger.exception("could not queue the delivery of notifications for event %s", event)


# ------------------------------------------------------------------------------------------ delivery


class NotificationBackend:
    """One delivery channel beside the inbox. A subclass names its channel (stored in
    NotificationDelivery.channel, at most 30 characters, unique among the configured backends), says where a user
    is reached, and sends; it is listed by dotted path in settings.NOTIFICATION_BACKENDS.

    `address_for(user)` returns "" when the user cannot be reached on this channel: the delivery is recorded as
    skipped. `send(notification, address)` raises on failure: the delivery is marked failed with the error's text
    (the inbox entry is there either way)."""

    channel: str = ""
    label: str = ""

    def address_for(self, user: User) -> str:
        raise NotImplementedError

    def send(self, notification: Notification, address: str) -> None:
        raise NotImplementedError


class EmailBackend(NotificationBackend):
    """E-mail through Django's mail backend (settings.EMAIL_*): the title as subject, the text and a link that
    opens the entry (and marks it read). Users without an e-mail address on file are skipped."""

    channel = "email"
    label = "电子邮件"

    def address_for(self, user: User) -> str:
        return (user.email or "").strip()

    def send(self, notification: Notification, address: str) -> None:
        from common.documents import verify_base_url  # the site's own address (DOCUMENT_VERIFY_BASE_URL…)

        title = " ".join(notification.title.split())  # a header: no line breaks
        link = verify_base_url() + reverse("common:inbox_open", args=[notification.pk])
        lines = [title, ""]
        if notification.body:
            lines += [notification.body, ""]
        lines += [f"查看详情：{link}", "", "本邮件由中站区根治欠薪协同办案系统自动发送，请勿直接回复。"]
        send_mail(
            subject=f"【{notification_kind_label(notification.kind)}】{title}",
            message="\n".join(lines),
            from_email=None,  # DEFAULT_FROM_EMAIL
            recipient_list=[address],
            fail_silently=False,
        )


def notification_backends() -> list[NotificationBackend]:
    """The configured channels, in the order of settings.NOTIFICATION_BACKENDS."""
    return [import_string(path)() for path in settings.NOTIFICATION_BACKENDS]


def notification_deliver(event: str) -> dict[str, int]:
    """Send each of the event's notifications through each configured channel, once (the body of the task
    common.tasks.notifications_deliver). Returns counts by outcome (sent, failed, skipped, already).

    Exactly-once rests on the claim: before sending, the channel is claimed by INSERTING the
    NotificationDelivery row (unique per notification and channel) in a transaction of its own, committed before
    anything is sent. A retried or duplicated task (a redelivered message, acks_late) fails that insert and skips
    the channel, so nobody gets an e-mail twice. The price: a worker killed between the claim and the send (or
    before marking the row) leaves the row "sending" — at most once for e-mail, never a duplicate; such rows are
    listed for admins in 管理后台 › 通知发送记录 (filter by status). Run by a worker, outside any transaction."""
    backends = notification_backends()
    counts: Counter[str] = Counter()
    notifications = Notification.objects.filter(event=event).select_related("recipient").order_by("pk")
    for notification in notifications:
        for backend in backends:
            counts[_deliver_one(notification, backend)] += 1
    return dict(counts)


def _deliver_one(notification: Notification, backend: NotificationBackend) -> str:
    status, address, error = DeliveryStatus.SENDING, "", ""
    if not notification.recipient.is_active:
        status, error = DeliveryStatus.SKIPPED, "账号已停用"
    else:
        try:
            address = (backend.address_for(notification.recipient) or "").strip()
        except Exception as e:
            status, error = DeliveryStatus.FAILED, _error_text(e)
        else:
            if not address:
                status = DeliveryStatus.SKIPPED
    try:
        with transaction.atomic():  # its own transaction (a savepoint under eager tests): the claim
            delivery = NotificationDelivery.objects.create(
                notification=notification,
                channel=backend.channel,
                status=status,
                address=address[:200],
                error=error,
            )
    except IntegrityError:
        return "already"  # claimed by an earlier run of this task: sent, failed, skipped or in flight
    if status != DeliveryStatus.SENDING:
        return str(status)
    try:
        backend.send(notification, address)
    except Exception as e:
        logger.warning(
            "notification %s: %s delivery to %s failed",
            notification.pk,
            backend.channel,
            address,
            exc_info=True,
        )
        NotificationDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, error=_error_text(e)
        )
        return str(DeliveryStatus.FAILED)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now()
    )
    return str(DeliveryStatus.SENT)


def _error_text(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"[:2000]


# ----------------------------------------------------------------------------------------------- the inbox
# An entry is its recipient's alone: every read starts from inbox_for(user), so another user's id is a 404.
# Reading one's own inbox changes no case data, so leaders (read-only accounts) mark their entries read too.


def inbox_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's entries, newest first (index notification_recipient_created)."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def inbox_unread_count(user: User | None) -> int:
    """The header's "收件箱 (N)": one COUNT over the partial index notification_unread (this user's unread rows
    only); no query for an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_mark_read(*, user: User, notification: Notification) -> bool:
    """Mark one of the user's own entries read (a conditional UPDATE: the first read time stays). Returns
    whether it was unread."""
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, recipient=user, read_at__isnull=True).update(
        read_at=now
    )
    if changed:
        notification.read_at = now
    return bool(changed)


def notifications_mark_all_read(*, user: User) -> int:
    """全部标为已读: every unread entry of the user's; returns how many."""
    return inbox_for(user, unread_only=True).update(read_at=timezone.now())


def notification_target(notification: Notification) -> str:
    """Where following the entry leads: its own url if that is a path on this site, else the inbox (an entry's
    url is written by code, but never redirect anyone off the site)."""
    url = notification.url or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return reverse("common:inbox")
