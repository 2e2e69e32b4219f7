/* dmc-init: pid 1 of every dmc container.
 *
 * It reaps the orphans that the kernel hands to it, so no zombies pile up,
 * and otherwise sleeps. It installs no handler for any other signal, so as
 * the init of a pid namespace it ignores everything but SIGKILL: a container
 * lives until it is destroyed, whatever its processes do.
 *
 * It is built without libc (-nostdlib, see cmd/CMakeLists.txt), so that it
 * needs nothing from the container's image and costs the host almost no
 * memory: it makes three system calls, and static glibc alone maps about
 * 700 KiB. The headers give only constants. */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static long syscall4(long number, long a, long b, long c, long d) {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return result;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
#else
#error "dmc-init: no system call stub for this architecture"
#endif
}

/* The kernel's sigset_t: one bit per signal, 8 bytes. */
typedef unsigned long kernel_sigset;

static void reap_all(void) {
  for (;;) {
    long pid = syscall4(SYS_wait4, -1, 0, WNOHANG, 0);
    if (pid > 0 || pid == -EINTR) continue;
    return; /* 0: children left but none exited; -ECHILD: no children */
  }
}

/* The entry point: no libc to call main. On x86_64 the stack is not aligned
 * for a call here, which the attribute makes up for. */
#if defined(__x86_64__)
__attribute__((force_align_arg_pointer))
#endif
__attribute__((noreturn)) void _start(void) {
  kernel_sigset chld = 1UL << (SIGCHLD - 1);
  syscall4(SYS_rt_sigprocmask, SIG_BLOCK, (long)&chld, 0, sizeof chld);
  for (;;) {
    reap_all();
    syscall4(SYS_rt_sigtimedwait, (long)&chld, 0, 0, sizeof chld);
  }
}
