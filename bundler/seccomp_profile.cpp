#include "bundler/seccomp_profile.hpp"

#include <algorithm>
#include <cerrno>
#include <set>
#include <string_view>

namespace dmc::bundler {
namespace {

// Allowed whatever the capabilities: files, memory, signals, reading the
// time, sockets, ipc, scheduling, identity. Runtimes resolve names for the
// native architecture only and skip the others, so the list holds the calls
// of x86_64 and aarch64; the 32-bit and x32 calls of the same name come along.
constexpr std::string_view kAllowed[] = {
    // files and directories
    "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "fchmod", "fchmodat", "fchown",
    "fchownat", "close", "close_range", "openat", "openat2", "dup", "dup3", "fcntl", "flock",
    "fadvise64", "fallocate", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range",
    "ftruncate", "truncate", "getdents64", "linkat", "symlinkat", "readlinkat", "mkdirat",
    "mknodat", "renameat", "renameat2", "unlinkat", "umask", "fstat", "newfstatat", "statx",
    "statfs", "fstatfs", "utimensat", "getxattr", "lgetxattr", "fgetxattr", "setxattr",
    "lsetxattr", "fsetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr",
    "lremovexattr", "fremovexattr", "name_to_handle_at", "inotify_init1",
    "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
    // reading, writing, waiting on fds
    "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64",
    "pwritev", "pwritev2", "lseek", "readahead", "sendfile", "splice", "tee", "vmsplice",
    "copy_file_range", "ioctl", "pipe2", "pselect6", "ppoll", "epoll_create1", "epoll_ctl",
    "epoll_pwait", "epoll_pwait2", "eventfd2", "signalfd4", "timerfd_create",
    "timerfd_gettime", "timerfd_settime", "io_setup", "io_destroy", "io_submit",
    "io_cancel", "io_getevents", "io_pgetevents", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "memfd_create", "memfd_secret",
    // memory
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mlock",
    "mlock2", "mlockall", "munlock", "munlockall", "remap_file_pages", "membarrier",
    "pkey_alloc", "pkey_free", "pkey_mprotect",
    // processes and threads (clone is below: its flags are checked)
    "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "getpid", "getppid",
    "gettid", "getpgid", "setpgid", "getsid", "setsid", "set_tid_address",
    "set_robust_list", "get_robust_list", "rseq", "futex", "futex_waitv", "prctl",
    "capget", "capset", "getrlimit", "setrlimit", "prlimit64", "getrusage", "times",
    "getpriority", "setpriority", "ioprio_get", "ioprio_set", "sched_yield",
    "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr",
    "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "getcpu",
    "pidfd_open", "pidfd_send_signal", "process_mrelease", "seccomp",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    "restart_syscall", "uname", "sysinfo", "getrandom",
    // ptrace cannot get round seccomp since Linux 4.8; Docker allows it too
    "ptrace", "process_vm_readv", "process_vm_writev",
    // users and groups
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
    "setfsgid", "setgroups",
    // signals
    "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigpending",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigqueueinfo",
    "rt_tgsigqueueinfo", "sigaltstack",
    // time: reading it, sleeping, timers (adjtimex sets nothing without CAP_SYS_TIME)
    "gettimeofday", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
    "adjtimex", "clock_adjtime", "getitimer", "setitimer", "timer_create", "timer_delete",
    "timer_getoverrun", "timer_gettime", "timer_settime",
    // sockets (socket itself is below: AF_VSOCK is refused)
    "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname",
    "getpeername", "getsockopt", "setsockopt", "shutdown", "sendto", "sendmsg", "sendmmsg",
    "recvfrom", "recvmsg", "recvmmsg",
    // System V and POSIX ipc
    "msgget", "msgctl", "msgsnd", "msgrcv", "semget", "semctl", "semop", "semtimedop",
    "shmget", "shmctl", "shmat", "shmdt", "mq_open", "mq_unlink", "mq_notify",
    "mq_getsetattr", "mq_timedsend", "mq_timedreceive",
#if defined(__x86_64__)
    // the older calls that x86_64 keeps and aarch64 never had
    "access", "chmod", "chown", "lchown", "creat", "open", "dup2", "getdents", "link",
    "symlink", "readlink", "mkdir", "mknod", "rename", "rmdir", "unlink", "stat", "lstat",
    "utime", "utimes", "futimesat", "inotify_init", "pipe", "select", "poll",
    "epoll_create", "epoll_ctl_old", "epoll_wait", "epoll_wait_old", "eventfd", "signalfd",
    "fork", "vfork", "getpgrp", "pause", "alarm", "time", "arch_prctl", "modify_ldt",
    "get_thread_area", "set_thread_area",
#endif
};

struct Guarded {
  std::string_view capability;
  std::vector<std::string_view> names;
};

// Allowed only with the capability that guards them. Never allowed, even then:
// add_key, keyctl, request_key, kexec_load, kexec_file_load, userfaultfd,
// swapon, swapoff, and any other name missing from both lists.
const std::vector<Guarded>& guarded() {
  static const std::vector<Guarded> table = {
      {"CAP_SYS_ADMIN",
       {"clone", "clone3", "unshare", "setns", "mount", "umount2", "pivot_root",
        "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
        "fspick", "fanotify_init", "quotactl", "quotactl_fd", "lookup_dcookie",
        "sethostname", "setdomainname", "syslog", "bpf", "perf_event_open"}},
      {"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}},
      {"CAP_SYS_BOOT", {"reboot"}},
      {"CAP_SYS_CHROOT", {"chroot"}},
      {"CAP_SYS_MODULE", {"init_module", "finit_module", "delete_module"}},
      {"CAP_SYS_PACCT", {"acct"}},
      {"CAP_SYS_PTRACE", {"kcmp", "pidfd_getfd", "process_madvise"}},
      {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
      {"CAP_SYS_TIME", {"settimeofday", "clock_settime"}},
      {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
      {"CAP_SYS_NICE", {"get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "mbind"}},
      {"CAP_SYSLOG", {"syslog"}},
      {"CAP_BPF", {"bpf"}},
      {"CAP_PERFMON", {"perf_event_open"}},
  };
  return table;
}

// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER
// | CLONE_NEWPID | CLONE_NEWNET
constexpr uint64_t kCloneNamespaceFlags = 0x7E020000;

constexpr uint64_t kAfVsock = 40;

// PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, and 0xffffffff,
// which only asks for the current personality.
constexpr uint64_t kPersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

bool holds(const std::vector<std::string>& capabilities, std::string_view capability) {
  return std::ranges::find(capabilities, capability) != capabilities.end();
}

std::vector<std::string> allowed_names(const std::vector<std::string>& capabilities) {
  std::set<std::string, std::less<>> names(std::begin(kAllowed), std::end(kAllowed));
  for (const auto& group : guarded()) {
    if (!holds(capabilities, group.capability)) continue;
    names.insert(group.names.begin(), group.names.end());
  }
  return {names.begin(), names.end()};
}

oci::SeccompSyscall allow_if(std::string name, oci::SeccompArg arg) {
  return {{std::move(name)}, "SCMP_ACT_ALLOW", std::nullopt, {std::move(arg)}};
}

std::vector<oci::SeccompSyscall> argument_rules(bool sys_admin) {
  std::vector<oci::SeccompSyscall> rules;
  rules.push_back(allow_if("socket", {0, kAfVsock, 0, "SCMP_CMP_NE"}));
  for (uint64_t persona : kPersonalities) {
    rules.push_back(allow_if("personality", {0, persona, 0, "SCMP_CMP_EQ"}));
  }
  if (sys_admin) return rules;
  rules.push_back(allow_if("clone", {0, kCloneNamespaceFlags, 0, "SCMP_CMP_MASKED_EQ"}));
  rules.push_back({{"clone3"}, "SCMP_ACT_ERRNO", ENOSYS, {}});
  return rules;
}

// The native architecture only. Listing x86 and x32 too made libseccomp
// take about 11 ms instead of 1 to build the filter, at every create and
// every exec; the price is that 32-bit programs get the filter's bad-arch
// action and cannot make system calls, which also closes that way around it.
std::vector<std::string> architectures() {
#if defined(__x86_64__)
  return {"SCMP_ARCH_X86_64"};
#elif defined(__aarch64__)
  return {"SCMP_ARCH_AARCH64"};
#else
#error "dmc: no seccomp architectures for this architecture"
#endif
}

}  // namespace

oci::Seccomp default_seccomp_profile(const std::vector<std::string>& capabilities) {
  oci::Seccomp profile;
  profile.default_action = "SCMP_ACT_ERRNO";
  profile.default_errno_ret = EPERM;
  profile.architectures = architectures();
  profile.syscalls.push_back({allowed_names(capabilities), "SCMP_ACT_ALLOW", std::nullopt, {}});
  auto rules = argument_rules(holds(capabilities, "CAP_SYS_ADMIN"));
  profile.syscalls.insert(profile.syscalls.end(), rules.begin(), rules.end());
  return profile;
}

}  // namespace dmc::bundler
