"""Production settings (issue 5 B6): no start without a secret key, HTTPS from the environment with a clean
`check --deploy`, uploads capped before the body is read."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
STRONG_KEY = "k3yf0rtests-" + "Zq9vR2mX7pL4sT8wY1bN6cJ0hG5dF3aE-uK_oI" * 2
HTTPS_ENV = {
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "zhongzhan-wages.example.gov.cn",
    "DJANGO_SECURE_COOKIES": "1",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def manage(*args, **env) -> subprocess.CompletedProcess:
    """manage.py in a fresh process, as production starts it: no pytest, no Makefile variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "未设置 DJANGO_SECRET_KEY，拒绝启动" in result.stderr


def test_it_starts_with_a_secret_key_and_debug_off():
    result = manage("check", DJANGO_SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr


def test_check_deploy_reports_nothing_with_the_https_settings_on():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **HTTPS_ENV)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "security.W" not in output
    assert "System check identified no issues" in output


def test_the_https_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    on = manage("shell", "-c", code, **HTTPS_ENV)
    assert (
        on.stdout.strip().splitlines()[-1]
        == "True 31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https') True True"
    ), on.stderr
    off = manage("shell", "-c", code, DJANGO_SECRET_KEY=STRONG_KEY)
    assert off.stdout.strip().splitlines()[-1] == "False 0 True False None False False", off.stderr


def test_local_development_gets_its_own_random_key_made_once(tmp_path):
    from zhongzhan_wages.settings import _local_dev_secret_key

    path = tmp_path / "var" / "secret_key"
    first = _local_dev_secret_key(path)
    assert len(first) >= 50 and first != _local_dev_secret_key(tmp_path / "other" / "secret_key")
    assert _local_dev_secret_key(path) == first  # the next start reuses it: sessions survive a restart
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


def test_the_makefile_marks_its_processes_as_local_development():
    makefile = (BASE_DIR / "Makefile").read_text()
    assert "export DJANGO_LOCAL_DEV ?= 1" in makefile
    result = manage("check", DJANGO_LOCAL_DEV="1")
    assert result.returncode == 0, result.stderr


def test_the_secret_key_file_stays_out_of_git_and_the_image():
    assert "var/" in (BASE_DIR / ".gitignore").read_text().split()
    assert "var" in (BASE_DIR / ".dockerignore").read_text().split()


def test_docker_compose_defaults_to_secure_cookies_and_passes_the_https_settings():
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    assert "DJANGO_SECURE_COOKIES: ${DJANGO_SECURE_COOKIES:-1}" in compose
    for name in (
        "DJANGO_SECURE_SSL_REDIRECT",
        "DJANGO_SECURE_HSTS_SECONDS",
        "DJANGO_SECURE_PROXY_SSL_HEADER",
        "DJANGO_NUM_PROXIES",
    ):
        assert f"{name}: ${{{name}:-" in compose, name
    assert "DJANGO_LOCAL_DEV" not in compose and 'DJANGO_DEBUG: "0"' in compose


@pytest.mark.django_db
def test_hsts_and_the_ssl_redirect_are_sent_when_switched_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get("/login/")
    assert (plain.status_code, plain["Location"]) == (301, "https://testserver/login/")
    secure = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


@pytest.mark.django_db
def test_an_upload_larger_than_the_cap_is_refused_before_its_body_is_read(client, zhujian, settings):
    client.force_login(zhujian)
    boundary = "BoUnDaRy"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\nPK\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    # The test client's payload raises if more than its real length is read: a 400 proves nobody tried.
    response = client.generic(
        "POST",
        "/projects/import/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=str(settings.UPLOAD_MAX_BYTES + 1),
    )
    assert response.status_code == 400
    assert "提交的内容过大：每次最多 12 MB" in response.content.decode()


@pytest.mark.django_db
def test_an_upload_within_the_cap_reaches_the_view(client, zhujian):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(zhujian)
    response = client.post("/projects/import/", {"file": SimpleUploadedFile("a.xlsx", b"not a workbook")})
    assert response.status_code != 400  # the import itself says what is wrong with the file
