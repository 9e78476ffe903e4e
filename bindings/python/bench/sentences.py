"""Made-up review sentences for the benchmarks (deterministic; no real text)."""

import random

SUBJECTS = ["The new season", "The finale", "The second episode", "The cast", "The writing",
            "The pacing", "Season three", "The soundtrack", "The spin-off", "The premiere",
            "Our heroine", "The villain", "The final act", "The pilot", "The reboot"]
VERBS = ["is", "was", "feels", "looks", "seems", "remains", "becomes", "arrives", "returns", "drags"]
COMPLEMENTS = ["a triumph of sharp writing", "tedious and bloated", "coming in March",
               "set in a small coastal town", "funny, warm and moving", "a mess from start to end",
               "renewed for another year", "about a family bakery", "beautifully shot",
               "dull beyond words", "out on Friday on the streaming service", "wonderful again",
               "slow but rewarding", "flat and predictable", "confirmed for next spring"]
TAILS = ["", ", honestly", " this time", ", critics say", " after a long wait", ", sadly",
         " at last", ", as expected", " for the fans", " in every way"]


def sentences(n, seed=18):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(COMPLEMENTS)}{rng.choice(TAILS)}"
        out.append(s + rng.choice([".", "!", ".", "?", "..."]))
    return out
