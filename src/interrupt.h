/* interrupt.h — SIGINT/SIGTERM turn into a flag the long loops poll, so a run stops
 * between output times and the work done so far is written out (never lost, never a
 * half file). */
#ifndef HDSIM_INTERRUPT_H
#define HDSIM_INTERRUPT_H

#include <signal.h>

extern volatile sig_atomic_t hd_interrupt_signal; /* 0, or the signal received */

/* Installs the handlers (SIGINT, SIGTERM).  A second signal of the same kind while the
 * first is being handled restores the default action, so a user can still force quit. */
void hd_interrupt_install(void);

static inline int hd_interrupted(void) { return hd_interrupt_signal != 0; }

#endif
