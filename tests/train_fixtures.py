"""A tiny Llama and a tiny datagen-format dataset, built locally (no download), for CPU tests
of the train → save → load → generate loop."""

from __future__ import annotations

import json
from pathlib import Path

from sqlfix.schema.model import Column, Schema, Table

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

TINY_SCHEMA = Schema(
    id="tiny",
    dialect="duckdb",
    tables=[
        Table(name="users", columns=[Column("user_id", "INTEGER"), Column("name", "VARCHAR"), Column("age", "INTEGER")],
              primary_key=["user_id"]),
        Table(name="orders", columns=[Column("order_id", "INTEGER"), Column("user_id", "INTEGER"), Column("total", "DOUBLE")],
              primary_key=["order_id"]),
    ],
)

REPAIRS = [
    ("SELEC name FROM users", "SELECT name FROM users", "Parser Error: syntax error at or near \"SELEC\""),
    ("SELECT nme FROM users", "SELECT name FROM users", "Binder Error: Referenced column \"nme\" not found"),
    ("SELECT total FROM order", "SELECT total FROM orders", "Catalog Error: Table with name order does not exist"),
    ("SELECT user_id, count(*) FROM orders", "SELECT user_id, count(*) FROM orders GROUP BY user_id",
     "Binder Error: column \"user_id\" must appear in the GROUP BY clause"),
]
QUESTIONS = [
    ("How many users are there?", "SELECT count(*) FROM users"),
    ("What is the total of all orders?", "SELECT sum(total) FROM orders"),
]


def write_tiny_dataset(root: Path) -> Path:
    """Write a datagen-style run folder (train + validation, schema stored) and return it."""
    rows = {
        "repair": [{"schema_id": "tiny", "dialect": "duckdb", "broken_sql": broken, "fixed_sql": fixed, "error": error,
                    "error_kind": "other", "question": None} for broken, fixed, error in REPAIRS],
        "text2sql": [{"schema_id": "tiny", "dialect": "duckdb", "question": q, "sql": sql} for q, sql in QUESTIONS],
    }
    for split in ("train", "validation"):
        (root / split).mkdir(parents=True)
        for task, task_rows in rows.items():
            chosen = task_rows if split == "train" else task_rows[:1]
            (root / split / f"{task}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in chosen))
    (root / "schemas").mkdir()
    (root / "schemas" / "tiny.json").write_text(json.dumps(TINY_SCHEMA.to_dict()))
    return root


def build_tiny_llama(target: Path, corpus: list[str]) -> Path:
    """Train a byte-level BPE tokenizer on ``corpus``, build a 2-layer Llama and save both
    (with a ChatML chat template) into ``target``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=600, special_tokens=SPECIAL,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                        bos_token=None)
    tokenizer.chat_template = CHATML
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                         bos_token_id=None, tie_word_embeddings=True)
    model = LlamaForCausalLM(config)
    # Unit-scale (tied) embeddings: with the default std of 0.02 the frozen output layer caps
    # logits near uniform, and no adapter could lower the loss much.
    model.get_input_embeddings().weight.data.normal_(0.0, 0.3)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target
