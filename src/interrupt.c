/* interrupt.c — signal handling for clean stops. */
#include "interrupt.h"

#include <string.h>

volatile sig_atomic_t hd_interrupt_signal = 0;

static void on_signal(int sig)
{
  if (hd_interrupt_signal) signal(sig, SIG_DFL); /* the next one kills */
  hd_interrupt_signal = sig;
}

void hd_interrupt_install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}
