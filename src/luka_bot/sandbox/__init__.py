"""Local stand-ins for Telegram and the LLM, and the web chat page; they speak HTTP only."""
