"""Discord surface: slash commands, context menus, views, modals, listeners, tasks.

Cogs stay thin: parse, call coaching/ and storage/, render prompts/, reply.
"""
