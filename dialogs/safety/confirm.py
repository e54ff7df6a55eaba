"""A direct question about a word that might be a warning sign, outside a check-in.

When a message in another flow (onboarding, /plan, a first hello) holds an
unclear sign ("my legs feel weak", "numb down there"), the coach asks about
that sign at once. Yes or not sure gets the emergency answer; no goes back to
exactly where the runner was.
"""

from __future__ import annotations

import logging

from dialogs import advice
from dialogs.flow import Context, NotUnderstood, Outcome, ask, fresh, idle, read_answer
from dialogs.messages import Incoming, Reply
from dialogs.ports import IDLE, Conversation
from dialogs.safety import screen
from dialogs.safety.care import services_for

logger = logging.getLogger(__name__)

PREFIX = "safety"
BACK = "Thanks, good to know. Back to where we were:"
BACK_IDLE = "Thanks, good to know. Tell me about your run whenever you like, or send /help."


def ask_about(ctx: Context, key: str) -> Outcome:
    """Asks the direct question `key`, remembering the conversation to return to."""
    conversation = fresh(ctx.conversation)
    resume = {"state": conversation.state, "data": conversation.data, "question": conversation.question}
    conversation.state = f"{PREFIX}:{key}"
    conversation.data = {"resume": resume}
    question = screen.question(f"confirm:{key}", ctx.profile)
    return Outcome([ask(conversation, question)], conversation)


def step(ctx: Context, incoming: Incoming) -> Outcome:
    """Gives the emergency answer to yes or not sure; returns to the earlier step on no."""
    conversation = fresh(ctx.conversation)
    key = conversation.state.partition(":")[2]
    slot = f"confirm:{key}"
    try:
        question = screen.question(slot, ctx.profile)
    except KeyError:
        return Outcome([Reply(text=BACK_IDLE)], idle(conversation))
    try:
        value = read_answer(question, incoming, ctx)
    except NotUnderstood:
        return Outcome([ask(conversation, question, prefix=question.reask, bump=False)], conversation)
    if value.partition(":")[0] in (screen.YES, screen.UNSURE):
        logger.info("direct safety question answered: emergency answer given")
        return Outcome([advice.emergency_reply(services_for(ctx.profile))], idle(conversation))
    resume = conversation.data.get("resume") or {}
    # The counter never goes back, so this question's buttons can never answer a later one.
    back = Conversation(state=resume.get("state", IDLE), data=dict(resume.get("data") or {}), question=conversation.question)
    if back.state == IDLE:
        return Outcome([Reply(text=BACK_IDLE)], back)
    return Outcome([Reply(text=f"{BACK} please type your answer to my question before this one.")], back)
