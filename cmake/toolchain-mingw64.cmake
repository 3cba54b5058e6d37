# Cross-build for Windows x86-64 with Debian's MinGW-w64 (g++-mingw-w64-x86-64-posix:
# the posix thread model, so std::thread and <mutex> are there), run under
# Debian's wine64 loader (no `wine` on PATH without the recommended wine package).
#
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake \
#         -DPROCTREE_WINDOWS_DEPS=build-windows/_deps/prefix
#
# PROCTREE_WINDOWS_DEPS: where scripts/build-windows-deps.sh installed the
# dependencies cross-built from Debian's sources; libz-mingw-w64-dev's zlib is
# in the toolchain's own root. Everything links statically: one .exe.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(PROCTREE_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${PROCTREE_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${PROCTREE_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${PROCTREE_MINGW_TRIPLE}-windres)
set(CMAKE_AR ${PROCTREE_MINGW_TRIPLE}-gcc-ar-posix CACHE FILEPATH "")
set(CMAKE_RANLIB ${PROCTREE_MINGW_TRIPLE}-gcc-ranlib-posix CACHE FILEPATH "")

set(PROCTREE_WINDOWS_DEPS "" CACHE PATH "Prefix of the cross-built dependencies")
# try_compile projects see it too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PROCTREE_WINDOWS_DEPS)
set(CMAKE_FIND_ROOT_PATH /usr/${PROCTREE_MINGW_TRIPLE} ${PROCTREE_WINDOWS_DEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# libgcc, libstdc++ and winpthread inside the .exe: nothing to copy next to it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# ctest and gtest_discover_tests run the test programs through Wine.
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/lib/wine/wine64)
