"""examples/hdsim_tour.ipynb runs headless (nbclient, Debian's Jupyter) and draws one
figure per family."""
import os

import pytest

from small_models import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def test_tour_notebook_runs_and_draws(binary):
    path = os.path.join(ROOT, "examples", "hdsim_tour.ipynb")
    nb = nbformat.read(path, as_version=4)
    os.environ["HDSIM"] = binary
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": os.path.dirname(path)}})
    client.execute()
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if "image/png" in o.get("data", {})]
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert len(figures) == 5, f"{len(figures)} figures"
