/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SIGINT and SIGTERM end otelctx-inspect at once with status 128 + N, the
 * target left running and untraced. Outside a reading nothing of the target
 * is held, so the handler exits on the spot. During a reading the tracer
 * thread holds ptrace stops: the handler wakes it (it detaches what is
 * stopped and ends, and the kernel unlinks the threads that never stopped)
 * and arms a short alarm that exits anyway, should the tracer be stuck in
 * the kernel: the exit of the tracer thread unlinks its tracees just the same.
 */
#ifndef OTELCTX_INSPECT_INTERRUPT_H
#define OTELCTX_INSPECT_INTERRUPT_H

/* Installs the handlers; 0 or -errno. */
int interrupt_install(void);

/* Brackets a reading by the tracer thread. */
void interrupt_tracing_begin(void);
void interrupt_tracing_end(void);

/* A descriptor that becomes readable when a signal asked the reading to end. */
int interrupt_fd(void);

/* The signal that ended the reading, or 0. */
int interrupt_signal(void);

#endif
