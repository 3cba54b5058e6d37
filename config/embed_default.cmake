# Turns config/examples/default.yml into a C++ header at build time, so the binary
# carries the same file users read.
file(READ "${INPUT}" content)
set(delim "PROCTREE_YAML")
file(WRITE "${OUTPUT}" "#pragma once\n#include <string_view>\nnamespace proctree {\ninline constexpr std::string_view kEmbeddedDefaultConfig = R\"${delim}(${content})${delim}\";\n}\n")
