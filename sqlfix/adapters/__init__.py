"""LoRA adapters shipped with sqlfix (one folder each, loaded by ``sqlfix.models.load_model``).

``smollm2-135m-sqlfix``: SmolLM2-135M-Instruct fine-tuned by ``sqlfix train`` on the demo
datasets; ``load_model("default")`` uses it. Each folder's README.md is its model card.
"""
