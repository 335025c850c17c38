# brisk_add_library(NAME
#   [INTERNAL]                 headers not installed (build-tree only; e.g. HDF5 handles)
#   SOURCES ...                .cpp files (none: an INTERFACE, header-only library)
#   HEADERS ...                headers other targets may include, as <brisk/<dir>/<header>>
#   INTERNAL_HEADERS ...       headers of this target's own sources and its tests only
#   DEPS ...                   what this target's public headers include (PUBLIC)
#   PRIVATE_DEPS ...)          what only its sources include (PRIVATE)
#
# Declares brisk_<NAME> (alias brisk::<NAME>) from explicit source lists, with the
# project's warning flags and install rules.
#
# Include roots are per target: each target's headers are linked into
# <build>/include/<NAME>/brisk/<dir>/..., and only that folder is the target's include
# root. A target therefore sees exactly the headers of the targets it links: including a
# header of a target it does not declare fails to compile, so the CMake graph and the
# #include graph cannot drift apart (tools/include_graph.py checks the direction).
function(brisk_add_library name)
  cmake_parse_arguments(ARG "INTERNAL" "" "SOURCES;HEADERS;INTERNAL_HEADERS;DEPS;PRIVATE_DEPS" ${ARGN})
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set(root ${PROJECT_BINARY_DIR}/include/${name})
  set(private_root ${PROJECT_BINARY_DIR}/include/${name}-internal)
  foreach(h IN LISTS ARG_HEADERS)
    get_filename_component(sub ${h} DIRECTORY)
    file(MAKE_DIRECTORY ${root}/brisk/${rel}/${sub})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR}/${h} ${root}/brisk/${rel}/${h} SYMBOLIC)
  endforeach()
  foreach(h IN LISTS ARG_INTERNAL_HEADERS)
    get_filename_component(sub ${h} DIRECTORY)
    file(MAKE_DIRECTORY ${private_root}/brisk/${rel}/${sub})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR}/${h} ${private_root}/brisk/${rel}/${h} SYMBOLIC)
  endforeach()
  file(MAKE_DIRECTORY ${root})

  if(ARG_SOURCES)
    add_library(brisk_${name} STATIC ${ARG_SOURCES} ${ARG_HEADERS} ${ARG_INTERNAL_HEADERS})
    set(scope PUBLIC)
    target_link_libraries(brisk_${name} PRIVATE $<BUILD_INTERFACE:brisk_options> ${ARG_PRIVATE_DEPS})
    if(ARG_INTERNAL_HEADERS)
      target_include_directories(brisk_${name} PRIVATE ${private_root})
    endif()
  else()
    add_library(brisk_${name} INTERFACE ${ARG_HEADERS})
    set(scope INTERFACE)
  endif()
  add_library(brisk::${name} ALIAS brisk_${name})
  set_target_properties(brisk_${name} PROPERTIES EXPORT_NAME ${name})
  set_property(TARGET brisk_${name} PROPERTY BRISK_INTERNAL_INCLUDE_ROOT ${private_root})
  if(ARG_INTERNAL)
    target_include_directories(brisk_${name} ${scope} $<BUILD_INTERFACE:${root}>)
  else()
    target_include_directories(brisk_${name} ${scope}
      $<BUILD_INTERFACE:${root}>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    foreach(h IN LISTS ARG_HEADERS)
      get_filename_component(sub ${h} DIRECTORY)
      install(FILES ${h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/brisk/${rel}/${sub})
    endforeach()
  endif()
  target_link_libraries(brisk_${name} ${scope} ${ARG_DEPS})
  install(TARGETS brisk_${name} EXPORT briskTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()

# Lets a test executable include the internal headers of `target` (it links it too).
function(brisk_test_internal_headers test target)
  get_target_property(root ${target} BRISK_INTERNAL_INCLUDE_ROOT)
  target_include_directories(${test} PRIVATE ${root})
endfunction()
