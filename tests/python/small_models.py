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
