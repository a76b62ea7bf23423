"""The newcomer gate: who may enter a group and speak in it.

Pure rules only (no aiogram, no Redis here except `repository.py`): the per-group gate settings,
captcha challenges, raid detection and applicant scoring. The Telegram side is
`telegram/newcomers/gatekeeper.py` (the service) and `telegram/routers/gate.py` (commands and updates).
"""
