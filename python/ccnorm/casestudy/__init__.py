"""ccnorm.casestudy: the seed paper's case studies with an exact CC normaliser.

Label smoothing (cross-entropy, label-smoothed cross-entropy, the CC likelihood of the smoothed
target with ccnorm, and the papers' CC loss as published) on the scikit-learn 8x8 digits and
Fashion-MNIST, and distillation from a fixed teacher at temperatures 1, 4, 16 (cross-entropy vs CC
with ccnorm vs CC as published). Run it with ``python3 -m ccnorm.casestudy [--quick] [--out DIR]``
or ``ccnorm casestudy``; see README "Case studies" and docs/design.md §5.14 for the files.

Modules: ``data`` (datasets and splits), ``losses`` (the arms; the published loss re-implemented
from its description), ``metrics`` (accuracy, NLL, ECE, KL, the published normaliser's error),
``train`` (one resumable run, teachers), ``runner`` (configurations, plan, command line),
``report`` (results.json, summary.md), ``figures`` (PNGs), ``fileio`` (atomic writes).
"""
from .runner import config, main, plan, run

__all__ = ["config", "main", "plan", "run"]
