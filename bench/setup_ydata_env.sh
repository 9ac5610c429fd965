#!/usr/bin/env bash
# Benchmark-only environment for ydata-profiling (never a yearn dependency).
# Usage: bash bench/setup_ydata_env.sh   -> creates bench/.envs/ydata
# ydata-profiling pins older numpy/pandas, so it lives in its own venv; pip resolves the
# versions it declares. bench/profile_scale.py calls bench/.envs/ydata/bin/python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
env="$here/.envs/ydata"
python3 -m venv "$env"
"$env/bin/pip" install --quiet --upgrade pip
"$env/bin/pip" install --quiet "ydata-profiling" "pyarrow" "setuptools<81"
"$env/bin/python" -c "import ydata_profiling, pandas, numpy; print('ydata-profiling', ydata_profiling.__version__, 'pandas', pandas.__version__, 'numpy', numpy.__version__)"
