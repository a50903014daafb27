/* progress.h — one line of progress on standard error, rewritten in place: the phase,
 * the fraction done and an ETA from the rate measured so far.  Silent unless standard
 * error is a terminal (HDSIM_PROGRESS=1 forces it on, =0 off) and never with --quiet.
 * Updates are cheap and thread-safe: a busy worker skips a print another holds, and at
 * most five lines a second are written. */
#ifndef HDSIM_PROGRESS_H
#define HDSIM_PROGRESS_H

/* Decides once per command whether progress is shown. */
void hd_progress_init(int quiet);

/* Starts a phase ("theory", "simulation"). */
void hd_progress_begin(const char *phase);

/* done out of total (any units; total > 0), and a short detail, e.g. "t = 3.2 of 10". */
void hd_progress_update(double done, double total, const char *detail);

/* Ends the phase's line (a newline if anything was printed). */
void hd_progress_end(void);

#endif
