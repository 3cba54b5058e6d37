# Turns a built file (INPUT) into a C++ header (OUTPUT) holding its bytes as
# NAME (unsigned char[]), so the exporter carries it inside the binary.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "#pragma once\n#include <cstddef>\nnamespace proctree {\n"
  "inline constexpr unsigned char ${NAME}[] = {\n${bytes}\n};\n"
  "inline constexpr std::size_t ${NAME}Size = ${size};\n}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
