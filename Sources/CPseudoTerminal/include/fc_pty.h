#ifndef FC_PTY_H
#define FC_PTY_H
#include <sys/types.h>

/* Spawns `path` in a new session whose controlling terminal is a fresh pty of the given
   size; returns 0 and the pty's master side, or an errno value. For tests. */
int fc_pty_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                 unsigned short columns, unsigned short rows, int *master_out, pid_t *pid_out);

#endif
