"""What one measurement run does (sizes, timing, device) and what it keeps while it runs (progress, skips)."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

from .report import GPU_MODES, TARGETS, Skipped
from .timing import TimingConfig
from .units import KIB, MIB

DEFAULT_SIZES = [4 * KIB * 4**k for k in range(10)]  # 4 KiB .. 1 GiB
QUICK_SIZES = [4 * KIB, 64 * KIB, 1 * MIB, 16 * MIB]
MATMUL_SIZES = {"default": [64, 128, 256, 512, 1024, 2048, 4096], "quick": [32, 64, 128, 256]}
ADD_SIZES = {"default": [2**k for k in range(10, 25, 2)], "quick": [2**10, 2**14, 2**18, 2**20]}


@dataclass(frozen=True)
class Plan:
    timing: TimingConfig
    use_cuda: bool
    device: str  # cpu | cuda:N
    sizes: list[int]  # copy sizes in bytes
    matmul_sizes: list[int]
    add_sizes: list[int]

    def steps(self) -> int:
        """Measurements the progress display counts: per copy size, then per problem size and target."""
        per_size = 1 + (len(GPU_MODES) + 2 if self.use_cuda else 0)
        targets = len(TARGETS) if self.use_cuda else 1
        return per_size * len(self.sizes) + (len(self.matmul_sizes) + len(self.add_sizes)) * targets


class Progress:
    """Progress on stderr: a tqdm bar on a terminal, otherwise one line per measurement."""

    def __init__(self, total: int):
        self.total, self.count, self.bar = total, 0, None
        if sys.stderr.isatty():
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, file=sys.stderr, unit="mesure", leave=False, dynamic_ncols=True)
            except ImportError:
                pass

    def start(self, label: str) -> None:
        self.count += 1
        if self.bar is not None:
            self.bar.set_description(label[:48])
        else:
            print(f"[{self.count}/{self.total}] {label}", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def skip(self, label: str) -> None:
        self.start(f"{label} (ignorée)")
        self.done()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@dataclass
class RunLog:
    """Shared by the measurement stages: the progress display and the sizes that had to be skipped."""
    progress: Progress
    skipped: list[Skipped] = field(default_factory=list)
