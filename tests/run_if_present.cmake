# Runs a command when the files it needs exist, otherwise prints the skip marker that the
# test's SKIP_REGULAR_EXPRESSION matches (CTest then reports it as skipped, not passed).
#   cmake -DSHARED=<dir> -DREQUIRE="@SHARED@/a;@SHARED@/b" -DCMD="prog;arg;@SHARED@/c" -P run_if_present.cmake
# "@SHARED@" in REQUIRE and CMD stands for SHARED, or $ENV{BRISK_SHARED_DIR} when set.
cmake_minimum_required(VERSION 3.20)  # CMP0053: "@SHARED@" is text, not a variable reference
if(DEFINED ENV{BRISK_SHARED_DIR} AND NOT "$ENV{BRISK_SHARED_DIR}" STREQUAL "")
  set(SHARED "$ENV{BRISK_SHARED_DIR}")
endif()
string(REPLACE "@SHARED@" "${SHARED}" REQUIRE "${REQUIRE}")
string(REPLACE "@SHARED@" "${SHARED}" CMD "${CMD}")
foreach(f IN LISTS REQUIRE)
  if(NOT EXISTS "${f}")
    message("[brisk-skip] ${f} is absent")
    return()
  endif()
endforeach()
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit code ${rc}: ${CMD}")
endif()
