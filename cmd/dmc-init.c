/* dmc-init: pid 1 of every dmc container.
 *
 * It reaps the orphans that the kernel hands to it, so no zombies pile up,
 * and otherwise sleeps. It installs no handler for any other signal, so as
 * the init of a pid namespace it ignores everything but SIGKILL: a container
 * lives until it is destroyed, whatever its processes do. Built static, so it
 * needs nothing from the container's image. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

static void reap_all(void) {
  for (;;) {
    pid_t pid = waitpid(-1, 0, WNOHANG);
    if (pid > 0) continue;
    if (pid < 0 && errno == EINTR) continue;
    return; /* 0: children left but none exited; -1 ECHILD: no children */
  }
}

int main(void) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, 0);
  for (;;) {
    reap_all();
    siginfo_t info;
    sigwaitinfo(&chld, &info);
  }
}
