"""Page benchmark (not a test): prints its figures and writes them under bench/results/.

    make bench                                           # small data set, SQLite
    .venv/bin/python bench/pages.py --size medium --backend sqlite
    .venv/bin/python bench/pages.py --size medium --backend postgresql --rounds 3
    .venv/bin/python bench/pages.py --folder /tmp/tandem-bench-x   # reuse data built before

Builds the data with bench/seed.py (unless --folder already holds it), starts
Tandem under the repository's gunicorn.conf.py, logs in through the real form as
a person with two years of daily data, and measures each page with wrk on
loopback. In the same round, under the same gunicorn settings, it measures a bare
Flask "hello world" and a plain Flask-SQLAlchemy page (20 rows in a Jinja
layout), so every figure is also printed as a ratio to hello world measured
minutes apart on the same machine. Each round prints the load average, since a
busy machine lowers every figure. Last, it prints each Tandem worker's memory.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import PASSWORD, build  # noqa: E402

#: (name, path) of the Tandem pages measured; {entry} is filled in after log-in.
PAGES = [
    ("Care (layout only)", "/care"),
    ("Today", "/today"),
    ("entry", "/journal/{entry}"),
    ("journal, page 1", "/journal"),
    ("practices", "/practices"),
    ("plan", "/plan"),
    ("check-ins", "/checkins"),
    ("progress", "/progress"),
]
# The POST keeps the cookie it logged in with: the answer's cookie carries the flashed
# "saved" message, which a browser shows on the page the redirect leads to, and wrk follows no
# redirect, so keeping it would pile up messages no browser keeps.
POST_SCRIPT = """
wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "{cookie}"
"""
#: Measured beside Tandem, not Tandem's own requests.
OTHERS = ("bare Flask hello world", "plain Flask-SQLAlchemy page, 20 rows")
# As a browser does, each wrk thread keeps the session cookie the server sends back (the
# idle clock in it moves once a minute, so a new one comes about once a minute). A cookie kept
# fixed would make every request after the first minute move the clock and sign a new cookie,
# which no browser causes. The request is built again only when the cookie changes.
GET_SCRIPT = """
wrk.headers["Cookie"] = "{cookie}"
local request_text
init = function(args) request_text = wrk.format() end
request = function() return request_text end
response = function(status, headers, body)
  local set = headers["Set-Cookie"]
  if set == nil then return end
  local name, value = set:match("^([^=;]+)=([^;]*)")
  local kept = {{}}
  for pair in wrk.headers["Cookie"]:gmatch("[^;]+") do
    pair = pair:gsub("^%s+", "")
    if pair:sub(1, #name + 1) ~= name .. "=" then kept[#kept + 1] = pair end
  end
  kept[#kept + 1] = name .. "=" .. value
  wrk.headers["Cookie"] = table.concat(kept, "; ")
  request_text = wrk.format()
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


class Server:
    """One gunicorn with the repository's configuration, serving `target`."""

    def __init__(self, target: str, env: dict):
        self.port = free_port()
        config = ROOT / "gunicorn.conf.py"
        # As production runs: gunicorn's access log stays off, as gunicorn.conf.py has it (until
        # 2026-11-28 the benchmark switched it on, into /dev/null, for every app it measured).
        args = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{self.port}"]
        args += ["-c", str(config)] if config.exists() else ["--workers", "2"]
        self.process = subprocess.Popen(
            [*args, target],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        wait_for(self.url + ("/healthz" if "tandem" in self.process.args[-1] else "/"))
        return self

    def workers_rss_mb(self) -> list[float]:
        out = subprocess.run(["ps", "-o", "pid=,ppid=,rss=", "-e"], capture_output=True, text=True).stdout
        return [
            int(rss) / 1024
            for pid, ppid, rss in (line.split() for line in out.splitlines())
            if int(ppid) == self.process.pid
        ]

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def login(url: str, email: str):
    """Log in through the real form; returns the cookie header, a CSRF token, the
    id of the person's newest journal entry, and the logged-in opener."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    try:
        opener.open(url + "/login", data=body).read()
    except urllib.error.HTTPError as error:
        sys.exit(f"log-in failed ({error.code}): " + re.sub(r"<[^>]+>", " ", error.read().decode())[:3000])
    journal = opener.open(url + "/journal").read().decode()
    entry = int(re.search(r'href="/journal/(\d+)"', journal).group(1))
    form = opener.open(url + "/checkins/new").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token, entry, opener


LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(url: str, *, script: str | None, duration: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", lua.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(lua.name)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {p: float(v) * scale[u] for p, v, u in LATENCY.findall(out)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": rps,
        "p50_ms": latency.get("50"),
        "p99_ms": latency.get("99"),
        "requests": requests,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-q", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("small", "medium"), default="small")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--days", type=int, default=730, help="days of history each couple has (30 for a month)")
    parser.add_argument("--folder", help="reuse the data built in this folder by an earlier run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page and round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--accept-encoding",
        default="",
        help='ask for Tandem\'s pages compressed, as a browser does ("gzip, deflate, br, zstd"); none by default',
    )
    args = parser.parse_args()
    # It goes into wrk's Lua script as a string: encodings, weights and separators only.
    if not re.fullmatch(r"[A-Za-z0-9 ,;=.*-]*", args.accept_encoding):
        parser.error('--accept-encoding takes what a browser sends, such as "gzip, deflate, br, zstd"')
    ensure_wrk()

    folder = args.folder or tempfile.mkdtemp(prefix="tandem-bench-")
    settings_file = Path(folder) / "settings.json"
    if not settings_file.exists():
        settings = build(size=args.size, backend=args.backend, folder=folder, days=args.days)
        settings["PLAIN_DATABASE_URI"] = settings["SQLALCHEMY_DATABASE_URI"]
        settings_file.write_text(json.dumps(settings))
        (Path(folder) / "data.json").write_text(
            json.dumps({"backend": args.backend, "size": args.size, "days": args.days})
        )
    # Data built before is labelled as it was built, whatever --backend, --size and --days say.
    data_file = Path(folder) / "data.json"
    if data_file.exists():
        vars(args).update(json.loads(data_file.read_text()))
    # The worker's queue (the log-in queues a new-browser email) in the data's folder, not the checkout's.
    env = {"BENCH_SETTINGS": str(settings_file), "TANDEM_INSTANCE_PATH": str(Path(folder) / "instance")}

    rows: dict[str, list[dict]] = {}
    loads = []
    #: (requests Tandem had answered, each worker's memory in MB), after each round.
    memory: list[tuple[int, list[float]]] = []
    with Server("bench.apps:tandem()", env) as tandem:
        cookie, token, entry, opener = login(tandem.url, "a0@example.com")
        reachable = []
        for name, path in PAGES:
            path = path.format(entry=entry)
            try:
                opener.open(tandem.url + path).read()
                reachable.append((name, path))
            except urllib.error.HTTPError as error:
                print(f"skipping {path}: {error.code}")
        # The POSTs add thousands of check-ins: they go in as a person of another couple,
        # so the pages measured (a0's) keep the same data from round to round and run to run.
        post_cookie, post_token, _, _ = login(tandem.url, "a9@example.com")
        body = urllib.parse.urlencode(
            {"csrf_token": post_token, "mood": "3", "closeness": "4", "visibility": "private"}
        )
        asks = f'wrk.headers["Accept-Encoding"] = "{args.accept_encoding}"\n' if args.accept_encoding else ""
        for round_no in range(1, args.rounds + 1):
            loads.append(os.getloadavg()[0])
            print(f"round {round_no}: load average {loads[-1]:.2f}", flush=True)
            for name, target in zip(OTHERS, ("bench.apps:hello()", "bench.apps:plain()")):
                with Server(target, env) as other:
                    rows.setdefault(name, []).append(
                        wrk(other.url + "/", script=None, duration=args.duration, connections=args.connections)
                    )
            for name, path in reachable:
                rows.setdefault(name, []).append(
                    wrk(
                        tandem.url + path,
                        script=asks + GET_SCRIPT.format(cookie=cookie),
                        duration=args.duration,
                        connections=args.connections,
                    )
                )
            rows.setdefault("POST a check-in", []).append(
                wrk(
                    tandem.url + "/checkins/new",
                    script=POST_SCRIPT.format(body=body, cookie=post_cookie),
                    duration=args.duration,
                    connections=args.connections,
                )
            )
            served = sum(r["requests"] for name, results in rows.items() if name not in OTHERS for r in results)
            memory.append((served, tandem.workers_rss_mb()))

    def median(values):
        values = sorted(v for v in values if v is not None)
        return values[len(values) // 2] if values else None

    hello = median(r["rps"] for r in rows["bare Flask hello world"])
    print()
    print(
        f"{args.backend}, {args.size} data ({args.days} days each), {args.connections} connections, {args.rounds} rounds of {args.duration} s "
        f"(median of rounds); load averages {', '.join(f'{x:.2f}' for x in loads)}"
        + (f"; pages asked for with Accept-Encoding: {args.accept_encoding}" if args.accept_encoding else "")
    )
    print(f"{'page':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'÷ hello':>8} {'non-2xx':>8}")
    summary = {}
    for name, results in rows.items():
        rps = median(r["rps"] for r in results)
        p50 = median(r["p50_ms"] for r in results)
        p99 = median(r["p99_ms"] for r in results)
        bad = sum(r["non_2xx"] for r in results)
        summary[name] = {
            "rps": rps,
            "p50_ms": p50,
            "p99_ms": p99,
            "ratio": rps / hello,
            "non_2xx": bad,
            "rounds": results,
        }
        print(f"{name:<40} {rps:>8.0f} {p50:>8.1f} {p99:>8.1f} {rps / hello:>8.3f} {bad:>8}")
    for served, sizes in memory:
        print(f"Tandem workers' memory after {served:,} requests: {', '.join(f'{m:.0f} MB' for m in sizes)}")

    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    compressed = "-compressed" if args.accept_encoding else ""
    out = results / f"pages-{args.backend}-{args.size}-{args.days}d{compressed}-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "backend": args.backend,
                "size": args.size,
                "days": args.days,
                "connections": args.connections,
                "rounds": args.rounds,
                "duration_s": args.duration,
                "accept_encoding": args.accept_encoding,
                "load_averages": loads,
                "cpus": os.cpu_count(),
                "gunicorn": {
                    "workers": int(os.environ.get("WEB_CONCURRENCY", "2")),
                    "options": os.environ.get("GUNICORN_CMD_ARGS", ""),
                },
                "pages": summary,
                "worker_rss_mb": [{"requests": n, "mb": sizes} for n, sizes in memory],
            },
            indent=2,
        )
    )
    print(f"figures written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
