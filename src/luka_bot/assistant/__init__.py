"""Assistant: prompt building, LLM streaming and paced delivery. Knows nothing of aiogram."""
