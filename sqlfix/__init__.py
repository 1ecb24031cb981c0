"""sqlfix: text-to-SQL and SQL repair with small models fine-tuned on your own schemas."""

__version__ = "0.1.0"
