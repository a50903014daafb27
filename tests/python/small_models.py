"""One small, fast version of a shipped model per problem (the shipped model with
overrides that shrink d, runs and horizon), for the Python tests and the notebook."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "models")

SMALL = {
    "streaming_lsq": ("default.ini", {"data.d": 200, "simulation.runs": 4,
                                      "simulation.horizon": 2, "output.times": "log(0.01, 2, 12)"}),
    "noisy_sgd": ("noisy_isotropic.ini", {"data.d": 100, "simulation.runs": 4,
                                          "simulation.horizon": 1,
                                          "output.times": "linear(0, 1, 11)"}),
    "gmm_multiclass": ("multiclass_adagrad.ini", {"data.d": 200, "simulation.runs": 4}),
    "sam_quadratic": ("sam_quadratic_usam.ini", {"simulation.runs": 40, "simulation.horizon": 4,
                                                 "output.times": "log(0.05, 4, 10)"}),
    "sam_streaming": ("sam_streaming_sgd.ini", {"data.d": 400, "simulation.runs": 4,
                                                "simulation.horizon": 2,
                                                "output.times": "log(0.02, 2, 10)"}),
    "dmft_grokking": ("grok_small.ini", {"simulation.runs": 2, "simulation.horizon": 2000,
                                         "output.times": "log(1, 2000, 20)"}),
    "grok_linear_estimator": ("grok_linear_estimator.ini",
                              {"data.d_in": 200, "simulation.runs": 2,
                               "simulation.horizon": 1000, "output.times": "log(1, 1000, 20)"}),
    "committee": ("committee_erf_plateau.ini", {"data.d": 200, "simulation.runs": 4,
                                                "simulation.horizon": 20,
                                                "output.times": "linear(0, 20, 11)"}),
}


def model_path(problem):
    return os.path.join(MODELS, SMALL[problem][0])


# Small versions of the shipped models the plots/ scripts are written for:
# name -> (model file, swept keys {key: values} or None, overrides)
_GROK = {"data.D": 16, "data.P": 60, "data.test_points": 80, "output.times": "log(1, 400, 12)",
         "simulation.horizon": 400}
SCRIPT_MODELS = {
    "grok_alpha": ("grok_fig3a.ini", {"network.alpha": [0.25, 1, 4]},
                   {**_GROK, "network.eps": 0.4}),
    "grok_phase": ("grok_fig3e.ini", {"network.alpha": [0.5, 1, 2], "network.eps": [0.2, 0.4]},
                   {**_GROK, "optimizer.eta0": 0.5, "theory.rtol": 1e-8, "theory.atol": 1e-12}),
    "grok_width": ("grok_width.ini", {"network.N": [24, 96]},
                   {**_GROK, "simulation.runs": 4, "network.eps": 0.4}),
    "grok_readouts": ("grok_readouts.ini", None,
                      {**_GROK, "network.N": 64, "simulation.runs": 2, "theory.particles": 256}),
    "grok_linearised": ("grok_linearised.ini", None,
                        {**_GROK, "network.N": 64, "simulation.runs": 2}),
    "noisy_sigma": ("noisy_sigma_sweep.ini", {"noise.sigma": [0.5, 1, 2]},
                    {"data.d": 100, "simulation.runs": 4, "simulation.horizon": 1,
                     "output.times": "linear(0, 1, 6)", "privacy.nodes": 20}),
    "multiclass_fig1": ("multiclass_fig1a_isotropic.ini",
                        {"optimizer.lr": [0.5, 1], "data.d": [50, 100]},
                        {"simulation.runs": 4, "simulation.horizon": 1,
                         "output.times": "log(0.1, 1, 4)"}),
    "multiclass_beta": ("multiclass_beta_limit.ini", {"data.mean_beta": [0, 0.5]},
                        {"data.limit_nodes": 50, "output.times": "log(0.01, 1e9, 50)",
                         "theory.rtol": 1e-8}),
    "multiclass_plateau": ("multiclass_beta_plateau.ini", None,
                           {"data.d": 100, "simulation.runs": 4, "simulation.horizon": 2,
                            "output.times": "log(0.1, 2, 6)"}),
    "sam_saddle": ("sam_saddle_usam_escape.ini", None,
                   {"simulation.runs": 4, "simulation.horizon": 20,
                    "output.times": "linear(0, 20, 21)"}),
    "sam_trapped": ("sam_saddle_usam_trapped.ini", None,
                    {"simulation.runs": 4, "simulation.horizon": 20,
                     "output.times": "linear(0, 20, 21)"}),
}
