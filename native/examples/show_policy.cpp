// The engine alone (connguard::connguard): the effective policy of a service
// in a policy file, after [default] and the built-in defaults are applied.
// Usage: show_policy POLICY_FILE [SERVICE]
#include <connguard/duration.hpp>
#include <connguard/policy_set.hpp>
#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2 && argc != 3) {
        std::cerr << "usage: show_policy POLICY_FILE [SERVICE]\n";
        return 2;
    }
    try {
        const connguard::Policy policy = connguard::load_policy(argv[1], argc == 3 ? argv[2] : "");
        std::cout << "max_attempts " << policy.max_attempts << "\ndeadline "
                  << connguard::format_duration(policy.deadline) << "\nmax_delay "
                  << connguard::format_duration(policy.max_delay) << "\njitter "
                  << connguard::to_string(policy.jitter) << "\n";
        return 0;
    } catch (const connguard::PolicyError& error) {  // names the file, line and key
        std::cerr << "show_policy: " << error.what() << "\n";
        return 1;
    }
}
