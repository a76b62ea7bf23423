"""`luka-bot` command line: run, emulator, sandbox, eval (SANDBOX_API.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import webbrowser
from pathlib import Path

import structlog

from luka_bot.logging import configure_logging
from luka_bot.settings import Role, Settings, SettingsError, load_settings
from luka_bot.store.redis import StorageError

log = structlog.get_logger(__name__)

SANDBOX_TOKEN = "123456:sandbox-token"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="luka-bot", description="Telegram group assistant and moderator")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the bot: gateway and moderation worker")
    run.add_argument("--role", choices=[r.value for r in Role], default=Role.ALL.value)
    emulator = sub.add_parser("emulator", help="the Telegram Bot API emulator alone")
    emulator.add_argument("--port", type=int, default=8081)
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--bot-username", default="luka_test_bot")
    sandbox = sub.add_parser("sandbox", help="emulator + bot + web chat page in one command")
    sandbox.add_argument("--port", type=int, default=8080, help="port of the chat page and emulator")
    sandbox.add_argument("--data-dir", type=Path, default=None)
    sandbox.add_argument("--no-browser", action="store_true")
    evaluate = sub.add_parser("eval", help="score the offline moderation tiers on a labelled file")
    from luka_bot.moderation.evaluate import add_arguments as add_eval_arguments

    add_eval_arguments(evaluate)
    return parser


async def _run(settings: Settings, role: Role) -> None:
    from luka_bot.app import build_app

    app = await build_app(settings, role)
    await app.run()


async def _emulator(host: str, port: int, bot_username: str) -> None:
    from luka_bot.sandbox.telegram_emulator import start_emulator

    _, runner, bound = await start_emulator(host, port, bot_username)
    log.info("emulator.started", url=f"http://{host}:{bound}")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def _sandbox(settings: Settings, port: int, open_browser: bool) -> None:
    from luka_bot.app import build_app
    from luka_bot.sandbox.llm_emulator import start_llm_emulator
    from luka_bot.sandbox.telegram_emulator import start_emulator

    _, tg_runner, tg_port = await start_emulator("127.0.0.1", port)
    overrides: dict[str, object] = {"telegram_api_url": f"http://127.0.0.1:{tg_port}"}
    if not settings.bot_token:
        overrides["bot_token"] = SANDBOX_TOKEN
    llm_runner = None
    if "llm_base_url" not in settings.model_fields_set:
        _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
        overrides.update(llm_base_url=f"http://127.0.0.1:{llm_port}/v1",
                         assistant_model="emulated-assistant", moderation_model="emulated-judge")
        log.info("sandbox.llm_emulated", hint="set LLM_BASE_URL to use a real model")
    bot_settings = settings.model_copy(update=overrides)
    app = await build_app(bot_settings, Role.ALL)
    url = f"http://127.0.0.1:{tg_port}/"
    print(f"luka-bot sandbox: open {url}", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        await app.run()
    finally:
        if llm_runner is not None:
            await llm_runner.cleanup()
        await tg_runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "eval":
        from luka_bot.moderation.evaluate import main_eval

        return main_eval(args)
    try:
        settings = load_settings()
        if args.command == "sandbox":
            updates: dict[str, object] = {"log_format": "console"} if "log_format" not in settings.model_fields_set else {}
            if args.data_dir is not None:
                updates["data_dir"] = args.data_dir
            settings = settings.model_copy(update=updates)
        configure_logging(settings.log_format if args.command == "run" else "console", settings.log_level)
        if args.command == "run":
            if not settings.bot_token:
                raise SettingsError("setting BOT_TOKEN is missing: get one from @BotFather (any 123:abc works against the emulator)")
            asyncio.run(_run(settings, Role(args.role)))
        elif args.command == "emulator":
            asyncio.run(_emulator(args.host, args.port, args.bot_username))
        elif args.command == "sandbox":
            asyncio.run(_sandbox(settings, args.port, not args.no_browser))
    except (SettingsError, StorageError) as exc:
        print(f"luka-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
