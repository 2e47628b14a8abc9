"""Every fuzz case for one dialect, from a seed: each kind with its count (`build_cases`)."""

import random

from fuzzing.body_cases import deep_cases, json_cases, toolname_cases, utf8_cases
from fuzzing.case import Case
from fuzzing.chat_cases import chat_field_cases, legacy_function_cases
from fuzzing.dialects import CHAT, Dialect
from fuzzing.route_cases import auth_cases, route_cases
from fuzzing.wire_cases import framing_cases, oversize_cases

MIN_CASES = 2000  # the fewest cases a dialect gets from one seed


def build_cases(dialect: Dialect, seed: int) -> list[Case]:
    """Every case for `dialect` from `seed` (the same seed, the same bytes), shuffled so that the kinds interleave
    and the slow ones run beside the quick ones; numbered in that order."""
    rng = random.Random(f"{dialect.name}:{seed}")
    cases = json_cases(rng, 0, dialect)
    if dialect is CHAT:
        cases += chat_field_cases(rng, 5_000)
        cases += legacy_function_cases(rng, 35_000, 24)
    cases += deep_cases(rng, 10_000, 220, dialect)
    cases += utf8_cases(rng, 20_000, 180, dialect)
    cases += toolname_cases(rng, 30_000, 150, dialect)
    cases += framing_cases(rng, 40_000, 460, dialect)
    cases += oversize_cases(rng, 50_000, 54, dialect)
    cases += auth_cases(rng, 60_000, 300, dialect)
    cases += route_cases(rng, 70_000, 300, dialect)
    rng.shuffle(cases)
    for index, case in enumerate(cases):
        case.index = index
    return cases
