/* interrupt.h — SIGINT/SIGTERM turn into a flag the long loops poll, so a run stops
 * between output times and the work done so far is written out (never lost, never a
 * half file). */
#ifndef HDSIM_INTERRUPT_H
#define HDSIM_INTERRUPT_H

#include <signal.h>

extern volatile sig_atomic_t hd_interrupt_signal; /* 0, or the signal received */

/* Installs the handlers (SIGINT, SIGTERM).  A second signal while the first is being
 * handled stops the process at once (exit status 128 + signal), removing the temporary
 * output being written, if any: a user can always force quit, and no half file remains. */
void hd_interrupt_install(void);

/* While a plan is built (on = 1) a signal stops the process at once, as a second signal
 * does: nothing has been computed that is not already on disk (finished sweep points,
 * partial files), and a plan's loops over d = 1e8 need not poll the flag. */
void hd_interrupt_planning(int on);

/* Names the temporary file being written (NULL: none), for a forced stop to remove. */
void hd_interrupt_temporary(const char *path);
/* Names the output lock held (NULL: none), removed by a forced stop too. */
void hd_interrupt_lock_file(const char *path);

static inline int hd_interrupted(void) { return hd_interrupt_signal != 0; }

/* The CVODE driver checks the flag at every right-hand-side evaluation, so a stiff
 * interval that takes minutes still stops within a fraction of a second. */

#endif
