"""Several threads at once: batched query embedding gives each caller its own vector; a reload never breaks answers."""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from qa.encoder.embed import Batching, Embedder
from tests.conftest import CORPUS, HashEmbedder


class SlowCounting(HashEmbedder):
    """Counts forward passes and takes a moment per pass, so callers pile up behind it."""

    def __init__(self):
        self.calls, self.lock = 0, threading.Lock()

    def embed(self, texts, kind):
        import time
        with self.lock:
            self.calls += 1
        time.sleep(0.02)
        return super().embed(texts, kind)


def test_batched_queries_each_get_their_own_vector():
    inner = SlowCounting()
    batching = Batching(inner, cache_size=0)
    questions = [f"问题{i}：纪委书记向谁报告{i * 7}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        got = list(pool.map(lambda q: batching.embed([q], "query")[0], questions))
    want = HashEmbedder().embed(questions, "query")
    assert np.allclose(np.stack(got), want)
    assert inner.calls < len(questions)          # callers shared passes


def test_more_callers_than_one_batch_all_get_their_vectors():
    batching = Batching(SlowCounting(), max_batch=3, cache_size=0)
    questions = [f"第{i}个问题" for i in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        got = list(pool.map(lambda q: batching.embed([q], "query"), questions))
    assert all(g is not None for g in got)
    assert np.allclose(np.concatenate(got), HashEmbedder().embed(questions, "query"))


def test_an_embedding_error_reaches_every_waiting_caller():
    class Broken(Embedder):
        name, dim = "broken", 4

        def embed(self, texts, kind):
            raise RuntimeError("model failed")
    batching = Batching(Broken())
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(batching.embed, [f"q{i}"], "query") for i in range(8)]
    for f in futures:
        with pytest.raises(RuntimeError, match="model failed"):
            f.result()


def test_answers_go_on_while_the_index_is_rebuilt(tmp_path):
    from qa import QA
    (tmp_path / "user").mkdir()
    qa = QA(embedder=HashEmbedder(), corpus=[CORPUS, tmp_path / "user"], index_dir=tmp_path / "index")
    question = "纪委书记发现班子成员有重要问题，应该向谁报告？"
    before = qa.ask(question).text
    (tmp_path / "user" / "养犬.txt").write_text("星海市养犬管理办法\n第一条 养犬人应当每年年检一次。\n", encoding="utf-8")
    stop, answers, errors = threading.Event(), [], []

    def asker():
        while not stop.is_set():
            try:
                answers.append(qa.ask(question).text)
            except Exception as e:  # noqa: BLE001 - any error fails the test below
                errors.append(e)

    threads = [threading.Thread(target=asker) for _ in range(3)]
    for t in threads:
        t.start()
    qa.reload()
    stop.set()
    for t in threads:
        t.join()
    assert not errors and answers and all(a == before for a in answers)
    assert any("养犬" in p.title for p in qa.ask("养犬年检多久一次").passages)
