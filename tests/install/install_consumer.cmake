# Installs the build tree into a scratch prefix, configures and builds tests/install/consumer
# against it with find_package(brisk), and runs it on a bundled model and a dataset slice.
# Checks that no installed header includes a header that is not installed (an INTERNAL
# target's or an INTERNAL_HEADERS one).
# Inputs: BUILD_DIR, SOURCE_DIR, WORK_DIR, MODEL, DATA.
file(REMOVE_RECURSE ${WORK_DIR})
foreach(step
    "${CMAKE_COMMAND};--install;${BUILD_DIR};--prefix;${WORK_DIR}/prefix"
    "${CMAKE_COMMAND};-S;${SOURCE_DIR}/tests/install/consumer;-B;${WORK_DIR}/build;-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix"
    "${CMAKE_COMMAND};--build;${WORK_DIR}/build"
    "${WORK_DIR}/build/consumer;${MODEL};${DATA}")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${step}\n${out}\n${err}")
  endif()
  if(step MATCHES "--install")
    # Every <brisk/...> an installed header includes must itself be installed.
    set(include_dir ${WORK_DIR}/prefix/include)
    file(GLOB_RECURSE headers RELATIVE ${include_dir} ${include_dir}/brisk/*.hpp)
    foreach(h IN LISTS headers)
      file(STRINGS ${include_dir}/${h} lines REGEX "^#include <brisk/")
      foreach(line IN LISTS lines)
        string(REGEX REPLACE "^#include <(brisk/[^>]+)>.*" "\\1" inc "${line}")
        if(NOT EXISTS ${include_dir}/${inc})
          message(FATAL_ERROR "installed ${h} includes <${inc}>, which is not installed")
        endif()
      endforeach()
    endforeach()
  endif()
endforeach()
message(STATUS "${out}")
