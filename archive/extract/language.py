"""Language detection for letters: English, French, Spanish or Russian, by stopword counts."""
from __future__ import annotations

import re
from collections import Counter

# Words frequent in one language and rare in the other three (shared words like "de" or "la"
# would only blur the count).
_STOPWORDS = {
    "en": "the and of to is that we you for with are be this our your which have has not on",
    "fr": "les des et est nous vous dans une du pour au aux sont qui ces sur leur cette avec pas",
    "es": "el los las y por para con una del su nos es está son sus esta como al entre también",
    "ru": "и в не на что с по к мы вы о для от из это как его их или также",
}
_WORDS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+")


def detect(text: str) -> str:
    """'en', 'fr', 'es' or 'ru' (English when nothing decides)."""
    tokens = Counter(map(str.lower, _TOKEN.findall(text or "")))   # counted once, in C
    if not tokens:
        return "en"
    counts = {lang: sum(tokens[w] for w in words) for lang, words in _WORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] > 0 else "en"
