"""Concurrent users on loopback: N clients x M questions against the real app; errors, differing answers, latency.

    python bench/load.py [--clients 20] [--questions 5] [--index DIR] [--upload-pages 20] [--wrong-logins 80]

Starts `app.py` on a free loopback port (never another host), asks every question once alone to get the
single-user answer, then lets all clients ask at once and compares. With --upload-pages, an admin uploads a
scanned PDF of that many pages (real regulation text, drawn by bench/ocr.py) while the clients keep asking
until it is in. With --wrong-logins, the server has accounts, every client logs in first, and 8 guessers
send that many wrong passwords (each under a new name, so only the per-address throttle can stop them)
while the clients ask. Bounded: stops after --timeout seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTIONS = [
    "纪委书记发现班子成员有重要问题，应该向谁报告？",
    "班子开会意见分歧很大时还能表决吗？",
    "第十四条讲了什么？",
    "党费按什么比例缴纳？",
    "太原疫情期间抽调了多少名市直机关干部下沉一线？",
    "一把手谈话提醒要在几个工作日内完成？",
    "意见的第三部分是关于什么的？",
    "领导干部插手干预重大事项应当怎么处理？",
    "巡察整改的时限是多长？",
    "党员领导干部要带头做什么？",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Ask the app to end; kill it if it has not within 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_app(index: str | None, port: int, user_dir: str, extra=(), users: str | None = None) -> subprocess.Popen:
    cmd = [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port),
           "--user-dir", user_dir, *extra]
    if index:
        cmd += ["--index", index]
    env = dict(os.environ, QA_USERS_FILE=users or os.path.join(user_dir, "no-users.json"), PYTHONUNBUFFERED="1")
    log = open(os.path.join(user_dir, "..", f"qa-load-{port}.log"), "w")    # the app's own account of the run
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_up(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the app exited during start-up")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the app did not start in time")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


READER = ("load-reader", "load-reader-pass-1")


def make(client_class, url: str, auth: tuple[str, str] | None = None):
    return client_class(url, auth) if client_class is HttpClient else client_class(url, auth=auth, verbose=False)


def log_in(url: str, name: str, password: str) -> tuple[int, str]:
    """(status, Cookie header) of one try at the login form."""
    import urllib.error
    import urllib.parse
    body = urllib.parse.urlencode({"username": name, "password": password}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url.rstrip("/") + "/login", data=body), timeout=60) as r:
            return r.status, "; ".join(v.split(";", 1)[0] for k, v in r.headers.items() if k.lower() == "set-cookie")
    except urllib.error.HTTPError as e:
        return e.code, ""


class HttpClient:
    """The documented curl-style Gradio API (POST /gradio_api/call/ask, then read the event
    stream): what a script or another program would use, light enough that 20 of them on this
    machine measure the server rather than themselves."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None):
        self.url = url.rstrip("/") + "/gradio_api/call/ask"
        self.headers = {"Content-Type": "application/json"}
        if auth:
            status, cookie = log_in(url, *auth)
            if status != 200:
                raise RuntimeError(f"login refused: {status}")
            self.headers["Cookie"] = cookie

    def predict(self, question: str, api_name: str = "/ask") -> dict:
        body = json.dumps({"data": [question, [], 5]}).encode()
        req = urllib.request.Request(self.url, data=body, headers=self.headers)
        with urllib.request.urlopen(req, timeout=60) as r:
            event_id = json.load(r)["event_id"]
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/{event_id}", headers=self.headers),
                                    timeout=60) as r:
            event = None
            for raw in r:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    if event == "error":
                        raise RuntimeError(line[5:].strip())
                    return json.loads(line[5:])[0]
        raise RuntimeError("the event stream ended without an answer")


def scanned_pdf(path: Path, pages: int) -> Path:
    from bench.ocr import DPI, draw, lay_out, sample
    laid = (lay_out(*sample(1, 2)[0]) * pages)[:pages]
    images = draw(laid, header="国务院公报")
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return path


def key(res: dict) -> str:
    """What must be identical between the single-user and the concurrent answer."""
    return json.dumps([res.get("answer"), res.get("found"), [(c["source"], c["start"], c["end"])
                                                               for c in res.get("citations", [])]],
                      ensure_ascii=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--questions", type=int, default=5)
    ap.add_argument("--index", help="index folder (default: the app's own)")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--distinct", action="store_true",
                    help="every client asks questions never asked before (no cached query vectors)")
    ap.add_argument("--client", choices=["http", "gradio"], default="http",
                    help="http: the curl-style API (light); gradio: gradio_client (heavy on this machine's CPU)")
    ap.add_argument("--upload-pages", type=int, default=0,
                    help="meanwhile an admin uploads a scanned PDF of this many pages (OCR on the server)")
    ap.add_argument("--wrong-logins", type=int, default=0,
                    help="with accounts: meanwhile 8 guessers send this many wrong passwords")
    args = ap.parse_args(argv)
    if args.client == "gradio":
        from gradio_client import Client
    else:
        Client = HttpClient  # noqa: N806

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as user_dir:
        auth = users = None
        if args.wrong_logins:
            from qa.ui.users import add_user
            users, auth = os.path.join(user_dir, "..", f"qa-load-{port}-users.json"), READER
            add_user(*READER, path=users)
            add_user("load-admin", "load-admin-pass-1", admin=True, path=users)
        proc = start_app(args.index, port, user_dir, users=users)
        try:
            t0 = time.perf_counter()
            wait_up(url, proc, args.timeout)
            print(f"app up in {time.perf_counter() - t0:.1f} s")
            solo = make(Client, url, auth)
            expected = {} if args.distinct else {q: key(solo.predict(q, api_name="/ask")) for q in QUESTIONS}
            given: dict[str, str] = {}
            t0 = time.perf_counter()
            for q in QUESTIONS:
                solo.predict(q, api_name="/ask")
            single = (time.perf_counter() - t0) / len(QUESTIONS)
            latencies, errors, differ, during = [], [], [], []
            lock = threading.Lock()
            deadline = time.time() + args.timeout

            def client(c: int) -> None:
                try:
                    cl = make(Client, url, auth)
                except Exception as e:  # noqa: BLE001 - counted, not raised
                    with lock:
                        errors.append(f"connect: {e}")
                    return
                j = 0
                while j < args.questions or uploading.is_set() or guessing.is_set():
                    j += 1
                    if time.time() > deadline:
                        return
                    if j > args.questions:     # people asking while the upload or guessing runs, a second apart: Gradio
                        time.sleep(1.0)        # keeps 2000 sessions, and every API call is one
                    q = QUESTIONS[(c + j) % len(QUESTIONS)]
                    if args.distinct:          # a question no one asked before: nothing cached
                        q = f"{q[:-1]}（第{c + 1}位同事第{j}问）？"
                    t, busy = time.perf_counter(), uploading.is_set() or guessing.is_set()
                    try:
                        got = key(cl.predict(q, api_name="/ask"))
                    except Exception as e:  # noqa: BLE001
                        with lock:
                            errors.append(f"{q}: {type(e).__name__}: {e}")
                        continue
                    with lock:
                        latencies.append(time.perf_counter() - t)
                        if busy:
                            during.append(latencies[-1])
                        given[q] = got
                        if q in expected and got != expected[q]:
                            differ.append(q)

            uploading, upload_took = threading.Event(), []
            if args.upload_pages:
                scan = scanned_pdf(Path(user_dir).parent / f"qa-load-{port}.pdf", args.upload_pages)
                uploading.set()

                def upload() -> None:
                    from gradio_client import Client as Gradio, handle_file
                    t = time.perf_counter()
                    try:
                        status = Gradio(url, verbose=False).predict([handle_file(str(scan))], api_name="/upload")[0]
                        upload_took.append((time.perf_counter() - t, status.splitlines()[0]))
                    except BaseException as e:  # noqa: BLE001 - reported with the figures
                        upload_took.append((time.perf_counter() - t, f"client gave up: {type(e).__name__} {e}"))
                    finally:
                        uploading.clear()

                threading.Thread(target=upload, daemon=True).start()
            guessing, guessed = threading.Event(), []
            if args.wrong_logins:
                guessing.set()

                def guesser(g: int) -> None:
                    for n in range(g, args.wrong_logins, 8):
                        t = time.perf_counter()
                        status, _ = log_in(url, f"guess{n}", "wrong-password")
                        with lock:
                            guessed.append((status, time.perf_counter() - t))
                    if len(guessed) >= args.wrong_logins:
                        guessing.clear()

                for g in range(8):
                    threading.Thread(target=guesser, args=(g,), daemon=True).start()
            cpu0, self0 = cpu_seconds(proc.pid), time.process_time()
            threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(max(0.0, deadline - time.time()))
            wall = time.perf_counter() - t0
            server_cpu, client_cpu = cpu_seconds(proc.pid) - cpu0, time.process_time() - self0
            if args.upload_pages:           # the stored file and the index that holds it, after the clients
                stored = Path(user_dir) / scan.name
                while not stored.exists() and time.time() < deadline:
                    time.sleep(1)
                print(f"upload stored: {stored.exists()}, {time.perf_counter() - t0:.0f} s after the clients started")
                scan.unlink()
            if args.distinct:               # the single-user answers, asked afterwards one at a time
                differ += [q for q, got in given.items() if key(solo.predict(q, api_name="/ask")) != got]
        finally:
            stop(proc)
    lat = sorted(latencies)
    asked = max(args.clients * args.questions, len(lat) + len(errors))
    if during:
        print(f"asked while the upload or the guessing ran: {len(during)}, p50 {statistics.median(during):.3f} s, "
              f"p95 {sorted(during)[int(0.95 * (len(during) - 1))]:.3f} s")
    if guessed:
        codes = Counter(s for s, _ in guessed)
        print(f"wrong logins: {len(guessed)} sent, answers by status {dict(sorted(codes.items()))}, "
              f"slowest {max(t for _, t in guessed):.2f} s")
    if upload_took:
        print(f"upload of a {args.upload_pages}-page scanned PDF: {upload_took[0][0]:.0f} s ({upload_took[0][1]})")
    print(f"client: {args.client}")
    print(f"clients {args.clients} x questions {args.questions} = {asked} asked, {len(lat)} answered in {wall:.1f} s")
    print(f"errors {len(errors)}, answers differing from the single-user answer {len(differ)}")
    if lat:
        print(f"latency p50 {statistics.median(lat):.3f} s, p95 {lat[int(0.95 * (len(lat) - 1))]:.3f} s, "
              f"max {lat[-1]:.3f} s; single user {single:.3f} s per question; {len(lat) / wall:.1f} answers/s")
    print(f"CPU during the run: server {server_cpu:.1f} s, clients {client_cpu:.1f} s (wall {wall:.1f} s)")
    for e in errors[:5]:
        print("  error:", e[:200])
    return 1 if errors or differ or len(lat) < asked else 0


if __name__ == "__main__":
    sys.exit(main())
