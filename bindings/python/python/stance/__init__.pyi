"""Sentence-level stance toward a TV show's new season (type stubs)."""

import os
from typing import Iterable, List, Literal, Optional, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str

class Sentence(TypedDict):
    """One sentence of a document, as ``stance classify --format jsonl`` gives it."""

    start: int
    """Byte offset of the sentence's first byte in the UTF-8 document."""
    end: int
    """Byte offset just past its last byte."""
    text: str
    label: str
    """The most probable label (the first in ``labels`` order on ties)."""
    scores: dict[str, float]
    """The probability of every label (they sum to 1)."""

class Classifier:
    """A trained stance classifier; ``Classifier()`` is the built-in model."""

    def __init__(self) -> None:
        """The model built into stance."""
    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> "Classifier":
        """Reads a model file (from ``stance train`` or ``save``).

        Raises ``FileNotFoundError``/``OSError`` when it cannot be read and
        ``ValueError`` when it is not a valid model."""
    def save(self, path: Union[str, os.PathLike[str]]) -> None:
        """Writes the model file, whole or not at all (``OSError`` on failure)."""
    def to_bytes(self) -> bytes:
        """The model file's bytes (what ``save`` writes); also how it pickles."""
    @staticmethod
    def from_bytes(data: bytes) -> "Classifier":
        """A classifier from a model file's bytes (``ValueError`` if they are not one)."""
    @property
    def labels(self) -> List[str]:
        """The labels, in the order of ``predict_proba``'s columns."""
    def predict(self, texts: Iterable[str], threads: int = 0) -> List[str]:
        """The label of each text (one sentence each, as ``stance classify --lines``).

        Runs with the GIL released on ``threads`` threads (0: all cores, at most 256);
        the result does not depend on the number."""
    def predict_proba(
        self, texts: Iterable[str], threads: int = 0
    ) -> npt.NDArray[np.float32]:
        """Probabilities, shape ``(len(texts), len(labels))``, rows summing to 1,
        columns in ``labels`` order. GIL released; ``threads`` as in ``predict``."""
    def classify(self, text: Union[str, bytes]) -> List[Sentence]:
        """Splits a document into sentences and scores each, as ``stance classify``.

        ``bytes`` are read as UTF-8 (invalid bytes as U+FFFD, offsets still those of
        the raw bytes); a leading byte-order mark is not text."""
    def classify_jsonl(self, text: Union[str, bytes], file: str = "-") -> str:
        """The JSON lines ``stance classify --format jsonl`` prints for this document,
        byte for byte, naming it ``file``: one line per sentence, each ending in a
        newline ("" when it has no sentence). ``text`` as in ``classify``."""

def train(
    texts: Iterable[str],
    labels: Iterable[str],
    *,
    ngram_min: int = 1,
    ngram_max: int = 2,
    min_df: int = 1,
    max_df: float = 1.0,
    max_features: Optional[int] = None,
    no_sublinear_tf: bool = False,
    no_stem: bool = False,
    no_punctuation: bool = False,
    nb_scale: bool = False,
    char_min: int = 2,
    char_max: int = 5,
    no_char_ngrams: bool = False,
    nb_weight: float = 0.3,
    nb_smoothing: float = 0.5,
    alpha: float = 0.1,
    class_weight: Literal["none", "balanced"] = "none",
    solver: Literal["lbfgs", "linfa"] = "lbfgs",
    max_iter: int = 200,
    tol: float = 1e-4,
    rel_tol: float = 1e-3,
    memory_budget_mb: int = 1024,
    date: Optional[str] = None,
) -> Classifier:
    """Trains a classifier with ``stance train``'s settings and defaults.

    Each keyword is the flag of ``stance train`` with ``_`` for ``-`` (see
    ``stance train --help``); ``date`` is ``--date`` (YYYY-MM-DD; default
    SOURCE_DATE_EPOCH's day or today). Labels are trimmed; an empty text or label,
    fewer than 2 labels, or a bad setting raise ``ValueError`` with the command
    line's message. The GIL is released while it trains."""
