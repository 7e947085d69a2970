"""Checks, parts 04-05 (linear regression, torch.optim and mini-batches): ``check_<name>(name)`` tests ``name``.

Every check draws fresh random inputs, compares with ``lab.solutions.regression`` and, when it can recognise
a classic mistake (float64 data, y of shape (n,), statistics of the test rows, forgotten ``zero_()``,
``w = w - lr * w.grad``, an absolute stopping criterion, a divergence that goes unnoticed...), names it.

``or_reference(fn)`` lets later notebook cells run while an exercise is still a stub.
"""

from lab.exercises.regression.common import or_reference
from lab.exercises.regression.data import check_split, check_standardize, check_to_tensors
from lab.exercises.regression.descent import check_gd_step, check_gradient_descent, check_should_stop
from lab.exercises.regression.model import check_init_params, check_mse, check_predict, check_r2_score
from lab.exercises.regression.training import check_evaluate, check_make_loader, check_test_scores, check_train_epoch

__all__ = [
    "or_reference",
    "check_to_tensors", "check_split", "check_standardize", "check_init_params", "check_predict", "check_mse",
    "check_r2_score", "check_gd_step", "check_should_stop", "check_gradient_descent", "check_evaluate",
    "check_test_scores", "check_make_loader", "check_train_epoch",
]
