#!/bin/bash
# Example Slurm batch script for brisk on MPI (docs/mpi.md): one rank per node, every core of
# the node to the rank's oneTBB threads. Submit from the checkout: sbatch docs/brisk-slurm.sh
#SBATCH --job-name=brisk-sweep
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --time=02:00:00
#SBATCH --output=brisk-sweep-%j.log
set -euo pipefail
# srun starts the ranks (it sets PMIX_RANK or PMI_SIZE, from which brisk knows it runs on MPI);
# with an OpenMPI not built for Slurm use instead:
#   mpirun -n "$SLURM_NTASKS" --bind-to none build/bin/brisk ...
srun --cpu-bind=none build/bin/brisk sweep models/fmnist_cnn.h5 --data fashion-mnist \
    --threads "$SLURM_CPUS_PER_TASK" --out "results/sweep-$SLURM_JOB_ID"
