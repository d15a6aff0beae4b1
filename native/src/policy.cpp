#include "connguard/policy.hpp"

namespace connguard {

std::string_view to_string(Jitter jitter) {
    switch (jitter) {
        case Jitter::Full: return "full";
        case Jitter::Equal: return "equal";
        case Jitter::Decorrelated: return "decorrelated";
        case Jitter::None: return "none";
    }
    return "unknown";
}

}  // namespace connguard
