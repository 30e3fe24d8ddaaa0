#define _GNU_SOURCE
#include "fc_pty.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int fc_pty_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                 unsigned short columns, unsigned short rows, int *master_out, pid_t *pid_out) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) return errno;
    if (grantpt(master) != 0 || unlockpt(master) != 0) { int e = errno; close(master); return e; }
    const char *slave = ptsname(master);
    if (!slave) { int e = errno; close(master); return e; }
    struct winsize ws = {rows, columns, 0, 0};
    ioctl(master, TIOCSWINSZ, &ws);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    /* Opened after setsid() and without O_NOCTTY, the pty becomes the controlling terminal. */
    posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&actions, 0, 1);
    posix_spawn_file_actions_adddup2(&actions, 0, 2);
    posix_spawn_file_actions_addclose(&actions, master);
    if (directory) posix_spawn_file_actions_addchdir_np(&actions, directory);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
    int rc = posix_spawn(pid_out, path, &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) { close(master); return rc; }
    *master_out = master;
    return 0;
}
