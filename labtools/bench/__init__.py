"""The transfer benchmark behind `make bench`: what moving data to the GPU costs, against computing there.

Modules, in the order a run uses them: `cli` (arguments, the run), `plan` (sizes, progress), `environment`
(host, GPU, PCIe link through NVML), `timing` (the engine), `transfers` and `compute` (the cases), `stats`
(percentiles, fits, crossovers), `analysis` (verdicts, roofline), `report` (the typed report and its JSON/CSV
schema), `plots`, `console` (the terminal report), `fr` and `units` (French text and units), and `verify`
(the GPU check against CuPy's raw cudaMemcpyAsync). Importing any of them needs only the standard library;
torch, matplotlib, nvidia-ml-py and CuPy are imported where they are used.
"""
