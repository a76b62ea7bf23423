"""Texts of the assistant."""

TEXTS = {
    "llm_failed": {
        "en": "Sorry, I can't answer right now. Please try again in a minute.",
        "ru": "Извините, сейчас не могу ответить. Попробуйте через минуту.",
    },
    "llm_interrupted": {
        "en": "(answer interrupted, sorry)",
        "ru": "(ответ прерван, извините)",
    },
    "llm_truncated": {
        "en": "(answer cut short: it reached the length limit)",
        "ru": "(ответ обрезан: достигнут предел длины)",
    },
    "ask_usage": {
        "en": "Ask me something: /ask your question, or mention me.",
        "ru": "Задайте вопрос: /ask ваш вопрос, или упомяните меня.",
    },
}
