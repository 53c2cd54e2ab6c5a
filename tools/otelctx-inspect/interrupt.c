/* SPDX-License-Identifier: Apache-2.0 */
#include "interrupt.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* How long the tracer has to let go after a signal before the tool exits
 * regardless (its own exit then unlinks the tracees). */
enum { TRACER_GRACE_SECONDS = 1 };

static volatile sig_atomic_t received;
static volatile sig_atomic_t tracing;
static int wake_fd = -1;

static void on_signal(int sig)
{
    if (!tracing)
        _exit(128 + sig);
    received = sig;
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd, &one, sizeof(one));
    (void)ignored; /* an eventfd that cannot take one more is readable already */
    alarm(TRACER_GRACE_SECONDS);
}

static void on_alarm(int sig)
{
    (void)sig;
    _exit(128 + received);
}

int interrupt_install(void)
{
    struct sigaction action = {0};

    wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0)
        return -errno;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    sigaddset(&action.sa_mask, SIGALRM);
    action.sa_handler = on_signal;
    if (sigaction(SIGINT, &action, NULL) != 0 || sigaction(SIGTERM, &action, NULL) != 0)
        return -errno;
    action.sa_handler = on_alarm;
    if (sigaction(SIGALRM, &action, NULL) != 0)
        return -errno;
    return 0;
}

void interrupt_tracing_begin(void)
{
    tracing = 1;
}

void interrupt_tracing_end(void)
{
    tracing = 0;
}

int interrupt_fd(void)
{
    return wake_fd;
}

int interrupt_signal(void)
{
    return received;
}
