"""Each known mistake gets the hint written for it: its own key, not a neighbour's.

For the checks built on ``compare_with_reference``, the known mistakes are records (``lab.hints.Mistake``) whose
``fn`` computes what the mistake computes: handed to the check as the student's answer, each must fail with its
own key on every draw (a key taken by an earlier record is a hint that names the wrong mistake). The records are
collected by running each check once with the reference solution, through a recording ``compare_with_reference``.
For the hand-written checks, a table gives answers written as students would and the key each must get.
"""

import functools
import sys

import pytest
import trial_answers as trials  # noqa: I001  (tests/lab is on the path: the trials' answers)

from lab import compare, hints
from lab.checks import CheckFailed
from lab.exercises import autograd, environment, gpu, regression, tensors
from lab.solutions import autograd as ref_autograd
from lab.solutions import gpu as ref_gpu
from lab.solutions import tensors as ref_tensors

DRAWS = 3
PARTS = [(tensors, ref_tensors), (gpu, ref_gpu), (autograd, ref_autograd)]


def _recorded_mistakes():
    """{exercise: [Mistake, ...]} as each check hands them to compare_with_reference."""
    found: dict[str, list[hints.Mistake]] = {}
    real = compare.compare_with_reference

    @functools.wraps(real)
    def recording(fn, reference, inputs, *, name, mistakes=(), **kwargs):
        known = [hints.as_mistake(entry, name, i) for i, entry in enumerate(mistakes)]
        found.setdefault(name, [])
        found[name] += [m for m in known if m.key not in {k.key for k in found[name]}]
        return real(fn, reference, inputs, name=name, mistakes=mistakes, **kwargs)

    for module, reference in PARTS:
        module_patch = pytest.MonkeyPatch()
        # a part split into a package calls it from its submodules (lab.exercises.tensors.operations...)
        for where in [module, *(m for n, m in sys.modules.items() if n.startswith(module.__name__ + "."))]:
            module_patch.setattr(where, "compare_with_reference", recording, raising=False)
        try:
            for name in dir(module):
                answer = getattr(reference, name.removeprefix("check_"), None)
                if name.startswith("check_") and callable(answer):
                    try:
                        getattr(module, name)(answer)
                    except (CheckFailed, TypeError):
                        pass  # checks whose answer is not the reference function (values, files) are not in scope
        finally:
            module_patch.undo()
    return found


RECORDED = _recorded_mistakes()
ROWS = [(name, mistake) for name, known in RECORDED.items() for mistake in known]


def test_the_records_were_found_and_are_named():
    assert len(RECORDED) >= 15 and len(ROWS) >= 50
    unnamed = [m.key for _, m in ROWS if m.key.rsplit("_", 1)[-1].isdigit()]
    assert not unnamed, f"mistakes still keyed by position (give them a Mistake record with a name): {unnamed}"


@pytest.mark.parametrize("exercise, mistake", ROWS, ids=[m.key for _, m in ROWS])
def test_each_recorded_mistake_gets_its_own_key(exercise, mistake, capsys):
    check = next(getattr(m, f"check_{exercise}") for m, _ in PARTS if hasattr(m, f"check_{exercise}"))
    for draw in range(DRAWS):
        with pytest.raises(CheckFailed) as info:
            check(mistake.fn)
        assert info.value.mistake == mistake.key, f"draw {draw}: {info.value.mistake!r} instead of {mistake.key!r}:\n" \
                                                  f"{info.value}"


HAND_WRITTEN = [
    (gpu.check_time_on_device, trials.time_without_sync, "time_no_sync"),
    (gpu.check_time_on_device, trials.time_stream_wait_first, "time_no_sync_after"),
    (gpu.check_time_on_device, trials.time_sync_then_read_early, "time_read_before_wait"),
    (gpu.check_time_on_device, trials.time_final_sync_only, "time_earlier_counted"),
    (gpu.check_time_on_device, trials.time_three_runs, "time_total_not_divided"),
    (gpu.check_time_on_device, trials.time_in_milliseconds, "time_units"),
    (gpu.check_time_on_device, trials.time_in_nanoseconds, "time_units"),
    (gpu.check_time_on_device, trials.time_processor_clock, "time_cpu_clock"),
    (gpu.check_time_on_device, trials.time_end_reading_only, "time_no_subtraction"),
    (regression.check_evaluate, trials.evaluate_switching_grad_off, "state_grad_mode"),
    (regression.check_mse, trials.mse_float64_default, "state_default_dtype"),
    (regression.check_split, trials.split_global_seed, "state_rng_reseeded"),
    (regression.check_make_loader,
     lambda x, y, batch_size: trials.DataLoader(trials.TensorDataset(x, y), batch_size, True, drop_last=True),
     "loader_drops_last"),
    (environment.check_export_versions, trials.export_last_field, "export_last_field"),
    (environment.check_export_versions, trials.export_conda_only, "export_pip_section_missed"),
    (environment.check_export_versions, trials.export_pip_split_once, "export_pip_single_equal"),
    (environment.check_export_versions, trials.export_keeping_indent, "export_padded_names"),
    (regression.check_should_stop, trials.stop_self_inequality, "stop_inf_missed"),
    (regression.check_should_stop, trials.stop_equal_is_divergence, "stop_plateau_is_divergence"),
    (regression.check_should_stop, trials.stop_against_first, "stop_rise_missed"),
    (regression.check_standardize, trials.standardize_own_stats, "standardize_test_own_stats"),
    (regression.check_standardize, trials.standardize_by_variance, "standardize_by_variance"),
    (regression.check_split, trials.split_unshuffled, "split_not_shuffled"),
    (regression.check_gd_step, trials.gd_step_new_tensors, "gd_step_rebinds"),
    (regression.check_gradient_descent, trials.descent_plateau_is_rise, "gd_plateau_not_converged"),
    (regression.check_evaluate, trials.evaluate_with_graph, "evaluate_builds_graph"),
    (regression.check_train_epoch, trials.epoch_on_the_cpu, "epoch_params_to_cpu"),
    (tensors.check_every_other_column, lambda x: trials.torch.from_numpy(x.numpy()[:, ::2].copy()),
     "numpy_round_trip"),
    (tensors.check_every_other_column, lambda x: trials.torch.stack(list(x.T)[::2], 1), "python_loop"),
]


@pytest.mark.parametrize("check, answer, key", HAND_WRITTEN, ids=[row[2] for row in HAND_WRITTEN])
def test_hand_written_checks_give_each_mistake_its_key(check, answer, key):
    for draw in range(DRAWS):
        with pytest.raises(CheckFailed) as info:
            check(answer)
        assert info.value.mistake == key, f"draw {draw}: {info.value.mistake!r}:\n{info.value}"
