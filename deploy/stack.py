"""`make stack`: the production layout of deploy/ on 127.0.0.1, from a fresh clone.

nginx (deploy/nginx/houvast.conf, a self-signed certificate made at start) in front of 2 gunicorn
app servers, PostgreSQL and Redis as DATABASE_URL and REDIS_URL say (by default the ones on
127.0.0.1), 1 task worker, and an SMTP sink (aiosmtpd) that writes every e-mail it receives to
a folder. Migrations, collected static files and the demo data are made first. It prints the
address once every part answers, restarts an app server or the worker that dies (as systemd's
Restart=always does), and stops everything it started on Ctrl-C or SIGTERM.

Environment: STACK_PORT (8443), STACK_DIR (var/stack), DATABASE_URL
(postgres://postgres@127.0.0.1:5432/houvast_stack; the database is made if missing),
REDIS_URL (redis://127.0.0.1:6379/8), STACK_SMTP_DELAY (seconds per received e-mail, 0).
It writes STACK_DIR/state.json (ports, process ids) for `make drill`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
APP_SERVERS = 2


def free_port() -> int:
    """A free port below the kernel's range for outgoing connections: a server stopped in a
    drill must get its port back, and one of the many client connections of a load could
    otherwise have taken it as its own source port meanwhile."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for port in random.sample(range(10_000, max(low, 10_001)), 200):
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port below the range for outgoing connections")


def log(text: str) -> None:
    print(f"[stack] {text}", flush=True)


class MailSink:
    """aiosmtpd handler: each message in its own file, named by arrival."""

    def __init__(self, folder: Path, delay: float) -> None:
        self.folder = folder
        self.delay = delay
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.count += 1
            number = self.count
        name = f"{time.time_ns()}-{number:06d}.eml"
        (self.folder / name).write_bytes(envelope.content)
        return "250 Message accepted"


class Stack:
    def __init__(self) -> None:
        self.dir = Path(os.environ.get("STACK_DIR", ROOT / "var" / "stack")).resolve()
        self.port = int(os.environ.get("STACK_PORT", "8443"))
        self.http_port = int(os.environ.get("STACK_HTTP_PORT", "0")) or free_port()
        self.app_ports = [free_port() for _ in range(APP_SERVERS)]
        self.smtp_port = free_port()
        self.database_url = os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/houvast_stack"
        )
        self.redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8")
        self.processes: dict[str, subprocess.Popen] = {}
        self.restarts: dict[str, int] = {}
        self.stopping = False
        self.controller = None
        self.mail_dir = self.dir / "mail"
        self.logs = self.dir / "logs"

    # -- the pieces ------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        secrets = self.dir / "secrets.json"
        if not secrets.exists():
            from cryptography.fernet import Fernet

            secrets.write_text(
                json.dumps(
                    {
                        "secret": os.urandom(32).hex(),
                        "fernet": Fernet.generate_key().decode(),
                        "digest": os.urandom(32).hex(),
                    }
                )
            )
            secrets.chmod(0o600)
        keys = json.loads(secrets.read_text())
        site = f"https://{HOST}:{self.port}"
        env.update(
            {
                # The drills run the stack with their own settings (deploy/drill_settings.py).
                "DJANGO_SETTINGS_MODULE": os.environ.get("STACK_SETTINGS", "portal.settings"),
                "DJANGO_SECRET_KEY": keys["secret"],
                "FIELD_ENCRYPTION_KEYS": keys["fernet"],
                "EMAIL_DIGEST_KEY": keys["digest"],
                "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
                "DJANGO_CSRF_TRUSTED_ORIGINS": f"{site},https://localhost:{self.port}",
                "SITE_URL": site,
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
                "DJANGO_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP",
                "DJANGO_VAR_DIR": str(self.dir / "var"),
                "DJANGO_LOG_LEVEL": "WARNING",
                "EMAIL_HOST": HOST,
                "EMAIL_PORT": str(self.smtp_port),
                "DEFAULT_FROM_EMAIL": "Houvast <noreply@localhost>",
            }
        )
        return env

    def manage(self, *args: str) -> None:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def ensure_database(self) -> None:
        parts = urllib.parse.urlsplit(self.database_url)
        if not parts.scheme.startswith("postgres"):
            return
        import psycopg

        name = parts.path.lstrip("/")
        admin = parts._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as pg:
            found = pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not found:
                pg.execute(f'CREATE DATABASE "{name}"')
                log(f"made the database {name}")

    def certificate(self) -> tuple[Path, Path]:
        cert, key = self.dir / "tls" / "cert.pem", self.dir / "tls" / "key.pem"
        cert.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "7", "-subj", "/CN=127.0.0.1", "-keyout", str(key),
             "-out", str(cert), "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True,
        )  # fmt: skip
        return cert, key

    def nginx_config(self, cert: Path, key: Path, *, cache_status: bool | None = None) -> Path:
        """deploy/nginx/houvast.conf with this machine's values on the lines marked CHANGE.

        The default server for TLS is left out: clients of the stack ask for 127.0.0.1, and a
        TLS client names no IP address (SNI), so it would be refused. `cache_status` (default:
        STACK_CACHE_STATUS, on) sends X-Cache-Status, for looking into the proxy's cache."""
        if cache_status is None:
            cache_status = os.environ.get("STACK_CACHE_STATUS", "1") == "1"
        site = (ROOT / "deploy" / "nginx" / "houvast.conf").read_text()
        upstream = "".join(
            f"    server {HOST}:{port} max_fails=3 fail_timeout=10s;\n" for port in self.app_ports
        )
        lines = []
        servers_done = False
        for line in site.splitlines(keepends=True):
            if "# CHANGE: app servers" in line:
                if not servers_done:
                    lines.append(upstream)
                    servers_done = True
                continue
            if "# brotli" in line and not BROTLI_MODULE.exists():
                continue
            if ("[::]" in line and "# CHANGE" in line) or "# CHANGE: https default" in line:
                continue
            lines.append(line)
        site = "".join(lines)
        replacements = [
            (r"listen 80;", f"listen {HOST}:{self.http_port};"),
            (r"listen 80 default_server;", f"listen {HOST}:{self.http_port} default_server;"),
            (r"listen 443 ssl http2;", f"listen {HOST}:{self.port} ssl http2;"),
            (r"server_name houvast\.example;", f"server_name {HOST} localhost;"),
            (r"https://houvast\.example\$request_uri", f"https://{HOST}:{self.port}$request_uri"),
            (r"proxy_set_header Host \$host;", f"proxy_set_header Host $host:{self.port};"),
            (r"/etc/ssl/houvast/fullchain\.pem", str(cert)),
            (r"/etc/ssl/houvast/privkey\.pem", str(key)),
            (r"/var/cache/nginx/houvast", str(self.dir / "nginx" / "cache")),
            (r"/srv/houvast/var/static/", str(self.dir / "var" / "static") + "/"),
            (r"/srv/houvast/deploy/nginx", str(ROOT / "deploy" / "nginx")),
        ]
        if cache_status:
            replacements.append(
                (r'default "";  # CHANGE: cache status', "default $upstream_cache_status;")
            )
        for pattern, value in replacements:
            site, count = re.subn(pattern, lambda _m, v=value: v, site)
            assert count, f"deploy/nginx/houvast.conf no longer has {pattern}"
        folder = self.dir / "nginx"
        for sub in ("cache", "temp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / "houvast.conf").write_text(site)
        user = "user root;\n" if os.geteuid() == 0 else ""
        modules = f"load_module {BROTLI_MODULE};\n" if BROTLI_MODULE.exists() else ""
        temp = folder / "temp"
        main = f"""{modules}{user}worker_processes 2;
daemon off;
pid {folder / "nginx.pid"};
error_log {self.logs / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    log_format stack '$msec $status $request_method $uri $upstream_addr $upstream_cache_status';
    access_log {self.logs / "nginx-access.log"} stack buffer=64k flush=1s;
    include {folder / "houvast.conf"};
}}
"""
        (folder / "nginx.conf").write_text(main)
        return folder / "nginx.conf"

    def start(self, name: str) -> None:
        env = self.env()
        if name.startswith("app"):
            port = self.app_ports[int(name[3:]) - 1]
            args = [PYTHON, "-m", "gunicorn", "portal.wsgi", "--bind", f"{HOST}:{port}",
                    "--workers", "2", "--timeout", "30", "--log-level", "warning"]  # fmt: skip
        elif name == "worker":
            args = [PYTHON, "manage.py", "task_worker", "--no-reload", "--interval", "0.2", "-v0"]
        else:
            args = ["nginx", "-c", str(self.dir / "nginx" / "nginx.conf"), "-e", "stderr"]
        out = (self.logs / f"{name}.log").open("a")
        self.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.write_state()

    def write_state(self) -> None:
        state = {
            "url": f"https://{HOST}:{self.port}/",
            "port": self.port,
            "http_port": self.http_port,
            "app_ports": self.app_ports,
            "smtp_port": self.smtp_port,
            "mail_dir": str(self.mail_dir),
            "logs": str(self.logs),
            "pids": {name: p.pid for name, p in self.processes.items()},
            "restarts": self.restarts,
            "supervisor": os.getpid(),
            "env": {k: v for k, v in self.env().items() if k in ENV_FOR_DRILLS},
        }
        path = self.dir / "state.json"
        path.with_suffix(".tmp").write_text(json.dumps(state, indent=1))
        path.with_suffix(".tmp").replace(path)

    def wait_for(self, url: str, name: str, timeout: float = 60) -> None:
        context = ssl._create_unverified_context()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes.get(name)
            if process is not None and process.poll() is not None:
                raise SystemExit(f"{name} stopped; see {self.logs / (name + '.log')}")
            try:
                with urllib.request.urlopen(url, timeout=5, context=context) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise SystemExit(f"{name} did not answer {url} within {timeout:.0f} s")

    # -- running ---------------------------------------------------------------------------

    def up(self) -> None:
        if shutil.which("nginx") is None:
            raise SystemExit("nginx is not installed: apt-get install nginx")
        for folder in (self.dir, self.mail_dir, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        from aiosmtpd.controller import Controller

        delay = float(os.environ.get("STACK_SMTP_DELAY", "0"))
        self.controller = Controller(
            MailSink(self.mail_dir, delay), hostname=HOST, port=self.smtp_port
        )
        self.controller.start()
        log(f"SMTP sink on {HOST}:{self.smtp_port}, mail to {self.mail_dir}")
        self.ensure_database()
        log("migrate, collectstatic, check_content, demo data …")
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("check_content")
        self.manage("load_demo")
        cert, key = self.certificate()
        self.nginx_config(cert, key)
        for number in range(1, APP_SERVERS + 1):
            self.start(f"app{number}")
        self.start("worker")
        for number, port in enumerate(self.app_ports, start=1):
            self.wait_for(f"http://{HOST}:{port}/healthz", f"app{number}")
        result = subprocess.run(
            ["nginx", "-t", "-c", str(self.dir / "nginx" / "nginx.conf"), "-e", "stderr"],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"nginx refused its configuration:\n{result.stderr}")
        self.start("nginx")
        self.wait_for(f"https://{HOST}:{self.port}/healthz", "nginx")
        self.wait_for(f"https://{HOST}:{self.port}/", "nginx")
        print(f"\nHouvast is up: https://{HOST}:{self.port}/  (Ctrl-C stops it)", flush=True)
        print(f"E-mails arrive in {self.mail_dir}; logs in {self.logs}\n", flush=True)

    def supervise(self) -> None:
        """Restart an app server or the worker that stopped, as systemd would.

        Stops everything when whoever started it has gone (`make stack` sent SIGTERM, which
        make does not pass on to its commands)."""
        parent = os.getppid()
        while not self.stopping:
            if os.getppid() != parent:
                log("the command that started the stack has gone")
                raise KeyboardInterrupt
            for name, process in list(self.processes.items()):
                if process.poll() is not None and not self.stopping:
                    if name == "nginx":
                        raise SystemExit(f"nginx stopped; see {self.logs / 'nginx.log'}")
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    log(f"{name} stopped ({process.returncode}); restarting")
                    time.sleep(0.5)
                    self.start(name)
            time.sleep(0.2)

    def down(self) -> None:
        self.stopping = True
        for name, process in self.processes.items():
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.controller is not None:
            self.controller.stop()
        (self.dir / "state.json").unlink(missing_ok=True)
        log("stopped")


ENV_FOR_DRILLS = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "EMAIL_DIGEST_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_VAR_DIR",
    "EMAIL_HOST",
    "EMAIL_PORT",
}


def main() -> int:
    stack = Stack()

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        stack.up()
        stack.supervise()
    except KeyboardInterrupt:
        pass
    finally:
        stack.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
