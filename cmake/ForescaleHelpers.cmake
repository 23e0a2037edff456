# One helper per target kind keeps each module's CMakeLists.txt a few lines long.

function(forescale_apply_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                         -Wunused -Woverloaded-virtual -Wimplicit-fallthrough
                         # GCC 12 false positive on std::string concatenation at -O2 (GCC bug 105329).
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
                         # Options structs are built with designated initialisers that rely on
                         # the documented member defaults (STYLE.md 7).
                         -Wno-missing-field-initializers)
  if(FORESCALE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(FORESCALE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                           -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# forescale_module(NAME SOURCES a.cc b.cc DEPS lib...)
# Builds forescale_<NAME>; headers are included as "<module>/<file>.h" from src/.
function(forescale_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(forescale_${name} STATIC ${ARG_SOURCES})
  target_include_directories(forescale_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(forescale_${name} PUBLIC ${ARG_DEPS})
  forescale_apply_warnings(forescale_${name})
endfunction()

# forescale_unit_test(NAME SOURCES a_test.cc DEPS lib...)
# Unit tests sit beside the code; each becomes one ctest entry labelled "unit".
function(forescale_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT FORESCALE_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    FORESCALE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  forescale_apply_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# forescale_fuzz_target(NAME SOURCES a_fuzz.cc DEPS lib...)
# libFuzzer entry points; only built with clang and FORESCALE_FUZZ=ON.
function(forescale_fuzz_target name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT FORESCALE_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
endfunction()

# libstdc++ 12 hides std::expected unless __cpp_concepts >= 202002L, which clang 16 implements
# but does not yet advertise; the fuzz build (clang only) says so explicitly.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_options(-U__cpp_concepts -D__cpp_concepts=202002L -Wno-builtin-macro-redefined)
endif()
if(FORESCALE_FUZZ)
  # Every library the fuzz targets link must carry coverage instrumentation too.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
