# The IPython kernel of the lab image (installed as /etc/ipython/ipython_kernel_config.py, read by every kernel):
# LabKernel makes "Run all" stop at the first failed cell, every time (lab/kernel.py says why).
c = get_config()  # noqa: F821  (injected by IPython)

c.IPKernelApp.kernel_class = "lab.kernel.LabKernel"
