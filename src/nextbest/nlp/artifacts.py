"""Model artifacts as data: a JSON manifest beside an ``.npz`` of arrays, never a pickle.

Loading an artifact runs no code from it: arrays come from ``numpy.load(allow_pickle=False)``
and everything else from JSON. The manifest records the schema version, a version string derived
from the arrays' checksum, the checksum of the training data, the encoder the model expects, the
hyper-parameters and the metrics measured at training time. A checksum mismatch or an unknown
schema version refuses to load rather than serving a model nobody trained.

>>> import tempfile, numpy as np
>>> folder = Path(tempfile.mkdtemp())
>>> saved = save_artifact(folder, "demo", {"w": np.eye(2, dtype=np.float32)}, {"note": "x"})
>>> loaded = load_artifact(folder)
>>> loaded.manifest["kind"], loaded.arrays["w"].shape, loaded.version == saved.version
('demo', (2, 2), True)
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ARTIFACTS_DIR",
    "SCHEMA_VERSION",
    "Artifact",
    "ArtifactError",
    "arrays_sha256",
    "file_sha256",
    "load_artifact",
    "save_artifact",
]

SCHEMA_VERSION = 1
ARTIFACTS_DIR = Path(__file__).parent / "artifacts"
_MANIFEST = "manifest.json"
_ARRAYS = "arrays.npz"


class ArtifactError(RuntimeError):
    """An artifact is missing, altered, or written by an incompatible version."""


@dataclass(frozen=True, slots=True)
class Artifact:
    manifest: Mapping[str, Any]
    arrays: Mapping[str, NDArray[Any]]

    @property
    def version(self) -> str:
        return str(self.manifest["version"])


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def arrays_sha256(arrays: Mapping[str, NDArray[Any]]) -> str:
    """A checksum of names, dtypes, shapes and contents; independent of zip timestamps."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def save_artifact(
    folder: Path,
    kind: str,
    arrays: Mapping[str, NDArray[Any]],
    manifest: Mapping[str, Any],
) -> Artifact:
    """Write ``arrays.npz`` and ``manifest.json`` to ``folder``; the version is content-derived.

    The checksum covers the arrays' contents, not the zip file (which carries timestamps), so
    the same training data and hyper-parameters give the same version.
    """
    folder.mkdir(parents=True, exist_ok=True)
    digest = arrays_sha256(arrays)
    full = {
        **manifest,
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "version": f"{kind}-{digest[:12]}",
        "arrays_sha256": digest,
    }
    np.savez_compressed(folder / _ARRAYS, allow_pickle=False, **dict(sorted(arrays.items())))
    (folder / _MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=True) + "\n")
    return Artifact(full, dict(arrays))


def load_artifact(folder: Path, *, kind: str | None = None) -> Artifact:
    """Read an artifact back, checking its schema version, kind and array checksum."""
    try:
        manifest = json.loads((folder / _MANIFEST).read_text())
        payload = (folder / _ARRAYS).read_bytes()
    except FileNotFoundError as missing:
        raise ArtifactError(f"no model artifact in {folder}: run `nextbest nlp train`") from missing
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise ArtifactError(f"{folder} has schema {manifest.get('schema_version')}, not 1")
    if kind is not None and manifest.get("kind") != kind:
        raise ArtifactError(f"{folder} holds a {manifest.get('kind')!r} model, not {kind!r}")
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    if arrays_sha256(arrays) != manifest.get("arrays_sha256"):
        raise ArtifactError(f"{folder / _ARRAYS} does not match its manifest's checksum")
    return Artifact(manifest, arrays)
