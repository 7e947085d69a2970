#!/bin/sh
# Installed as /usr/local/lib/lab/fallback-bin/nvidia-smi, the last directory on PATH: it runs only when the
# real nvidia-smi (mounted by the NVIDIA Container Toolkit in /usr/bin when the lab has a GPU) is absent.
echo "nvidia-smi : ce conteneur n'a pas de GPU, car le lab a été lancé en mode CPU (l'hôte n'a pas de GPU NVIDIA" \
    "que Docker puisse donner, ou make lab GPU=off) ; sur l'hôte, « make doctor » dit ce qui manque (pilote NVIDIA," \
    "NVIDIA Container Toolkit) et comment l'installer." >&2
exit 127
