# cmake -DCOMPILER=<c++> -DINCLUDES=<dir|dir|...> -DSOURCE=<file.cpp> -P compile.cmake
#
# Compiles SOURCE (syntax only) with the SDK's include directories and prints what the
# compiler said. A compile-fail test runs this and passes only when that output holds its
# static_assert message (PASS_REGULAR_EXPRESSION): a source that compiles, or fails for any
# other reason, fails the test.
string(REPLACE "|" ";" include_dirs "${INCLUDES}")
set(flags -std=c++17 -fsyntax-only)
foreach(dir IN LISTS include_dirs)
  list(APPEND flags "-I${dir}")
endforeach()
execute_process(COMMAND "${COMPILER}" ${flags} "${SOURCE}"
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
message("${output}")
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
