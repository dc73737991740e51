"""Duty groups: the DingTalk and WeCom group robots of subdistricts and counties, and what their groups hear.

``notices``: the event log's hook, turning events into pending notices in the events' own transaction;
``compose``: pending notices into outbox messages, under each robot's rate (the merge rule is in the domain);
``summaries``: the hourly summary of each active incident; ``robots``: the ``group`` channel that sends them;
``registry``: registering, testing and deactivating robots, within the caller's subdistrict or county.
"""
