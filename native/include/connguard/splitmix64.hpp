// The per-call random source of spec 3.1; every implementation draws the same
// stream from the same seed.
#pragma once

#include <cstdint>

namespace connguard {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}

    std::uint64_t next() noexcept {
        state_ += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    // Uniform in [0, 1): the top 53 bits of next().
    double next_unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    std::uint64_t state() const noexcept { return state_; }

private:
    std::uint64_t state_;
};

}  // namespace connguard
