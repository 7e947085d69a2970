"""The conditions recorded with every result: host (CPU, threads, RAM under a cgroup limit), torch and CUDA,
and the GPU's PCIe link and clocks read through NVML while a copy is running (idle links train down)."""
from __future__ import annotations

import datetime as _dt
import os
import platform
import time

from .report import Environment, GpuInfo, LinkInfo, PcieState
from .stats import pcie_theoretical_gbps
from .units import MIB


def _read_int(path: str) -> int | None:
    try:
        with open(path) as handle:
            text = handle.read().strip()
        return None if text in ("", "max") else int(text)
    except (OSError, ValueError):
        return None


def host_memory() -> tuple[int | None, int | None]:
    """(total, available) host RAM in bytes, honouring a container's cgroup memory limit."""
    total = available = None
    try:
        with open("/proc/meminfo") as handle:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in handle if line.split()[1:2]}
        total, available = info.get("MemTotal"), info.get("MemAvailable", info.get("MemFree"))
    except (OSError, ValueError, IndexError):
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            pass
    limit = _read_int("/sys/fs/cgroup/memory.max") or _read_int("/sys/fs/cgroup/memory/memory.limit_in_bytes")
    if limit and total and limit < total:
        used = _read_int("/sys/fs/cgroup/memory.current") or _read_int("/sys/fs/cgroup/memory/memory.usage_in_bytes") or 0
        total = limit
        available = min(available or limit, max(limit - used, 0))
    if available is None and total is not None:
        available = total // 2
    return total, available


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "inconnu"


def _nvml_str(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _safe(fn, *args):
    try:
        return fn(*args)
    except Exception:
        return None


def _nvml_handle(nvml, index: int):
    import torch

    props = torch.cuda.get_device_properties(index)
    uuid = getattr(props, "uuid", None)
    if uuid is not None:
        text = str(uuid)
        handle = _safe(nvml.nvmlDeviceGetHandleByUUID, text if text.startswith(("GPU-", "MIG-")) else "GPU-" + text)
        if handle is not None:
            return handle
    bus = getattr(props, "pci_bus_id", None)
    if bus is not None:
        pci = f"{getattr(props, 'pci_domain_id', 0):08X}:{bus:02X}:{getattr(props, 'pci_device_id', 0):02X}.0"
        handle = _safe(nvml.nvmlDeviceGetHandleByPciBusId, pci)
        if handle is not None:
            return handle
    if not os.environ.get("CUDA_VISIBLE_DEVICES"):
        return nvml.nvmlDeviceGetHandleByIndex(index)
    # torch's own CUDA -> NVML index mapping (honours CUDA_VISIBLE_DEVICES); private, hence guarded
    to_nvml = getattr(torch.cuda, "_get_nvml_device_index", None)
    nvml_index = _safe(to_nvml, index) if to_nvml else None
    if nvml_index is not None:
        return nvml.nvmlDeviceGetHandleByIndex(nvml_index)
    raise RuntimeError("GPU introuvable dans NVML (UUID, bus PCI et CUDA_VISIBLE_DEVICES non reconnus)")


def _pcie_state(nvml, handle) -> PcieState:
    return PcieState(
        current_gen=_safe(nvml.nvmlDeviceGetCurrPcieLinkGeneration, handle),
        current_width=_safe(nvml.nvmlDeviceGetCurrPcieLinkWidth, handle),
        max_gen=_safe(nvml.nvmlDeviceGetMaxPcieLinkGeneration, handle),
        max_width=_safe(nvml.nvmlDeviceGetMaxPcieLinkWidth, handle),
        gpu_max_gen=_safe(getattr(nvml, "nvmlDeviceGetGpuMaxPcieLinkGeneration", None) or (lambda h: None), handle),
    )


def _clocks(nvml, handle) -> dict:
    out = {}
    for name in ("GRAPHICS", "SM", "MEM"):
        kind = getattr(nvml, f"NVML_CLOCK_{name}", None)
        if kind is not None:
            out[f"{name.lower()}_mhz"] = _safe(nvml.nvmlDeviceGetClockInfo, handle, kind)
            out[f"{name.lower()}_max_mhz"] = _safe(nvml.nvmlDeviceGetMaxClockInfo, handle, kind)
    return out


def _copy_and_read(nvml, handle, index: int) -> tuple[PcieState, bool, dict]:
    """Start ~70 ms of pinned copies on a side stream, read the link (and clocks) while they run."""
    import torch

    size = 64 * MIB
    src = torch.empty(size, dtype=torch.uint8, pin_memory=True)
    dst = torch.empty(size, dtype=torch.uint8, device=f"cuda:{index}")
    stream = torch.cuda.Stream(device=index)
    torch.cuda.synchronize()
    with torch.cuda.stream(stream):
        for _ in range(64):  # >= ~70 ms even on PCIe Gen5 x16
            dst.copy_(src, non_blocking=True)
    time.sleep(0.02)
    readings = []
    for _ in range(5):
        readings.append((_pcie_state(nvml, handle), not stream.query()))
        time.sleep(0.005)
    clocks = _clocks(nvml, handle)
    stream.synchronize()
    during = [state for state, running in readings if running] or [readings[-1][0]]
    best = max(during, key=lambda s: (s.current_gen or 0, s.current_width or 0))
    return best, any(running for _, running in readings), clocks


def read_link_under_load(index: int) -> dict:
    """PCIe generation/width and clocks read through NVML while copies run; {'available': False, ...} if not."""
    try:
        import pynvml as nvml
    except ImportError:
        return {"available": False, "reason": "nvidia-ml-py (module pynvml) n'est pas installé"}
    try:
        nvml.nvmlInit()
    except Exception as exc:
        return {"available": False, "reason": f"NVML indisponible : {exc}"}
    try:
        handle = _nvml_handle(nvml, index)
        info = {
            "available": True,
            "driver": _safe(lambda: _nvml_str(nvml.nvmlSystemGetDriverVersion())),
            "cuda_driver": _safe(getattr(nvml, "nvmlSystemGetCudaDriverVersion_v2", None) or (lambda: None)),
            "pcie_idle": _pcie_state(nvml, handle),
        }
        info["pcie_under_load"], info["read_during_copy"], info["clocks_under_load"] = _copy_and_read(nvml, handle, index)
        return info
    except Exception as exc:
        import torch

        _safe(torch.cuda.synchronize)  # never free buffers that a side-stream copy may still use
        return {"available": False, "reason": f"lecture NVML impossible : {exc}"}
    finally:
        _safe(nvml.nvmlShutdown)


def _link_info(nv: dict) -> LinkInfo:
    link = LinkInfo(nvml_available=nv.get("available", False), nvml_note=nv.get("reason"))
    if not link.nvml_available:
        return link
    load, idle = nv["pcie_under_load"], nv["pcie_idle"]
    link.pcie_idle, link.pcie_under_load, link.read_during_copy = idle, load, nv.get("read_during_copy")
    link.pcie_current_gen, link.pcie_current_width = load.current_gen, load.current_width
    link.pcie_max_gen = load.max_gen or idle.max_gen
    link.pcie_max_width = load.max_width or idle.max_width
    link.theoretical_gbps = pcie_theoretical_gbps(link.pcie_current_gen, link.pcie_current_width)
    link.theoretical_gbps_max = pcie_theoretical_gbps(link.pcie_max_gen, link.pcie_max_width)
    link.formula = "GT/s x 128/130 (8/10 for Gen1-2) x lanes / 8"
    return link


def _gpu_info(index: int) -> tuple[GpuInfo, LinkInfo]:
    import torch

    props = torch.cuda.get_device_properties(index)
    free, total = torch.cuda.mem_get_info(index)
    gpu = GpuInfo(index=index, name=props.name, capability=f"{props.major}.{props.minor}",
                  total_memory_bytes=total, free_memory_bytes=free, multiprocessors=props.multi_processor_count,
                  matmul_allow_tf32=bool(getattr(torch.backends.cuda.matmul, "allow_tf32", False)),
                  cudnn=_safe(torch.backends.cudnn.version))
    nv = read_link_under_load(index)
    if nv.get("available"):
        gpu.driver, gpu.cuda_driver_version = nv.get("driver"), nv.get("cuda_driver")
        gpu.clocks_under_load = nv.get("clocks_under_load")
    return gpu, _link_info(nv)


def collect_environment(use_cuda: bool, device_index: int | None) -> Environment:
    import torch

    total, available = host_memory()
    env = Environment(
        date_utc=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        python=platform.python_version(), platform=platform.platform(),
        torch=torch.__version__, torch_cuda=torch.version.cuda,
        cpu_model=cpu_model(), cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads(),
        host_ram_total_bytes=total, host_ram_available_bytes=available,
        in_lab_image=os.environ.get("LAB_IN_IMAGE") == "1", cuda_available=bool(torch.cuda.is_available()),
        gpu=None, link=None)
    if use_cuda:
        env.gpu, env.link = _gpu_info(device_index)
    return env
