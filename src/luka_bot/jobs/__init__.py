"""Durable moderation work queue on a Redis Stream: intake, consume, ack, reclaim, dead-letter."""

from luka_bot.jobs.queue import IntakeResult, IntakeSlot, Job, JobQueue, QueueStats
from luka_bot.jobs.worker import Handler, Retry, Worker

__all__ = ["Handler", "IntakeResult", "IntakeSlot", "Job", "JobQueue", "QueueStats", "Retry", "Worker"]
