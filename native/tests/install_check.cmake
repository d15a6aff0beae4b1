# Run by ctest (cmake -P): install the build tree into a fresh prefix, build
# native/examples against it with find_package(connguard) as a service would,
# and run the example on the test server (CONNGUARD_TEST_* variables).
foreach(var BUILD_DIR EXAMPLE_DIR WORK_DIR CXX_COMPILER POLICY_FILE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_check.cmake: -D${var}=... is required")
  endif()
endforeach()
foreach(var HOST PORT USER PASSWORD DATABASE)
  if("$ENV{CONNGUARD_TEST_${var}}" STREQUAL "")
    message(FATAL_ERROR "CONNGUARD_TEST_${var} is not set: run under `python -m connguard.testing run`")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}\n${out}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
run("${CMAKE_COMMAND}" -S "${EXAMPLE_DIR}" -B "${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")

set(ENV{DB_PASSWORD} "$ENV{CONNGUARD_TEST_PASSWORD}")
run("${WORK_DIR}/build/orders" "${POLICY_FILE}" "$ENV{CONNGUARD_TEST_HOST}" "$ENV{CONNGUARD_TEST_PORT}"
    "$ENV{CONNGUARD_TEST_USER}" "$ENV{CONNGUARD_TEST_DATABASE}")
# Other runs may have added rows: the sums grow by 3 per run, whatever came before.
if(NOT output MATCHES "gadget [1-9][0-9]*\nwidget [1-9][0-9]*\n")
  message(FATAL_ERROR "the example printed:\n${output}")
endif()
message(STATUS "example output:\n${output}")
