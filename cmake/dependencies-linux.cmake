# Linux: the dependencies are Debian 12's -dev packages (scripts/install-deps.sh).
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(ZLIB REQUIRED)
# CivetWeb's TLS (linked directly), its init_ssl callback, SHA-256 for the basic auth cache.
find_package(OpenSSL REQUIRED)
# crypt_rn (libxcrypt: bcrypt $2a$/$2b$/$2y$) for basic auth.
find_library(CRYPT_LIBRARY crypt REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
set(PROCTREE_OS_FILES posix)  # *_posix.cc: the POSIX side of a platform difference
