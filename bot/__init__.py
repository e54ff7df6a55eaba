"""The outside world: the terminal, Telegram, Discord, the clock, configuration and the CLI."""
