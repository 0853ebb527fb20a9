"""The reader's words: content/words/<language>.yaml, loaded and checked once at start-up."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.content.library import ContentError
from bot.domain.feedback_words import Vocabulary, WordsError, vocabulary_from

WORDS_DIR = "words"
LANGUAGE = "en"


class _WordsLoader(yaml.SafeLoader):
    """YAML that keeps "no", "on" and "off" as the words they are, not booleans."""


_WordsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load_words(content_root: Path, language: str = LANGUAGE) -> Vocabulary:
    """The vocabulary for ``language``; ContentError names the file and the key when it is not
    usable."""
    path = content_root / WORDS_DIR / f"{language}.yaml"
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_WordsLoader)
        return vocabulary_from(raw)
    except (OSError, yaml.YAMLError, WordsError) as exc:
        raise ContentError(f"{path}: {exc}") from None


@cache
def cached_words(content_root: Path, language: str = LANGUAGE) -> Vocabulary:
    """One vocabulary per process and file: every reader built shares it."""
    return load_words(content_root, language)
