"""Made-up product reviews in English and Spanish, shaped like the Multilingual Amazon Reviews Corpus.

Each review is put together from small word pools: a product of a category (a thriller, a
cookbook, a kettle), two or three aspects of it (the plot, the ending, the price), each praised
or criticised in a sentence, an opening sentence that sets the scene and a closing verdict. The
title sums the review up the way people title theirs: mostly the two aspects that the review
opens with ("Great plot but weak ending"), sometimes, more often for a one-sided review, the
overall verdict on the product ("A wonderful thriller"). So a title can be
learned from its body but not copied from any one sentence of it, and one body has more than
one fitting title.

Everything is drawn from one seeded ``random.Random`` per split, so a seed always gives the same
rows, on any machine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from datasets import Dataset, DatasetDict, Features, Value

# The columns and features of the Amazon reviews corpus (and of its Hub mirrors).
REVIEW_FEATURES = Features(
    {
        "review_id": Value("string"),
        "product_id": Value("string"),
        "reviewer_id": Value("string"),
        "stars": Value("int32"),
        "review_body": Value("string"),
        "review_title": Value("string"),
        "language": Value("string"),
        "product_category": Value("string"),
    }
)
REVIEW_SPLITS = ("train", "validation", "test")
REVIEW_LANGUAGES = ("en", "es")
# How often each category occurs. The course keeps the first two; the others give its filter
# something to drop, as in the real corpus, where books are the largest category.
CATEGORY_WEIGHTS = {
    "book": 0.35, "digital_ebook_purchase": 0.25, "kitchen": 0.1, "wireless": 0.1, "toy": 0.1, "home": 0.1,
}  # fmt: skip


@dataclass(frozen=True)
class Word:
    """A noun in both languages, with its Spanish gender ("m" or "f")."""

    en: str
    es: str
    gender: str


@dataclass(frozen=True)
class Adjective:
    """An adjective in English and in its two Spanish forms (masculine, feminine)."""

    en: str
    es_m: str
    es_f: str

    def es(self, gender: str) -> str:
        return self.es_m if gender == "m" else self.es_f


def _adjectives(rows: str) -> tuple[Adjective, ...]:
    return tuple(Adjective(*row.split("/")) for row in rows.split())


def _words(rows: str) -> tuple[Word, ...]:
    return tuple(Word(*row.split("/")) for row in rows.split())


BOOK_PRODUCTS = _words(
    "novel/novela/f thriller/thriller/m biography/biografía/f mystery/misterio/m memoir/autobiografía/f "
    "comic/cómic/m saga/saga/f"
)
BOOK_ASPECTS = _words("plot/trama/f ending/final/m writing/prosa/f cast/reparto/m pace/ritmo/m cover/portada/f")
EBOOK_ASPECTS = _words("plot/trama/f ending/final/m writing/prosa/f formatting/formato/m pace/ritmo/m price/precio/m")
GOODS = {
    "kitchen": _words("kettle/hervidor/m blender/batidora/f toaster/tostadora/f pan/sartén/f"),
    "wireless": _words("speaker/altavoz/m charger/cargador/m mouse/ratón/m headset/auricular/m"),
    "toy": _words("puzzle/puzle/m doll/muñeca/f kite/cometa/f robot/robot/m"),
    "home": _words("lamp/lámpara/f rug/alfombra/f clock/reloj/m shelf/estantería/f"),
}
GOODS_ASPECTS = _words("quality/calidad/f price/precio/m design/diseño/m size/tamaño/m delivery/entrega/f finish/acabado/m")

# Adjectives for one aspect, by polarity, and the aspects that take their own.
GOOD = _adjectives(
    "great/genial/genial lovely/precioso/preciosa excellent/excelente/excelente superb/estupendo/estupenda "
    "solid/sólido/sólida"
)
BAD = _adjectives("weak/flojo/floja dull/aburrido/aburrida poor/pobre/pobre clumsy/torpe/torpe bland/soso/sosa")
ASPECT_ADJECTIVES = {
    "price": (_adjectives("fair/justo/justa reasonable/razonable/razonable"), _adjectives("steep/excesivo/excesiva high/alto/alta")),
    "delivery": (_adjectives("fast/rápido/rápida quick/veloz/veloz"), _adjectives("slow/lento/lenta late/tardío/tardía")),
}
# Adjectives for the whole product, by the review's overall verdict.
VERDICT = {
    "good": _adjectives("wonderful/maravilloso/maravillosa brilliant/brillante/brillante great/gran/gran"),
    "mixed": _adjectives("decent/correcto/correcta passable/aceptable/aceptable mixed/irregular/irregular"),
    "bad": _adjectives("disappointing/decepcionante/decepcionante poor/mal/mala dreadful/horrible/horrible"),
}
STARS = {"good": (4, 5), "mixed": (3,), "bad": (1, 2)}
# The share of reviews, by verdict, whose title is the verdict on the product ("A wonderful
# thriller"); the others name their first two aspects ("Great plot but weak ending"). A verdict
# title's adjective is one of three at random, so a model can only learn the most likely one,
# and titles that were mostly verdicts (0.8 of one-sided reviews, 0.2 of mixed ones) made the
# tiny mT5 write 18 different titles for 247 test reviews; with these shares it writes 115 for 237
# (shuffled batches, four epochs) and 142 (batches grouped by length, five epochs: notebook 4).
VERDICT_TITLE_SHARE = {"good": 0.2, "bad": 0.2, "mixed": 0.05}

# Sentence templates. {product} / {aspect} are nouns; {adj} an adjective; {the} the Spanish article.
OPENERS = {
    "en": (
        "I bought this {product} for my {relative}.",
        "I picked up this {product} after reading several reviews.",
        "This {product} was a present from a friend.",
        "I ordered this {product} last month.",
        "I had been looking for a {product} like this for a while.",
    ),
    "es": (
        "Compré {this} {product} para mi {relative}.",
        "Elegí {this} {product} después de leer varias opiniones.",
        "{This} {product} fue un regalo de una amiga.",
        "Pedí {this} {product} el mes pasado.",
        "Llevaba tiempo buscando {a} {product} así.",
    ),
}
RELATIVES = {"en": ("sister", "father", "son", "aunt", "neighbour"), "es": ("hermana", "padre", "hijo", "tía", "vecina")}
ASPECT_SENTENCES = {
    "en": (
        "The {aspect} is {adj}.",
        "I found the {aspect} {adj}.",
        "To be honest, the {aspect} is {adj}.",
        "The {aspect} felt {adj} to me.",
    ),
    "es": (
        "{The} {aspect} es {adj}.",
        "{The} {aspect} me pareció {adj}.",
        "Sinceramente, {the} {aspect} es {adj}.",
        "{The} {aspect} resulta {adj}.",
    ),
}
CLOSERS = {
    "good": {"en": ("I would recommend it to anyone.", "I will buy from this seller again."),
             "es": ("Lo recomiendo a todo el mundo.", "Volveré a comprar a este vendedor.")},
    "mixed": {"en": ("It is fine, but nothing more.", "Some will like it more than I did."),
              "es": ("Está bien, pero nada más.", "A otros les gustará más que a mí.")},
    "bad": {"en": ("I would not buy it again.", "It was a waste of money."),
            "es": ("No lo volvería a comprar.", "Fue un dinero tirado.")},
}  # fmt: skip


def _articles(word: Word) -> dict[str, str]:
    """Return the Spanish articles and demonstratives that agree with ``word``."""
    if word.gender == "m":
        return {"the": "el", "a": "un", "this": "este"}
    return {"the": "la", "a": "una", "this": "esta"}


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def _verdict_title(language: str, verdict: str, product: Word, rng: random.Random) -> str:
    """Return a title giving the overall verdict on the product ("A wonderful thriller")."""
    adjective = rng.choice(VERDICT[verdict])
    if language == "en":
        return f"A {adjective.en} {product.en}"
    article = _capitalised(_articles(product)["a"])
    # "gran" and "mal" go before the noun in Spanish; the other adjectives after it.
    if adjective.es_m in ("gran", "mal"):
        return f"{article} {adjective.es(product.gender)} {product.es}"
    return f"{article} {product.es} {adjective.es(product.gender)}"


def _aspects_title(language: str, opinions: list[tuple[Word, Adjective, bool]]) -> str:
    """Return a title naming the review's first two aspects with their adjectives ("Clever plot, weak ending")."""
    parts = []
    for aspect, adjective, _ in opinions[:2]:
        if language == "en":
            parts.append(f"{adjective.en} {aspect.en}")
        else:
            parts.append(f"{aspect.es} {adjective.es(aspect.gender)}")
    good_then_bad = opinions[0][2] != opinions[1][2]
    joiner = {"en": " but " if good_then_bad else ", ", "es": " pero " if good_then_bad else ", "}[language]
    return _capitalised(joiner.join(parts))


def make_review(language: str, category: str, rng: random.Random) -> dict:
    """Return one made-up review: ``review_body``, ``review_title`` and ``stars``, drawn with ``rng``."""
    if language not in REVIEW_LANGUAGES:
        raise ValueError(f"language must be one of {REVIEW_LANGUAGES}, not {language!r}.")
    if category not in CATEGORY_WEIGHTS:
        raise ValueError(f"category must be one of {sorted(CATEGORY_WEIGHTS)}, not {category!r}.")
    if category in ("book", "digital_ebook_purchase"):
        product = rng.choice(BOOK_PRODUCTS)
        aspects = BOOK_ASPECTS if category == "book" else EBOOK_ASPECTS
    else:
        product = rng.choice(GOODS[category])
        aspects = GOODS_ASPECTS
    chosen = rng.sample(aspects, rng.choice((2, 3)))
    # Mostly one-sided reviews, as real ones are, and some mixed ones.
    leaning = rng.random()
    opinions = []
    for aspect in chosen:
        good = rng.random() < (0.85 if leaning < 0.45 else 0.15 if leaning < 0.8 else 0.5)
        good_words, bad_words = ASPECT_ADJECTIVES.get(aspect.en, (GOOD, BAD))
        opinions.append((aspect, rng.choice(good_words if good else bad_words), good))
    share_good = sum(good for *_, good in opinions) / len(opinions)
    verdict = "good" if share_good == 1 else "bad" if share_good == 0 else "mixed"

    names = {"product": product.en if language == "en" else product.es, **_articles(product)}
    names["This"] = _capitalised(names["this"])
    names["relative"] = rng.choice(RELATIVES[language])
    sentences = [rng.choice(OPENERS[language]).format(**names)]
    for aspect, adjective, _ in opinions:
        words = {"aspect": aspect.en if language == "en" else aspect.es}
        words["adj"] = adjective.en if language == "en" else adjective.es(aspect.gender)
        words["the"] = _articles(aspect)["the"]
        words["The"] = _capitalised(words["the"])
        sentences.append(rng.choice(ASPECT_SENTENCES[language]).format(**words))
    sentences.append(rng.choice(CLOSERS[verdict][language]))
    # Most titles name the two aspects the review opens with; some, more often for a one-sided
    # review, give the verdict on the whole product.
    if rng.random() < VERDICT_TITLE_SHARE[verdict]:
        title = _verdict_title(language, verdict, product, rng)
    else:
        title = _aspects_title(language, opinions)
    return {"review_body": " ".join(sentences), "review_title": title, "stars": rng.choice(STARS[verdict])}


def _draw_review(rng: random.Random) -> tuple[str, str, dict]:
    """Return (language, category, review) drawn with ``rng``: the languages evenly, the categories by ``CATEGORY_WEIGHTS``."""
    language = rng.choice(REVIEW_LANGUAGES)
    category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
    return language, category, make_review(language, category, rng)


def build_reviews_dataset(seed: int, sizes: dict[str, int]) -> DatasetDict:
    """Return an Amazon-reviews-shaped ``DatasetDict`` (train / validation / test) of made-up reviews.

    Each split holds ``sizes[split]`` reviews, English and Spanish mixed in about equal numbers,
    their categories drawn with ``CATEGORY_WEIGHTS``. Ids follow the corpus's pattern
    (``en_0000123``, ``product_en_...``, ``reviewer_en_...``).
    """
    if set(sizes) != set(REVIEW_SPLITS):
        raise ValueError(f"Give a size for each of {REVIEW_SPLITS}, not {sorted(sizes)}.")
    result = {}
    for number, split in enumerate(REVIEW_SPLITS):
        rng = random.Random(f"reviews-{seed}-{split}")
        rows = []
        for index in range(sizes[split]):
            language, category, review = _draw_review(rng)
            rows.append(
                {
                    "review_id": f"{language}_{number}{index:06d}",
                    "product_id": f"product_{language}_{rng.randrange(10**7):07d}",
                    "reviewer_id": f"reviewer_{language}_{rng.randrange(10**7):07d}",
                    "stars": review["stars"],
                    "review_body": review["review_body"],
                    "review_title": review["review_title"],
                    "language": language,
                    "product_category": category,
                }
            )
        result[split] = Dataset.from_list(rows, features=REVIEW_FEATURES)
    return DatasetDict(result)


def unlabelled_reviews(seed: int, count: int) -> list[str]:
    """Return ``count`` review bodies of every category and both languages, without titles.

    They are drawn from their own random stream, not from any split of ``build_reviews_dataset``
    (the pools are small, so a short body may still recur by chance). The tiny mT5 pretrains on
    them: text of the kind it will summarize, as the real mT5 saw web text before any review,
    and no titles.
    """
    if count < 1:
        raise ValueError(f"Ask for at least one review, not {count}.")
    rng = random.Random(f"reviews-{seed}-unlabelled")
    return [_draw_review(rng)[2]["review_body"] for _ in range(count)]
