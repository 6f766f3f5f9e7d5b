"""The LLM analysis of a scope: the job, LLM annotators, PII rules, the review queue, exports."""
