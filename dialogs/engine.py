"""The engine: one incoming message in, the coach's replies out.

It loads the runner's state, routes the message (global command, button,
or the current flow's step), and saves the new state together with whatever
the step wrote, in one transaction. Messages from one runner are handled one
at a time, in every process: the store's turn holds the runner's lock in the
database from load to save, and within this process dialogs/turn_order.py keeps
their order.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Callable

from dialogs.clock import utcnow
from dialogs import advice, checkin, clubs, coaching, commands, corrections, imports, onboarding, parsing, plan, progress
from dialogs import return_to_run
from dialogs.reminders import texts as reminder_texts
from dialogs.safety import confirm, signs
from dialogs.safety.care import services_for
from dialogs.flow import Context, Outcome, ReadOnlyStore, fresh, idle, parse_answer_payload
from dialogs.messages import MAX_TEXT_CHARS, PLATFORM_EVENTS, Address, Button, Incoming, IncomingKind, Reply, ReplyKind
from dialogs.messages import Visibility, group_safe, rows
from dialogs.models import Profile
from dialogs.ports import IDLE, Change, ChatMigrated, ClubActive, Conversation, Effect, RunnerBlocked, Store
from dialogs.turn_order import TurnOrder

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Handler = Callable[[Context, Incoming], Outcome]

PASSED = "That question has passed."
LOAD_FAILED = "Sorry, I can't reach my notebook right now. Please try again in a minute."
STEP_FAILED = "Sorry, something went wrong on my side. What you told me so far is kept; try again or /cancel."
SAVE_FAILED = "Sorry, I couldn't save that. Please send it again in a minute."
# Short replies that say nothing about a run; outside a flow they get a short answer, not a check-in.
ACKNOWLEDGED = {"yes", "yeah", "yep", "no", "nope", "ok", "okay", "k", "kk", "sure", "fine", "cool", "great", "good",
                "thanks", "thank you", "thx", "ta", "cheers", "got it", "will do", "noted", "alright", "right"}
ACKNOWLEDGEMENT = "Okay. Tell me about your next run whenever you like, or send /help."
GROUP_SAFE_DETAILS = ("x:routine:", "x:how:W", "x:how:A")  # stretch routines hold nothing personal


class _StepFailed(Exception):
    """A step raised; the turn rolls back and the runner hears STEP_FAILED."""


def go_private(text: str, command: str = "checkin") -> Reply:
    """Returns a group-safe reply with a button that continues in a private chat."""
    return Reply(
        text=text,
        buttons=rows([Button("Continue privately", f"/{command}")]),
        visibility=Visibility.ANYWHERE,
        kind=ReplyKind.GO_PRIVATE,
    )


class Engine:
    """Runs the coach for every platform: `await engine.handle(incoming)`."""

    def __init__(self, store: Store, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock
        self._order = TurnOrder(threaded=bool(getattr(store, "waits_on_network", False)))

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handles one message in one short transaction, under the runner's lock in the database.

        Turns of one runner run one at a time (dialogs/turn_order.py: on the loop for a
        local database, in a thread under a per-runner lock for a database server). A run
        file is read first, outside the turn, so no turn holds the database while a file
        is read. A platform event is recorded (`notice`); joining a group also answers /help.
        """
        key = incoming.address.runner_key
        if incoming.kind in PLATFORM_EVENTS:
            await self._order.run(key, self.notice, incoming)
            if incoming.kind != IncomingKind.JOINED:
                return []
            incoming = Incoming.from_text(incoming.address, "/help")  # a new group hears what the coach does
        if incoming.kind == IncomingKind.ATTACHMENT:
            await imports.read_ahead(incoming)  # the reader process's seconds pass outside the turn's lock
        return await self._order.run(key, self.handle_sync, incoming)

    def notice(self, incoming: Incoming) -> None:
        """Records a platform event (joined, left, migrated, blocked); a failure is logged, never raised."""
        effect: Effect
        if incoming.kind == IncomingKind.BLOCKED:
            if incoming.address.is_group:
                return  # a group that refuses messages keeps its settings; the dispatcher pauses its posts
            effect = RunnerBlocked()
        elif incoming.kind == IncomingKind.MIGRATED:
            effect = ChatMigrated(incoming.moved_to)
        else:
            effect = ClubActive(incoming.kind == IncomingKind.JOINED, incoming.chat_title)
        try:
            self.store.save(incoming.address, Change(Conversation(), effects=[effect]))
        except Exception:
            logger.exception("could not record %s on %s", incoming.kind, incoming.address.platform)

    def open_question(self, address: Address) -> int | None:
        """The number of the question open in this chat, or None when the conversation is at rest."""
        conversation = self.store.load(address).conversation
        return None if conversation.state == IDLE else conversation.question

    def handle_sync(self, incoming: Incoming) -> list[Reply]:
        """Runs one turn; in a group, only group-safe replies stay there (the one place that checks).

        A group reply that must stay private goes to the runner's private chat when the
        platform named one (`incoming.private_chat`: a Discord DM), marked PRIVATE, and is
        dropped otherwise. A command that belongs in private runs there directly, once.
        """
        if not incoming.address.is_group:
            return self._turn(incoming)
        if incoming.private_chat and self._continues_privately(incoming):
            return [_private(r) for r in self._turn(_in_private(incoming))]
        replies = self._turn(incoming)
        if incoming.private_chat:
            return replies  # the adapter delivers the PRIVATE ones to `private_chat`
        shown = group_safe(incoming.address, replies)
        if len(shown) < len(replies):
            logger.warning("dropped %d private reply(ies) meant for a %s group", len(replies) - len(shown),
                           incoming.address.platform)  # fmt: skip
        return shown

    def _continues_privately(self, incoming: Incoming) -> bool:
        """A group command (typed or a "/command" button) that `group` would only point to a private chat."""
        command = _requested_command(incoming)
        if command is None or not belongs_in_private(command[0]):
            return False
        return not (command[0] != "checkin" and signs.find(command[1]).emergency)  # else screen answers in the group

    def _turn(self, incoming: Incoming) -> list[Reply]:
        """Loads state, routes, saves, under the runner's lock; never raises to the adapter."""
        stage = "load"
        try:
            with self.store.turn(incoming.address) as snapshot:
                stage = "route"
                ctx = Context(
                    address=incoming.address,
                    profile=snapshot.profile or Profile(),
                    known=snapshot.profile is not None,
                    conversation=snapshot.conversation,
                    now=self.clock(),
                    store=ReadOnlyStore(self.store),
                )
                try:
                    outcome = self.route(ctx, incoming)
                except Exception as error:
                    logger.exception("step failed in state %s", ctx.conversation.state)
                    raise _StepFailed from error  # rolls back whatever the step wrote
                stage = "save"
                if not incoming.address.is_group or outcome.effects:  # in a group: only club changes
                    self.store.save(incoming.address, outcome.change())
        except _StepFailed:
            return [Reply(text=STEP_FAILED)]
        except Exception:
            logger.exception("could not %s state for %s", "load" if stage == "load" else "save", incoming.address.runner_key)
            return [Reply(text=LOAD_FAILED if stage == "load" else SAVE_FAILED)]
        if incoming.address.is_group and incoming.kind == IncomingKind.COMMAND and ctx.known:
            self._note_member(incoming)  # after the turn: a failure here costs only the count
        return outcome.replies

    def _note_member(self, incoming: Incoming) -> None:
        """Records a known runner's command in a group as club membership; a failure costs only the count."""
        try:
            self.store.note_club_member(incoming.address)
        except Exception:
            logger.exception("could not record club membership in %s", incoming.address.platform)

    def route(self, ctx: Context, incoming: Incoming) -> Outcome:
        """Decides what handles the message: a command, a button, or the current step."""
        unchanged = fresh(ctx.conversation)
        if incoming.kind == IncomingKind.TEXT and len(incoming.text) > MAX_TEXT_CHARS:
            note = (
                f"That message is {len(incoming.text)} characters; I read up to {MAX_TEXT_CHARS}. "
                "Could you send a shorter version?"
            )
            return Outcome([Reply(text=note)], unchanged)
        if incoming.kind == IncomingKind.BUTTON and incoming.payload and incoming.payload.startswith("/"):
            command, _, args = incoming.payload[1:].partition(" ")
            incoming = Incoming(address=incoming.address, command=command, args=args, kind=IncomingKind.COMMAND)
        screened = self.screen(ctx, incoming)
        if screened is not None:
            return screened
        if incoming.address.is_group:
            return self.group(ctx, incoming)
        if incoming.kind == IncomingKind.ATTACHMENT:
            return imports.handle(ctx, incoming)
        if incoming.kind == IncomingKind.LOCATION:
            return self.location(ctx, incoming)
        if incoming.kind == IncomingKind.UNSUPPORTED:
            note = "I can read text, button taps and GPX/FIT run files. Tell me about your run in words, or try /help."
            return Outcome([Reply(text=note, visibility=Visibility.ANYWHERE)], unchanged)
        if incoming.kind == IncomingKind.COMMAND:
            return self.command(ctx, incoming)
        if incoming.kind == IncomingKind.BUTTON:
            return self.button(ctx, incoming)
        if not incoming.text.strip():
            return Outcome([Reply(text="That message was empty. Tell me about your run, or send /help.")], unchanged)
        return self.text(ctx, incoming)

    def screen(self, ctx: Context, incoming: Incoming) -> Outcome | None:
        """Screens every typed message for warning signs before anything else sees it.

        An emergency sign stops whatever was going on with the emergency answer (in a
        group: a line on getting help and a private link, never the symptom); an unclear
        one gets a direct question. A check-in screens its own answers, so there it
        only steps in for an emergency.
        """
        kind = incoming.kind
        text = incoming.text if kind == IncomingKind.TEXT else incoming.args if kind == IncomingKind.COMMAND else ""
        if not text.strip() or (incoming.kind == IncomingKind.COMMAND and incoming.command == "checkin"):
            return None
        findings = signs.find(text)
        if not findings.emergency and (not findings.ask or incoming.address.is_group):
            return None
        care = services_for(ctx.profile)
        if incoming.address.is_group:
            logger.info("group message with warning-sign words: private help offered")
            return Outcome([go_private(advice.group_help(care))], fresh(ctx.conversation))
        state = ctx.conversation.state
        in_checkin = state.startswith(f"{checkin.PREFIX}:")
        if findings.emergency:
            if in_checkin:
                return checkin.escalate(ctx, list(findings.signs))
            if state == IDLE and ctx.profile.onboarded and incoming.kind == IncomingKind.TEXT:
                return checkin.start(ctx, incoming.text)  # logs the run with its emergency answer
            logger.info("emergency words outside a check-in: emergency answer given")
            return Outcome([advice.emergency_reply(care)], idle(ctx.conversation))
        if in_checkin or state.startswith(f"{confirm.PREFIX}:"):
            return None
        if state == IDLE and ctx.profile.onboarded and incoming.kind == IncomingKind.TEXT:
            return None  # a run report: the check-in asks its direct question first
        return confirm.ask_about(ctx, findings.ask[0])

    def location(self, ctx: Context, incoming: Incoming) -> Outcome:
        """Sets the time zone from a shared location while that question is open.

        The adapter turns the coordinates into a zone name (incoming.text) and
        drops the coordinates; they are never stored.
        """
        if ctx.conversation.state in (f"{onboarding.PREFIX}:timezone", f"{onboarding.SETTINGS}:timezone"):
            if not incoming.text:
                note = "I couldn't tell the time zone from that location. Type a city or a zone like Europe/London."
                return Outcome([Reply(text=note)], fresh(ctx.conversation))
            return self.step(ctx, Incoming.from_text(incoming.address, incoming.text))
        note = "To set your time zone from a location, open /settings, pick Time zone, then share it."
        return Outcome([Reply(text=note)], fresh(ctx.conversation))

    def command(self, ctx: Context, incoming: Incoming) -> Outcome:
        """Runs a global command; works from any step."""
        handler = PRIVATE_COMMANDS.get(incoming.command or "")
        if handler is None:
            text = f"I don't know /{incoming.command}. Send /help to see what I can do."
            return Outcome([Reply(text=text)], fresh(ctx.conversation))
        return handler(ctx, incoming)

    def button(self, ctx: Context, incoming: Incoming) -> Outcome:
        """Answers a button: a detail to show, or an answer to the current question."""
        payload = incoming.payload or ""
        unchanged = fresh(ctx.conversation)
        if payload.startswith("x:"):
            replies = advice.detail(payload[2:])
            if replies is None:
                return Outcome([Reply(text="That button no longer works. /help lists what I can do.")], unchanged)
            return Outcome(replies, unchanged)
        prefix = payload.partition(":")[0]
        if prefix in BUTTONS:
            return BUTTONS[prefix](ctx, incoming)
        answer = parse_answer_payload(payload)
        if answer is None:
            logger.warning("unknown button payload from %s", incoming.address.runner_key)
            return Outcome([Reply(text="I don't recognise that button. /help lists what I can do.")], unchanged)
        if answer[0] != ctx.conversation.question or ctx.conversation.state == IDLE:
            return Outcome([Reply(text=PASSED + self.where_we_are(ctx))], unchanged)
        return self.step(ctx, incoming)

    def where_we_are(self, ctx: Context) -> str:
        if ctx.conversation.state == IDLE:
            return " Tell me about your next run, or send /help."
        return " Please answer the latest question above, or /cancel."

    def text(self, ctx: Context, incoming: Incoming) -> Outcome:
        """Feeds typed text to the current step, or starts a check-in from a run report."""
        if ctx.conversation.state != IDLE:
            return self.step(ctx, incoming)
        if not ctx.profile.onboarded and not ctx.known:
            return onboarding.welcome(ctx, incoming.text)
        if incoming.text.strip(" .!?👍🙏").lower() in ACKNOWLEDGED:
            return Outcome([Reply(text=ACKNOWLEDGEMENT)], fresh(ctx.conversation))
        extraction = parsing.extract(incoming.text, ctx.profile.units)
        if extraction.values or extraction.problems:
            return checkin.start(ctx, incoming.text, extraction)
        hint = (
            "I didn't find a run in that. Tell me about it, for example "
            "\"5 km in 30 min on grass, no pain\", or send /checkin. /help lists everything."
        )
        return Outcome([Reply(text=hint)], fresh(ctx.conversation))

    def step(self, ctx: Context, incoming: Incoming) -> Outcome:
        """Hands the message to the flow that owns the current state."""
        state = ctx.conversation.state
        handler = STEPS.get(state) or STEPS.get(state.partition(":")[0])
        if handler is None:
            logger.warning("unknown state %r; back to idle", state)
            return Outcome([Reply(text="Let's start afresh. /help lists what I can do.")], idle(ctx.conversation))
        return handler(ctx, incoming)

    def group(self, ctx: Context, incoming: Incoming) -> Outcome:
        """Answers in a group without ever asking about or repeating pain."""
        unchanged = fresh(ctx.conversation)
        if incoming.kind == IncomingKind.COMMAND:
            name = incoming.command or ""
            if name in GROUP_HANDLERS:
                return GROUP_HANDLERS[name](ctx, incoming)
            if name == "help":
                text = "I'm Backstride, a running coach. Runners: check in with me privately after a run."
                return Outcome([go_private(text)], unchanged)
            if name == "stretches":
                replies = [
                    Reply(text=r.text, buttons=r.buttons, visibility=Visibility.ANYWHERE, kind=r.kind)
                    for r in commands.stretches(ctx, incoming.args)
                ]
                return Outcome(replies, unchanged)
            if belongs_in_private(name):
                return Outcome([go_private("Let's do that in a private chat.", name)], unchanged)
            return Outcome([], unchanged)
        if incoming.kind == IncomingKind.BUTTON and (incoming.payload or "").startswith(GROUP_SAFE_DETAILS):
            replies = advice.detail((incoming.payload or "")[2:]) or []
            return Outcome(
                [Reply(text=r.text, buttons=r.buttons, visibility=Visibility.ANYWHERE) for r in replies], unchanged
            )
        if incoming.kind == IncomingKind.TEXT and parsing.parse_has_pain(incoming.text):
            text = "Thanks for telling me. Let's talk about that privately, where only you and I can see it."
            return Outcome([go_private(text)], unchanged)
        return Outcome([], unchanged)


def belongs_in_private(command: str) -> bool:
    """A command a group only points to a private chat for (`Engine.group`)."""
    return command in PRIVATE_COMMANDS and command not in GROUP_HANDLERS and command not in ANSWERED_IN_GROUPS


def _requested_command(incoming: Incoming) -> tuple[str, str] | None:
    """The (command, args) asked for: typed, or a "/command args" button's payload; None for anything else."""
    if incoming.kind == IncomingKind.COMMAND:
        return incoming.command or "", incoming.args
    if incoming.kind == IncomingKind.BUTTON and (incoming.payload or "").startswith("/"):
        command, _, args = (incoming.payload or "")[1:].partition(" ")
        return command, args
    return None


def _in_private(incoming: Incoming) -> Incoming:
    """The same command as the runner would type it in their private chat (`incoming.private_chat`)."""
    command, args = _requested_command(incoming) or ("start", "")
    address = Address(incoming.address.platform, incoming.private_chat, incoming.address.user_id)
    return Incoming(address, text=f"/{command} {args}".strip(), command=command, args=args, kind=IncomingKind.COMMAND)


def _private(reply: Reply) -> Reply:
    """Marks a reply for the runner's private chat."""
    return reply if reply.visibility is Visibility.PRIVATE else replace(reply, visibility=Visibility.PRIVATE)


def _start(ctx: Context, incoming: Incoming) -> Outcome:
    """Onboards a new runner, welcomes back a known one, or follows a deep link."""
    deep_link = incoming.args.split(maxsplit=1)[0].lower() if incoming.args else ""
    if deep_link == "checkin" or (deep_link and deep_link not in PRIVATE_COMMANDS and ctx.profile.onboarded):
        return checkin.start(ctx)
    if deep_link in PRIVATE_COMMANDS and deep_link != "start":
        linked = Incoming(address=incoming.address, command=deep_link, kind=IncomingKind.COMMAND)
        return PRIVATE_COMMANDS[deep_link](ctx, linked)
    if ctx.profile.onboarded:
        text = f"Welcome back, {ctx.profile.name or 'runner'}. " + commands.HELP
        return Outcome([Reply(text=text)], idle(ctx.conversation))
    return onboarding.welcome(ctx)


def _replies(make: Callable[[Context, Incoming], list[Reply]]) -> Handler:
    """Wraps a command that only answers, leaving the conversation where it was."""
    return lambda ctx, incoming: Outcome(make(ctx, incoming), fresh(ctx.conversation))


def _cancel(ctx: Context, incoming: Incoming) -> Outcome:
    """Stops the current flow; everything already saved stays saved."""
    state = ctx.conversation.state
    if state == IDLE:
        return Outcome([Reply(text="Nothing to cancel. /help lists what I can do.")], fresh(ctx.conversation))
    text = "Stopped. Your settings and earlier runs are untouched."
    if state.startswith(checkin.PREFIX):
        text = "Stopped; this check-in wasn't logged. Your settings and earlier runs are untouched."
        if ctx.conversation.data.get("checkin", {}).get("has_pain"):
            text += " " + advice.safety_net(services_for(ctx.profile))
    return Outcome([Reply(text=text)], idle(ctx.conversation))


# Commands in a private chat. A flow adds its own here with one line.
PRIVATE_COMMANDS: dict[str, Handler] = {
    "start": _start,
    "checkin": lambda ctx, incoming: checkin.start(ctx, incoming.args),
    "cancel": _cancel,
    "settings": lambda ctx, incoming: onboarding.settings_menu(ctx),
    "forget": lambda ctx, incoming: commands.forget_ask(ctx),
    "help": _replies(lambda ctx, incoming: commands.help_reply()),
    "history": _replies(lambda ctx, incoming: commands.history(ctx)),
    "stretches": _replies(lambda ctx, incoming: commands.stretches(ctx, incoming.args)),
    "privacy": _replies(lambda ctx, incoming: commands.privacy(ctx)),
    "export": _replies(lambda ctx, incoming: commands.export(ctx)),
    "progress": _replies(lambda ctx, incoming: progress.progress_replies(ctx)),
    "plan": plan.plan_command,
    "reminders": plan.reminders_command,
    "pause": plan.pause_command,
    "resume": plan.resume_command,
    "undo": corrections.undo_command,
    "edit": corrections.edit_command,
}

# Commands with their own group behaviour (anything else in PRIVATE_COMMANDS gets a
# "continue privately" button). Handlers here must never mention pain.
GROUP_HANDLERS: dict[str, Handler] = {"clubrun": clubs.handle}
ANSWERED_IN_GROUPS = frozenset({"help", "stretches"})  # `Engine.group` answers these itself, group-safe

# The step that handles a state: looked up by full state name, then by its prefix.
STEPS: dict[str, Handler] = {
    checkin.PREFIX: checkin.step,
    f"{onboarding.SETTINGS}:menu": onboarding.settings_step,
    onboarding.SETTINGS: onboarding.step,
    onboarding.PREFIX: onboarding.step,
    commands.FORGET: commands.forget_step,
    plan.PREFIX: plan.step,
    confirm.PREFIX: confirm.step,
    corrections.UNDO: corrections.undo_step,
    corrections.EDIT: corrections.edit_step,
}

# Buttons that are not answers to the current question, by payload prefix
# ("f:12:better" -> BUTTONS["f"]). The handler must check the payload only
# touches the pressing runner's own data.
BUTTONS: dict[str, Handler] = {
    reminder_texts.FOLLOWUP_PREFIX: plan.followup_button,
    reminder_texts.SNOOZE_PREFIX: plan.snooze_button,
    coaching.PREFIX: return_to_run.button,
}
