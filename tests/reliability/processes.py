"""Real service processes the reliability tests start, break and start again: the
app (runserver as `make run`, or gunicorn), a Celery worker, a private Redis and a
private PostgreSQL cluster. Each binds a free port on 127.0.0.1 in its own range and
keeps its files in the test's temporary folder; nothing here touches the services
the rest of the suite shares."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
APP_PORTS = range(8440, 8450)
REDIS_PORTS = range(6390, 6400)
POSTGRES_PORTS = range(5440, 5450)
# What the tests' own environment points at (the shared services); an app or worker
# started here is given its own.
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "ENV_FILE")


def free_port(ports: range) -> int:
    """A port of the range nobody listens on (xdist workers pick at random, so two
    tests rarely race for one; a lost race fails at bind and is retried by the
    caller's start)."""
    candidates = list(ports)
    start = os.getpid() % len(candidates)
    for port in candidates[start:] + candidates[:start]:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def wait_until(check, *, timeout: float, what: str, process=None, log=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process exited\n{_tail(log)}")
        try:
            if check():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s\n{_tail(log)}")


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return log.read_text(errors="replace")[-4000:]


def app_environment(**overrides: str) -> dict[str, str]:
    """The environment of a `make run`-like app: development settings (DEBUG=1, as
    `make setup`'s .env), none of the tests' service URLs unless given."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cms.settings.base",
            "ENV_FILE": "",
            "DEBUG": "1",
            "SECRET_KEY": "reliability-tests-" + "k" * 40,
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise AssertionError(f"manage.py {' '.join(args)}:\n{done.stderr[-4000:]}")
    return done.stdout


def signed_in(
    url: str, username: str, password: str, *, language: str = "en"
) -> requests.Session:
    session = PlainHTTPSession()
    session.get(f"{url}/accounts/login/", timeout=30).raise_for_status()
    response = session.post(
        f"{url}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{url}/accounts/login/", "Accept-Language": language},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, (username, response.status_code)
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    session.headers["Accept-Language"] = language
    return session


class PlainHTTPSession(requests.Session):
    """With DEBUG off the app marks its cookies secure; these servers speak plain
    HTTP on loopback (a proxy would terminate TLS), so send them all the same."""

    def prepare_request(self, request):
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)


@dataclass
class App:
    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def app_server(
    env: dict[str, str], log: Path, *, server: str = "runserver"
) -> Iterator[App]:
    """The app on a free port of APP_PORTS: `runserver` (threaded, as `make run`)
    or `gunicorn` (threads, as the README's production command)."""
    port = free_port(APP_PORTS)
    if server == "runserver":
        command = [sys.executable, "manage.py", "runserver", "--noreload"]
        command.append(f"127.0.0.1:{port}")
    else:
        command = [sys.executable, "-m", "gunicorn", "cms.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
        command += ["--threads", "8", "--timeout", "60"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    app = App(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until(
            lambda: (
                requests.get(app.url + "/accounts/login/", timeout=5).status_code < 500
            ),
            timeout=90,
            what="the app did not answer",
            process=process,
            log=log,
        )
        yield app
    finally:
        stop(process)


def stop(process: subprocess.Popen, *, kill: bool = False) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# Redis ------------------------------------------------------------------------------


class Redis:
    """A private redis-server (no persistence, as a cache and broker for one test)
    that can be stopped and started again on the same port."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server")
        if not self.binary:
            service_missing("redis-server is not installed")
        self.folder = folder
        self.port = free_port(REDIS_PORTS)
        self.process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        log = self.folder / "redis.log"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, timeout=20, what="redis", process=self.process)

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[Redis]:
    redis = Redis(folder)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


# PostgreSQL -------------------------------------------------------------------------


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        service_missing(f"PostgreSQL's {name} is not installed")
    return found[-1]


class Postgres:
    """A private PostgreSQL cluster (initdb in the test's folder, trust on
    127.0.0.1) that can be stopped and started again, as an operator restarts one.
    Runs as the `postgres` system user when the tests run as root."""

    def __init__(self) -> None:
        # Its own folder under /tmp: as root the server runs as `postgres`, which
        # cannot enter pytest's private temporary folders.
        self.folder = Path(tempfile.mkdtemp(prefix="civicskills-pg-"))
        self.data = self.folder / "pgdata"
        self.port = free_port(POSTGRES_PORTS)
        self.pg_ctl = _postgres_bin("pg_ctl")
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            self.folder.chmod(0o777)
        self._run(
            [
                _postgres_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(
            self.as_user + command, capture_output=True, text=True, timeout=120
        )
        if done.returncode:
            raise AssertionError(f"{command[0]}: {done.stdout}{done.stderr}")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        options += " -c fsync=off"
        self._run(
            [
                self.pg_ctl,
                "-D",
                str(self.data),
                "-l",
                str(self.folder / "postgres.log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"])

    def copy_of(self, database_url: str, name: str) -> str:
        """Create `name` here as a copy of the database at `database_url` (schema
        and rows, by pg_dump); returns its URL."""
        dump = self.folder / "copy.sql"
        for command in (
            [_postgres_bin("pg_dump"), "--no-owner", "-f", str(dump), database_url],
            [_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
            + ["-U", "postgres", name],
            [_postgres_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump)]
            + [self.url(name)],
        ):
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
            if done.returncode:
                raise AssertionError(f"{command[0]}: {done.stderr[-2000:]}")
        return self.url(name)


@contextlib.contextmanager
def postgres_cluster() -> Iterator[Postgres]:
    cluster = Postgres()
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(AssertionError):
            cluster.stop("immediate")
        shutil.rmtree(cluster.folder, ignore_errors=True)


# Celery ------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a machine that
        loses power or an OOM killer taking the whole group does."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def celery_worker(
    env: dict[str, str], log: Path, *, beat: bool = False
) -> Iterator[Worker]:
    """`celery worker` as the README runs it (prefork, one pool process here),
    consuming the default queue of the broker `env` names, with celery beat in the
    same process when asked; stopped on exit."""
    command = [sys.executable, "-m", "celery", "-A", "cms", "worker"]
    command += ["--concurrency=1", "--without-gossip", "--without-mingle"]
    command += ["--loglevel=INFO"]
    if beat:
        command += ["--beat", f"--schedule={log.with_suffix('.beat')}"]
    with log.open("a") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process, log)
    try:
        wait_until(
            lambda: "ready." in worker.log_text(),
            timeout=90,
            what="the worker did not start",
            process=process,
            log=log,
        )
        yield worker
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def passwords_as_in_production() -> None:
    """Hash everyone's test password with the production hasher (the test settings'
    fast MD5 is unknown to an app running the real settings)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests.factories import PASSWORD

    hasher = PBKDF2PasswordHasher()
    get_user_model().objects.update(password=hasher.encode(PASSWORD, hasher.salt()))
