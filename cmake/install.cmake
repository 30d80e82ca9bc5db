# `cmake --install`: the host runtime as a CMake package (find_package(Systole), target Systole::runtime), its public
# headers (<systole/*.hpp>, the generated <systole/spec/isa_gen.hpp> included), the arch configs and board files it
# reads at run time, and the `systole` command. examples/run_program is built against such an installed copy by the
# test `install:example builds against the installed package` (tests/install).
include(CMakePackageConfigHelpers)

set(SYSTOLE_INSTALL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Systole)
set(SYSTOLE_INSTALL_ARCH_DIR ${CMAKE_INSTALL_DATADIR}/systole/arch)
set(SYSTOLE_INSTALL_BOARD_DIR ${CMAKE_INSTALL_DATADIR}/systole/boards)

# The runtime and the static libraries below it (their objects are what Systole::runtime links). systole_warnings
# comes along only because static libraries carry their private link items; it adds nothing to a consumer's flags.
set_target_properties(systole_runtime PROPERTIES EXPORT_NAME runtime)
set(systole_installed_libraries systole_runtime systole_isa systole_ref systole_cycle systole_dram systole_spec
                                systole_warnings)
if(SYSTOLE_HAVE_XRT)
  list(APPEND systole_installed_libraries systole_driver)
endif()
install(TARGETS ${systole_installed_libraries} EXPORT SystoleTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT SystoleTargets NAMESPACE Systole:: DESTINATION ${SYSTOLE_INSTALL_CMAKE_DIR})

install(DIRECTORY runtime/include/systole sim/isa/include/systole DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${SYSTOLE_SPEC_HPP} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/systole/spec)
install(DIRECTORY hw/arch/ DESTINATION ${SYSTOLE_INSTALL_ARCH_DIR} FILES_MATCHING PATTERN "*.toml")
install(DIRECTORY boards/ DESTINATION ${SYSTOLE_INSTALL_BOARD_DIR} FILES_MATCHING PATTERN "*.toml")
# What `systole report` reads beside the arch configs: the per-event energies and the Yosys results of the area model.
install(FILES perf/explore/energy.toml DESTINATION ${CMAKE_INSTALL_DATADIR}/systole/explore)
install(DIRECTORY hw/synth/results/ DESTINATION ${CMAKE_INSTALL_DATADIR}/systole/synth/results
        FILES_MATCHING PATTERN "*.json")
install(TARGETS systole RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

configure_package_config_file(cmake/SystoleConfig.cmake.in ${CMAKE_BINARY_DIR}/cmake/SystoleConfig.cmake
                              INSTALL_DESTINATION ${SYSTOLE_INSTALL_CMAKE_DIR}
                              PATH_VARS SYSTOLE_INSTALL_ARCH_DIR SYSTOLE_INSTALL_BOARD_DIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/SystoleConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/SystoleConfig.cmake ${CMAKE_BINARY_DIR}/cmake/SystoleConfigVersion.cmake
        DESTINATION ${SYSTOLE_INSTALL_CMAKE_DIR})
