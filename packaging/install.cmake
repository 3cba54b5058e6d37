# What `make install` puts where (install() rules, DESTDIR honoured), and the
# Debian package `make deb` builds from the same rules with CPack.
#
# Why CPack's DEB generator and not a debian/ directory with dpkg-buildpackage:
# CPack packages the build tree the tests just ran, so the package holds the
# binary that was tested, whatever links it (Debian's libraries or ones built
# here), with no second compile and no second copy of the build logic in
# debian/rules. What debhelper would otherwise add is done here: dependencies
# computed by dpkg-shlibdeps (CPACK_DEBIAN_PACKAGE_SHLIBDEPS), the stripped
# binary, md5sums, conffiles (packaging/debian/conffiles.in), the changelog
# and copyright, and maintainer scripts (packaging/debian/) that enable and
# restart the unit the way dh_installsystemd's generated ones do. lintian
# reports no error or warning on the result (make package-test checks).
#
# The prefix is fixed when the tree is configured (the Makefile's `deb` and
# `install` targets pass it): with /usr, GNUInstallDirs puts the configuration
# in /etc, and the unit's ExecStart= names the bindir it was configured with.
include(GNUInstallDirs)

set(PROCTREE_PACKAGE_NAME proctree-exporter)
set(PROCTREE_MAINTAINER "proctree_exporter maintainers <maintainers@users.noreply.r-seed-ef93a713.example>"
    CACHE STRING "The Debian package's Maintainer field")
set(PROCTREE_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/proctree_exporter")
set(PROCTREE_CONFIG_FILE "${PROCTREE_CONFIG_DIR}/config.yml")
set(PROCTREE_ENV_FILE "${CMAKE_INSTALL_FULL_SYSCONFDIR}/default/${PROCTREE_PACKAGE_NAME}")
set(PROCTREE_DASHBOARD_DIR "${CMAKE_INSTALL_FULL_DATADIR}/proctree_exporter/dashboards")
set(PROCTREE_DOC_DIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/${PROCTREE_PACKAGE_NAME}")
# Debian 12 keeps packaged units in /lib/systemd/system (systemd.pc's
# systemdsystemunitdir); a /usr/local install uses systemd's /usr/local path.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(PROCTREE_UNIT_DIR /lib/systemd/system)
else()
  set(PROCTREE_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(PROCTREE_SYSUSERS_DIR "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d")

set(pkg_out ${CMAKE_BINARY_DIR}/packaging)
configure_file(packaging/proctree-exporter.service.in ${pkg_out}/${PROCTREE_PACKAGE_NAME}.service @ONLY)
configure_file(packaging/proctree-exporter.default.in ${pkg_out}/${PROCTREE_PACKAGE_NAME}.default @ONLY)
configure_file(packaging/debian/conffiles.in ${pkg_out}/debian/conffiles @ONLY)
configure_file(packaging/debian/changelog.in ${pkg_out}/changelog @ONLY)

find_program(GZIP_EXECUTABLE gzip REQUIRED)
# Compressed as Debian policy asks (-n: no name or time stamp, reproducible).
add_custom_command(
  OUTPUT ${pkg_out}/changelog.gz
  COMMAND ${GZIP_EXECUTABLE} -9nc ${pkg_out}/changelog > ${pkg_out}/changelog.gz
  DEPENDS ${pkg_out}/changelog)
set(pkg_generated ${pkg_out}/changelog.gz)

# The man page is proctree_exporter --help as help2man formats it, plus
# packaging/proctree_exporter.h2m.in; left out where help2man is missing
# (scripts/install-deps.sh --package installs it).
find_program(HELP2MAN_EXECUTABLE help2man)
if(HELP2MAN_EXECUTABLE)
  configure_file(packaging/proctree_exporter.h2m.in ${pkg_out}/proctree_exporter.h2m @ONLY)
  # The page's date is the commit's, so the same tree makes the same page.
  execute_process(COMMAND git log -1 --format=%ct WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE pkg_epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT pkg_epoch)
    string(TIMESTAMP pkg_epoch "%s" UTC)
  endif()
  add_custom_command(
    OUTPUT ${pkg_out}/proctree_exporter.1.gz
    COMMAND ${CMAKE_COMMAND} -E env SOURCE_DATE_EPOCH=${pkg_epoch}
            ${HELP2MAN_EXECUTABLE} --no-info --section=1 --include=${pkg_out}/proctree_exporter.h2m
            --output=${pkg_out}/proctree_exporter.1 $<TARGET_FILE:proctree_exporter>
    COMMAND ${GZIP_EXECUTABLE} -9nf ${pkg_out}/proctree_exporter.1
    DEPENDS proctree_exporter ${pkg_out}/proctree_exporter.h2m)
  list(APPEND pkg_generated ${pkg_out}/proctree_exporter.1.gz)
  install(FILES ${pkg_out}/proctree_exporter.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page (scripts/install-deps.sh --package)")
endif()
add_custom_target(proctree_exporter_packaging ALL DEPENDS ${pkg_generated})

install(TARGETS proctree_exporter RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES config/examples/default.yml DESTINATION ${PROCTREE_CONFIG_DIR} RENAME config.yml)
install(FILES ${pkg_out}/${PROCTREE_PACKAGE_NAME}.default
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/default RENAME ${PROCTREE_PACKAGE_NAME})
install(FILES ${pkg_out}/${PROCTREE_PACKAGE_NAME}.service DESTINATION ${PROCTREE_UNIT_DIR})
install(FILES packaging/proctree-exporter.sysusers
        DESTINATION ${PROCTREE_SYSUSERS_DIR} RENAME ${PROCTREE_PACKAGE_NAME}.conf)
file(GLOB pkg_dashboards ${CMAKE_SOURCE_DIR}/dashboards/*.json)
install(FILES ${pkg_dashboards} DESTINATION ${PROCTREE_DASHBOARD_DIR})
install(FILES packaging/debian/copyright ${pkg_out}/changelog.gz DESTINATION ${PROCTREE_DOC_DIR})

# The Debian package (`make deb`).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${PROCTREE_PACKAGE_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${PROCTREE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Prometheus exporter for per-process and process-tree metrics")
set(CPACK_PACKAGE_DESCRIPTION
    "proctree_exporter reads /proc and serves per-process metrics, totals per\n"
    "group of processes and per process subtree, in the Prometheus text format.\n"
    "\n"
    "The package runs it as the system user proctree-exporter under a hardened\n"
    "systemd unit with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, reading\n"
    "/etc/proctree_exporter/config.yml and the flags in\n"
    "/etc/default/proctree-exporter, and ships Grafana dashboards.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries come from dpkg-shlibdeps; adduser is the postinst's, procps
# the unit's ExecReload= /bin/kill.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${pkg_out}/debian/conffiles ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
# /etc paths are absolute destinations: CPack installs into its staging tree
# through DESTDIR, with the prefix the tree was configured with.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/deb)
# Installing (and so packaging) builds only what it installs, which the
# Makefile's targets build first, not every test binary of `all`.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
