#!/usr/bin/env bash
# Benchmark-only environment for cleanlab (never a yearn dependency).
# Usage: bash bench/setup_cleanlab_env.sh   -> creates bench/.envs/cleanlab
# bench/label_issues.py writes labels and out-of-fold probabilities to .npy files and calls
# bench/.envs/cleanlab/bin/python on them, so cleanlab never enters yearn's environment.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
env="$here/.envs/cleanlab"
python3 -m venv "$env"
"$env/bin/pip" install --quiet --upgrade pip
"$env/bin/pip" install --quiet "cleanlab" "scikit-learn" "numpy"
"$env/bin/python" -c "import cleanlab, numpy, sklearn; print('cleanlab', cleanlab.__version__, 'numpy', numpy.__version__, 'scikit-learn', sklearn.__version__)"
