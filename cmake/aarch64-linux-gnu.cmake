# Cross-compiling for aarch64 Linux from an x86-64 Debian host:
#   default build    gcc-aarch64-linux-gnu, libc6-dev-arm64-cross
#   optimized build  -DOTELCTX_AARCH64_CLANG=clang-19 (clang --target, lld)
# Test programs run under qemu-aarch64-static through
# CMAKE_CROSSCOMPILING_EMULATOR. Used by ./build-optimized.sh --target
# aarch64 and ./test.sh.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(OTELCTX_AARCH64_SYSROOT /usr/aarch64-linux-gnu)

if(OTELCTX_AARCH64_CLANG)
  set(CMAKE_C_COMPILER ${OTELCTX_AARCH64_CLANG})
  set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
  set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
else()
  set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
endif()

set(CMAKE_FIND_ROOT_PATH ${OTELCTX_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L ${OTELCTX_AARCH64_SYSROOT})
