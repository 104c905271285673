"""Policy-effect evaluation (工伤政策效果评估): did trained enterprises' injury rates fall more
than comparable untrained ones' (difference-in-differences), and did the city's series change
at a policy date (interrupted time series)."""
