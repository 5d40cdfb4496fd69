"""Campaigns: broadcasts and automations, their steps, A/B variants, holdouts and results."""
