# OTELCTX_SANITIZE: ASan + UBSan on every target, for the test suite only
# (./test.sh runs the unit and scenario tests in such builds). Any report
# aborts the test: -fno-sanitize-recover.
set(OTELCTX_SANITIZE_FLAGS
  -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_compile_options(${OTELCTX_SANITIZE_FLAGS})
add_link_options(${OTELCTX_SANITIZE_FLAGS})

if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
  # clang puts the ASan runtime into executables only; libotelctx.so, linked
  # with --no-undefined, needs the shared runtime, found through an rpath.
  execute_process(
    COMMAND ${CMAKE_C_COMPILER} -print-file-name=libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so
    OUTPUT_VARIABLE asan_runtime OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT EXISTS "${asan_runtime}")
    message(FATAL_ERROR "otelctx: ASan runtime of ${CMAKE_C_COMPILER} not found "
      "(apt-get install libclang-rt-19-dev)")
  endif()
  get_filename_component(asan_runtime_dir "${asan_runtime}" DIRECTORY)
  add_link_options(-shared-libasan -Wl,-rpath,${asan_runtime_dir})
endif()
