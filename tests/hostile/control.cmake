# Hostile targets: stopping, signals, threads, exec, command line. One
# target program per attack (a comment at its top says which), all driven by
# control.py, one ctest per case.
foreach(target unstoppable_vfork record_threads tracer_holder exec_self thread_churn queued_signals)
  add_executable(hostile_${target} ${target}.c)
  target_link_libraries(hostile_${target} PRIVATE otelctx Threads::Threads)
endforeach()
# Loads copies of the library itself: not linked to it.
add_executable(hostile_slot_objects slot_objects.c)
target_include_directories(hostile_slot_objects PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(hostile_slot_objects PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(hostile_slot_objects otelctx)
foreach(target unstoppable_vfork record_threads tracer_holder exec_self thread_churn queued_signals slot_objects)
  target_include_directories(hostile_${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(hostile_${target} PRIVATE _GNU_SOURCE)
endforeach()

set(OTELCTX_HOSTILE_CONTROL ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/control.py)
set(OTELCTX_HOSTILE_INSPECT $<TARGET_FILE:otelctx-inspect>)
function(otelctx_hostile_control name case target)
  add_test(NAME hostile_${name}
    COMMAND ${OTELCTX_HOSTILE_CONTROL} ${case} ${OTELCTX_HOSTILE_INSPECT}
            $<TARGET_FILE:hostile_${target}> ${ARGN})
  set_tests_properties(hostile_${name} PROPERTIES LABELS hostile)
endfunction()
otelctx_hostile_control(unstoppable unstoppable unstoppable_vfork 1)
otelctx_hostile_control(unstoppable_200 unstoppable unstoppable_vfork 200)
otelctx_hostile_control(sigint sigint unstoppable_vfork)
otelctx_hostile_control(sigterm sigterm unstoppable_vfork)
otelctx_hostile_control(traced traced record_threads $<TARGET_FILE:hostile_tracer_holder> seize)
otelctx_hostile_control(traced_stopped traced record_threads
                        $<TARGET_FILE:hostile_tracer_holder> stop)
otelctx_hostile_control(group_stopped stopped record_threads)
otelctx_hostile_control(threads_4300 threads record_threads 4300)
otelctx_hostile_control(slot_objects_12 objects slot_objects $<TARGET_FILE:otelctx> 12)
otelctx_hostile_control(exec_watched exec exec_self)
otelctx_hostile_control(command_line command-line record_threads)
otelctx_hostile_control(thread_churn churn thread_churn)
otelctx_hostile_control(queued_signals signals queued_signals)
