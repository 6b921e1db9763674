"""For you's refits stay bounded however large a library grows (issue 21, item 15): importing
3,000 library entries meant 74 refits (one per 32 embedded entries) and 57 s of CPU; one fit
at 10,000 entries took 13 s and 959 MB, and 50,000 (the allowed maximum) would not fit."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from tests.community.people import add
from tests.helpers import shared

from paperboy import recommend
from paperboy.recommend import model as rec


def test_importing_3000_library_entries_refits_a_few_times_not_once_per_batch(tconn):
    m = add(tconn, "ada@example.org")
    vecs = np.load(shared("arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"), mmap_mode="r")[:3000]
    refits = 0
    for start in range(0, 3000, 32):  # as the embedding job delivers them: 32 at a time
        with tconn.cursor() as cur:
            cur.executemany(
                "INSERT INTO library_entries (member_id, title, title_key, embedding) VALUES (%s, %s, %s, %s)",
                [(m.id, f"Entry {i}", f"entry {i}", np.asarray(vecs[i], np.float32))
                 for i in range(start, min(start + 32, 3000))])
        tconn.commit()
        refits += recommend.refresh_stale(tconn)  # the job's round after each batch
    assert refits <= 5, refits  # before: 94 (one per batch)
    row = tconn.execute("SELECT positives, fitted_seq < signals_seq AS stale FROM recommender_models"
                        " WHERE member_id = %s", (m.id,)).fetchone()
    assert row["stale"]  # the last entries are fitted later, not forgotten
    assert recommend.refresh_all(tconn) == 1  # an explicit refit is never held back
    assert tconn.execute("SELECT positives FROM recommender_models WHERE member_id = %s",
                         (m.id,)).fetchone()["positives"] == 3000


_FIT_50K = """
import json, sys
import numpy as np

def peak_mb():
    # VmHWM, this program's own peak: ru_maxrss keeps, across exec, the peak of the pytest
    # worker this process was forked from (2 GB with torch loaded), which is not the fit's
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

from paperboy.recommend import model as rec
x = np.load(sys.argv[1], mmap_mode="r")
rng = np.random.default_rng(0)
xc = rec.centre(np.asarray(x[rng.choice(len(x), 50_000, replace=False)], np.float32), x[:5000].astype(np.float32).mean(0))
m = rec.fit(xc, xc[:2000], labels=[{"kind": "library", "id": None, "title": str(i), "url": None} for i in range(50_000)])
print(json.dumps({"pos": len(m.pos), "labels": len(m.labels), "stored": len(m.to_bytes()),
                  "peak_mb": peak_mb()}))
"""


def test_a_fit_over_50000_signals_reads_a_bounded_sample_in_bounded_memory():
    path = shared("arxiv-cs-2025-2026.minilm-l6-v2.f16.npy")
    out = subprocess.run([sys.executable, "-c", _FIT_50K, str(path)], capture_output=True, text=True,
                         timeout=600, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["pos"] == got["labels"] == rec.MAX_FIT
    assert got["stored"] < 10 * 2**20  # the stored model: MB, not the whole library
    assert got["peak_mb"] < 1500, got  # numpy, scikit-learn and 50,000 vectors; before: far past
