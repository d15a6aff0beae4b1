# Run by ctest (cmake -P): one side of examples/adoption/cpp/clp against the
# test server (CONNGUARD_TEST_*), which must exit 0 and print exactly the rows
# its typed bindings stored, in begin_timestamp order, on a compressed session.
foreach(var PROGRAM TABLE_PREFIX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "adoption_check.cmake: -D${var}=... is required")
  endif()
endforeach()
foreach(var HOST PORT USER PASSWORD DATABASE)
  if("$ENV{CONNGUARD_TEST_${var}}" STREQUAL "")
    message(FATAL_ERROR "CONNGUARD_TEST_${var} is not set: run under `python -m connguard.testing run`")
  endif()
endforeach()

set(ENV{DB_PASSWORD} "$ENV{CONNGUARD_TEST_PASSWORD}")  # never on the command line
execute_process(
  COMMAND "${PROGRAM}" "$ENV{CONNGUARD_TEST_HOST}" "$ENV{CONNGUARD_TEST_PORT}" "$ENV{CONNGUARD_TEST_USER}"
          "$ENV{CONNGUARD_TEST_DATABASE}" "${TABLE_PREFIX}"
  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
set(expected "compression ON
archive-a -1700000000100 18446744073709551615 255
archive-b 1700000000200 2048 1
archive-c 1700000000300 0 0
")
if(NOT status EQUAL 0 OR NOT output STREQUAL expected)
  message(FATAL_ERROR "${PROGRAM} exited with ${status} and printed:\n${output}\n${errors}\nexpected:\n${expected}")
endif()
message(STATUS "${PROGRAM} printed:\n${output}")
