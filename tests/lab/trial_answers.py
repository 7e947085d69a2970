"""Answers to every exercise, written the way students answer, and the table of what each must get.

One row per (exercise, answer, expected). ``PASS`` rows are right answers written differently from
``lab/solutions``: they must pass. The other rows are typical mistakes: they must fail with a ``CheckFailed``
(not ``NotDone``) whose French message matches ``expected``, the hint that names the mistake.
``test_student_trials.py`` runs this table and ``trials_from_parts.ROWS`` on several draws each.
"""

import math
import re
import subprocess
import sys
import sysconfig
import tempfile
import time
import timeit
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from lab import regression as course
from lab.checks import part_checks
from lab.exercises import autograd, environment, gpu, regression, tensors

PASS = None
PARTS = [environment, tensors, gpu, autograd, regression]
CHECKS = {name: check for part in PARTS for name, check in part_checks(part).items()}


# --- answers that need more than a lambda ---------------------------------------------------------------------------
# part 00
#: ``lambda: (3, 14)`` with this Python's numbers written down, as a student copying what the cell printed.
version_written_down = eval(f"lambda: ({sys.version_info[0]}, {sys.version_info[1]})")


def kind_by_folder_name(prefix, base_prefix):
    if prefix != base_prefix:
        return "venv"
    return "conda" if "conda" in prefix else "aucun"


def kind_by_envs_part(prefix, base_prefix):
    if prefix != base_prefix:
        return "venv"
    return "conda" if "envs" in Path(prefix).parts else "aucun"


def kind_resolved(prefix, base_prefix):
    if Path(prefix).resolve() != Path(base_prefix).resolve():
        return "venv"
    return "conda" if (Path(prefix) / "conda-meta").exists() else "aucun"


def freeze_normalised(text):
    packages = {}
    for line in text.splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9._-]+)\s*==\s*(\S+)\s*", line)
        if match:
            packages[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return packages


def freeze_unstripped(text):
    return dict(line.split("==", 1) for line in text.splitlines() if "==" in line and not line.startswith("#"))


def differences_by_loops(before, after):
    out = {}
    for name in set(before) | set(after):
        if before.get(name) != after.get(name):
            out[name] = (before.get(name), after.get(name))
    return out


def differences_that_pops(before, after):
    out = {}
    for name in list(before):
        old = before.pop(name)
        if after.get(name) != old:
            out[name] = (old, after.get(name))
    return out


def freeze_file(command):
    """An answer to the terminal exercise: what typing ``COMMAND > file`` in the lab's terminal leaves."""
    def answer():
        path = Path(tempfile.mkdtemp(prefix="trial-")) / "freeze.txt"
        path.write_text(subprocess.run(command, capture_output=True, text=True).stdout if command else "")
        return path
    return answer


def export_with_yaml(text):
    import yaml

    versions = {}
    for dep in yaml.safe_load(text)["dependencies"]:
        if isinstance(dep, dict):
            versions.update(line.split("==") for line in dep["pip"])
        else:
            name, version = dep.split("=")[:2]
            versions[name] = version
    return versions


def export_conda_only(text):
    return {line.strip()[2:].split("=")[0]: line.strip()[2:].split("=")[1]
            for line in text.splitlines() if line.startswith("  - ") and "=" in line}


def export_last_field(text):
    versions = {}
    for line in text.splitlines():
        item = line.strip().removeprefix("- ")
        if "==" in item:
            name, version = item.split("==")
        elif "=" in item:
            name, version = item.split("=")[0], item.split("=")[-1]
        else:
            continue
        versions[name] = version
    return versions


def export_pip_split_once(text):
    """Splits every dependency, pip's ``name==version`` too, on one ``=``."""
    versions = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("- ") and "=" in line:
            parts = line[2:].split("=")
            versions[parts[0]] = parts[1]
    return versions


def export_keeping_indent(text):
    """Cuts ``- `` off but keeps the indentation of the nested pip lines."""
    versions = {}
    for line in text.splitlines():
        if "=" in line and line.lstrip().startswith("- "):
            name, _, rest = line.replace("- ", "", 1).partition("==" if "==" in line else "=")
            versions[name] = rest.split("=")[0]
    return versions


# part 01
def quantize_max_without_abs(x):
    scale = x.max().item() / 127
    return torch.round(x / scale).clamp(-127, 127).to(torch.int8), scale


def quantize_min_max(x):
    scale = max(x.max().item(), -x.min().item()) / 127
    return torch.clamp((x / scale).round(), -127, 127).to(torch.int8), scale


def quantize_truncating(x):
    scale = x.abs().max().item() / 127
    return (x / scale).to(torch.int8), scale


def sin_copy_back(a):
    return a.copy_(a.sin())


def add_into_b(a, b):
    return b.add_(a)


def add_into_a(a, b):
    a += b
    return a


# part 02
def time_without_sync(fn, device):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_final_sync_only(fn, device):
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def time_always_sync(fn, device):
    torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - start


def time_monotonic(fn, device):
    def wait():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    wait()
    begin = time.monotonic()
    fn()
    wait()
    return time.monotonic() - begin


def time_in_milliseconds(fn, device):
    return time_monotonic(fn, device) * 1000


def time_with_events(fn, device, wait=True):
    """CUDA events, as the PyTorch docs time kernels (``wait=False`` forgets to wait for the end event)."""
    if device.type != "cuda":
        return time_monotonic(fn, device)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    if wait:
        end.synchronize()
    return start.elapsed_time(end) / 1000


def synchronized_timer(clock, sync_of=lambda: torch.cuda.synchronize):
    """A time_on_device that waits for the GPU with ``sync_of()`` before and after, and reads ``clock``."""
    def time_on_device(fn, device):
        sync = sync_of() if device.type == "cuda" else (lambda: None)
        sync()
        begin = clock()
        fn()
        sync()
        return clock() - begin
    return time_on_device


time_in_nanoseconds = synchronized_timer(lambda: time.perf_counter_ns())
time_stream_sync = synchronized_timer(lambda: time.perf_counter(), lambda: torch.cuda.current_stream().synchronize)
#: timeit's clock is bound at import: this answer reads the machine's real clock.
time_default_timer = synchronized_timer(timeit.default_timer)


def time_sync_then_read_early(fn, device):
    """Waits after fn(), but reads the clock before waiting."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    begin = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - begin
    if device.type == "cuda":
        torch.cuda.synchronize()
    return elapsed


def time_stream_wait_first(fn, device):
    """Empties the queue before starting the clock, and never waits for fn()'s own work."""
    if device.type == "cuda":
        torch.cuda.current_stream().synchronize()
    begin = time.monotonic()
    fn()
    return time.monotonic() - begin


def time_three_runs(fn, device, divide=False):
    """A warm-up, then three timed runs; ``divide=False`` returns their total."""
    wait = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    fn()
    wait()
    begin = time.perf_counter()
    for _ in range(3):
        fn()
    wait()
    total = time.perf_counter() - begin
    return total / 3 if divide else total


def time_processor_clock(fn, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    begin = time.process_time()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.process_time() - begin


def time_end_reading_only(fn, device):
    """Forgets to subtract the start: returns what the clock says at the end."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter()


def move_forgetting_result(x, device):
    x.to(device)
    return x


# part 03
def derivatives_autograd_grad(f, a_val, b_val):
    a, b = (torch.tensor(float(v), requires_grad=True) for v in (a_val, b_val))
    da, db = torch.autograd.grad(f(a, b), (a, b))
    return float(da), float(db)


def derivatives_finite_differences(f, a_val, b_val, h=1e-6):
    a, b = torch.tensor(a_val, dtype=torch.float64), torch.tensor(b_val, dtype=torch.float64)
    return ((f(a + h, b) - f(a - h, b)) / (2 * h)).item(), ((f(a, b + h) - f(a, b - h)) / (2 * h)).item()


def derivatives_values(f, a_val, b_val):
    a, b = torch.tensor(a_val, requires_grad=True), torch.tensor(b_val, requires_grad=True)
    f(a, b).backward()
    return a.item(), b.item()


def grad_autograd_grad(A):
    A = A.detach().requires_grad_()
    (g,) = torch.autograd.grad((A * A).sum(), A)
    return g


def grad_in_callers_tensor(A):
    A.requires_grad_()
    (A**2).sum().backward()
    return A.grad


def zero_by_none(params):
    for p in params:
        p.grad = None


def zero_without_none_test(params):
    for p in params:
        p.grad.zero_()


def descent_with_sgd(w, loss_fn, lr, n_steps):
    optimizer = torch.optim.SGD([w], lr=lr)
    for _ in range(n_steps):
        optimizer.zero_grad()
        loss_fn(w).backward()
        optimizer.step()


def descent_autograd_grad(w, loss_fn, lr, n_steps):
    for _ in range(n_steps):
        (g,) = torch.autograd.grad(loss_fn(w), w)
        with torch.no_grad():
            w.sub_(lr * g)


def descent_zero_first(w, loss_fn, lr, n_steps):
    for _ in range(n_steps):
        w.grad.zero_()
        loss_fn(w).backward()
        with torch.no_grad():
            w -= lr * w.grad


def nodes_recursive(z):
    seen = {}

    def visit(node):
        if node is not None and id(node) not in seen:
            seen[id(node)] = node.name()
            for child, _ in node.next_functions:
                visit(child)

    visit(z.grad_fn)
    return list(seen.values())


def nodes_deduplicated_by_name(z):
    names, stack = [], [z.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node.name() not in names:
            names.append(node.name())
            stack.extend(child for child, _ in node.next_functions)
    return names


def nodes_without_seen_set(z):
    names, stack = [], [z.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None:
            names.append(node.name())
            stack.extend(child for child, _ in node.next_functions)
    return names


# parts 04-05
def split_randperm(x, y, test_size, seed):
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    n_test = round(test_size * len(x))
    test, train = order[:n_test], order[n_test:]
    return x[train], x[test], y[train], y[test]


def split_unshuffled(x, y, test_size, seed):
    n_train = len(x) - round(test_size * len(x))
    return x[:n_train], x[n_train:], y[:n_train], y[n_train:]


def split_two_permutations(x, y, test_size, seed):
    g = torch.Generator().manual_seed(seed)
    px, py = torch.randperm(len(x), generator=g), torch.randperm(len(x), generator=g)
    n_test = round(test_size * len(x))
    return x[px[n_test:]], x[px[:n_test]], y[py[n_test:]], y[py[:n_test]]


def standardize_population_std(x_train, x_test):
    mean, std = x_train.mean(0), x_train.std(0, correction=0)
    return (x_train - mean) / std, (x_test - mean) / std


def standardize_own_stats(x_train, x_test):
    return ((x_train - x_train.mean(0)) / x_train.std(0), (x_test - x_test.mean(0)) / x_test.std(0))


def standardize_in_place(x_train, x_test):
    mean, std = x_train.mean(0), x_train.std(0)
    x_test -= mean
    x_test /= std
    x_train -= mean
    x_train /= std
    return x_train, x_test


def init_then_requires_grad(d, device="cpu"):
    return (torch.zeros((1, d), device=device).requires_grad_(), torch.zeros(1, device=device).requires_grad_())


def init_ignoring_device(d, device="cpu"):
    return torch.zeros(1, d, requires_grad=True), torch.zeros(1, requires_grad=True)


def init_moved_after(d, device="cpu"):
    return torch.zeros(1, d, requires_grad=True).to(device), torch.zeros(1, requires_grad=True).to(device)


def mse_flattening(pred, y):
    return ((pred.reshape(-1) - y.reshape(-1)) ** 2).mean()


def mse_guarded_functional(pred, y):
    if pred.shape != y.shape:
        raise ValueError("formes différentes")
    return torch.nn.functional.mse_loss(pred, y)


def gd_step_grad_none(x, y, w, b, lr):
    loss = ((x @ w.T + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w.sub_(lr * w.grad)
        b.sub_(lr * b.grad)
    w.grad, b.grad = None, None
    return loss.item()


def gd_step_zero_first(x, y, w, b, lr):
    w.grad.zero_()
    b.grad.zero_()
    loss = ((x @ w.T + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    return loss.item()


def gd_step_new_tensors(x, y, w, b, lr):
    loss = ((x @ w.T + b - y) ** 2).mean()
    loss.backward()
    w = w - lr * w.grad
    b = b - lr * b.grad
    return loss.item()


def stop_with_margin(losses, tol):
    last = losses[-1]
    if math.isnan(last) or math.isinf(last):
        return "diverged"
    if len(losses) == 1:
        return None
    change = (losses[-2] - last) / losses[-2]
    if change < -1e-4:
        return "diverged"
    return "converged" if change <= tol else None


def stop_equal_is_divergence(losses, tol):
    if not math.isfinite(losses[-1]):
        return "diverged"
    if len(losses) < 2:
        return None
    if losses[-1] >= losses[-2]:
        return "diverged"
    return "converged" if (losses[-2] - losses[-1]) / losses[-2] < tol else None


def stop_strict_rise(losses, tol):
    if not math.isfinite(losses[-1]):
        return "diverged"
    if len(losses) < 2:
        return None
    if losses[-1] > losses[-2]:
        return "diverged"
    return "converged" if (losses[-2] - losses[-1]) / losses[-2] <= tol else None


def stop_against_first(losses, tol):
    """Compares with the FIRST loss: a rise after a fall goes unseen."""
    if not math.isfinite(losses[-1]):
        return course.DIVERGED
    if len(losses) < 2:
        return None
    if losses[-1] > losses[0] * (1 + 1e-4):
        return course.DIVERGED
    return course.CONVERGED if (losses[-2] - losses[-1]) / losses[-2] < tol else None


def stop_needing_two_losses(losses, tol):
    """Looks at nothing until there are two losses: a first loss that is already NaN goes on."""
    return None if len(losses) < 2 else stop_with_margin(losses, tol)


def standardize_by_variance(x_train, x_test):
    mean, var = x_train.mean(0), x_train.var(0)
    return (x_train - mean) / var, (x_test - mean) / var


def descent_while(x, y, lr, tol, max_iter, progress=False):
    w = torch.zeros(1, x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses, reason = [], "max_iter"
    while len(losses) < max_iter:
        loss = torch.nn.functional.mse_loss(x @ w.T + b, y)
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
        reason = stop_with_margin(losses, tol)
        if reason is not None:
            break
    return w, b, losses, reason or "max_iter"


def descent_never_stops_on_rise(x, y, lr, tol, max_iter, progress=False):
    w = torch.zeros(1, x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(max_iter):
        loss = ((x @ w.T + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())
        if len(losses) > 1 and abs(losses[-2] - losses[-1]) <= tol * losses[-2]:
            return w, b, losses, "converged"
    return w, b, losses, "max_iter"


def evaluate_inference_mode(x, y, w, b):
    with torch.inference_mode():
        pred = x @ w.T + b
        r2 = 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        return torch.nn.functional.mse_loss(pred, y).item(), r2.item()


def evaluate_switching_grad_off(x, y, w, b):
    """Right values, but autograd stays off for the rest of the notebook."""
    torch.set_grad_enabled(False)
    pred = torch.addmm(b, x, w.T)
    residual = ((y - pred) ** 2).sum()
    return (residual / len(y)).item(), (1 - residual / ((y - y.mean()) ** 2).sum()).item()


def evaluate_no_grad_uncalled(x, y, w, b):
    with torch.no_grad:
        return course.evaluate(x, y, w, b)


def mse_float64_default(pred, y):
    """Right value, but changes torch's default dtype for everything after."""
    torch.set_default_dtype(torch.float64)
    return torch.nn.functional.mse_loss(pred, y.view_as(pred))


def split_global_seed(x, y, test_size, seed):
    """Right split, but reseeds the notebook's global generator."""
    torch.manual_seed(seed)
    order = torch.randperm(len(x))
    n_test = round(test_size * len(x))
    return x[order[n_test:]], x[order[:n_test]], y[order[n_test:]], y[order[:n_test]]


def stop_self_inequality(losses, tol):
    """A NaN test written as ``v != v``: infinity passes through it."""
    last = losses[-1]
    if last != last:
        return course.DIVERGED
    if len(losses) < 2:
        return None
    before = losses[-2]
    if last > before * (1 + 1e-4):
        return course.DIVERGED
    return course.CONVERGED if before - last <= tol * before else None


def descent_plateau_is_rise(x, y, lr, tol, max_iter, progress=False):
    """A hand-written loop that treats an equal loss as a rise."""
    w = torch.zeros(1, x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(max_iter):
        loss = torch.nn.functional.mse_loss(x @ w.T + b, y)
        loss.backward()
        with torch.no_grad():
            for p in (w, b):
                p -= lr * p.grad
                p.grad = None
        losses.append(loss.item())
        if len(losses) > 1:
            if not math.isfinite(losses[-1]) or losses[-1] >= losses[-2]:
                return w, b, losses, course.DIVERGED
            if (losses[-2] - losses[-1]) / losses[-2] < tol:
                return w, b, losses, course.CONVERGED
    return w, b, losses, course.MAX_ITER


def evaluate_with_graph(x, y, w, b):
    pred = x @ w.T + b
    return ((pred - y) ** 2).mean().item(), (1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()).item()


def epoch_non_blocking(loader, w, b, optimizer, device=None):
    losses = []
    for xb, yb in loader:
        if device is not None:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(xb @ w.T + b, yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return float(np.mean(losses))


def epoch_on_the_cpu(loader, w, b, optimizer, device=None):
    """Brings the parameters to the batches (on the CPU) instead of the batches to the parameters."""
    losses = []
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = ((xb @ w.cpu().T + b.cpu() - yb) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def manual_epoch(move, zero_grad=True):
    """train_epoch written by hand; ``move(xb, yb, w, device)`` is the student's way of placing a batch."""
    def train_epoch(loader, w, b, optimizer, device=None):
        total = 0.0
        for xb, yb in loader:
            xb, yb = move(xb, yb, w, device)
            if zero_grad:
                optimizer.zero_grad()
            loss = ((xb @ w.T + b - yb) ** 2).mean()
            loss.backward()
            optimizer.step()
            total += loss.item()
        return total / len(loader)
    return train_epoch


def _check_test_scores(scores):
    """check_test_scores takes the notebook's values: train a model on a random problem, then ask ``scores``."""
    g = torch.Generator().manual_seed(int(torch.randint(0, 2**31, (1,))))
    x = torch.randn(200, 3, generator=g)
    y = x @ torch.randn(3, 1, generator=g) + 0.3 * torch.randn(200, 1, generator=g)
    x_train, x_test, y_train, y_test = x[:150], x[150:], y[:150], y[150:]
    w, b, _, _ = course.gradient_descent(x_train, y_train, 0.3, 1e-8, 3000)
    regression.check_test_scores(*scores(w, b, x_train, y_train, x_test, y_test), w, b,
                                 x_train, y_train, x_test, y_test)


CHECKS["test_scores"] = _check_test_scores

# --- the table ------------------------------------------------------------------------------------------------------
TRIALS = [
    # part 00: environment
    ("python_version", lambda: (sys.version_info.major, sys.version_info.minor), PASS),
    ("python_version", lambda: sys.version.split()[0], "texte"),
    ("python_version", lambda: tuple(sys.version_info), r"sys.version_info\[:2\]"),
    ("python_version", lambda: tuple(int(p) for p in sysconfig.get_python_version().split(".")), PASS),
    ("python_version", version_written_down, "écrite en dur"),
    ("follows_rule_1", lambda released, today: today >= released + timedelta(days=environment.MIN_AGE_DAYS), PASS),
    ("follows_rule_1", lambda released, today: (today - released).days > environment.MIN_AGE_DAYS, "exactement"),
    ("follows_rule_1", lambda released, today: (released - today).days >= environment.MIN_AGE_DAYS, "inversé"),
    ("follows_rule_1", lambda released, today: today.toordinal() - released.toordinal() >= 182, PASS),
    ("follows_rule_1", lambda released, today: (today.year - released.year) * 12 + today.month - released.month >= 6,
     "pas des numéros de mois"),
    ("follows_rule_1", lambda released, today: (date.today() - released).days >= environment.MIN_AGE_DAYS,
     r"pas date\.today\(\)"),
    ("environment_kind", kind_resolved, PASS),
    ("environment_kind", lambda prefix, base: "venv" if Path(prefix, "pyvenv.cfg").is_file()
     else "conda" if Path(prefix, "conda-meta").is_dir() else "aucun", PASS),
    ("environment_kind", kind_by_folder_name, "nom des dossiers ne prouve rien"),
    ("environment_kind", kind_by_envs_part, "nom des dossiers ne prouve rien"),
    ("environment_kind", lambda prefix, base: "venv" if prefix != base else "aucun",
     "Ce préfixe contient un dossier conda-meta"),
    ("parse_freeze", freeze_normalised, PASS),
    ("parse_freeze", freeze_unstripped, r"\.strip\(\)"),
    ("parse_freeze", lambda text: {k.strip(): v.strip() for k, v in (line.split("==", 1) for line in text.splitlines()
                                                                    if "==" in line)}, "n'en sont pas"),
    ("parse_freeze", lambda text: dict(line.split("==") for line in text.splitlines() if line), "ignorez-les"),
    ("differences", differences_by_loops, PASS),
    ("differences", differences_that_pops, "a modifié un de ses dictionnaires"),
    ("differences", lambda before, after: {n: (before[n], after[n]) for n in before
                                           if n in after and before[n] != after[n]}, "ajoutés"),
    pytest.param("terminal_freeze", freeze_file([sys.executable, "-m", "pip", "--disable-pip-version-check", "freeze"]),
                 PASS, marks=pytest.mark.slow),
    pytest.param("terminal_freeze", freeze_file([sys.executable, "-m", "pip", "list"]), "pip list",
                 marks=pytest.mark.slow),
    ("terminal_freeze", freeze_file(None), "vide"),
    ("export_versions", export_with_yaml, PASS),
    ("export_versions", export_conda_only, "- pip:"),
    ("export_versions", export_last_field, "deuxième morceau|premier et le second"),
    ("export_versions", export_pip_split_once, "DEUX « = »"),
    ("export_versions", export_keeping_indent, "indentation"),
    # part 01: tensors
    ("grid", lambda n, m: torch.arange(n * m, dtype=torch.int32).view(n, m), PASS),
    ("grid", lambda n, m: torch.stack([torch.arange(i * m, (i + 1) * m) for i in range(n)]), PASS),
    ("grid", lambda n, m: torch.arange(n * m).reshape(m, n), "inversées"),
    ("grid", lambda n, m: torch.arange(n * m, dtype=torch.float32).reshape(n, m), "entiers"),
    ("make_zeros_like", lambda x: torch.zeros(x.shape, dtype=x.dtype, device=x.device), PASS),
    ("make_zeros_like", lambda x: x.new_zeros(x.shape), PASS),
    ("make_zeros_like", lambda x: torch.zeros(x.shape, dtype=x.dtype), "device"),
    ("make_zeros_like", lambda x: x.zero_(), "modifie son argument x"),
    ("make_zeros_like", lambda x: x - x, r"x - x"),
    ("make_zeros_like", lambda x: torch.zeros(x.shape, dtype=x.dtype).to(x.device), PASS),
    ("make_zeros_like", lambda x: torch.zeros_like(x, device="cpu"), "device"),
    ("bytes_per_value", {dt: torch.empty(0, dtype=dt).element_size()
                         for dt in (torch.float64, torch.float32, torch.float16, torch.int8)}, PASS),
    ("bytes_per_value", {torch.float64: 64, torch.float32: 32, torch.float16: 16, torch.int8: 8}, "bits"),
    ("bytes_per_value", {"float64": 8, "float32": 4, "float16": 2, "int8": 1}, "sans guillemets"),
    ("size_in_bytes", lambda x: x.element_size() * math.prod(x.shape), PASS),
    ("size_in_bytes", lambda x: x.numel(), "element_size"),
    ("size_in_bytes", lambda x: x.numel() * 4, "float32 seulement"),
    ("values_with_n_bits", lambda n: 1 << n, PASS),
    ("values_with_n_bits", lambda n: 2 * n, r"pas 2 \* n"),
    ("values_with_n_bits", lambda n: torch.full((), 2).pow(n), PASS),
    ("model_memory_gb", lambda n_params, bits: n_params * (bits / 8) / 10**9, PASS),
    ("model_memory_gb", lambda n_params, bits: n_params * (bits // 8) / 1e9, "division entière"),
    ("model_memory_gb", lambda n_params, bits: n_params * bits / 1e9, "gigaBITS"),
    ("model_memory_gb", lambda n_params, bits: n_params * bits / 8 / 2**30, "Gio"),
    ("quantize_int8", quantize_min_max, PASS),
    ("quantize_int8", quantize_max_without_abs, "ABSOLUE"),
    ("quantize_int8", quantize_truncating, "tronque"),
    ("every_other_column", lambda x: x[:, 0::2], PASS),
    ("every_other_column", lambda x: x.T[::2].T, PASS),
    ("every_other_column", lambda x: torch.index_select(x, 1, torch.arange(0, x.shape[1], 2)), PASS),
    ("every_other_column", lambda x: torch.tensor([row[::2] for row in x.tolist()]), r"\.tolist\(\)"),
    ("every_other_column", lambda x: torch.stack(list(x.T)[::2], 1), "for ... in"),
    ("every_other_column", lambda x: torch.from_numpy(x.numpy()[:, ::2].copy()), "NumPy"),
    ("every_other_column", lambda x: x[::2], "LIGNE sur deux"),
    ("positives_only", lambda x: x[torch.where(x > 0)[0]], PASS),
    ("positives_only", lambda x: x.masked_select(x > 0), PASS),
    ("positives_only", lambda x: torch.tensor([v for v in x.tolist() if v > 0]), r"\.tolist\(\)"),
    ("positives_only", lambda x: torch.stack([v for v in x if v > 0]), "for ... in"),
    ("positives_only", lambda x: x[x >= 0], "Strictement"),
    ("elementwise", lambda x: x * x + 2 * x, PASS),
    ("elementwise", lambda x: x @ (x + 2), r"terme à terme s'écrit \*"),
    ("matrix_product", lambda x, w: torch.matmul(x, w), PASS),
    ("matrix_product", lambda x, w: (x * w.T).sum(1, keepdim=True), PASS),
    ("matrix_product", lambda x, w: x @ w.T, "sans transposer w"),
    ("matrix_product", lambda x, w: x * w.T, "terme à terme"),
    ("min_max_scale", lambda x: (x - x.amin(0)) / (x.amax(0) - x.amin(0)), PASS),
    ("min_max_scale", lambda x: (x - x.min()) / (x.max() - x.min()), "CHAQUE colonne"),
    ("min_max_scale", lambda x: (x - x.min(0)) / (x.max(0) - x.min(0)), r"\.values"),
    ("min_max_scale", lambda x: x - x.amin(0) / (x.amax(0) - x.amin(0)), "Priorités"),
    ("squared_distance", lambda x, y: (x - y).pow(2).sum(dim=1), PASS),
    ("squared_distance", lambda x, y: ((x - y) * (x - y)).sum(-1), PASS),
    ("squared_distance", lambda x, y: ((x - y) ^ 2).sum(1), "ou exclusif"),
    ("squared_distance", lambda x, y: ((x - y) * 2).sum(1), r"\*\* 2"),
    ("squared_distance", lambda x, y: (x - y) ** 2, r"\.sum\(1\)"),
    ("squared_distance", lambda x, y: ((x - y) ** 2).mean(1), "SOMME"),
    ("sin_in_place", lambda a: torch.sin(a, out=a), PASS),
    ("sin_in_place", sin_copy_back, PASS),
    ("sin_in_place", lambda a: torch.sin(a), "NOUVEAU tenseur"),
    ("add_out_of_place", lambda a, b: torch.add(a, b), PASS),
    ("add_out_of_place", lambda a, b: a.clone().add_(b), PASS),
    ("add_out_of_place", add_into_b, "Vous modifiez b"),
    ("add_out_of_place", add_into_a, "en place"),
    ("sum_per_row", lambda x: x.sum(dim=-1), PASS),
    ("sum_per_row", lambda x: x @ torch.ones(x.shape[1]), PASS),
    ("sum_per_row", lambda x: torch.tensor([sum(row) for row in x.tolist()]), r"\.tolist\(\)"),
    ("sum_per_row", lambda x: torch.stack([row.sum() for row in x]), "for ... in"),
    ("sum_per_row", lambda x: x.sum(0), "Mauvais axe"),
    ("sum_per_row", lambda x: x.mean(1), "moyenne de chaque ligne"),
    ("mean_per_column", lambda x: x.sum(0) / x.shape[0], PASS),
    ("mean_per_column", lambda x: torch.from_numpy(x.numpy().mean(0)), "NumPy"),
    ("mean_per_column", lambda x: x.mean(1), "Mauvais axe"),
    ("mean_per_column", lambda x: x.sum(0) / (x.shape[0] - 1), "pas par n - 1"),
    ("mean_per_column", lambda x: x.sum(0) / x.shape[1], "nombre de LIGNES"),
    ("max_per_row", lambda x: x.amax(1), PASS),
    ("max_per_row", lambda x: torch.max(x, dim=1)[0], PASS),
    ("max_per_row", lambda x: torch.tensor([max(row) for row in x.tolist()]), r"\.tolist\(\)"),
    ("max_per_row", lambda x: torch.stack([max(row) for row in x]), "for ... in"),
    ("max_per_row", lambda x: x.max(1), r"\.values"),
    ("sum_even_columns", lambda x: x[:, 0::2].sum(-1), PASS),
    ("sum_even_columns", lambda x: torch.stack([row[::2].sum() for row in x]), "for ... in"),
    ("sum_even_columns", lambda x: x[:, 1::2].sum(1), "commence à 0"),
    ("add_batch_dim", lambda image: image[None], PASS),
    ("add_batch_dim", lambda image: image.reshape(1, *image.shape), PASS),
    ("add_batch_dim", lambda image: image.unsqueeze(1), r"unsqueeze\(1\)"),
    ("remove_batch_dim", lambda output: output[0], PASS),
    ("remove_batch_dim", lambda output: output.squeeze(), "TOUTES les dimensions"),
    # part 02: devices
    ("choose_device", lambda: torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu"), PASS),
    ("choose_device", lambda: "cuda" if torch.cuda.device_count() > 0 else "cpu", PASS),
    ("choose_device", lambda: torch.device("cuda"), "sans GPU"),
    ("move_to", lambda x, device: x.to(device=device), PASS),
    ("move_to", move_forgetting_result, "RENVOIE"),
    ("move_to", lambda x, device: x.to(device, x.dtype, False, True), PASS),
    ("move_to", lambda x, device: x.to(device=device, non_blocking=True, copy=True, memory_format=torch.preserve_format),
     PASS),
    ("move_to", lambda x, device: x.cuda(non_blocking=True) if torch.device(device).type == "cuda" else x.cpu(), PASS),
    ("move_to", lambda x, device: x.cuda(), "en dur|device demandé"),
    ("add_on_device", lambda a, b: torch.add(a, b.to(a.device)), PASS),
    ("add_on_device", lambda a, b: a + b.to(device=a.device, dtype=a.dtype), PASS),
    ("add_on_device", lambda a, b: a.add(b.to(a)), PASS),
    ("add_on_device", lambda a, b: a + b, "rejoindre"),
    ("add_on_device", lambda a, b: a.cpu() + b, "rester sur le device de a"),
    ("add_on_device", lambda a, b: a + b.cuda(), "en dur|rejoindre"),
    ("add_on_device", lambda a, b: (a.cpu() + b).to(a.device), "aller-retour GPU → CPU → GPU"),
    ("estimated_transfer_time", lambda x, rate: x.nbytes / (rate * 10**9), PASS),
    ("estimated_transfer_time", lambda x, rate: x.numel() * x.element_size() * 8 / (rate * 1e9), "gigabits"),
    ("estimated_transfer_time", lambda x, rate: x.numel() * x.element_size() / rate, "1e9"),
    ("estimated_transfer_time", lambda x, rate: x.nbytes / (rate * 1e9) * 1000, "millisecondes"),
    ("time_on_device", time_monotonic, PASS),
    ("time_on_device", time_default_timer, PASS),
    ("time_on_device", time_without_sync, "LANCER"),
    ("time_on_device", time_final_sync_only, "AVANT"),
    ("time_on_device", time_always_sync, r"device\.type"),
    ("time_on_device", time_in_milliseconds, "SECONDES"),
    ("time_on_device", time_with_events, PASS),
    ("time_on_device", time_stream_sync, PASS),
    ("time_on_device", lambda fn, device: time_with_events(fn, device, wait=False), r"end\.synchronize\(\)"),
    ("time_on_device", time_in_nanoseconds, "SECONDES"),
    ("time_on_device", time_sync_then_read_early, "relue avant la fin"),
    ("time_on_device", time_stream_wait_first, "pas APRÈS fn"),
    ("time_on_device", time_three_runs, "TOTAL"),
    ("time_on_device", lambda fn, device: time_three_runs(fn, device, divide=True), PASS),
    ("time_on_device", time_processor_clock, "temps de calcul du PROCESSEUR"),
    ("time_on_device", time_end_reading_only, "pas une durée"),
    # part 03: autograd
    ("derivatives", derivatives_autograd_grad, PASS),
    ("derivatives", derivatives_finite_differences, "backward"),
    ("derivatives", derivatives_values, "pas leurs gradients"),
    ("derivatives", lambda f, a_val, b_val: derivatives_autograd_grad(f, a_val, b_val)[::-1], "inversées"),
    ("f_sin", lambda a, b: (2 * a + b).sin(), PASS),
    ("f_sin", lambda a, b: torch.tensor(math.sin(2 * a.item() + b.item())), "graphe est coupé"),
    ("grad_sum_of_squares", grad_autograd_grad, PASS),
    ("grad_sum_of_squares", lambda A: 2 * A, "à la main"),
    ("grad_sum_of_squares", grad_in_callers_tensor, "une copie"),
    ("zero_grads", zero_by_none, PASS),
    ("zero_grads", zero_without_none_test, "None"),
    ("descent", descent_with_sgd, PASS),
    ("descent", descent_autograd_grad, PASS),
    ("descent", descent_zero_first, "APRÈS la mise à jour"),
    ("to_numpy", lambda t: t.detach().to("cpu").numpy(), PASS),
    ("to_numpy", lambda t: t.numpy(force=True), PASS),
    ("to_numpy", lambda t: t.detach().numpy(), r"\.cpu\(\)"),
    ("to_numpy", lambda t: t.cpu().numpy(), "détachez"),
    ("graph_node_names", nodes_recursive, PASS),
    ("graph_node_names", nodes_deduplicated_by_name, "même nom"),
    ("graph_node_names", nodes_without_seen_set, "plusieurs chemins"),
    # parts 04-05: regression, torch.optim and DataLoader
    ("to_tensors", lambda data, target: (torch.from_numpy(data).float(), torch.from_numpy(target).float()[:, None]),
     PASS),
    ("to_tensors", lambda data, target: (torch.tensor(data), torch.tensor(target).reshape(-1, 1)), "float32"),
    ("to_tensors", lambda data, target: (torch.tensor(data, dtype=torch.float32),
                                         torch.tensor(target, dtype=torch.float32)), r"\(n, 1\)"),
    ("split", split_randperm, PASS),
    ("split", split_unshuffled, "mélanger"),
    ("split", split_two_permutations, "ne correspondent plus"),
    ("split", lambda x, y, test_size, seed: split_randperm(x, y, test_size, 0), "graine"),
    ("split", lambda x, y, test_size, seed: [split_randperm(x, y, test_size, seed)[i] for i in (0, 2, 1, 3)],
     "Ordre des résultats"),
    ("standardize", standardize_population_std, PASS),
    ("standardize", standardize_own_stats, "propres statistiques"),
    ("standardize", standardize_in_place, "en place"),
    ("standardize", standardize_by_variance, "CARRÉ de l'écart-type"),
    ("init_params", init_then_requires_grad, PASS),
    ("init_params", init_ignoring_device, "device est ignoré"),
    ("init_params", init_moved_after, "feuille"),
    ("init_params", lambda d: (torch.zeros(1, d, requires_grad=True), torch.zeros(1, requires_grad=True)),
     "signature"),
    ("predict", lambda x, w, b: torch.addmm(b, x, w.T), PASS),
    ("predict", lambda x, w, b: (x * w).sum(1, keepdim=True) + b, PASS),
    ("predict", lambda x, w, b: x @ w + b, r"Transposez w"),
    ("predict", lambda x, w, b: x @ w.T, "biais"),
    ("mse", mse_flattening, PASS),
    ("mse", mse_guarded_functional, PASS),
    ("mse", lambda pred, y: ((pred - y) ** 2).sum(), "somme des carrés"),
    ("mse", lambda pred, y: ((pred - y) ** 2).mean().item(), r"sans \.item\(\)"),
    ("mse", lambda pred, y: ((pred - y) ** 2).mean(), r"diffusé"),
    ("mse", lambda pred, y: (pred - y).abs().mean(), "ABSOLUS"),
    ("mse", lambda pred, y: ((pred - y) ** 2).mean().sqrt(), "RMSE"),
    ("mse", lambda pred, y: ((pred - y) ** 2).sum() / (len(pred) - 1), "n - 1"),
    ("r2_score", lambda pred, y: 1 - torch.nn.functional.mse_loss(pred, y) / y.var(correction=0), PASS),
    ("r2_score", lambda pred, y: 1 - ((pred - y) ** 2).sum() / ((pred - pred.mean()) ** 2).sum(), "inversés"),
    ("r2_score", lambda pred, y: 1 - ((pred - y) ** 2).mean() / y.var(), "n - 1"),
    ("gd_step", gd_step_grad_none, PASS),
    ("gd_step", gd_step_zero_first, "Avant le premier backward"),
    ("gd_step", gd_step_new_tensors, "NOUVEAU tenseur"),
    ("should_stop", stop_with_margin, PASS),
    ("should_stop", stop_equal_is_divergence, "plateau"),
    ("should_stop", stop_strict_rise, "plateau"),
    ("should_stop", stop_against_first, "augmente"),
    ("should_stop", stop_needing_two_losses, "isfinite"),
    ("should_stop", lambda losses, tol: "converged" if len(losses) > 1 and losses[-2] - losses[-1] < tol else None,
     "RELATIF|isfinite|augmente"),
    pytest.param("gradient_descent", descent_while, PASS, marks=pytest.mark.slow),
    pytest.param("gradient_descent", descent_never_stops_on_rise, "diverged", marks=pytest.mark.slow),
    ("evaluate", evaluate_inference_mode, PASS),
    ("evaluate", evaluate_with_graph, r"torch\.no_grad\(\)"),
    ("evaluate", evaluate_switching_grad_off, "resté désactivé"),
    ("evaluate", evaluate_no_grad_uncalled, "sans parenthèses"),
    ("mse", mse_float64_default, "dtype par défaut"),
    ("split", split_global_seed, "générateur aléatoire GLOBAL"),
    ("should_stop", stop_self_inequality, "infini"),
    pytest.param("gradient_descent", descent_plateau_is_rise, "plateau", marks=pytest.mark.slow),
    ("evaluate", lambda x, y, w, b: course.evaluate(x, y, w, b)[::-1], "Ordre inversé"),
    ("test_scores", lambda w, b, x_train, y_train, x_test, y_test: course.evaluate(x_test, y_test, w, b), PASS),
    ("test_scores", lambda w, b, x_train, y_train, x_test, y_test: course.evaluate(x_train, y_train, w, b),
     "ENTRAÎNEMENT"),
    ("make_loader", lambda x, y, batch_size: DataLoader(list(zip(x, y)), batch_size=batch_size, shuffle=True), PASS),
    ("make_loader", lambda x, y, batch_size: DataLoader(TensorDataset(x, y), batch_size=batch_size),
     "shuffle=True"),
    ("make_loader", lambda x, y, batch_size: DataLoader(TensorDataset(x, y), shuffle=True), "batch_size=batch_size"),
    ("make_loader", lambda x, y, batch_size: DataLoader(TensorDataset(x, y), batch_size, True, drop_last=True),
     "jetées"),
    ("train_epoch", epoch_non_blocking, PASS),
    ("train_epoch", manual_epoch(lambda xb, yb, w, device: (xb.to(w.device), yb.to(w.device))), PASS),
    ("train_epoch", manual_epoch(lambda xb, yb, w, device: (xb, yb)), r"xb\.to\(device\)"),
    ("train_epoch", epoch_on_the_cpu, "les ramène sur le CPU"),
    ("train_epoch", manual_epoch(lambda xb, yb, w, device: (xb.cuda(), yb.cuda())), r"en dur|xb\.to\(device\)"),
    ("train_epoch", manual_epoch(lambda xb, yb, w, device: (xb.to(device), yb.to(device)), zero_grad=False),
     "zero_grad"),
]
