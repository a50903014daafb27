/* committee_params.c — the committee parameter table (the one source of truth for its
 * model-file keys: parsing, `hdsim describe`, HDF5 attributes) and its cross-field checks. */
#define HDSIM_COMMITTEE_PACKAGE
#include "committee.h"

#include <math.h>

#define F(field) offsetof(struct cm_params, field)

/* streaming_lsq's spectra up to file (a prefix of hd_spectrum_names) */
static const char *const spectra[] = {"isotropic",       "zero_one", "power_law",
                                      "power_law_decay", "file",     NULL};
static const char *const activations[] = {"erf", "relu", "linear", "formula", NULL};
static const char *const teachers[] = {"orthonormal", "gaussian", NULL};

const struct hd_param cm_table[] = {
    {"data", "d", HD_INT, F(d), NULL, 1, 1e8, HD_FINITE_SIZE, NULL, "", "input dimension", "CM-1"},
    HD_SPECTRUM_ROWS(struct cm_params, spectrum, spectra,
                     "covariance eigenvalues of the inputs a ~ N(0, K), as in streaming_lsq "
                     "(power_law_decay is outside the ODE regime and refused)"),
    {"data", "label_noise", HD_REAL, F(label_noise), "0", 0, 1e6, 0, NULL, "",
     "standard deviation sigma of the label noise: y = sum_m v*_m g(nu_m) + sigma eps", "CM-1"},
    {"network", "student_units", HD_INT, F(K), "2", 1, CM_MAX_UNITS, 0, NULL, "",
     "K, hidden units of the student", "CM-1"},
    {"network", "teacher_units", HD_INT, F(M), "2", 1, CM_MAX_UNITS, 0, NULL, "",
     "M, hidden units of the teacher", "CM-1"},
    {"network", "activation", HD_ENUM, F(activation), "erf", 0, 0, 0, activations, "",
     "g of both networks: erf (erf(x / sqrt 2), Saad & Solla; closed-form integrals), relu, "
     "linear, formula (the key formula; Gauss-Hermite quadrature)",
     "CM-8, CM-9"},
    {"network", "formula", HD_STRING, F(formula), "", 0, 0, 0, NULL, "",
     "activation = formula: g(x) as an expression in x (e.g. tanh(x), x^2 / 2, "
     "max(0, x) - 0.1); g' is its symbolic derivative (src/formula.h)",
     "CM-9"},
    {"network", "teacher", HD_ENUM, F(teacher), "orthonormal", 0, 0, 0, teachers, "",
     "teacher weights w*_m drawn once per seed: orthonormal (N(0, I/d) rows, then Gram-Schmidt: "
     "sum_i w*_mi w*_ni = delta_mn) or gaussian (N(0, I/d) rows as drawn)",
     "CM-2"},
    {"network", "student_weights", HD_REAL_LIST, F(v), "", 0, 0, HD_NO_MIN | HD_NO_MAX, NULL, "",
     "fixed second layer v_k of the student: empty (all 1), one value, or K values", "CM-1"},
    {"network", "teacher_weights", HD_REAL_LIST, F(vstar), "", 0, 0, HD_NO_MIN | HD_NO_MAX, NULL,
     "", "fixed second layer v*_m of the teacher: empty (all 1), one value, or M values", "CM-1"},
    {"network", "quadrature", HD_INT, F(quadrature), "0", 0, 400, 0, NULL, "",
     "Gauss-Hermite nodes per dimension of the 2-D terms (1-D: twice, 3-D: half, 4-D: a "
     "quarter); 0 = auto (64); used by activation = formula (erf, relu, linear are closed forms)",
     "CM-9"},
    HD_SCHEDULE_ROWS(struct cm_params, schedule, "CM-1"),
    {"optimizer", "init_scale", HD_REAL, F(init_scale), "1", 0, 1e3, 0, NULL, "",
     "sigma_0: the student starts at w_k ~ N(0, sigma_0^2 I / d), drawn once per seed and "
     "shared by every run and the theory",
     "CM-2"},
};
_Static_assert(sizeof cm_table / sizeof cm_table[0] == CM_N_PARAMS, "CM_N_PARAMS");

static void check_layer(const struct hd_real_list *l, long units, const char *key, const char *what,
                        const struct hd_config *cfg, struct hd_errors *err)
{
  if (l->n != 0 && l->n != 1 && (long)l->n != units)
    hd_config_error(cfg, err, "network", key, "%zu values for %ld %s units (give 1 or %ld)", l->n,
                    units, what, units);
}

void cm_validate(const void *params, const struct hd_run_params *run, const struct hd_config *cfg,
                 struct hd_errors *err)
{
  const struct cm_params *p = params;
  hd_spectrum_params_check(&p->spectrum, cfg, err);
  if (p->spectrum.kind == HD_SPECTRUM_POWER_LAW_DECAY)
    hd_config_error(cfg, err, "data", "spectrum",
                    "power_law_decay is outside the ODE regime (gamma lambda_1 / d = O(1)); use "
                    "power_law or a file");
  if (p->spectrum.kind == HD_SPECTRUM_ZERO_ONE &&
      (long)llround(p->spectrum.zero_fraction * (double)p->d) >= p->d)
    hd_config_error(cfg, err, "data", "zero_fraction",
                    "zero_fraction %g leaves no non-zero eigenvalue at d = %ld",
                    p->spectrum.zero_fraction, p->d);
  check_layer(&p->v, p->K, "student_weights", "student", cfg, err);
  check_layer(&p->vstar, p->M, "teacher_weights", "teacher", cfg, err);
  if (p->teacher == CM_TEACHER_ORTHONORMAL && p->M > p->d)
    hd_config_error(cfg, err, "network", "teacher",
                    "%ld orthonormal teacher units need d >= %ld (d = %ld): use teacher = gaussian",
                    p->M, p->M, p->d);
  if (p->quadrature == 1)
    hd_config_error(cfg, err, "network", "quadrature", "give 0 (auto) or at least 2 nodes");
  if (p->activation == CM_ACT_FORMULA) {
    char msg[512];
    struct cm_formula *F = p->formula[0] ? cm_formula_create(p->formula, msg, sizeof msg) : NULL;
    if (!p->formula[0])
      hd_config_error(cfg, err, "network", "activation",
                      "activation = formula needs the key formula (g(x), e.g. tanh(x))");
    else if (!F) hd_config_error(cfg, err, "network", "formula", "%s", msg);
    cm_formula_free(F);
  } else if (p->formula[0]) {
    hd_config_error(cfg, err, "network", "formula",
                    "only read with activation = formula: set it, or remove formula");
  }
  if (run->method == HD_THEORY_RECURSION || run->method == HD_THEORY_VOLTERRA)
    hd_config_error(cfg, err, "theory", "method",
                    "committee has the ODE limit only: use method = ode (or none)");
}
