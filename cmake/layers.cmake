# One static library per layer (docs/development.md, "Layout"). A layer is a
# folder; it may include its own headers, those of the layers it links
# (DEPS, transitively) and the system headers SYSTEM allows, nothing else.
# check_layer_includes.cmake checks that before the layer compiles, so a
# wrong #include fails the build (ctest layers.include_check proves it).

# The standard C++ library (<vector>, <cstdint>: no dot, no slash).
set(PROCTREE_STD_HEADERS "[a-z_]+")
# libc and POSIX: only the OS module and the edges reach the OS.
set(PROCTREE_POSIX_HEADERS
    "(unistd|fcntl|dirent|pwd|signal|strings|malloc|fnmatch|dlfcn|pthread|crypt|sys/[a-z]+|arpa/inet)\\.h")

# The Windows API, for the files named *_windows.cc (checked in every build,
# compiled only in the Windows one).
set(PROCTREE_WINDOWS_HEADERS "(windows|winsock2|ws2tcpip|winsvc|io|share)\\.h")

# proctree_layer(<target> DIR <folder> SOURCES <files...> [DEPS <layers...>]
#                [SYSTEM <regex...>] [LINK <external targets...>]
#                [OTHER_OS_DIRS <folders...>])
# OTHER_OS_DIRS: folders of the OS modules this build does not compile, whose
# headers the layer names only inside an #if for that OS (native_probe.cc).
function(proctree_layer target)
  cmake_parse_arguments(L "" "DIR" "SOURCES;DEPS;SYSTEM;LINK;OTHER_OS_DIRS" ${ARGN})
  add_library(${target} STATIC ${L_SOURCES})
  target_include_directories(${target} PUBLIC ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(${target} PUBLIC ${L_DEPS} ${L_LINK})

  set(dirs ${L_DIR})
  foreach(dep IN LISTS L_DEPS)
    get_property(dep_dirs GLOBAL PROPERTY PROCTREE_LAYER_DIRS_${dep})
    if(NOT dep_dirs)
      message(FATAL_ERROR "${target}: ${dep} is not a layer declared before it")
    endif()
    list(APPEND dirs ${dep_dirs})
  endforeach()
  list(REMOVE_DUPLICATES dirs)
  set_property(GLOBAL PROPERTY PROCTREE_LAYER_DIRS_${target} ${dirs})
  list(APPEND dirs ${L_OTHER_OS_DIRS})

  set(system "${PROCTREE_STD_HEADERS}" ${L_SYSTEM})
  list(JOIN system "|" system_regex)
  # Every C++ source and header of the folder, not only the compiled ones
  # (a .c file there is third-party glue with a library of its own).
  file(GLOB checked CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${L_DIR}/*.h ${CMAKE_SOURCE_DIR}/${L_DIR}/*.cc)
  set(layer_file ${CMAKE_BINARY_DIR}/layers/${target}.cmake)
  # Bracket arguments: the regex keeps its backslashes.
  file(WRITE ${layer_file}
       "set(LAYER_NAME [==[${target}]==])\nset(LAYER_DIRS [==[${dirs}]==])\n"
       "set(LAYER_SYSTEM [==[^(${system_regex})$]==])\nset(LAYER_SOURCES [==[${checked}]==])\n")
  set(stamp ${CMAKE_BINARY_DIR}/layers/${target}.ok)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DLAYER_FILE=${layer_file} -DSTAMP=${stamp}
            -P ${CMAKE_SOURCE_DIR}/cmake/check_layer_includes.cmake
    DEPENDS ${checked} ${layer_file} ${CMAKE_SOURCE_DIR}/cmake/check_layer_includes.cmake
    COMMENT "Checking the includes of layer ${target} (${L_DIR})")
  add_custom_target(${target}_includes DEPENDS ${stamp})
  add_dependencies(${target} ${target}_includes)
endfunction()
