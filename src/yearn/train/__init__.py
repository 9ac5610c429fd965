"""The training engine: models (backbone + head), the loop and its callbacks,
checkpoints, the learning-rate range test and scale-up; every run writes a predictions
table."""

from yearn.train._callbacks import (
    Callback,
    CallbackList,
    DivergenceDetector,
    EarlyStopping,
    PlateauDetector,
    StoreCurves,
    TensorBoardLogger,
)
from yearn.train._checkpoint import load_checkpoint, save_checkpoint
from yearn.train._config import (
    DEFAULT_BATCH_SIZE,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    scaled_batch_size,
)
from yearn.train._cv import DEFAULT_CV_SPLITS, cv_project
from yearn.train._data import SplitData, TrainData, make_train_data, split_indices
from yearn.train._device import PRECISIONS, as_input, default_device, module_device
from yearn.train._estimator import TorchClassifier, TorchMultiLabelClassifier, TorchRegressor
from yearn.train._fit import FitResult, fit
from yearn.train._loop import predict_outputs
from yearn.train._losses import (
    default_loss,
    error_name,
    expected_outputs,
    masked_bce,
    outputs_to_proba,
)
from yearn.train._lr_find import LRFindResult, lr_find
from yearn.train._mlflow import MLflowLogger, export_runs, mlflow_client
from yearn.train._models import MODEL_NAMES, BackboneHead, SmallCNN, build_model, linear, mlp
from yearn.train._project import lr_find_project, project_data, scale_up_project, train_project
from yearn.train._saved import load_model
from yearn.train._scale_up import ScaleStep, ScaleUpResult, scale_up
from yearn.train._state import TrainState

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CV_SPLITS",
    "MODEL_NAMES",
    "OPTIMIZERS",
    "PRECISIONS",
    "SCHEDULES",
    "BackboneHead",
    "Callback",
    "CallbackList",
    "DivergenceDetector",
    "EarlyStopping",
    "FitResult",
    "LRFindResult",
    "MLflowLogger",
    "PlateauDetector",
    "ScaleStep",
    "ScaleUpResult",
    "SmallCNN",
    "SplitData",
    "StoreCurves",
    "TensorBoardLogger",
    "TorchClassifier",
    "TorchMultiLabelClassifier",
    "TorchRegressor",
    "TrainConfig",
    "TrainData",
    "TrainState",
    "as_input",
    "build_model",
    "cv_project",
    "default_device",
    "default_loss",
    "error_name",
    "expected_outputs",
    "export_runs",
    "fit",
    "linear",
    "load_checkpoint",
    "load_model",
    "lr_find",
    "lr_find_project",
    "make_train_data",
    "masked_bce",
    "mlflow_client",
    "mlp",
    "module_device",
    "outputs_to_proba",
    "predict_outputs",
    "project_data",
    "save_checkpoint",
    "scale_up",
    "scale_up_project",
    "scaled_batch_size",
    "split_indices",
    "train_project",
]
