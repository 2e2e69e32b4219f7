/* dmc-test-dgram SOCKET TEXT: sends TEXT as one datagram to the unix
 * datagram socket SOCKET, as an operator would from inside a container
 * (Debian's busybox nc has no -u -U). Static: it runs in any rootfs. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fputs("usage: dmc-test-dgram SOCKET TEXT\n", stderr);
    return 2;
  }
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(argv[1]) >= sizeof address.sun_path) return 2;
  strcpy(address.sun_path, argv[1]);
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0 || sendto(fd, argv[2], strlen(argv[2]), 0, (struct sockaddr*)&address,
                       sizeof address) < 0) {
    perror("dmc-test-dgram");
    return 1;
  }
  close(fd);
  return 0;
}
