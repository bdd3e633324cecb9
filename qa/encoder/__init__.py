"""Text embedders: one abstract method, `Embedder.embed`; the product's is sentence-transformers' multilingual-e5-small."""
from .embed import DEFAULT_MODEL_DIR, EMBEDDINGS_DIR, Batching, Embedder, Loading, SentenceTransformerEmbedder

__all__ = ["DEFAULT_MODEL_DIR", "EMBEDDINGS_DIR", "Batching", "Embedder", "Loading", "SentenceTransformerEmbedder"]
