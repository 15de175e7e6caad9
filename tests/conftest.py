import os

import pytest

# live_server tests (Playwright) call the ORM from the test thread while an event loop exists.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _celery_eager():
    """Tests need no broker: tasks run in-process (a real worker runs in tests/common/test_jobs.py and, with
    REDIS_URL, tests/test_celery_redis.py)."""
    from zhongzhan_wages.celery import app

    app.conf.update(task_always_eager=True, task_eager_propagates=True)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Background jobs (common.jobs): files in the test's own folder, progress in a cache of the test's own.
    settings.JOB_FILES_ROOT = tmp_path / "jobs"
    settings.DOCUMENT_FILES_ROOT = tmp_path / "documents"  # issued PDFs (common.documents)
    settings.CLUE_FILES_ROOT = tmp_path / "clue_files"  # clue attachments (C1)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    # Full-strength hashing costs ~0.3 s per user; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def units(db):
    """The real unit list from fixtures/units.json (every unit and all 10 streets)."""
    from django.core.management import call_command

    from common.models import Unit

    call_command("loaddata", "units", verbosity=0)
    return {u.name: u for u in Unit.objects.all()}


@pytest.fixture
def institutions(db):
    """附件3 from fixtures/institutions.json (7 banks, 4 insurers, 4 guarantee firms; one paused)."""
    from django.core.management import call_command

    from deposits.models import Institution

    call_command("loaddata", "institutions", verbosity=0)
    return {i.name: i for i in Institution.objects.all()}


@pytest.fixture
def zhujian(units):
    from tests.factories import UserFactory

    return UserFactory(username="zhujian_t", unit=units["区住房城乡建设局"], role="clerk")


@pytest.fixture
def jiaotong(units):
    from tests.factories import UserFactory

    return UserFactory(username="jiaotong_t", unit=units["区交通运输局"], role="clerk")


@pytest.fixture
def street_clerk(units):
    from tests.factories import UserFactory

    return UserFactory(username="lifeng_t", unit=units["李封街道办事处"], role="clerk")


@pytest.fixture
def dispatcher(units):
    from tests.factories import UserFactory

    return UserFactory(username="renshe_t", unit=units["区人力资源社会保障局"], role="dispatcher")


@pytest.fixture
def leader(units):
    from tests.factories import UserFactory

    return UserFactory(username="lingdao_t", unit=None, role="leader")


@pytest.fixture
def admin_user(units):
    from tests.factories import UserFactory

    return UserFactory(username="admin_t", unit=None, role="admin", is_staff=True, is_superuser=True)
