"""`luka-bot` command line: run, emulator, sandbox, eval (SANDBOX_API.md)."""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import socket
import sys
import webbrowser
from collections.abc import Coroutine, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from luka_bot.logging import configure_logging
from luka_bot.settings import Role, Settings, SettingsError, StartupError, load_settings
from luka_bot.store.redis import StorageError

if TYPE_CHECKING:
    from luka_bot.app import App
    from luka_bot.moderation.evaluate import Example
    from luka_bot.moderation.evaluate_judge import JudgeEvalReport

log = structlog.get_logger(__name__)

SANDBOX_TOKEN = "123456:sandbox-token"
SANDBOX_PAGE_PORT = 8080


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="luka-bot", description="Telegram group assistant and moderator")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the bot: gateway and moderation worker")
    run.add_argument("--role", choices=[r.value for r in Role], default=Role.ALL.value)
    run.add_argument(
        "--webhook",
        metavar="URL",
        default=None,
        help="receive updates by webhook at this public URL instead of long polling (WEBHOOK_URL)",
    )
    emulator = sub.add_parser("emulator", help="the Telegram Bot API emulator alone")
    emulator.add_argument("--port", type=int, default=8081)
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--bot-username", default="luka_test_bot")
    sandbox = sub.add_parser("sandbox", help="emulator + bot + web chat page in one command")
    sandbox.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port of the chat page and emulator (default {SANDBOX_PAGE_PORT}, or a free one when it is busy)",
    )
    sandbox.add_argument("--data-dir", type=Path, default=None)
    sandbox.add_argument("--no-browser", action="store_true")
    evaluate = sub.add_parser("eval", help="score the offline moderation tiers on a labelled file")
    from luka_bot.moderation.evaluate import add_arguments as add_eval_arguments

    add_eval_arguments(evaluate)
    evaluate.add_argument(
        "--judge",
        action="store_true",
        help="also ask the configured LLM judge (LLM_*/MODERATION_* settings), as LLM_JUDGE says",
    )
    return parser


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` on uvloop when it is installed (a cheaper event loop), else on asyncio's own.

    uvloop is optional: where it cannot be installed the bot behaves the same, only slower."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


async def _run(settings: Settings, role: Role) -> None:
    from luka_bot.app import build_app

    app = await build_app(settings, role)
    # Everything built so far (~250k objects: aiogram's models, the classifier, settings) lives
    # as long as the process. Moving it out of the collector's view stops full collections from
    # walking it again and again (pauses of ~200 ms every few thousand messages otherwise).
    gc.collect()
    gc.freeze()
    with _telegram_start_errors(settings):
        await app.run()


@contextmanager
def _telegram_start_errors(settings: Settings) -> Iterator[None]:
    """The first calls to Telegram (getMe, the first getUpdates) failing mean a wrong setting or no
    network: one line naming the setting, not aiogram's traceback. Later failures are retried by
    polling itself and never get here."""
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramBadRequest,
        TelegramConflictError,
        TelegramNetworkError,
        TelegramNotFound,
        TelegramUnauthorizedError,
    )

    url = settings.telegram_api_url
    try:
        yield
    except TelegramUnauthorizedError:
        raise StartupError(
            "Telegram refused BOT_TOKEN (401 Unauthorized): copy the token from @BotFather "
            "again, or /revoke it there and use the new one"
        ) from None
    except TelegramNetworkError as exc:
        raise StartupError(
            f"cannot reach Telegram at TELEGRAM_API_URL={url} ({exc.message}): check the "
            f"network, a proxy or the setting"
        ) from None
    except TelegramBadRequest as exc:
        if "webhook" not in exc.message.lower():
            raise
        raise StartupError(
            f"Telegram refused the webhook URL {settings.webhook_url} ({exc.message}): it must be "
            f"a public https:// address on port 443, 80, 88 or 8443"
        ) from None
    except (TelegramNotFound, ClientDecodeError):
        raise StartupError(
            f"TELEGRAM_API_URL={url} does not answer as the Bot API: set it to "
            f"https://api.telegram.org or your Bot API server"
        ) from None
    except TelegramConflictError:
        raise StartupError(
            "another process is taking this bot's updates (409 Conflict): stop it, or run this one with --role worker"
        ) from None


async def _emulator(host: str, port: int, bot_username: str) -> None:
    from luka_bot.sandbox.telegram_emulator import start_emulator

    try:
        _, runner, bound = await start_emulator(host, port, bot_username)
    except OSError as exc:
        raise StartupError(_port_error("--port", host, port, exc)) from None
    log.info("emulator.started", url=f"http://{host}:{bound}")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _port_error(what: str, host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"{what} {port} on {host} is already in use by another program: stop it, or pass another {what}"
    return f"cannot listen on {host} port {port} given by {what} ({exc.strerror or exc})"


def _port_is_free(host: str, port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


async def _sandbox(settings: Settings, port: int | None, open_browser: bool) -> None:
    from luka_bot.app import build_app
    from luka_bot.sandbox.llm_emulator import start_llm_emulator
    from luka_bot.sandbox.telegram_emulator import start_emulator

    # Defaults give way: a second sandbox (or anything on 8080/8090) must not stop this one. A port
    # the person asked for does not: it is theirs, so a busy one is their mistake to fix.
    if port is None:
        port = SANDBOX_PAGE_PORT if _port_is_free("127.0.0.1", SANDBOX_PAGE_PORT) else 0
    if "web_port" not in settings.model_fields_set and not _port_is_free(settings.web_host, settings.web_port):
        settings = settings.model_copy(update={"web_port": 0})
    try:
        _, tg_runner, tg_port = await start_emulator("127.0.0.1", port)
    except OSError as exc:
        raise StartupError(_port_error("--port", "127.0.0.1", port, exc)) from None
    overrides: dict[str, object] = {"telegram_api_url": f"http://127.0.0.1:{tg_port}"}
    if not settings.bot_token:
        overrides["bot_token"] = SANDBOX_TOKEN
    llm_runner = None
    if "llm_base_url" not in settings.model_fields_set:
        _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
        overrides.update(
            llm_base_url=f"http://127.0.0.1:{llm_port}/v1",
            assistant_model="emulated-assistant",
            moderation_model="emulated-judge",
        )
        log.info("sandbox.llm_emulated", hint="set LLM_BASE_URL to use a real model")
    bot_settings = settings.model_copy(update=overrides)
    try:
        app = await build_app(bot_settings, Role.ALL)
    except BaseException:
        await tg_runner.cleanup()
        if llm_runner is not None:
            await llm_runner.cleanup()
        raise
    url = f"http://127.0.0.1:{tg_port}/"
    printed = asyncio.create_task(_announce(app, url, open_browser))
    try:
        await app.run()
    finally:
        printed.cancel()
        if llm_runner is not None:
            await llm_runner.cleanup()
        await tg_runner.cleanup()


async def _announce(app: App, url: str, open_browser: bool) -> None:
    """Prints the page URL and the health port once both listen (either may have been chosen free)."""
    while app.web_port is None:  # noqa: ASYNC110 - App.start sets it once; an Event on App for one print is not worth it
        await asyncio.sleep(0.05)
    host = app.settings.web_host
    print(f"luka-bot sandbox: open {url}  (health and metrics: http://{host}:{app.web_port}/healthz)", flush=True)
    if open_browser:
        webbrowser.open(url)


def _eval_with_judge(path: Path, *, as_json: bool) -> int:
    import json

    from luka_bot.moderation.evaluate import EvalFileError, read_examples

    try:
        settings = load_settings()
        examples = read_examples(path)
    except (EvalFileError, OSError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # The report goes to stdout; judge failures (and only those) are worth a line on stderr.
    configure_logging(settings.log_format, "WARNING")
    result = asyncio.run(_judge_examples(settings, examples))
    from luka_bot.moderation.evaluate_judge import format_judge_report

    print(json.dumps(result.as_json(), ensure_ascii=False) if as_json else format_judge_report(result))
    return 0


async def _judge_examples(settings: Settings, examples: list[Example]) -> JudgeEvalReport:
    from luka_bot.app import build_judge_llm
    from luka_bot.llm.client import LlmClient
    from luka_bot.moderation.cascade import Cascade
    from luka_bot.moderation.classifier import SpamClassifier
    from luka_bot.moderation.evaluate_judge import evaluate_with_judge
    from luka_bot.moderation.judge import LlmJudge

    llm = LlmClient(settings.llm_base_url, settings.llm_api_key, timeout=settings.llm_timeout)
    chain, fallback = build_judge_llm(settings, llm, None)
    judge = LlmJudge(
        chain,
        settings.moderation_model,
        timeout=settings.judge_timeout,
        batch_size=settings.judge_batch,
        concurrency=settings.judge_concurrency,
        max_tokens=settings.judge_max_tokens,
    )
    try:
        return await evaluate_with_judge(
            examples,
            Cascade(SpamClassifier.load(), judge=judge),
            judge,
            mode=settings.llm_judge,
            model=settings.moderation_model,
        )
    finally:
        for client in {llm, chain.primary, fallback}:
            if client is not None:
                await client.aclose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "eval" and args.judge:
        return _eval_with_judge(args.file, as_json=args.json)
    if args.command == "eval":
        from luka_bot.moderation.evaluate import main_eval

        return main_eval(args)
    try:
        settings = load_settings()
        if args.command == "sandbox":
            updates: dict[str, object] = (
                {"log_format": "console"} if "log_format" not in settings.model_fields_set else {}
            )
            if args.data_dir is not None:
                updates["data_dir"] = args.data_dir
            settings = settings.model_copy(update=updates)
        configure_logging(settings.log_format if args.command == "run" else "console", settings.log_level)
        if args.command == "run" and args.webhook is not None:
            settings = load_settings(webhook_url=args.webhook)
        if args.command == "run":
            if not settings.bot_token:
                raise SettingsError(
                    "setting BOT_TOKEN is missing: get one from @BotFather (any 123:abc works against the emulator)"
                )
            run_loop(_run(settings, Role(args.role)))
        elif args.command == "emulator":
            asyncio.run(_emulator(args.host, args.port, args.bot_username))
        elif args.command == "sandbox":
            run_loop(_sandbox(settings, args.port, not args.no_browser))
    except (SettingsError, StorageError) as exc:
        print("luka-bot: " + " ".join(str(exc).split()), file=sys.stderr)  # one line, whatever the cause says
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
