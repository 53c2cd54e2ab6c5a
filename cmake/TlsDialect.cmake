# otelctx_require_tlsdesc(<out-var>)
# Sets <out-var> to the compile flags that make the compiler emit TLSDESC
# accesses, or stops configuration with the fix when it cannot.
include(CheckCSourceCompiles)

function(otelctx_require_tlsdesc out_var)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set(flags -mtls-dialect=gnu2)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    set(flags "") # TLSDESC is the only dynamic dialect on aarch64
  else()
    message(FATAL_ERROR
      "otelctx: unsupported processor '${CMAKE_SYSTEM_PROCESSOR}'; "
      "OTEP 4947 covers x86-64 and aarch64")
  endif()

  set(CMAKE_REQUIRED_FLAGS "${flags} -fPIC")
  set(CMAKE_REQUIRED_QUIET ON)
  check_c_source_compiles("
    _Thread_local int probe;
    int *probe_addr(void) { return &probe; }
    int main(void) { return *probe_addr(); }" OTELCTX_HAVE_TLSDESC)
  if(NOT OTELCTX_HAVE_TLSDESC)
    message(FATAL_ERROR
      "otelctx: ${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION} cannot emit "
      "TLSDESC accesses ('${flags}' rejected). Use gcc (CC=gcc), or install "
      "clang 19 or newer (apt-get install clang-19 lld-19) and set CC=clang-19.")
  endif()
  set(${out_var} ${flags} PARENT_SCOPE)
endfunction()
