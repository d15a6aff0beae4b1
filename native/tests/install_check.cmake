# Run by ctest (cmake -P): install the build tree into a fresh prefix, move the
# prefix elsewhere (an installed package must be relocatable), build
# native/examples against it with find_package(connguard) as a service would,
# and run the examples, the database ones on the test server (CONNGUARD_TEST_*).
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
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/installed")
set(prefix "${WORK_DIR}/moved/connguard")
file(MAKE_DIRECTORY "${WORK_DIR}/moved")
file(RENAME "${WORK_DIR}/installed" "${prefix}")

# The exported targets name their files relative to the prefix, and nothing of
# the machine that built them (toml++'s include directory once was).
file(GLOB_RECURSE targets_files "${prefix}/connguardTargets*.cmake")
foreach(targets_file IN LISTS targets_files)
  file(STRINGS "${targets_file}" absolute REGEX "^  [A-Z_]+ \"(.*;)?/")
  if(absolute)
    message(FATAL_ERROR "${targets_file} names absolute paths:\n${absolute}")
  endif()
endforeach()
if(NOT targets_files)
  message(FATAL_ERROR "no connguardTargets*.cmake under ${prefix}")
endif()

# toml++ is compiled into the library: no installed header may include it.
file(GLOB_RECURSE headers "${prefix}/include/*")
foreach(header IN LISTS headers)
  file(STRINGS "${header}" toml_include REGEX "#[ \t]*include[ \t]*[<\"]toml")
  if(toml_include)
    message(FATAL_ERROR "${header} includes toml++: ${toml_include}")
  endif()
endforeach()

run("${CMAKE_COMMAND}" -S "${EXAMPLE_DIR}" -B "${WORK_DIR}/build" "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")

# Nor may connguard::connguard hand toml++ to its consumers: show_policy, the
# engine-only example, compiles with the installed headers as its only include
# directory and no TOML_* definition (toml++ sits on this machine's default
# include path, so a successful build alone proves nothing).
file(READ "${WORK_DIR}/build/compile_commands.json" commands)
string(JSON count LENGTH "${commands}")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON file GET "${commands}" ${i} file)
  if(file MATCHES "/show_policy\\.cpp$")
    string(JSON command GET "${commands}" ${i} command)
  endif()
endforeach()
if(NOT DEFINED command)
  message(FATAL_ERROR "no compile command for show_policy.cpp in ${WORK_DIR}/build/compile_commands.json")
endif()
separate_arguments(args UNIX_COMMAND "${command}")
set(include_dirs "")
set(next_is_dir FALSE)
foreach(arg IN LISTS args)
  if(next_is_dir)
    list(APPEND include_dirs "${arg}")
    set(next_is_dir FALSE)
  elseif(arg MATCHES "^-(I|isystem|iquote|idirafter)$")
    set(next_is_dir TRUE)
  elseif(arg MATCHES "^-I(.+)$")
    list(APPEND include_dirs "${CMAKE_MATCH_1}")
  endif()
endforeach()
if(NOT include_dirs STREQUAL "${prefix}/include" OR command MATCHES "TOML")
  message(FATAL_ERROR "a consumer of connguard::connguard compiles with more than ${prefix}/include:\n${command}")
endif()

run("${WORK_DIR}/build/show_policy" "${POLICY_FILE}" orders)
if(NOT output STREQUAL "max_attempts 20\ndeadline 30s\nmax_delay 1s\njitter full\n")
  message(FATAL_ERROR "show_policy printed:\n${output}")
endif()

set(ENV{DB_PASSWORD} "$ENV{CONNGUARD_TEST_PASSWORD}")
run("${WORK_DIR}/build/orders" "${POLICY_FILE}" "$ENV{CONNGUARD_TEST_HOST}" "$ENV{CONNGUARD_TEST_PORT}"
    "$ENV{CONNGUARD_TEST_USER}" "$ENV{CONNGUARD_TEST_DATABASE}")
# Other runs may have added rows: the sums grow by 3 per run, whatever came before.
if(NOT output MATCHES "gadget [1-9][0-9]*\nwidget [1-9][0-9]*\n")
  message(FATAL_ERROR "the example printed:\n${output}")
endif()
message(STATUS "orders printed:\n${output}")

set(ENV{CONNGUARD_POLICY} "${POLICY_FILE}")
set(ENV{CONNGUARD_SERVICE} orders)
run("${WORK_DIR}/build/server_info" "$ENV{CONNGUARD_TEST_HOST}" "$ENV{CONNGUARD_TEST_PORT}"
    "$ENV{CONNGUARD_TEST_USER}" "$ENV{CONNGUARD_TEST_DATABASE}")
if(NOT output MATCHES "^client [0-9]+\\.[0-9]+[^\n]*\nserver [0-9]+\\.[0-9]+[^\n]*\n$")
  message(FATAL_ERROR "server_info printed:\n${output}")
endif()
message(STATUS "server_info printed:\n${output}")
