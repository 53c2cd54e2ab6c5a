# The BPF half of `otelctx-inspect sample`: a libbpf CO-RE program built the
# way the eBPF profiler's is (clang -target bpf, vmlinux.h from the running
# kernel's BTF, a skeleton from bpftool), generated into the build directory.
# x86-64 only (the program reads task_struct's thread.fsbase) and glibc only
# (Debian ships no musl libbpf): the musl build and the aarch64 cross builds
# go without it.
set(OTELCTX_SAMPLE AUTO CACHE STRING "Build the BPF sampler of otelctx-inspect (AUTO, ON, OFF)")
set_property(CACHE OTELCTX_SAMPLE PROPERTY STRINGS AUTO ON OFF)

set(otelctx_sample_supported FALSE)
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "x86_64" AND NOT CMAKE_CROSSCOMPILING AND OTELCTX_HAVE_THREAD_DB)
  set(otelctx_sample_supported TRUE)
endif()
if(OTELCTX_SAMPLE STREQUAL "OFF" OR (OTELCTX_SAMPLE STREQUAL "AUTO" AND NOT otelctx_sample_supported))
  message(STATUS "otelctx-inspect: no BPF sampler (x86-64 glibc native builds only; OTELCTX_SAMPLE=${OTELCTX_SAMPLE})")
  target_sources(otelctx-inspect PRIVATE sample_absent.c)
  set(OTELCTX_SAMPLE_BUILT FALSE CACHE INTERNAL "the BPF sampler is built")
  return()
endif()
if(NOT otelctx_sample_supported)
  message(FATAL_ERROR "otelctx: OTELCTX_SAMPLE=ON needs a native x86-64 glibc build")
endif()

find_program(OTELCTX_BPFTOOL bpftool PATHS /usr/sbin /sbin)
if(NOT OTELCTX_BPFTOOL)
  message(FATAL_ERROR "otelctx: bpftool not found (apt-get install bpftool), or configure with -DOTELCTX_SAMPLE=OFF")
endif()
find_path(OTELCTX_LIBBPF_INCLUDE bpf/libbpf.h)
find_library(OTELCTX_LIBBPF bpf)
if(NOT OTELCTX_LIBBPF_INCLUDE OR NOT OTELCTX_LIBBPF)
  message(FATAL_ERROR "otelctx: libbpf not found (apt-get install libbpf-dev), or configure with -DOTELCTX_SAMPLE=OFF")
endif()
find_program(OTELCTX_BPF_CLANG NAMES clang-19 clang)
if(NOT OTELCTX_BPF_CLANG)
  message(FATAL_ERROR "otelctx: clang for -target bpf not found (apt-get install clang-19), or configure with -DOTELCTX_SAMPLE=OFF")
endif()
set(OTELCTX_KERNEL_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH "BTF of the kernel the sampler is built against")
if(NOT EXISTS ${OTELCTX_KERNEL_BTF})
  message(FATAL_ERROR "otelctx: no kernel BTF at ${OTELCTX_KERNEL_BTF} (a kernel with CONFIG_DEBUG_INFO_BTF), or configure with -DOTELCTX_SAMPLE=OFF")
endif()

set(sample_dir ${CMAKE_CURRENT_BINARY_DIR}/sample)
set(sample_src ${CMAKE_CURRENT_SOURCE_DIR}/sample.bpf.c)
file(MAKE_DIRECTORY ${sample_dir})
add_custom_command(OUTPUT ${sample_dir}/vmlinux.h
  COMMAND ${OTELCTX_BPFTOOL} btf dump file ${OTELCTX_KERNEL_BTF} format c > ${sample_dir}/vmlinux.h
  COMMENT "vmlinux.h from the running kernel's BTF" VERBATIM)
add_custom_command(OUTPUT ${sample_dir}/sample.bpf.o
  COMMAND ${OTELCTX_BPF_CLANG} -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86
          -I${sample_dir} -I${CMAKE_CURRENT_SOURCE_DIR} -I${OTELCTX_LIBBPF_INCLUDE}
          -c ${sample_src} -o ${sample_dir}/sample.bpf.o
  DEPENDS ${sample_src} ${CMAKE_CURRENT_SOURCE_DIR}/sample_event.h ${sample_dir}/vmlinux.h
  COMMENT "BPF sampler (clang -target bpf)" VERBATIM)
# bpftool gen object links the object as libbpf does and drops its DWARF
# (the BTF stays): the skeleton embeds the smaller object.
add_custom_command(OUTPUT ${sample_dir}/sample.linked.o
  COMMAND ${OTELCTX_BPFTOOL} gen object ${sample_dir}/sample.linked.o ${sample_dir}/sample.bpf.o
  DEPENDS ${sample_dir}/sample.bpf.o
  COMMENT "BPF object linked (bpftool gen object)" VERBATIM)
add_custom_command(OUTPUT ${sample_dir}/sample.skel.h
  COMMAND ${OTELCTX_BPFTOOL} gen skeleton ${sample_dir}/sample.linked.o name sample_bpf > ${sample_dir}/sample.skel.h
  DEPENDS ${sample_dir}/sample.linked.o
  COMMENT "BPF skeleton (bpftool gen skeleton)" VERBATIM)
add_custom_target(otelctx_sample_bpf ALL DEPENDS ${sample_dir}/sample.skel.h)

# The user side: the skeleton embeds the program, so the tool needs no file
# of the build at run time, only libbpf.
target_sources(otelctx-inspect PRIVATE
  code_map.c sample.c sample_kernel.c sample_output.c sample_tally.c)
# The skeleton holds the object as one long string literal.
set_source_files_properties(sample_kernel.c PROPERTIES OBJECT_DEPENDS ${sample_dir}/sample.skel.h
  COMPILE_OPTIONS -Wno-overlength-strings)
target_include_directories(otelctx-inspect PRIVATE ${sample_dir} ${OTELCTX_LIBBPF_INCLUDE})
target_link_libraries(otelctx-inspect PRIVATE ${OTELCTX_LIBBPF})
add_dependencies(otelctx-inspect otelctx_sample_bpf)
message(STATUS "otelctx-inspect: BPF sampler built with ${OTELCTX_BPF_CLANG}, ${OTELCTX_BPFTOOL}, ${OTELCTX_LIBBPF}")
set(OTELCTX_SAMPLE_BUILT TRUE CACHE INTERNAL "the BPF sampler is built")
set(OTELCTX_SAMPLE_OBJECT ${sample_dir}/sample.bpf.o CACHE INTERNAL "the BPF sampler's object")
