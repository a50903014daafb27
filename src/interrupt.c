/* interrupt.c — signal handling for clean stops. */
#include "interrupt.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t hd_interrupt_signal = 0;

/* The temporary file being written, removed by a forced stop (only async-signal-safe
 * calls below: unlink, write, _exit). */
static char tmp_path[PATH_MAX + 64], lock_path[PATH_MAX + 64];
static volatile sig_atomic_t tmp_set = 0, lock_set = 0, planning = 0;

static void on_signal(int sig)
{
  if (hd_interrupt_signal || planning) {
    /* The second signal, or one while a plan is built: stop now.  Nothing under a final
     * name is touched (outputs are written under a temporary name and renamed), and the
     * temporary goes. */
    static const char second[] = "\nhdsim: second signal: stopping now; nothing new is "
                                 "written (an earlier OUT.partial is kept)\n";
    static const char plan[] = "\nhdsim: interrupted while a plan was built: stopping now; "
                               "nothing new is written (finished work is kept)\n";
    if (tmp_set) unlink(tmp_path);
    if (lock_set) unlink(lock_path); /* still held: no other process relies on the name */
    ssize_t rc = hd_interrupt_signal ? write(STDERR_FILENO, second, sizeof second - 1)
                                     : write(STDERR_FILENO, plan, sizeof plan - 1);
    (void)rc;
    _exit(128 + sig);
  }
  hd_interrupt_signal = sig;
}

void hd_interrupt_planning(int on) { planning = on; }

void hd_interrupt_install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

void hd_interrupt_temporary(const char *path)
{
  tmp_set = 0;
  if (!path) return;
  size_t n = strlen(path);
  if (n >= sizeof tmp_path) return;
  memcpy(tmp_path, path, n + 1);
  tmp_set = 1;
}

void hd_interrupt_lock_file(const char *path)
{
  lock_set = 0;
  if (!path) return;
  size_t n = strlen(path);
  if (n >= sizeof lock_path) return;
  memcpy(lock_path, path, n + 1);
  lock_set = 1;
}
