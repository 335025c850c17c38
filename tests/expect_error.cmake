# Runs a brisk command line that must fail cleanly: exit code EXPECT_RC, exactly one line
# on stderr, starting with "brisk: error: " and containing EXPECT_TEXT.
#   cmake -DBRISK=... -DARGS="inspect;--data;x.npz,y.npz" -DEXPECT_RC=3 -DEXPECT_TEXT=... -P expect_error.cmake
execute_process(COMMAND ${BRISK} ${ARGS}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL EXPECT_RC)
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}, got '${rc}'\nstderr: ${err}")
endif()
string(REGEX MATCHALL "\n" newlines "${err}")
list(LENGTH newlines lines)
if(NOT lines EQUAL 1)
  message(FATAL_ERROR "expected one line on stderr, got ${lines}:\n${err}")
endif()
if(NOT err MATCHES "^brisk: error: ")
  message(FATAL_ERROR "stderr does not start with 'brisk: error: ':\n${err}")
endif()
string(FIND "${err}" "${EXPECT_TEXT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "stderr does not mention '${EXPECT_TEXT}':\n${err}")
endif()
message(STATUS "ok: ${err}")
