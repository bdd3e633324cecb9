"""SIGKILL in the middle of a build, an upload and a removal: the tool starts again, answers, and loses nothing acknowledged.

The child process is killed for real (SIGKILL, no cleanup) at the n-th call of os.replace, os.link or
os.fsync — the moments a write becomes visible or durable. Plumbing, so the fake embedder is used.
"""
import json
import logging
import shutil
import signal
import subprocess
import sys

import pytest

from qa.ingest.corpus import content_hash, read_sources
from qa.index import open_index
from tests.conftest import CORPUS, ROOT, HashEmbedder

CHILD = r'''
import os, signal, sys
sys.path.insert(0, {root!r})
from qa.ingest import userdocs
from qa.index import open_index
from tests.conftest import HashEmbedder
point, n, action = sys.argv[1], int(sys.argv[2]), sys.argv[3]
real, calls = getattr(os, point), [0]
def dying(*a, **k):
    calls[0] += 1
    if calls[0] == n:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*a, **k)
setattr(os, point, dying)
corpus, user, index = sys.argv[4:7]
if action == "upload":
    userdocs.add(sys.argv[7], folder=__import__("pathlib").Path(user))
    print("ACK upload", flush=True)
if action == "remove":
    userdocs.remove(sys.argv[7], folder=__import__("pathlib").Path(user))
    print("ACK remove", flush=True)
open_index(HashEmbedder(), [corpus, user], index)
print("DONE", flush=True)
'''

NEW_DOC = "星海市养犬管理办法\n第一条 养犬人应当为犬只办理登记，每年年检一次。\n第二条 本办法自发布之日起施行。\n"


@pytest.fixture
def place(tmp_path):
    """A corpus (two of the default files), a user folder with one document, and a built index."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in sorted(CORPUS.iterdir())[:2]:
        shutil.copy(f, corpus / f.name)
    user = tmp_path / "user"
    user.mkdir()
    (user / "old.txt").write_text("星海市停车管理办法\n第一条 停车应当付费。\n", encoding="utf-8")
    index = tmp_path / "index"
    open_index(HashEmbedder(), [corpus, user], index)
    upload = tmp_path / "养犬管理办法.txt"
    upload.write_text(NEW_DOC, encoding="utf-8")
    return corpus, user, index, upload


def run_child(point: str, n: int, action: str, corpus, user, index, arg="") -> subprocess.CompletedProcess:
    code = CHILD.format(root=str(ROOT))
    return subprocess.run([sys.executable, "-c", code, point, str(n), action, str(corpus), str(user), str(index),
                           str(arg)], capture_output=True, text=True, timeout=300, cwd=ROOT)


def restart_and_check(corpus, user, index):
    """What a restart sees: an index that loads (or rebuilds) and matches the files on disk."""
    idx = open_index(HashEmbedder(), [corpus, user], index)
    sources, _ = read_sources([corpus, user])
    assert idx.manifest["corpus_hash"] == content_hash(sources)
    assert json.loads((index / "manifest.json").read_text())["corpus_hash"] == content_hash(sources)
    assert not any(p.name.endswith(".part") for p in user.iterdir() if p.suffix in (".txt", ".pdf", ".docx"))
    return {p.source for p in idx.passages}


# os.replace: 1 = the old index moved aside, 2 = the new one moved in. os.fsync: files, manifest, folders.
POINTS = [("replace", 1), ("replace", 2), ("fsync", 1), ("fsync", 7), ("fsync", 9)]


@pytest.mark.parametrize("point,n", POINTS)
def test_killed_during_a_rebuild(place, point, n):
    corpus, user, index, _ = place
    (corpus / "extra.txt").write_text(NEW_DOC, encoding="utf-8")     # the files changed: a rebuild is due
    run = run_child(point, n, "build", corpus, user, index)
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert "extra.txt" in restart_and_check(corpus, user, index)


# an upload: fsync 1 = its bytes aside, link 1 = its name claimed, fsync 2 = the folder; then the index's replaces
@pytest.mark.parametrize("point,n", [("fsync", 1), ("link", 1), ("fsync", 2), ("replace", 1), ("replace", 2)])
def test_killed_during_an_upload(place, point, n):
    corpus, user, index, upload = place
    run = run_child(point, n, "upload", corpus, user, index, upload)
    assert run.returncode == -signal.SIGKILL, run.stderr
    sources = restart_and_check(corpus, user, index)
    assert "old.txt" in sources                                    # nothing else lost
    if "ACK upload" in run.stdout:                                 # acknowledged: must be there
        assert (user / upload.name).read_text(encoding="utf-8") == NEW_DOC
        assert upload.name in sources


@pytest.mark.parametrize("point,n", [("replace", 1), ("replace", 2), ("fsync", 3)])
def test_killed_during_a_removal(place, point, n):
    corpus, user, index, _ = place
    run = run_child(point, n, "remove", corpus, user, index, "old.txt")
    assert "ACK remove" in run.stdout and run.returncode == -signal.SIGKILL, run.stderr
    sources = restart_and_check(corpus, user, index)
    assert "old.txt" not in sources and not (user / "old.txt").exists()
    assert len(sources) >= 2


def test_truncated_index_file_is_reported_in_one_line_and_rebuilt(place, caplog):
    corpus, user, index, _ = place
    with open(index / "units.faiss", "r+b") as f:
        f.truncate(100)
    with caplog.at_level(logging.INFO):
        restart_and_check(corpus, user, index)
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warned) == 1 and "索引已损坏" in warned[0] and "units.faiss" in warned[0]


def test_what_a_killed_write_left_behind_is_swept_later(tmp_path):
    import os
    import time
    from qa.ingest import userdocs
    old, fresh, doc = tmp_path / ".规定.txt.1a2b3c.part", tmp_path / ".规定.txt.4d5e6f.part", tmp_path / "规定.txt"
    for p in (old, fresh, doc):
        p.write_text("第一条 内容。\n", encoding="utf-8")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(doc, (time.time() - 7200, time.time() - 7200))
    assert userdocs.sweep(tmp_path) == [old.name]
    assert fresh.exists() and doc.exists() and not old.exists()
