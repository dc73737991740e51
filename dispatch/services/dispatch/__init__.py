"""Dispatch: incidents and their needs, ranking the organizations that could answer, offering the work, the
answers, and the advice for many needs at once."""
