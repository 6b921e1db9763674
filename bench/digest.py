"""Digest throughput: 10,000 confirmed subscribers with varied topics, composed and handed to
a local SMTP sink. Prints the time of each phase, the CPU time of paperboy (this process,
composing, and the senders, which run in a process of their own from 2,000 messages on), of
the sink and of the database server, and memory: this process's resident size before the run
and at its peak during it (sampled; the sending process is not sampled), and the sink's.

Run by hand:  .venv/bin/python bench/digest.py [--subscribers 100000] [--senders 4]

The hub: the last 30 listed days of the arXiv jsonl.gz (about 9,000 papers) with random
upvotes and the precomputed MiniLM vectors from ../shared/data, so topic searches run the
real hybrid search. Subscribers get 0–3 topics each from a pool of 300 queries (title
fragments and ideas), daily or weekly, all due at the chosen time.

The SMTP sink runs in its own process on loopback and discards what it receives:
- ``--sink aiosmtpd`` (the default when no smtp-sink is found): Python, one process. It needs
  about 1.5 ms of one core a message, so on its own it caps a run at some 650 messages a
  second, 150 s for 100,000, whatever paperboy does.
- ``--sink smtp-sink``: Postfix's test server, in C (``apt-get install postfix``, or
  ``apt-get download postfix && dpkg-deb -x postfix_*.deb DIR`` and ``--smtp-sink
  DIR/usr/sbin/smtp-sink``; its libraries are found beside it). It accepts and discards,
  about 0.2 ms a message: it measures paperboy, where aiosmtpd measures mostly itself.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import psutil
import psycopg

from common import fresh_database  # bench/common.py (scripts run from bench/)
from paperboy import config
from paperboy.config import SMTPSettings
from paperboy.db import Database
from paperboy.digest import compose, outbox, subscriptions
from paperboy.papers.importer import store_result
from paperboy.search import Searcher
from paperboy.sources import arxiv_jsonl

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"
VECTORS = DATA / "arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # a Wednesday, the last day of the jsonl


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_hub(url: str, home: Path) -> list[dict]:
    lines = gzip.open(JSONL, "rt").read().splitlines()
    keep = [i for i, line in enumerate(lines) if json.loads(line)["listed_on"] >= "2026-06-02"]
    text = "\n".join(lines[i] for i in keep)
    result = arxiv_jsonl.parse(text, "recent.jsonl", None)
    db = Database(url).open()
    with db.connection() as conn:
        store_result(conn, "recent.jsonl", "arxiv-jsonl", result)
        conn.execute("UPDATE papers SET upvotes = floor(random() * random() * 150)::int")
        conn.commit()
    vectors = np.load(VECTORS, mmap_mode="r")
    from pgvector.psycopg import register_vector

    from paperboy import embeddings

    with psycopg.connect(url) as conn:
        register_vector(conn)
        rows = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, title, summary FROM papers")}
        with conn.cursor().copy("COPY embeddings (paper_id, model, text_hash, embedding) FROM STDIN"
                                " WITH (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "text", "vector"])
            for i in keep:
                pid = json.loads(lines[i])["id"]
                t, s = rows[pid]
                copy.write_row((pid, embeddings.MODEL_NAME, embeddings.text_hash(t, s),
                                np.asarray(vectors[i], dtype=np.float32)))
        conn.commit()
    with db.connection() as conn:
        Searcher(home, conn).index.sync(conn)
    db.close()
    return [json.loads(lines[i]) for i in keep]


def add_subscribers(url: str, n: int, records: list[dict], rng: random.Random) -> None:
    ideas = ["why do vision language models hallucinate", "efficient long context transformers",
             "robot learning from demonstrations", "diffusion models for video", "LLM agents tool use",
             "reinforcement learning from human feedback", "speculative decoding", "mixture of experts",
             "3d gaussian splatting", "medical image segmentation", "graph neural networks",
             "federated learning privacy", "code generation benchmarks", "retrieval augmented generation"]
    pool = ideas + [" ".join(r["title"].split()[:3]) for r in rng.sample(records, 300 - len(ideas))]
    with psycopg.connect(url) as conn:
        with conn.cursor().copy("COPY subscribers (email, status, frequency, weekday, send_hour, timezone,"
                                " max_papers, confirmed) FROM STDIN") as copy:
            for i in range(n):
                weekly = rng.random() < 0.2
                copy.write_row((f"reader{i}@example.org", "active", "weekly" if weekly else "daily",
                                NOW.weekday(), rng.choice([6, 7, 8]), "UTC", rng.choice([5, 10, 15]), NOW))
        ids = [r[0] for r in conn.execute("SELECT id FROM subscribers ORDER BY id")]
        with conn.cursor().copy("COPY subscriber_topics (subscriber_id, query) FROM STDIN") as copy:
            for sid in ids:
                # the pool repeats a few title fragments: a reader's topics are distinct
                for q in dict.fromkeys(rng.sample(pool, rng.choice([0, 1, 1, 2, 3]))):
                    copy.write_row((sid, q))
        conn.commit()


class Watch:
    """Resident size of processes, sampled every ``every`` seconds on a thread: the peak of
    each while the run goes on (ru_maxrss would include setting the hub up)."""

    def __init__(self, procs: dict[str, psutil.Process], every: float = 0.2) -> None:
        self.procs, self.every = procs, every
        self.peak = {k: p.memory_info().rss for k, p in procs.items()}
        self.first = dict(self.peak)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            for k, p in self.procs.items():
                try:
                    self.peak[k] = max(self.peak[k], p.memory_info().rss)
                except psutil.Error:
                    pass

    def __enter__(self) -> Watch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def cpu_seconds(procs: list[psutil.Process], reaped: bool = False) -> float:
    """User and system CPU of ``procs``; ``reaped``: with that of the children the first has
    reaped (the postmaster's backends that ended, such as those of the sending process)."""
    total = 0.0
    for i, p in enumerate(procs):
        try:
            t = p.cpu_times()
            total += t.user + t.system
            if reaped and i == 0:
                total += t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


def server_processes(home: Path) -> list[psutil.Process]:
    """The embedded PostgreSQL's postmaster and its children (backends, WAL writer, ...)."""
    postmaster = psutil.Process(int((home / "pgdata" / "postmaster.pid").read_text().split()[0]))
    return [postmaster, *postmaster.children()]


def start_sink(kind: str, binary: str | None, port: int) -> subprocess.Popen:
    if kind == "aiosmtpd":
        return subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                 "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    path = Path(binary)  # type: ignore[arg-type]
    env = dict(os.environ)
    libs = path.parent.parent / "lib" / "postfix"  # an unpacked .deb: DIR/usr/sbin, DIR/usr/lib/postfix
    if libs.is_dir():
        env["LD_LIBRARY_PATH"] = str(libs)
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    return subprocess.Popen([str(path), *user, f"127.0.0.1:{port}", "256"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subscribers", type=int, default=10_000)
    ap.add_argument("--senders", type=int, default=4, help="concurrent SMTP connections (as digest send)")
    ap.add_argument("--sink", choices=["aiosmtpd", "smtp-sink"], help="the SMTP server that receives (see above);"
                    " default: smtp-sink when found, else aiosmtpd")
    ap.add_argument("--smtp-sink", default=shutil.which("smtp-sink") or "/usr/sbin/smtp-sink",
                    help="path of Postfix's smtp-sink (default: on PATH, or /usr/sbin/smtp-sink)")
    ap.add_argument("--serial", action="store_true", help="compose everything, then send: each phase's CPU alone")
    args = ap.parse_args()
    found = Path(args.smtp_sink).is_file()
    sink_kind = args.sink or ("smtp-sink" if found else "aiosmtpd")
    if sink_kind == "smtp-sink" and not found:
        sys.exit(f"no smtp-sink at {args.smtp_sink} (see --help)")
    if not JSONL.exists() or not VECTORS.exists():
        sys.exit(f"needs {JSONL} and {VECTORS}")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = fresh_database(Path(home))
        t0 = time.perf_counter()
        records = load_hub(url, home)
        add_subscribers(url, args.subscribers, records, random.Random(5))
        print(f"hub: {len(records)} papers with vectors; {args.subscribers} subscribers "
              f"(set up in {time.perf_counter() - t0:.0f} s; load {' '.join(f'{x:.2f}' for x in os.getloadavg())})")

        port = free_port()
        sink = start_sink(sink_kind, args.smtp_sink, port)
        try:
            db = Database(url).open()
            cfg = replace(config.load(), smtp=SMTPSettings(host="127.0.0.1", port=port, security="none",
                                                           user=None), mail_from="paperboy <digest@papers.example.org>")
            time.sleep(0.5)
            me, sink_p = psutil.Process(), psutil.Process(sink.pid)
            with db.connection() as conn, Watch({"self": me, "sink": sink_p}) as watch:
                from paperboy.embeddings import model

                model()  # load before the clock starts (a running server has it loaded)
                watch.first["self"] = me.memory_info().rss
                server = server_processes(home)
                cpu0 = (os.times(), cpu_seconds([sink_p]), cpu_seconds(server, reaped=True))
                t1 = time.perf_counter()
                ctx = compose.Context(base_url="https://papers.example.org",
                                      secret=subscriptions.secret_key(conn, None), sender=cfg.mail_from,
                                      now=NOW, searcher=Searcher(home, conn, url=url), latest=date(2026, 7, 1))
                # what `paperboy digest send` runs: sending starts while composing goes on
                count = [0]

                def tick(n: int) -> None:
                    count[0] += n

                def cpu_since(start: tuple) -> tuple[float, float, float]:
                    t = os.times()
                    server = server_processes(home)  # backends opened meanwhile (those ended: the postmaster reaped them)
                    # (children: the sending process, once it has ended)
                    return (t.user + t.system + t.children_user + t.children_system - start[0].user
                            - start[0].system - start[0].children_user - start[0].children_system,
                            cpu_seconds([sink_p]) - start[1], cpu_seconds(server, reaped=True) - start[2])

                if args.serial:
                    stats = compose.compose_due(conn, ctx)
                    t2 = time.perf_counter()
                    during, mid = 0, cpu_since(cpu0)
                    with outbox.sending_alongside(db, cfg, args.senders, progress=tick,
                                                   expected=args.subscribers) as sent:
                        pass
                else:
                    with outbox.sending_alongside(db, cfg, args.senders, progress=tick,
                                                   expected=args.subscribers) as sent:
                        stats = compose.compose_due(conn, ctx)
                        t2 = time.perf_counter()
                        during = count[0]
                t3 = time.perf_counter()
                ctx.searcher.close()  # (its vector leg's connections: their CPU counted once they end)
                cpu = cpu_since(cpu0)
            mb = 1 / 2**20
            # (getattr: the bench also runs against a tree from before digest/layout.py, for "before")
            rendered = getattr(getattr(ctx, "_layout", None), "rendered", "?")
            print(f"compose: {t2 - t1:6.1f} s  ({stats.composed} digests, {stats.empty} with nothing new,"
                  f" {len(ctx._topics)} distinct topic searches, {rendered} sections rendered;"
                  f" {during} sent meanwhile)")
            print(f"drain:   {t3 - t2:6.1f} s  (the rest of the outbox; {sent.sent} sent over SMTP in all,"
                  f" {args.senders} connections)")
            print(f"total:   {t3 - t1:6.1f} s  for {args.subscribers} subscribers (target: 60 s)")
            if args.serial:
                print(f"cpu of composing alone: {mid[0]:.1f} s this process · {mid[2]:.1f} s database server;"
                      f" of sending alone: {cpu[0] - mid[0]:.1f} s · {cpu[2] - mid[2]:.1f} s")
            print(f"cpu:     {cpu[0]:6.1f} s  paperboy (composing, senders) · {cpu[1]:.1f} s SMTP sink ({sink_kind}) ·"
                  f" {cpu[2]:.1f} s database server · on {os.cpu_count()} cores")
            print(f"memory:  this process {watch.first['self'] * mb:.0f} MB before, peak {watch.peak['self'] * mb:.0f} MB"
                  f" during (ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, with"
                  f" the setup) · SMTP sink peak {watch.peak['sink'] * mb:.0f} MB")
            print(f"load:    {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) at the end")
            db.close()
        finally:
            sink.terminate()
            sink.wait(10)


if __name__ == "__main__":
    main()
