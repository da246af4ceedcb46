/* Spawns of the launcher's own program without exec (native/README.md, "launcher"). The shim
 * is the launcher's binary: executing it again in the forked child costs ~0.75 ms here (the
 * kernel's exec, ld.so mapping and relocating libc) of a container's start; calling its main
 * in the child costs nothing. What exec would have given is done by hand: the caller's view
 * of the process keeps its command line (the shim's argv, with the container id, for `ps` and
 * for tools that find a container's processes by it), written over the launcher's own
 * argument area, which the launcher reserves at start by executing itself once more with a
 * `--title-room` argument of spaces. The program is the same file (device and inode compared
 * at each spawn, so a reinstalled shim is executed as before) and /proc/PID/exe is unchanged. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"
#include "launcher_self.h"

#define TITLE_ROOM 4096

static char *title_start, *title_end; /* the argument area, once reserved */
static dev_t self_dev;
static ino_t self_ino;

void launcher_make_title_room(char **argv) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return;
  self[n] = '\0';
  char *room = malloc(TITLE_ROOM);
  if (!room) return;
  memset(room, ' ', TITLE_ROOM - 1);
  room[TITLE_ROOM - 1] = '\0';
  /* The path itself as argv[0] and exec name: the process keeps its comm (berth-shim). */
  char *args[] = {self, argv[1], argv[2], argv[3], "--title-room", room, NULL};
  execv(self, args);
  free(room); /* not fatal: spawns are executed then */
}

/* Sets the process's command line as seen in /proc/PID/cmdline: the text, then a NUL, then
 * spaces to the end of the area. A last byte that is not NUL tells the kernel the area was
 * rewritten (setproctitle): it reports up to the first NUL, so one string with spaces. */
static void set_title(const char *text) {
  size_t room = (size_t)(title_end - title_start);
  if (room < 2) return;
  size_t n = strlen(text);
  if (n > room - 2) n = room - 2;
  memcpy(title_start, text, n);
  title_start[n] = '\0';
  memset(title_start + n + 1, ' ', room - n - 1);
}

void launcher_title_init(char *start, char *end) {
  struct stat st;
  if (stat("/proc/self/exe", &st) < 0 || end <= start) return;
  self_dev = st.st_dev;
  self_ino = st.st_ino;
  title_start = start;
  title_end = end;
  char text[PATH_MAX + 64];
  /* Our own argv[0..3] are still in place: the title without the room. */
  const char *argv0 = start;
  const char *a1 = argv0 + strlen(argv0) + 1;
  const char *a2 = a1 + strlen(a1) + 1;
  const char *a3 = a2 + strlen(a2) + 1;
  snprintf(text, sizeof(text), "%s %s %s %s", argv0, a1, a2, a3);
  set_title(text);
}

int launcher_is_self(const char *program) {
  struct stat st;
  if (!title_start || stat(program, &st) < 0) return 0;
  return st.st_dev == self_dev && st.st_ino == self_ino;
}

void launcher_run_self(char **argv) {
  size_t len = 0;
  for (char **a = argv; *a; a++) len += strlen(*a) + 1;
  char *text = malloc(len + 1);
  if (text) {
    char *p = text;
    for (char **a = argv; *a; a++) {
      size_t n = strlen(*a);
      memcpy(p, *a, n);
      p += n;
      *p++ = ' ';
    }
    p[p > text ? -1 : 0] = '\0';
    set_title(text);
    free(text);
  }
  int argc = 0;
  while (argv[argc]) argc++;
  exit(shim_main(argc, argv));
}
