"""Notifications (common.notifications): one inbox entry per event and recipient, delivered once per channel
(e-mail; any backend in NOTIFICATION_BACKENDS), the inbox pages and API scoped to the recipient, the header's
unread count in one query, and the C3 step 1 dispatch telling the unit's clerks (clues.receivers)."""

import datetime as dt
import logging

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from clues.services import clue_reassign
from common.context_processors import access
from common.models import DeliveryStatus, Notification, NotificationDelivery
from common.notifications import NotificationBackend, inbox_unread_count, notify
from common.tasks import notifications_deliver
from tests.clues.conftest import dispatch, register
from tests.factories import UserFactory
from tests.helpers import at

KIND = "clues.dispatched"  # registered by clues.apps


def _notify(recipients, event="test.event:1", **kw):
    kw.setdefault("title", "测试通知")
    with transaction.atomic():
        return notify(event=event, kind=KIND, recipients=recipients, **kw)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(at(2026, 9, 15), tick=False)
    return at(2026, 9, 15)


@pytest.fixture
def zhujian_mail(zhujian):
    zhujian.email = "zhujian@example.cn"
    zhujian.save(update_fields=["email"])
    return zhujian


@pytest.fixture
def zhujian_2(units):
    return UserFactory(
        username="zhujian_2", unit=units["区住房城乡建设局"], role="clerk", email="zj2@example.cn"
    )


# --------------------------------------------------------------------------------------------- notify


@pytest.mark.django_db
def test_two_notify_calls_for_one_event_give_one_entry_per_recipient(zhujian, jiaotong):
    assert _notify([zhujian, jiaotong]) == 2
    # A second sweep, a retried task, a second beat: nobody is told twice.
    assert _notify([zhujian, jiaotong], title="又一次") == 0
    assert Notification.objects.filter(event="test.event:1").count() == 2
    assert Notification.objects.get(recipient=zhujian).title == "测试通知"
    assert _notify([zhujian], event="test.event:2") == 1  # another event is another entry


@pytest.mark.django_db(transaction=True)
def test_notify_outside_a_transaction_raises(zhujian):
    with pytest.raises(RuntimeError, match="transaction"):
        notify(event="test.event:1", kind=KIND, recipients=[zhujian], title="测试")
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_notify_refuses_an_unregistered_kind(zhujian):
    with pytest.raises(ValueError, match="not registered"), transaction.atomic():
        notify(event="test.event:1", kind="no.such_kind", recipients=[zhujian], title="测试")


# ------------------------------------------------------------------------------------------- delivery


@pytest.mark.django_db
def test_delivery_sends_one_email_per_recipient_even_when_the_task_runs_twice(
    zhujian_mail, zhujian_2, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([zhujian_mail, zhujian_2], title="新交办线索 QX2026-000012：焦作某某劳务有限公司")
    assert sorted(m.to[0] for m in mailoutbox) == ["zhujian@example.cn", "zj2@example.cn"]

    notifications_deliver.delay("test.event:1")  # a redelivered message, a retry
    notifications_deliver.delay("test.event:1")
    assert len(mailoutbox) == 2
    assert set(NotificationDelivery.objects.values_list("channel", "status")) == {("email", "sent")}
    assert NotificationDelivery.objects.count() == 2
    message = mailoutbox[0]
    assert message.subject == "【线索交办】新交办线索 QX2026-000012：焦作某某劳务有限公司"
    entry = Notification.objects.get(recipient__email=message.to[0])
    assert reverse("common:inbox_open", args=[entry.pk]) in message.body  # following it marks it read


@pytest.mark.django_db
def test_a_user_without_email_is_skipped(zhujian, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([zhujian])
    assert mailoutbox == []
    assert NotificationDelivery.objects.get().status == DeliveryStatus.SKIPPED
    assert Notification.objects.filter(recipient=zhujian).exists()


@pytest.mark.django_db
def test_a_claimed_channel_is_never_sent_again_even_while_sending(zhujian_mail, mailoutbox):
    """A worker killed between claim and send leaves the row "sending": the next run does not send it again."""
    _notify([zhujian_mail])  # no on_commit here: nothing delivered yet
    NotificationDelivery.objects.create(notification=Notification.objects.get(), channel="email")
    notifications_deliver.delay("test.event:1")
    assert mailoutbox == []
    assert NotificationDelivery.objects.get().status == DeliveryStatus.SENDING


class BrokenBackend(NotificationBackend):
    channel = "broken"

    def address_for(self, user):
        return "somewhere"

    def send(self, notification, address):
        raise ConnectionRefusedError("网关无响应")


SENT_SMS: list[tuple[str, str]] = []


class SmsBackend(NotificationBackend):
    """A stand-in SMS gateway: the phone on the user's account."""

    channel = "sms"

    def address_for(self, user):
        return user.phone

    def send(self, notification, address):
        SENT_SMS.append((address, notification.title))


@pytest.mark.django_db
@override_settings(
    NOTIFICATION_BACKENDS=[
        "tests.common.test_notifications.BrokenBackend",
        "common.notifications.EmailBackend",
    ]
)
def test_a_failing_backend_marks_failed_and_does_not_block_the_inbox(
    client, zhujian_mail, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([zhujian_mail], title="提醒函")
    broken = NotificationDelivery.objects.get(channel="broken")
    assert broken.status == DeliveryStatus.FAILED
    assert "ConnectionRefusedError" in broken.error and "网关无响应" in broken.error
    assert NotificationDelivery.objects.get(channel="email").status == DeliveryStatus.SENT
    assert len(mailoutbox) == 1  # the next channel still went out
    client.force_login(zhujian_mail)
    assert "提醒函" in client.get(reverse("common:inbox")).content.decode()


@pytest.mark.django_db
def test_a_broker_that_is_down_does_not_fail_the_caller(
    zhujian, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notifications_deliver, "delay", down)
    with (
        caplog.at_level(logging.ERROR, logger="common.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert _notify([zhujian]) == 1
    assert Notification.objects.filter(recipient=zhujian).exists()
    assert "could not queue the delivery" in caplog.text


@pytest.mark.django_db
@override_settings(NOTIFICATION_BACKENDS=["tests.common.test_notifications.SmsBackend"])
def test_a_custom_sms_backend_receives_a_dispatch_without_touching_its_caller(
    dispatcher, zhujian, units, now, django_capture_on_commit_callbacks, mailoutbox
):
    SENT_SMS.clear()
    zhujian.phone = "13903910001"
    zhujian.save(update_fields=["phone"])
    clue = register(dispatcher, units)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(dispatcher, clue, units["区住房城乡建设局"])  # clues.services → receiver → notify
    assert [("13903910001", f"新交办线索 {clue.number}：焦作某某劳务有限公司")] == SENT_SMS
    assert mailoutbox == []  # e-mail is not configured in this setting
    assert NotificationDelivery.objects.get().channel == "sms"


# ---------------------------------------------------------------------------------------------- inbox


def _entry(user, event, title="测试通知", url="", read=False):
    _notify([user], event=event, title=title, url=url)
    entry = Notification.objects.get(recipient=user, event=event)
    if read:
        Notification.objects.filter(pk=entry.pk).update(read_at=dt.datetime.now(tz=dt.UTC))
    return entry


@pytest.mark.django_db
def test_the_inbox_shows_only_own_entries_newest_first_unread_bold(client, zhujian, jiaotong, time_machine):
    time_machine.move_to(at(2026, 9, 14), tick=False)
    _entry(zhujian, "e:1", title="较早的已读通知", read=True)
    time_machine.move_to(at(2026, 9, 15), tick=False)
    _entry(zhujian, "e:2", title="最新的未读通知")
    _entry(jiaotong, "e:3", title="别人的通知")
    client.force_login(zhujian)
    html = client.get(reverse("common:inbox")).content.decode()
    assert "别人的通知" not in html
    assert html.index("最新的未读通知") < html.index("较早的已读通知")
    assert html.count('class="inbox-item unread"') == 1  # bold by .inbox-item.unread
    unread = client.get(reverse("common:inbox") + "?unread=1").content.decode()
    assert "最新的未读通知" in unread and "较早的已读通知" not in unread


@pytest.mark.django_db
def test_the_inbox_is_paginated(client, zhujian):
    for i in range(25):
        _entry(zhujian, f"e:{i}", title=f"通知{i:02d}")
    client.force_login(zhujian)
    first = client.get(reverse("common:inbox")).content.decode()
    second = client.get(reverse("common:inbox") + "?page=2").content.decode()
    assert first.count("inbox-item") == 20 and second.count("inbox-item") == 5
    assert "第 1 / 2 页" in first


@pytest.mark.django_db
def test_another_users_entry_is_404_and_stays_unread(client, zhujian, jiaotong):
    theirs = _entry(jiaotong, "e:1", url="/clues/1/")
    client.force_login(zhujian)
    assert client.get(reverse("common:inbox_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("common:inbox_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("common:inbox_read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_following_an_entry_marks_it_read_and_goes_to_its_page(client, zhujian):
    entry = _entry(zhujian, "e:1", url="/clues/42/")
    client.force_login(zhujian)
    response = client.get(reverse("common:inbox_open", args=[entry.pk]))
    assert response.status_code == 302 and response.url == "/clues/42/"
    entry.refresh_from_db()
    assert entry.read_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", ""])
def test_following_an_entry_never_leaves_the_site(client, zhujian, url):
    entry = _entry(zhujian, "e:1", url=url)
    client.force_login(zhujian)
    response = client.post(reverse("common:inbox_open", args=[entry.pk]))
    assert response.status_code == 302 and response.url == reverse("common:inbox")


@pytest.mark.django_db
def test_mark_one_and_all_read(client, zhujian, jiaotong):
    one, two, three = (_entry(zhujian, f"e:{i}") for i in (1, 2, 3))
    theirs = _entry(jiaotong, "e:9")
    client.force_login(zhujian)
    assert client.get(reverse("common:inbox_read", args=[one.pk])).status_code == 405  # POST only
    response = client.post(reverse("common:inbox_read", args=[one.pk]), {"next": "https://evil.example/"})
    assert response.url == reverse("common:inbox")
    one.refresh_from_db()
    assert one.read_at is not None
    two.refresh_from_db()
    assert two.read_at is None
    client.post(reverse("common:inbox_read_all"))
    assert not Notification.objects.filter(recipient=zhujian, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_the_header_shows_the_unread_count_in_one_query(client, rf, zhujian, jiaotong):
    _entry(zhujian, "e:1")
    _entry(zhujian, "e:2")
    _entry(zhujian, "e:3", read=True)
    _entry(jiaotong, "e:4")
    client.force_login(zhujian)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("common:jobs")).content.decode()
    assert "收件箱 (2)" in html
    inbox_queries = [q["sql"] for q in queries if "common_notification" in q["sql"]]
    assert len(inbox_queries) == 1 and "COUNT(" in inbox_queries[0].upper()

    request = rf.get("/")
    request.user = zhujian
    count = access(request)["inbox_unread"]
    with CaptureQueriesContext(connection) as queries:
        assert count() == 2
        assert count() == 2  # cached for the request: the inbox page shows it again for free
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_page_that_does_not_render_the_header_pays_no_count_query(rf, zhujian):
    request = rf.get("/")
    request.user = zhujian
    with CaptureQueriesContext(connection) as queries:
        access(request)
    assert len(queries) == 0


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text")
def test_the_unread_count_reads_the_partial_index(zhujian):
    with CaptureQueriesContext(connection) as queries:
        inbox_unread_count(zhujian)
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "notification_unread" in plan


# ------------------------------------------------------------------------------- C3 step 1: the dispatch


@pytest.mark.django_db
def test_dispatching_a_clue_tells_the_units_clerks_only(
    client, dispatcher, zhujian, jiaotong, units, now, django_capture_on_commit_callbacks
):
    clue = register(dispatcher, units)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(dispatcher, clue, units["区住房城乡建设局"])
    entry = Notification.objects.get(recipient=zhujian)
    assert entry.kind == "clues.dispatched"
    assert entry.title == f"新交办线索 {clue.number}：焦作某某劳务有限公司"
    assert entry.url == reverse("clues:clue_detail", args=[clue.pk])
    assert entry.event == f"clues.dispatched:{clue.pk}:{units['区住房城乡建设局'].pk}:{int(now.timestamp())}"
    assert "王建国" not in entry.body and "13903911234" not in entry.body  # no complainant data in the text
    assert not Notification.objects.filter(recipient__in=[jiaotong, dispatcher]).exists()

    client.force_login(zhujian)
    assert "收件箱 (1)" in client.get(reverse("home")).content.decode()
    response = client.get(reverse("common:inbox_open", args=[entry.pk]))
    assert response.url == reverse("clues:clue_detail", args=[clue.pk])


@pytest.mark.django_db
def test_a_reassignment_back_to_the_same_unit_is_a_new_entry(
    dispatcher, zhujian, jiaotong, units, now, time_machine, django_capture_on_commit_callbacks
):
    clue = register(dispatcher, units)
    with django_capture_on_commit_callbacks(execute=True):
        clue = dispatch(dispatcher, clue, units["区住房城乡建设局"])
    time_machine.move_to(now + dt.timedelta(hours=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        clue = clue_reassign(
            user=dispatcher,
            clue=clue,
            unit=units["区交通运输局"],
            person="李科长",
            phone="13803910003",
            reason="测试",
        )
    time_machine.move_to(now + dt.timedelta(hours=2), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        clue_reassign(
            user=dispatcher,
            clue=clue,
            unit=units["区住房城乡建设局"],
            person="周主任",
            phone="13803910002",
            reason="测试",
        )
    assert Notification.objects.filter(recipient=jiaotong).count() == 1
    assert Notification.objects.filter(recipient=zhujian).count() == 2


# ------------------------------------------------------------------------------------------------ API


@pytest.fixture
def api():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.mark.django_db
def test_the_api_lists_own_entries_and_filters_unread(api, zhujian, jiaotong):
    _entry(zhujian, "e:1", title="未读的")
    _entry(zhujian, "e:2", title="已读的", read=True)
    _entry(jiaotong, "e:3", title="别人的")
    data = api(zhujian).get("/api/inbox/").json()
    assert data["count"] == 2 and {r["title"] for r in data["results"]} == {"未读的", "已读的"}
    assert data["results"][0]["kind_display"] == "线索交办"
    unread = api(zhujian).get("/api/inbox/", {"unread": "1"}).json()
    assert [r["title"] for r in unread["results"]] == ["未读的"] and unread["results"][0]["is_read"] is False


@pytest.mark.django_db
def test_the_api_marks_only_own_entries_read(api, zhujian, jiaotong):
    mine = _entry(zhujian, "e:1")
    _entry(zhujian, "e:2")
    theirs = _entry(jiaotong, "e:3")
    response = api(zhujian).post(f"/api/inbox/{theirs.pk}/read/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = api(zhujian).post(f"/api/inbox/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert api(zhujian).post("/api/inbox/read-all/").json() == {"marked": 1}
    assert not Notification.objects.filter(recipient=zhujian, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_a_leader_marks_own_entries_read(api, leader):
    """Leaders change no case data, but their own inbox is theirs to read."""
    entry = _entry(leader, "e:1")
    assert api(leader).post(f"/api/inbox/{entry.pk}/read/").status_code == 200
    entry.refresh_from_db()
    assert entry.read_at is not None


@pytest.mark.django_db
def test_the_api_needs_a_login():
    assert APIClient().get("/api/inbox/").status_code == 401


# ---------------------------------------------------------------------------------------------- admin


@pytest.mark.django_db
def test_admins_read_entries_and_stuck_deliveries_but_change_nothing(client, admin_user, zhujian_mail):
    _notify([zhujian_mail], title="提醒函")
    entry = Notification.objects.get()
    NotificationDelivery.objects.create(notification=entry, channel="email", address=zhujian_mail.email)
    client.force_login(admin_user)
    html = client.get(reverse("admin:common_notification_changelist")).content.decode()
    assert "提醒函" in html and "线索交办" in html
    stuck = client.get(reverse("admin:common_notificationdelivery_changelist") + "?status__exact=sending")
    assert stuck.status_code == 200 and "zhujian@example.cn" in stuck.content.decode()
    assert client.get(reverse("admin:common_notification_add")).status_code == 403
    assert client.get(reverse("admin:common_notificationdelivery_add")).status_code == 403
    client.post(reverse("admin:common_notification_change", args=[entry.pk]), {"title": "改"})
    entry.refresh_from_db()
    assert entry.title == "提醒函"
