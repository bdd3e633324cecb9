"""Shared fixtures: the real corpus, the real model and index (loaded once), and a small fake embedder."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

# the uploads folder of this checkout (data/user) is someone's library, not the tests': the CLI and the app
# read an empty one, so their index is the corpus alone
os.environ["QA_USER_DIR"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / f"qa-user-test-{os.getpid()}")

from qa.encoder.embed import Embedder  # noqa: E402
from qa.text import fold  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# every test run reads scans afresh: a cache left by an earlier run must not hide an OCR regression
os.environ["QA_OCR_CACHE"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / f"qa-ocr-test-{os.getpid()}")
CORPUS = ROOT / "data" / "corpus"


class HashEmbedder(Embedder):
    """Deterministic stand-in for plumbing tests only: hashed character bigrams. Never used
    for quality claims, never used by the product."""

    name = "hash-bigram-test"
    dim = 64

    def embed(self, texts, kind):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for r, t in enumerate(texts):
            t = fold(t)
            for i in range(len(t) - 1):
                h = int(hashlib.md5(t[i:i + 2].encode()).hexdigest()[:8], 16)
                out[r, h % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


@pytest.fixture(scope="session")
def corpus():
    from qa.ingest.corpus import load_corpus
    return load_corpus([CORPUS])


@pytest.fixture(scope="session")
def opinion(corpus):
    """The 《意见》 as parsed from 000 (the fuller version)."""
    return next(d for d in corpus.documents if d.source.startswith("000") and "意见" in d.title)


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory):
    return Path(os.environ.get("QA_TEST_INDEX") or tmp_path_factory.mktemp("index") / "index")


@pytest.fixture(scope="session")
def real_qa(real_index_dir):
    """The product's engine: real model, real FAISS index, real corpus (built once per run)."""
    from qa import QA
    return QA(index_dir=real_index_dir, corpus=[CORPUS])


@pytest.fixture(scope="session")
def seeded_index_dir(real_qa, real_index_dir, tmp_path_factory):
    """A new index folder that starts as a copy of the default corpus's: an engine over the default
    corpus plus other files then embeds only those files, as a library that grows is updated."""
    def make(name: str) -> Path:
        dest = tmp_path_factory.mktemp(name) / "index"
        shutil.copytree(real_index_dir, dest)
        return dest
    return make


@pytest.fixture
def fake_embedder():
    return HashEmbedder()
