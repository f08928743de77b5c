"""A small SQuAD-shaped question-answering corpus: made-up biographies and questions about them.

Each context is the biography of one invented person: a few sentences, each stating a fact (a
birth date and place, studies, a job, a move, a prize, ...), plus a few sentences that state
nothing asked about. Each fact comes with questions whose answer is an exact span of the
context, as in SQuAD. A biography holds several years, cities and names, so a question can only
be answered by matching its words to the right sentence, which is what extractive QA models learn.

The fillers come from pools split the way the tiny NER data splits its names: training
biographies draw only from the training pools, held-out biographies only from the held-out
pools, so a held-out answer is never a name, place or phrase seen in training.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator, Mapping

from datasets import Dataset, DatasetDict, Features, Sequence, Value

from helpers.tiny.ner import _split_pool, name_pools

# The columns and features of ``rajpurkar/squad`` on the Hub.
SQUAD_FEATURES = Features(
    {
        "id": Value("string"),
        "title": Value("string"),
        "context": Value("string"),
        "question": Value("string"),
        "answers": Sequence({"text": Value("string"), "answer_start": Value("int32")}),
    }
)

# fmt: off
EXTRA_POOLS = {
    "SUBJECT": [
        "chemistry", "physics", "mathematics", "biology", "geology", "astronomy", "economics",
        "history", "philosophy", "linguistics", "architecture", "medicine", "law", "music",
        "sociology", "psychology", "statistics", "botany", "zoology", "oceanography",
        "civil engineering", "computer science", "classical archaeology", "marine biology",
        "political science", "organic chemistry", "applied mathematics", "art history",
        "materials science", "nuclear physics", "public health", "veterinary medicine",
    ],
    "JOB": [
        "teacher", "engineer", "nurse", "librarian", "pharmacist", "journalist", "surveyor",
        "accountant", "architect", "geologist", "translator", "photographer", "chemist",
        "carpenter", "pilot", "economist", "lawyer", "editor", "designer", "statistician",
        "software developer", "research assistant", "sales manager", "data analyst",
        "museum curator", "project manager", "radio producer", "tax adviser", "lab technician",
        "bank clerk", "school principal", "marine biologist",
    ],
    "HOBBY": [
        "chess", "sailing", "gardening", "painting", "birdwatching", "cycling", "fishing",
        "pottery", "rock climbing", "baking bread", "playing the cello", "long-distance running",
        "restoring old clocks", "writing poetry", "growing orchids", "collecting stamps",
        "playing the piano", "amateur astronomy", "cross-country skiing", "woodworking",
    ],
    "PRIZE_FIELD": [
        "Science", "Literature", "Medicine", "Design", "Journalism", "Innovation", "Music",
        "Public Service", "Architecture", "Teaching", "Photography", "Engineering",
    ],
    "TITLE_WORD": [
        "Silence", "Rivers", "Lanterns", "Winters", "Harbours", "Bridges", "Orchards", "Storms",
        "Mirrors", "Islands", "Gardens", "Letters", "Shadows", "Bells", "Maps", "Tides",
        "Clocks", "Roads", "Stones", "Feathers", "Kitchens", "Windows", "Engines", "Lighthouses",
    ],
}
BOOK_KINDS = ["novel", "memoir", "textbook", "travel guide", "cookbook", "biography"]
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
# fmt: on

# One entry per fact: ways of saying it and the questions it answers, each with its answer slot.
# {NAME} is the person; {He}, {he}, {His}, {his} are pronouns; other slots come from ``_fillers``.
FACTS: list[dict] = [
    {
        "sentences": [
            "{NAME} was born on {BIRTH_DATE} in {BIRTH_CITY}.",
            "Born in {BIRTH_CITY} on {BIRTH_DATE}, {NAME} was the youngest of {SIBLINGS} children.",
        ],
        "questions": [("When was {NAME} born?", "BIRTH_DATE"), ("In which city was {NAME} born?", "BIRTH_CITY")],
    },
    {
        "sentences": [
            "{He} studied {SUBJECT} at the University of {UNI_CITY}.",
            "At the University of {UNI_CITY}, {he} studied {SUBJECT}.",
        ],
        "questions": [
            ("What did {NAME} study?", "SUBJECT"),
            ("In which city did {NAME} go to university?", "UNI_CITY"),
        ],
    },
    {
        "sentences": [
            "In {JOIN_YEAR}, {he} joined {COMPANY} as {ARTICLE} {JOB}.",
            "{He} joined {COMPANY} in {JOIN_YEAR} and worked there as {ARTICLE} {JOB}.",
        ],
        "questions": [
            ("Which company did {NAME} join?", "COMPANY"),
            ("In which year did {NAME} join {COMPANY}?", "JOIN_YEAR"),
            ("What did {NAME} work as at {COMPANY}?", "JOB"),
        ],
    },
    {
        "sentences": [
            "Later {he} moved to {MOVE_CITY}, in {MOVE_COUNTRY}.",
            "In {MOVE_YEAR}, {he} moved to {MOVE_CITY}, in {MOVE_COUNTRY}.",
        ],
        "questions": [
            ("To which city did {NAME} move?", "MOVE_CITY"),
            ("To which country did {NAME} move?", "MOVE_COUNTRY"),
        ],
    },
    {
        "sentences": ["{He} speaks {LANGUAGES}.", "Besides English, {he} speaks {LANGUAGES}."],
        "questions": [("Which languages does {NAME} speak?", "LANGUAGES")],
    },
    {
        "sentences": ["In {MARRY_YEAR}, {he} married {SPOUSE}.", "{He} married {SPOUSE} in {MARRY_YEAR}."],
        "questions": [
            ("Whom did {NAME} marry?", "SPOUSE"),
            ("In which year did {NAME} get married?", "MARRY_YEAR"),
        ],
    },
    {
        "sentences": ["In {PRIZE_YEAR}, {he} won the {PRIZE}.", "{He} won the {PRIZE} in {PRIZE_YEAR}."],
        "questions": [
            ("Which prize did {NAME} win?", "PRIZE"),
            ("When did {NAME} win the {PRIZE}?", "PRIZE_YEAR"),
        ],
    },
    {
        "sentences": [
            "{His} {BOOK_KIND}, {BOOK_TITLE}, was published in {BOOK_YEAR}.",
            "In {BOOK_YEAR}, {he} published a {BOOK_KIND} called {BOOK_TITLE}.",
        ],
        "questions": [
            ("What is the title of the {BOOK_KIND} by {NAME}?", "BOOK_TITLE"),
            ("In which year was the {BOOK_KIND} by {NAME} published?", "BOOK_YEAR"),
        ],
    },
    {
        "sentences": ["In {his} free time, {he} enjoys {HOBBY}.", "{He} enjoys {HOBBY} at weekends."],
        "questions": [("What does {NAME} enjoy in {his} free time?", "HOBBY")],
    },
]

# Sentences that answer no question: they lengthen the context and sit between the facts.
FILLERS = [
    "{He} has lived in many places but still calls {BIRTH_CITY} home.",
    "Friends describe {LAST_NAME} as patient, curious and hard to surprise.",
    "{His} colleagues remember long meetings and very good coffee.",
    "{LAST_NAME} rarely gives interviews.",
    "{He} once walked across {MOVE_COUNTRY} in a single summer.",
    "Few people know that {he} trained as a cook before changing careers.",
    "{He} keeps a small notebook of every city {he} has visited.",
    "For several years {he} volunteered at a library every Saturday.",
]

_SLOT = re.compile(r"\{([A-Za-z_]+)\}")
_PRONOUNS = {
    "she": {"He": "She", "he": "she", "His": "Her", "his": "her"},
    "he": {"He": "He", "he": "he", "His": "His", "his": "his"},
}


def filler_pools(seed: int, held_out_fraction: float = 0.3) -> dict[str, tuple[list[str], list[str]]]:
    """Return, for each slot, the (training, held-out) pools: the NER name pools plus this module's lists."""
    pools = name_pools(seed, held_out_fraction)
    for slot, values in EXTRA_POOLS.items():
        pools[slot] = _split_pool(values, held_out_fraction)
    return pools


def _fillers(pools: Mapping[str, list[str]], rng: random.Random) -> dict[str, str]:
    """Draw the fillers of one biography from ``pools``: four different cities, five different years."""
    cities = rng.sample(pools["LOC"], 5)
    years = rng.sample(range(1975, 2024), 5)
    job = rng.choice(pools["JOB"])
    first, last = rng.choice(pools["FIRST"]), rng.choice(pools["SURNAME"])
    languages = rng.sample(pools["LANG"], 2)
    return {
        "NAME": f"{first} {last}",
        "LAST_NAME": last,
        "BIRTH_DATE": f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1940, 1974)}",
        "BIRTH_CITY": cities[0],
        "SIBLINGS": rng.choice(["three", "four", "five", "six"]),
        "SUBJECT": rng.choice(pools["SUBJECT"]),
        "UNI_CITY": cities[1],
        "JOIN_YEAR": str(years[0]),
        "COMPANY": rng.choice(pools["ORG"]),
        "ARTICLE": "an" if job[0] in "aeiou" else "a",
        "JOB": job,
        "MOVE_CITY": cities[2],
        "MOVE_COUNTRY": rng.choice(pools["COUNTRY"]),
        "MOVE_YEAR": str(years[1]),
        "LANGUAGES": f"{languages[0]} and {languages[1]}",
        "SPOUSE": f"{rng.choice(pools['FIRST'])} {rng.choice(pools['SURNAME'])}",
        "MARRY_YEAR": str(years[2]),
        "PRIZE": f"{cities[3]} Prize for {rng.choice(pools['PRIZE_FIELD'])}",
        "PRIZE_YEAR": str(years[3]),
        "BOOK_KIND": rng.choice(BOOK_KINDS),
        "BOOK_TITLE": f"The {rng.choice(pools['TITLE_WORD'])} of {cities[4]}",
        "BOOK_YEAR": str(years[4]),
        "HOBBY": rng.choice(pools["HOBBY"]),
    }


def render(template: str, values: Mapping[str, str]) -> tuple[str, dict[str, int]]:
    """Return ``template`` filled from ``values``, and the character offset of each slot's first use."""
    pieces, starts, position = [], {}, 0
    for index, piece in enumerate(_SLOT.split(template)):
        if index % 2:  # odd pieces are slot names
            starts.setdefault(piece, position)
            piece = values[piece]
        pieces.append(piece)
        position += len(piece)
    return "".join(pieces), starts


def biography(
    pools: Mapping[str, list[str]], rng: random.Random, other_facts: tuple[int, int] = (5, 7), fillers: int = 2
) -> tuple[str, str, list[tuple[str, str, int]]]:
    """Return one biography: its title (the person's name), its text, and (question, answer, answer_start) triples.

    The birth sentence comes first; between ``other_facts[0]`` and ``other_facts[1]`` other facts
    and ``fillers`` sentences that answer nothing follow in random order.
    """
    values = _fillers(pools, rng)
    values.update(_PRONOUNS[rng.choice(["she", "he"])])
    facts = [FACTS[0]] + rng.sample(FACTS[1:], rng.randint(*other_facts))
    parts = [(rng.choice(fact["sentences"]), fact["questions"]) for fact in facts]
    for filler in rng.sample(FILLERS, fillers):
        parts.insert(rng.randint(1, len(parts)), (filler, []))
    sentences, triples, offset = [], [], 0
    for template, questions in parts:
        sentence, starts = render(template, values)
        for question, slot in questions:
            answer, start = values[slot], offset + starts[slot]
            triples.append((render(question, values)[0], answer, start))
        sentences.append(sentence)
        offset += len(sentence) + 1  # the space that joins the sentences
    return values["NAME"], " ".join(sentences), triples


# The QA contexts are shorter than the pretraining biographies: four to six facts after the birth
# and one filler, where the pretraining's length overflowed notebook 6's 112-token windows in 93 %
# of the contexts. About 40 % still overflow, and with a third fewer windows to train on the
# notebook has time for the course's three epochs.
CONTEXT_FACTS, CONTEXT_FILLERS = (4, 6), 1


def _rows(n_questions: int, pools: Mapping[str, list[str]], rng: random.Random, per_context: int) -> Iterator[dict]:
    produced = 0
    while produced < n_questions:
        title, context, triples = biography(pools, rng, CONTEXT_FACTS, CONTEXT_FILLERS)
        for question, answer, start in rng.sample(triples, min(per_context, len(triples), n_questions - produced)):
            digest = hashlib.sha1(f"{context}\n{question}".encode()).hexdigest()[:24]
            yield {
                "id": digest,
                "title": title,
                "context": context,
                "question": question,
                "answers": {"text": [answer], "answer_start": [start]},
            }
            produced += 1


def build_squad_dataset(seed: int = 0, sizes: Mapping[str, int] | None = None, per_context: int = 4) -> DatasetDict:
    """Return a SQuAD-shaped ``DatasetDict`` (train / validation) of questions about made-up biographies.

    ``sizes`` counts questions per split; each biography gives at most ``per_context`` of them.
    Training biographies use only the training pools, validation ones only the held-out pools.
    """
    sizes = sizes or {"train": 3000, "validation": 400}
    pools = filler_pools(seed)
    splits = {}
    for offset, (split, n) in enumerate(sizes.items()):
        side = 0 if split == "train" else 1
        rng = random.Random(seed * 1000 + offset)
        chosen = {slot: pair[side] for slot, pair in pools.items()}
        splits[split] = Dataset.from_list(list(_rows(n, chosen, rng, per_context)), features=SQUAD_FEATURES)
    return DatasetDict(splits)


def pretraining_texts(seed: int, n: int) -> list[str]:
    """Return ``n`` biographies (text only), drawn from the training and held-out pools together, with their own seed.

    They are the tiny BERT's masked-language-modelling corpus: the same kind of text as the QA
    contexts but other documents, just as BERT's pretraining text mentions most of the people
    and places that SQuAD asks about without holding its questions.
    """
    pools = {slot: kept + held for slot, (kept, held) in filler_pools(seed).items()}
    rng = random.Random(f"pretraining-{seed}")
    return [biography(pools, rng)[1] for _ in range(n)]

