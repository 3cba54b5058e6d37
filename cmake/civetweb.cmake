# CivetWeb as Debian 12 ships its source (scripts/fetch-debian-source.sh,
# fetched once into the build directory at configure time), compiled into a
# static library the exporter links: with IPv6, OpenSSL 3 linked directly
# (no dlopen), and neither CGI, file serving, websockets nor Lua.
# exporter/http/civetweb_edge.c is the one translation unit: it includes
# civetweb.c and adds the hooks the HTTP edge needs (see there).
# Pinned to what Debian 12 "bookworm" ships.
set(PROCTREE_CIVETWEB_DEBIAN_VERSION 1.15+dfsg-4 CACHE STRING "civetweb's Debian source version")
set(PROCTREE_CIVETWEB_DIR ${CMAKE_BINARY_DIR}/_deps/civetweb CACHE PATH
    "Where scripts/fetch-debian-source.sh unpacks Debian's civetweb source")
# A no-op (no network) when that version is already unpacked there.
execute_process(
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/fetch-debian-source.sh civetweb ${PROCTREE_CIVETWEB_DEBIAN_VERSION}
          ${PROCTREE_CIVETWEB_DIR} src/civetweb.c
  RESULT_VARIABLE civetweb_fetch_result)
if(NOT civetweb_fetch_result EQUAL 0)
  message(FATAL_ERROR "fetching CivetWeb's Debian source failed (scripts/fetch-debian-source.sh)")
endif()
set(PROCTREE_CIVETWEB_SRC ${PROCTREE_CIVETWEB_DIR}/src)

add_library(proctree_civetweb STATIC exporter/http/civetweb_edge.c)
target_include_directories(proctree_civetweb SYSTEM BEFORE PUBLIC ${PROCTREE_CIVETWEB_SRC}/include)
target_include_directories(proctree_civetweb PRIVATE ${PROCTREE_CIVETWEB_SRC}/src ${CMAKE_SOURCE_DIR})
if(WIN32)
  # No OpenSSL in the Windows build (cmake/dependencies-windows.cmake).
  target_compile_definitions(proctree_civetweb PRIVATE USE_IPV6 NO_SSL NO_CGI NO_FILES)
else()
  target_compile_definitions(proctree_civetweb PRIVATE USE_IPV6 NO_SSL_DL OPENSSL_API_3_0 NO_CGI NO_FILES)
endif()
# Third-party code: its own warnings are not ours to fix (-Werror stays on
# for the exporter's code). civetweb.c uses OpenSSL's deprecated ENGINE API.
target_compile_options(proctree_civetweb PRIVATE -w -Wno-error)
# Under TSan, CivetWeb itself stays uninstrumented, as Debian's shared library
# was: its stop flag is a plain int written by mg_stop and polled by its
# threads (even with STOP_FLAG_NEEDS_LOCK a plain read remains), a race TSan
# reports on every shutdown. Calls into libc and pthreads are still seen, and
# the exporter's code the hooks call is instrumented.
if(PROCTREE_SANITIZE STREQUAL "thread")
  target_compile_options(proctree_civetweb PRIVATE -fno-sanitize=thread)
endif()
if(WIN32)
  target_link_libraries(proctree_civetweb PUBLIC Threads::Threads ws2_32)
else()
  target_link_libraries(proctree_civetweb PUBLIC OpenSSL::SSL OpenSSL::Crypto Threads::Threads ${CMAKE_DL_LIBS})
endif()
