"""splitmix64.json (spec 3.1)."""

from cases.common import U64_MAX
from reference.splitmix64 import MASK64, SplitMix64

# Published values (Vigna's splitmix64.c, Java SplittableRandom) for seed 1234567.
PUBLISHED_1234567 = [
    6457827717110365317,
    3203168211198807973,
    9817491932198370423,
    4593380528125082431,
    16408922859458223821,
]

SPLITMIX_SEEDS = [
    ("published_seed_1234567", "1234567"),
    ("seed_zero", "0"),
    ("seed_one", "1"),
    ("seed_u64_max_wraps", U64_MAX),
    ("seed_u64_max_minus_one", str(MASK64 - 1)),
    ("seed_2_pow_63", str(1 << 63)),
    ("seed_2_pow_53_plus_one", str((1 << 53) + 1)),
    ("seed_golden_gamma", str(0x9E3779B97F4A7C15)),
    ("seed_minus_gamma_state_wraps_to_zero", str((1 << 64) - 0x9E3779B97F4A7C15)),
    ("seed_42", "42"),
]


def splitmix_cases():
    rng = SplitMix64(1234567)
    assert [rng.next_u64() for _ in PUBLISHED_1234567] == PUBLISHED_1234567
    cases = []
    for name, seed in SPLITMIX_SEEDS:
        raw, unit = SplitMix64(int(seed)), SplitMix64(int(seed))
        cases.append(
            {
                "name": name,
                "seed": seed,
                "outputs": [str(raw.next_u64()) for _ in range(8)],
                "units": [unit.next_unit() for _ in range(8)],
            }
        )
    return cases
