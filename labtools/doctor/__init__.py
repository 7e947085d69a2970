"""Diagnose the PyTorch GPU Lab, `flutter doctor` style: one line per named check (✓ ok, ! warn, ✗ fail), the fix
under each ! and ✗, a summary, exit status 1 when a check fails.

Host checks (host.py: Docker, the image, the NVIDIA driver against CUDA, the container toolkit, port, disk) need only
the standard library. The environment checks (env.py: Python pin and rule 1, packages against the lock, torch/CUDA,
Jupyter, data) run where the lab runs: on the host the doctor runs itself in the lab container (remote.py). Each
check collects facts, then a pure function decides (model.CheckSpec). Student-facing text is French.
"""
