"""Checks, part 01 (tensors): creation, dtypes and memory, quantization, patterns, operators, in-place,
aggregations over axes, squeeze/unsqueeze. Every check draws fresh random inputs."""

from lab.exercises.tensors.axes_and_shapes import (
    check_add_batch_dim,
    check_max_per_row,
    check_mean_per_column,
    check_remove_batch_dim,
    check_sum_even_columns,
    check_sum_per_row,
)
from lab.exercises.tensors.creation_and_memory import (
    check_bytes_per_value,
    check_grid,
    check_make_zeros_like,
    check_model_memory_gb,
    check_quantize_int8,
    check_size_in_bytes,
    check_values_with_n_bits,
)
from lab.exercises.tensors.operations import (
    check_add_out_of_place,
    check_elementwise,
    check_every_other_column,
    check_matrix_product,
    check_min_max_scale,
    check_positives_only,
    check_sin_in_place,
    check_squared_distance,
)

# What the notebook's `from lab.exercises.tensors import *` brings: the checks only, in the course's order
# (the progress page's columns).
__all__ = [
    "check_grid",
    "check_make_zeros_like",
    "check_bytes_per_value",
    "check_size_in_bytes",
    "check_values_with_n_bits",
    "check_model_memory_gb",
    "check_quantize_int8",
    "check_every_other_column",
    "check_positives_only",
    "check_elementwise",
    "check_matrix_product",
    "check_min_max_scale",
    "check_squared_distance",
    "check_sin_in_place",
    "check_add_out_of_place",
    "check_sum_per_row",
    "check_mean_per_column",
    "check_max_per_row",
    "check_sum_even_columns",
    "check_add_batch_dim",
    "check_remove_batch_dim",
]
