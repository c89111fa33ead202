"""Page benchmark: requests per second and latency of key pages under gunicorn.

Builds a throw-away demo county (or uses DATABASE_URL if set), serves it with
gunicorn on 127.0.0.1 and measures anonymous and signed-in pages with a small
stdlib HTTP client. Results go to benchmarks/results/. See benchmarks/README.md.

Run from the repository root:  python benchmarks/run.py [--requests N]
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "benchmarks" / "results"
HOST = "127.0.0.1"
HEALTH_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
BARRIER_TIMEOUT_S = 300.0
LEARNER = "learner"
LEARNER_MARKER = "QX-DEMO-1"  # the learner's employee number, shown on /me/
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# Environment and setup -----------------------------------------------------------


def python_bin() -> str:
    """The project's virtualenv interpreter, so Django is importable."""
    venv_python = REPO / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def gunicorn_cmd() -> list[str]:
    script = Path(python_bin()).parent / "gunicorn"
    if script.exists():
        return [str(script)]
    return [python_bin(), "-m", "gunicorn"]


def build_env(workdir: Path) -> tuple[dict[str, str], bool]:
    """Environment for manage.py and gunicorn; True when DATABASE_URL is the user's."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.base")
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "0",
            "ENV_FILE": "",  # never read the developer's .env
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "LOG_LEVEL": env.get("LOG_LEVEL", "WARNING"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    user_db = bool(env.get("DATABASE_URL"))
    if not user_db:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    return env, user_db


def manage(env: dict[str, str], *args: str) -> None:
    cmd = [python_bin(), "manage.py", *args]
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed ({proc.returncode})")
    print(f"  manage.py {args[0]:14} {time.perf_counter() - started:5.1f} s")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], port: int, log_path: Path) -> Iterator[None]:
    cmd = [
        *gunicorn_cmd(),
        "cms.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        "2",
        "--threads",
        "1",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_healthy(proc, port, log_path)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 200:
                return
            last = f"HTTP {resp.status}: {body[:200]!r}"
        except OSError as exc:
            last = type(exc).__name__
        finally:
            conn.close()
        time.sleep(0.25)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise SystemExit(f"gunicorn did not become healthy ({last}). Log tail:\n{tail}")


# HTTP client -----------------------------------------------------------------------


class Client:
    """One simulated browser: a connection (kept alive when the server allows it)
    and a cookie jar. Not thread-safe; each client thread owns one."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        self.cookies: dict[str, str] = {}
        self.origin = f"http://{HOST}:{port}"

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        headers = {"Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            text = resp.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnect on the next request
            raise
        for raw in resp.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                # Secure cookies are kept too: this is plain HTTP on loopback.
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if resp.will_close:
            self.conn.close()  # gunicorn's sync workers answer Connection: close
        return resp.status, text, dict(resp.headers.items())

    def login(self, username: str, password: str) -> None:
        """Sign in once through the real form. Any failure stops the run at once,
        so a wrong password never accumulates django-axes failures."""
        status, text, _ = self.request("GET", "/accounts/login/")
        match = CSRF_FIELD.search(text)
        if status != 200 or match is None or "csrftoken" not in self.cookies:
            raise SystemExit(f"login page unusable (HTTP {status}, no CSRF token)")
        form = {
            "csrfmiddlewaretoken": html.unescape(match.group(1)),
            "username": username,
            "password": password,
            "next": "/me/",
        }
        status, _, headers = self.request("POST", "/accounts/login/", form)
        location = headers.get("Location", "")
        if status != 302 or "sessionid" not in self.cookies or "login" in location:
            raise SystemExit(
                f"login as {username!r} failed (HTTP {status}, Location {location!r});"
                " check DEMO_PASSWORD. Stopping before django-axes locks the account."
            )

    def close(self) -> None:
        self.conn.close()


# Measurement -----------------------------------------------------------------------


@dataclass
class Page:
    name: str
    path: str
    signed_in: bool
    marker: str  # must occur in the body, so a redirect or login page is an error


PAGES = [
    Page("home (anonymous)", "/", False, 'href="/accounts/login/"'),
    Page("login (anonymous)", "/accounts/login/", False, 'name="password"'),
    Page("me (learner)", "/me/", True, LEARNER_MARKER),
    Page("home (learner)", "/", True, 'action="/accounts/logout/"'),
    # The competency profile reads every competence, level and piece of evidence.
    Page("competencies (learner)", "/me/competencies/", True, "EG-1.1"),
    Page("quizzes (learner)", "/quizzes/", True, "QZ-EGOV-GRADED"),
    Page("catalog (anonymous)", "/courses/", False, "course-card"),
    Page("catalog (learner)", "/courses/", True, "course-card"),
    Page(
        "catalog search (learner)",
        "/courses/?q=%E8%AF%81%E7%85%A7",
        True,
        "course-card",
    ),
    Page(
        "lesson (learner)",
        "/courses/security-awareness/phishing-social-engineering/",
        True,
        "lesson-body",
    ),
]


@dataclass
class PageResult:
    name: str
    path: str
    signed_in: bool
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    error_samples: list[str] = field(default_factory=list)


def percentile(sorted_values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return float("nan")
    rank = (len(sorted_values) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (
        rank - low
    )


def run_page(page: Page, clients: list[Client], total: int, warmup: int) -> PageResult:
    """Send `total` GETs spread over the clients' threads; warm-up not counted."""
    lock = threading.Lock()
    remaining = total
    latencies: list[float] = []
    errors: list[str] = []

    def check(client: Client) -> str | None:
        try:
            status, text, _ = client.request("GET", page.path)
        except Exception as exc:  # counted, never fatal: the run must finish
            return type(exc).__name__
        if status != 200:
            return f"HTTP {status}"
        if page.marker not in text:
            return f"marker {page.marker!r} missing"
        return None

    def take() -> bool:
        nonlocal remaining
        with lock:
            if remaining <= 0:
                return False
            remaining -= 1
            return True

    def worker(client: Client) -> None:
        for _ in range(warmup):
            check(client)
        barrier.wait(timeout=BARRIER_TIMEOUT_S)
        while take():
            started = time.perf_counter()
            problem = check(client)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if problem is not None:
                    errors.append(problem)

    barrier = threading.Barrier(len(clients) + 1)
    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    # Every thread has warmed up: start the clock.
    barrier.wait(timeout=BARRIER_TIMEOUT_S)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started

    ms = sorted(x * 1000 for x in latencies)
    return PageResult(
        name=page.name,
        path=page.path,
        signed_in=page.signed_in,
        requests=len(ms),
        errors=len(errors),
        seconds=round(seconds, 3),
        rps=round(len(ms) / seconds, 1) if seconds > 0 else 0.0,
        p50_ms=round(percentile(ms, 50), 1),
        p95_ms=round(percentile(ms, 95), 1),
        p99_ms=round(percentile(ms, 99), 1),
        mean_ms=round(sum(ms) / len(ms), 1) if ms else float("nan"),
        error_samples=sorted(set(errors))[:5],
    )


# Reporting -------------------------------------------------------------------------


def git_commit() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    proc = subprocess.run(
        [git, "rev-parse", "--short", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def machine_info() -> dict[str, object]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": git_commit(),
    }


def print_table(results: list[PageResult]) -> None:
    head = (
        f"{'page':20} {'path':18} {'reqs':>5} {'err':>4} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.name:20} {r.path:18} {r.requests:5d} {r.errors:4d} {r.rps:7.1f} "
            f"{r.p50_ms:7.1f} {r.p95_ms:7.1f} {r.p99_ms:7.1f}"
        )
        for sample in r.error_samples:
            print(f"    error: {sample}")


def write_results(report: dict[str, object]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    path = RESULTS_DIR / f"pages-{stamp}.json"
    for target in (path, RESULTS_DIR / "pages-latest.json"):
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    return path


# Main ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure req/s and latency of key pages under gunicorn."
    )

    def positive(value: str) -> int:
        number = int(value)
        if number < 1:
            raise argparse.ArgumentTypeError("must be at least 1")
        return number

    parser.add_argument(
        "--requests", type=positive, default=400, help="measured requests per page"
    )
    parser.add_argument(
        "--concurrency", type=positive, default=4, help="client threads (max 32)"
    )
    parser.add_argument(
        "--warmup", type=int, default=5, help="unmeasured requests per thread and page"
    )
    args = parser.parse_args(argv)
    if args.concurrency > 32 or args.requests > 20_000 or not 0 <= args.warmup <= 100:
        parser.error(
            "keep it bounded: concurrency <= 32, requests <= 20000, 0 <= warmup <= 100"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="civicskills-bench-") as tmp:
        workdir = Path(tmp)
        env, user_db = build_env(workdir)
        password = env.get("DEMO_PASSWORD") or "demo-pass-2026"
        where = "DATABASE_URL from the environment" if user_db else "temporary SQLite"
        print(f"Preparing the demo county ({where}) ...")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "seed_demo", "--force")

        port = free_port()
        print(f"Starting gunicorn on {HOST}:{port} (2 workers, 1 thread each) ...")
        results: list[PageResult] = []
        with gunicorn(env, port, workdir / "gunicorn.log"):
            anonymous = [Client(port) for _ in range(args.concurrency)]
            learners = [Client(port) for _ in range(args.concurrency)]
            try:
                for client in learners:
                    client.login(LEARNER, password)
                for page in PAGES:
                    clients = learners if page.signed_in else anonymous
                    print(f"  measuring {page.name} ...", flush=True)
                    results.append(run_page(page, clients, args.requests, args.warmup))
            finally:
                for client in anonymous + learners:
                    client.close()

    report: dict[str, object] = {
        "benchmark": "pages",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "requests_per_page": args.requests,
            "concurrency": args.concurrency,
            "warmup_per_thread": args.warmup,
            "server": "gunicorn sync, 2 workers x 1 thread, DEBUG=0",
            "database": "DATABASE_URL (user)" if user_db else "sqlite (temporary)",
        },
        "pages": [asdict(r) for r in results],
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    path = write_results(report)
    print()
    print_table(results)
    print(f"\nWrote {path} and pages-latest.json ({report['total_seconds']} s in all)")
    failed = [r.name for r in results if r.errors]
    if failed:
        print(f"FAILED: errors on {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
