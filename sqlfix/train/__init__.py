"""LoRA fine-tuning of the chat models on datagen's datasets (TRL ``SFTTrainer`` + PEFT).

Importing this package loads no ML library; :func:`train` does.
"""

from sqlfix.train.config import TrainConfig
from sqlfix.train.examples import build_examples
from sqlfix.train.runner import TrainResult, train

__all__ = ["TrainConfig", "TrainResult", "build_examples", "train"]
