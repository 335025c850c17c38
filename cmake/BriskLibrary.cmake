# brisk_add_library(NAME SOURCES ... HEADERS ... DEPS ...)
# Declares brisk_<NAME> (alias brisk::<NAME>) from explicit source lists, with the
# project's warning flags, the repository root as include root, and install rules.
# A library with headers only becomes an INTERFACE target.
function(brisk_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;HEADERS;DEPS" ${ARGN})
  if(ARG_SOURCES)
    add_library(brisk_${name} STATIC ${ARG_SOURCES} ${ARG_HEADERS})
    set(scope PUBLIC)
    target_link_libraries(brisk_${name} PRIVATE $<BUILD_INTERFACE:brisk_options>)
  else()
    add_library(brisk_${name} INTERFACE ${ARG_HEADERS})
    set(scope INTERFACE)
  endif()
  add_library(brisk::${name} ALIAS brisk_${name})
  set_target_properties(brisk_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(brisk_${name} ${scope}
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/brisk>)
  target_link_libraries(brisk_${name} ${scope} ${ARG_DEPS})
  install(TARGETS brisk_${name} EXPORT briskTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  foreach(h IN LISTS ARG_HEADERS)
    get_filename_component(sub ${h} DIRECTORY)
    install(FILES ${h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/brisk/${rel}/${sub})
  endforeach()
endfunction()
