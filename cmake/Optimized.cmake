# OTELCTX_OPTIMIZED: the same sources as ThinLTO bitcode, linked by lld, so
# the shim's TLS accessor is inlined into every entry point. Flags that matter:
#   -flto=thin            on every translation unit (shim included)
#   TLSDESC dialect       at compile and at link: LTO generates code at link
#                         time and falls back to __tls_get_addr without it
#   -ffunction-sections + --gc-sections
#                         drop the accessor's dead out-of-line copy
#   lld                   the ThinLTO linker; --ld-path pins its version
# The ELF gate then proves the result (checks 3 and 4).

if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang" OR CMAKE_C_COMPILER_VERSION VERSION_LESS 19)
  message(FATAL_ERROR
    "otelctx: OTELCTX_OPTIMIZED needs clang 19 or newer, found "
    "${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}. Install it "
    "(apt-get install clang-19 lld-19) and configure with CC=clang-19, "
    "or run ./build-optimized.sh.")
endif()

set(OTELCTX_LLD "" CACHE FILEPATH "ld.lld to link with (default: clang's -fuse-ld=lld)")
if(NOT CMAKE_C_COMPILER_AR OR NOT CMAKE_C_COMPILER_RANLIB)
  message(FATAL_ERROR
    "otelctx: llvm-ar/llvm-ranlib matching ${CMAKE_C_COMPILER} not found; "
    "a ThinLTO bitcode archive needs them (apt-get install llvm-19)")
endif()
# The bitcode archive needs an LLVM symbol index, which GNU ar cannot write.
set(CMAKE_AR ${CMAKE_C_COMPILER_AR} CACHE FILEPATH "" FORCE)
set(CMAKE_RANLIB ${CMAKE_C_COMPILER_RANLIB} CACHE FILEPATH "" FORCE)

# -gdwarf-4: Debian 12's valgrind cannot read clang 19's default DWARF 5.
add_compile_options(-flto=thin -ffunction-sections -fdata-sections -gdwarf-4)
set(OTELCTX_LTO_LINK_FLAGS -flto=thin -fuse-ld=lld -Wl,--gc-sections ${OTELCTX_TLSDESC_FLAGS})
if(OTELCTX_LLD)
  list(APPEND OTELCTX_LTO_LINK_FLAGS --ld-path=${OTELCTX_LLD})
endif()
add_link_options(${OTELCTX_LTO_LINK_FLAGS})
