"""Sentence-level stance toward a TV show's new season.

Each sentence gets one of the model's labels (the built-in model's: positive,
criticism, anticipation, neutral) with the probability of every label::

    import stance
    model = stance.Classifier()                      # the built-in model
    model.predict(["The finale was a triumph."])     # ['positive']
    model.predict_proba(texts)                       # numpy (len(texts), len(labels))
    model.classify(document)                         # sentences with byte spans
    mine = stance.train(texts, labels, alpha=0.5)    # `stance train`'s settings

The same Rust code as the `stance` command line: the same sentences, scores and
model files.
"""

from ._stance import Classifier, __version__, train

__all__ = ["Classifier", "train", "__version__"]
