"""LLM generator: OpenAI-compatible client with cache and retries, answer parsing, prompts."""
