// The one translation unit that compiles toml++'s implementation into this
// library, so consumers (the Python extension among them) need no toml++
// shared library at run time. TOML_HEADER_ONLY=0 comes with connguard_toml.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
