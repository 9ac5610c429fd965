#!/usr/bin/env bash
# Benchmark-only environment for Evidently (never a yearn dependency).
# Usage: bash bench/setup_evidently_env.sh   -> creates bench/.envs/evidently
# Evidently 0.7 needs pandas < 3, so it lives in its own venv.
# bench/profile_scale.py calls bench/.envs/evidently/bin/python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
env="$here/.envs/evidently"
python3 -m venv "$env"
"$env/bin/pip" install --quiet --upgrade pip
"$env/bin/pip" install --quiet "evidently>=0.7,<0.8" "pandas<3" "pyarrow"
"$env/bin/python" -c "import evidently, pandas, numpy; print('evidently', evidently.__version__, 'pandas', pandas.__version__, 'numpy', numpy.__version__)"
