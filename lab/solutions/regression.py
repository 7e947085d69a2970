"""Reference solutions, parts 04-05 (linear regression, torch.optim and mini-batches).

The functions students write in these notebooks are the course library's own (``lab.regression``, which
``python -m lab.regression`` runs): the answer key re-exports them rather than keeping a second copy.
"""

from lab.regression import (
    evaluate,
    gd_step,
    gradient_descent,
    init_params,
    make_loader,
    mse,
    predict,
    r2_score,
    should_stop,
    split,
    standardize,
    to_tensors,
    train_epoch,
)

__all__ = [
    "to_tensors", "split", "standardize", "init_params", "predict", "mse", "r2_score", "gd_step", "should_stop",
    "gradient_descent", "evaluate", "make_loader", "train_epoch",
]
