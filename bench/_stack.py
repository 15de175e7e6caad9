"""Shared by the background-job benches (job_import_bench.py, load_bench.py): run the app as production does —
gunicorn and a real Celery worker as separate processes on 127.0.0.1 — and drive it over HTTP like a browser.

Nothing here leaves 127.0.0.1; every process started is stopped on exit (its whole process group).
"""

import contextlib
import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def base_env(**extra) -> dict:
    """The app's environment for a bench: production-like (DEBUG off, a secret key), plain HTTP on 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="zhongzhan_wages.settings",
        DJANGO_SECRET_KEY="bench-only-" + "k" * 50,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_ALLOW_DEMO_DATA="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_pg_database(name: str) -> str:
    """A fresh PostgreSQL database of the bench's own (dropped first if a previous run left it)."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_python(env: dict, *args: str, timeout: int = 600) -> str:
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{args} failed")
    return proc.stdout


class Stack:
    """gunicorn (`web_workers` sync workers) and `celery worker` (`worker_args`), logs in `logdir`."""

    def __init__(self, env: dict, logdir: Path, *, web_workers: int = 2, worker_args: tuple = ()):
        self.env = env
        self.logdir = logdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.web_workers = web_workers
        self.worker_args = worker_args
        self.procs: list[subprocess.Popen] = []

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.logdir / f"{name}.log").open("w")
        proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def __enter__(self) -> "Stack":
        py = sys.executable
        self._start(
            "web",
            [py, "-m", "gunicorn", "zhongzhan_wages.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.web_workers), "--timeout", "120", "--log-level", "warning"],
        )  # fmt: skip
        self._start(
            "worker",
            [py, "-m", "celery", "-A", "zhongzhan_wages", "worker", "--loglevel", "INFO", *self.worker_args],
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            worker_ready = " ready." in (self.logdir / "worker.log").read_text(errors="replace")
            try:
                web_ready = urllib.request.urlopen(self.base + "/login/", timeout=2).status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                web_ready = False
            if web_ready and worker_ready:
                return self
            if any(p.poll() is not None for p in self.procs):
                break
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise SystemExit(f"web or worker did not start; see {self.logdir}")

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs:
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One user's session: cookies, CSRF, no automatic redirects (the benches follow them to see each step)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(
        self, path: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 120
    ):
        """(status, body, headers, seconds) of one request."""
        url = path if path.startswith("http") else self.base + path
        req = urllib.request.Request(url, data=data, headers={"Referer": self.base + "/", **(headers or {})})
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=timeout) as response:
                body = response.read()
                status, resp_headers = response.status, response.headers
        except urllib.error.HTTPError as e:  # 3xx (not followed), 4xx, 5xx
            body, status, resp_headers = e.read(), e.code, e.headers
        return status, body, resp_headers, time.perf_counter() - started

    def get(self, path: str, **kwargs):
        return self.request(path, **kwargs)

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, username: str, password: str) -> None:
        self.get("/login/")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf()}
        ).encode()
        status, body, headers, _ = self.request("/login/", data=data)
        if status != 302:
            raise SystemExit(f"login as {username} failed: HTTP {status}")

    def post_file(self, path: str, field: str, filename: str, content: bytes):
        boundary = "----bench" + uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{self.csrf()}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            path, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
