#ifndef FCAST_CRASH_H
#define FCAST_CRASH_H

/* A last word when a plugin crashes the process on the threads executor: signal handlers
   for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT that write which task the crashing thread
   was running to stderr, then hand the signal on to the handler that was there before (the
   Swift runtime's backtracer) or the default action. */

/* Installs the handlers (idempotent). */
void fc_crash_install(void);

/* The calling thread now runs `what` (copied, at most 511 bytes); NULL: nothing. */
void fc_crash_set_task(const char *what);

#endif
