/* sam.h — private to the SAM package (src/problems/sam): what its two problems share.
 *
 *   sam_quadratic (sam_quadratic.h): SGD / USAM / DNSAM / SAM on f = 1/2 x^T H x with
 *     additive Gaussian gradient noise; theory in sde/sam_quadratic.h (moments, Lyapunov,
 *     SDE paths), simulation in sim/sam_quadratic.h;
 *   sam_streaming (sam_streaming.h): the same methods on high-dimensional streaming least
 *     squares; theory in ode/sam_streaming.h (H4-H8) and sde/sam_streaming.h (H1-H2),
 *     simulation in sim/sam_streaming.h.
 * The mathematics and its labels: docs/theory/sam.md. */
#ifndef HDSIM_PROBLEMS_SAM_H
#define HDSIM_PROBLEMS_SAM_H

#ifndef HDSIM_SAM_PACKAGE
#error                                                                                             \
    "sam.h is private to src/problems/sam (a test that reaches into a plan defines HDSIM_SAM_PACKAGE)"
#endif

#include "kernels/sam.h"
#include "params.h"
#include "problem.h"

/* The model-file words of enum sam_algorithm, in its order. */
extern const char *const sam_algorithm_names[]; /* "sgd", "usam", "dnsam", "sam", NULL */

/* Random stream purposes of the family (rng.h: HD_STREAM_EXTRA is the first free one). */
#define SAM_STREAM_NOISE     5 /* gradient noise xi of the algorithm (and of a sync SDE) */
#define SAM_STREAM_SDE_INDEP 6 /* Brownian increments of an independently coupled SDE */

#endif
