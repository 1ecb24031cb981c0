"""Teacher recipes: a larger model writes questions, SQL samples and mistakes; execution keeps
what round-trips (plan -> answer, here or on a GPU host -> round 2 -> answer -> finish)."""
