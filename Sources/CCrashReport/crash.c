#define _GNU_SOURCE
#include "fcast_crash.h"
#include <signal.h>
#include <string.h>
#include <unistd.h>

static _Thread_local char current[512];
static struct sigaction previous[32];
static volatile sig_atomic_t installed;

static const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

static void put(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static const char *name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    default: return "a signal";
    }
}

static void handler(int sig, siginfo_t *info, void *context) {
    if (current[0]) {
        put("\nfcast: ");
        put(name(sig));
        put(" while running ");
        put(current);
        put("; the process stops here (executor: \"processes\" runs each task in a worker process, so a crash fails only its task)\n");
    }
    /* Hand on: the handler that was there before, or the default action. */
    struct sigaction *old = &previous[sig];
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
        sigaction(sig, old, NULL);
        old->sa_sigaction(sig, info, context);
        return;
    }
    if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler) {
        sigaction(sig, old, NULL);
        old->sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void fc_crash_install(void) {
    if (installed) return;
    installed = 1;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = handler;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(signals[i], &sa, &previous[signals[i]]);
    }
}

void fc_crash_set_task(const char *what) {
    if (!what) {
        current[0] = 0;
        return;
    }
    strncpy(current, what, sizeof current - 1);
    current[sizeof current - 1] = 0;
}
