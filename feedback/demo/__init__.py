"""The demo merchant's survey, answers and cases (a step of `seed_demo`)."""
